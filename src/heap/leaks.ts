import { classRetainedSizes } from './class-retained.js';
import { dominatorChildren } from './dominator-children.js';
import type { DominatorTree } from './dominators.js';
import type { HeapGraph } from './heap-graph.js';
import { ordinalsSortedById, presentIn } from './id-order.js';
import { edgeLabel, isReachable, pathTo, shortestPaths, type PathStep, type ShortestPaths } from './retainer-paths.js';

/**
 * The three-snapshot leak finder (memlab's method): an object is leaked when it was
 * allocated between BASE and TARGET (its id is in TARGET but not in BASE) and is still
 * alive in FINAL. Leaked objects are grouped two ways:
 *  - by retainer path: each "leak root" (a leaked object whose immediate dominator is not
 *    leaked, so it holds the leaked objects below it) is keyed by its shortest path from
 *    the GC roots with indices erased, so 10 000 entries of one array are one group;
 *    groups are ranked by the memory their roots retain;
 *  - by constructor: count, self size and DevTools-style class retained size.
 * Like memlab, numbers and hidden engine objects are never leaks by themselves (they are
 * counted in the retained size of what holds them); neither are compiled code,
 * shapes, the engine's "system / ..." internals, nor objects reachable only through
 * compiled code (names and constants V8 creates as functions warm up). Groups retaining
 * less than `minRetainedBytes` are counted but not listed: one-off lazy initialisation
 * in the runtime allocates a few hundred bytes between any two snapshots.
 */

export interface LeakFinderOptions {
  /** Rows per view. */
  limit: number;
  minRetainedBytes: number;
  /**
   * List only groups that also gained objects after TARGET (same retainer path). Right
   * for evenly spaced snapshots of a repeated workload (scenario mode), where a group
   * that stopped growing is a one-off allocation or a replaced container, not a leak.
   */
  growingOnly: boolean;
}

export interface LeakClassRow {
  className: string;
  count: number;
  selfBytes: number;
  retainedBytes: number;
  /** Objects of this class allocated after TARGET and alive in FINAL: > 0 means it still grows. */
  newerCount: number;
  /** The instance with the largest retained size, and its shortest path from the roots. */
  sample: LeakSample;
}

export interface LeakPathGroup {
  /** The path with indices erased: the grouping key. */
  signature: string;
  rootCount: number;
  /** Leaked objects held by this group's roots (the roots included). */
  leakedCount: number;
  retainedBytes: number;
  /** Most frequent leaked classes under these roots, by count. */
  classes: Array<{ className: string; count: number }>;
  /** Objects allocated after TARGET, alive in FINAL, held at the same path: the leak goes on. */
  growing: boolean;
  sample: LeakSample;
}

export interface LeakSample {
  ordinal: number;
  id: number;
  className: string;
  retainedBytes: number;
  /** Steps from the root; empty when unreachable. */
  path: PathLabel[];
}

export interface PathLabel {
  edge: string;
  className: string;
  id: number;
}

export interface LeakReport {
  base: string;
  target: string;
  final: string;
  /** Leaked objects in the listed groups. */
  leakedCount: number;
  leakedSelfBytes: number;
  /** Sum of the listed groups' retained sizes: what freeing the leaks would give back. */
  leakedRetainedBytes: number;
  byPath: LeakPathGroup[];
  byClass: LeakClassRow[];
  /** Path groups not listed (below minRetainedBytes, or not growing with growingOnly), and what they retain. */
  smallGroups: { count: number; retainedBytes: number };
  /** Groups beyond `limit`, per view. */
  omittedPathGroups: number;
  omittedClasses: number;
  /** Objects of FINAL that also exist in TARGET: near 0 means snapshots of different processes. */
  matchedTargetCount: number;
  finalNodeCount: number;
}

/** Sorted ids of BASE and TARGET: all the leak finder needs from them. */
export interface IdIndex {
  path: string;
  ids: Uint32Array;
  sorted: Uint32Array;
}

export function idIndex(g: HeapGraph): IdIndex {
  return { path: g.path, ids: g.nodeId, sorted: ordinalsSortedById(g.nodeId) };
}

export function findLeaks(base: IdIndex, target: IdIndex, final: HeapGraph, dom: DominatorTree, opts: LeakFinderOptions): LeakReport {
  const n = final.nodeCount;
  const finalSorted = ordinalsSortedById(final.nodeId);
  const inTarget = presentIn(target.ids, target.sorted, final.nodeId, finalSorted);
  const inBase = presentIn(base.ids, base.sorted, final.nodeId, finalSorted);
  const trivial = trivialClasses(final);
  const paths = shortestPaths(final);
  const viaCode = reachedOnlyThroughCode(final, paths);
  const native = final.types.nodeNative;

  // 1 = allocated between BASE and TARGET, 2 = allocated after TARGET; candidates only.
  const age = new Uint8Array(n);
  let matchedTarget = 0;
  for (let i = 0; i < n; i++) {
    if (inTarget[i]) matchedTarget++;
    if (inBase[i] || viaCode[i]) continue;
    if (final.nodeSelfSize[i] === 0 && final.nodeType[i] !== native) continue;
    if (trivial[final.nodeClass[i]!]) continue;
    age[i] = inTarget[i] ? 1 : 2;
  }

  // Leak roots and, top-down over the dominator tree, the root holding each leaked node
  // (for age-2 objects: whether they are a root of their own age, for the growth check).
  const children = dominatorChildren(dom.idom, final.rootOrdinal);
  const rootOf = new Int32Array(n).fill(-1);
  const newerRoot = new Uint8Array(n);
  {
    const stack = new Uint32Array(n);
    let sp = 0;
    stack[sp++] = final.rootOrdinal;
    while (sp > 0) {
      const v = stack[--sp]!;
      const d = dom.idom[v]!;
      if (age[v] === 1) rootOf[v] = d !== v && age[d] === 1 ? rootOf[d]! : v;
      else if (age[v] === 2 && !(d !== v && age[d] === 2)) newerRoot[v] = 1;
      for (let k = children.start[v]!, end = children.start[v + 1]!; k < end; k++) stack[sp++] = children.children[k]!;
    }
  }

  // Group the roots by path signature.
  interface Acc { index: number; signature: string; roots: number; leaked: number; retained: number; best: number; growing: boolean }
  const bySignature = new Map<string, Acc>();
  const accs: Acc[] = [];
  const groupOfRoot = new Int32Array(n).fill(-1);
  const signatureOf = signatures(final, paths);
  for (let i = 0; i < n; i++) {
    if (rootOf[i] !== i) continue;
    const signature = signatureOf(i);
    let acc = bySignature.get(signature);
    if (!acc) {
      acc = { index: accs.length, signature, roots: 0, leaked: 0, retained: 0, best: i, growing: false };
      bySignature.set(signature, acc);
      accs.push(acc);
    }
    acc.roots++;
    acc.retained += dom.retainedSize[i]!;
    if (dom.retainedSize[i]! > dom.retainedSize[acc.best]!) acc.best = i;
    groupOfRoot[i] = acc.index;
  }
  for (let i = 0; i < n; i++) {
    if (!newerRoot[i]) continue;
    const acc = bySignature.get(signatureOf(i));
    if (acc) acc.growing = true;
  }
  const listedGroup = Uint8Array.from(accs, (a) => (a.retained >= opts.minRetainedBytes && (a.growing || !opts.growingOnly) ? 1 : 0));
  const smallGroups = { count: 0, retainedBytes: 0 };
  for (const a of accs) {
    if (listedGroup[a.index]) continue;
    smallGroups.count++;
    smallGroups.retainedBytes += a.retained;
  }

  // Leaked objects of the listed groups, per group and per class.
  const classCount = final.classNames.length;
  const leaked = new Uint8Array(n);
  const count = new Float64Array(classCount);
  const self = new Float64Array(classCount);
  const newer = new Float64Array(classCount);
  const best = new Int32Array(classCount).fill(-1);
  const groupClasses = accs.map(() => new Map<number, number>());
  let leakedCount = 0;
  let leakedSelf = 0;
  for (let i = 0; i < n; i++) {
    const c = final.nodeClass[i]!;
    if (age[i] === 2) {
      newer[c]!++;
      continue;
    }
    const r = rootOf[i]!;
    if (r < 0) continue;
    const gi = groupOfRoot[r]!;
    if (!listedGroup[gi]) continue;
    leaked[i] = 1;
    leakedCount++;
    leakedSelf += final.nodeSelfSize[i]!;
    count[c]!++;
    self[c]! += final.nodeSelfSize[i]!;
    if (best[c]! < 0 || dom.retainedSize[i]! > dom.retainedSize[best[c]!]!) best[c] = i;
    accs[gi]!.leaked++;
    const m = groupClasses[gi]!;
    m.set(c, (m.get(c) ?? 0) + 1);
  }
  const retained = classRetainedSizes(children, final.rootOrdinal, final.nodeClass, classCount, dom.retainedSize, final.nodeSelfSize, leaked);

  const sampleOf = (ordinal: number): LeakSample => ({
    ordinal,
    id: final.nodeId[ordinal]!,
    className: final.className(ordinal),
    retainedBytes: dom.retainedSize[ordinal]!,
    path: labelPath(final, pathTo(paths, ordinal, final.rootOrdinal) ?? []),
  });

  const listed = accs.filter((a) => listedGroup[a.index]).sort((a, b) => b.retained - a.retained || b.leaked - a.leaked);
  const byPath: LeakPathGroup[] = listed.slice(0, opts.limit).map((a) => ({
    signature: a.signature,
    rootCount: a.roots,
    leakedCount: a.leaked,
    retainedBytes: a.retained,
    classes: [...groupClasses[a.index]!.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([c, k]) => ({ className: final.classNames[c]!, count: k })),
    growing: a.growing,
    sample: sampleOf(a.best),
  }));

  const classOrder: number[] = [];
  for (let c = 0; c < classCount; c++) if (count[c]! > 0) classOrder.push(c);
  classOrder.sort((a, b) => retained[b]! - retained[a]! || count[b]! - count[a]!);
  const byClass: LeakClassRow[] = classOrder.slice(0, opts.limit).map((c) => ({
    className: final.classNames[c]!,
    count: count[c]!,
    selfBytes: self[c]!,
    retainedBytes: retained[c]!,
    newerCount: newer[c]!,
    sample: sampleOf(best[c]!),
  }));

  return {
    base: base.path,
    target: target.path,
    final: final.path,
    leakedCount,
    leakedSelfBytes: leakedSelf,
    leakedRetainedBytes: listed.reduce((s, a) => s + a.retained, 0),
    byPath,
    byClass,
    smallGroups,
    omittedPathGroups: Math.max(0, listed.length - opts.limit),
    omittedClasses: Math.max(0, classOrder.length - opts.limit),
    matchedTargetCount: matchedTarget,
    finalNodeCount: n,
  };
}

/**
 * Never leaks by themselves: numbers, hidden system objects, compiled code, shapes,
 * synthetic roots, and V8's "system / ..." objects other than closure contexts. Unlike
 * memlab, strings can be: a cache keyed by ever-new strings is the classic Node leak, and
 * the strings V8 creates by itself are reached through compiled code, filtered above.
 */
function trivialClasses(g: HeapGraph): Uint8Array {
  const out = new Uint8Array(g.classNames.length);
  const trivial = new Set(['(number)', '(system)', '(compiled code)', '(object shape)', '(synthetic)', '(hidden)']);
  g.classNames.forEach((name, c) => {
    if (trivial.has(name) || (name.startsWith('system / ') && name !== 'system / Context')) out[c] = 1;
  });
  return out;
}

/** 1 for nodes whose shortest path from the roots passes through compiled code or a shape. */
function reachedOnlyThroughCode(g: HeapGraph, paths: ShortestPaths): Uint8Array {
  const out = new Uint8Array(g.nodeCount);
  const { nodeCode, nodeObjectShape } = g.types;
  const order = paths.order;
  for (let k = 0; k < order.length; k++) {
    const v = order[k]!;
    const p = paths.parentNode[v]!;
    if (p === 0xffffffff) continue;
    const t = g.nodeType[p];
    if (out[p] || t === nodeCode || t === nodeObjectShape) out[v] = 1;
  }
  return out;
}

function labelPath(g: HeapGraph, steps: PathStep[]): PathLabel[] {
  return steps.map((s) => ({ edge: edgeLabel(g, s.edge), className: g.className(s.to), id: g.nodeId[s.to]! }));
}

/**
 * The grouping key: each step's edge label (numbers erased) and the class it reaches.
 * Leak roots mostly share their parent (the array or table holding them), so the
 * parent's key is computed once and memoised.
 */
function signatures(g: HeapGraph, paths: ShortestPaths): (ordinal: number) => string {
  const memo = new Map<number, string>();
  const step = (v: number): string => `${edgeLabel(g, paths.parentEdge[v]!).replace(/\d+/g, '#')} ${g.className(v)}`;
  const ofParent = (p: number): string => {
    let sig = memo.get(p);
    if (sig === undefined) {
      const steps = pathTo(paths, p, g.rootOrdinal);
      sig = steps ? steps.map((s) => step(s.to)).join(' → ') : '(unreachable)';
      memo.set(p, sig);
    }
    return sig;
  };
  return (v) => {
    if (v === g.rootOrdinal) return '';
    if (!isReachable(paths, v)) return '(unreachable)';
    const p = paths.parentNode[v]!;
    const head = ofParent(p);
    return head ? `${head} → ${step(v)}` : step(v);
  };
}
