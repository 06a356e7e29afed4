import type { HeapGraph } from './heap-graph.js';

/**
 * Dominator tree and retained sizes, by Lengauer–Tarjan (single pass, no fix-point, so
 * it cannot spin) over the CSR arrays, with Chrome DevTools' rules for which edges
 * retain:
 *  - weak edges never retain;
 *  - shortcut edges retain only from the synthetic root (they mark the user's global
 *    objects there; elsewhere they duplicate a real path, e.g. a bound function's target);
 *  - an edge from a node that is not page-owned into a page-owned node is ignored (so
 *    the debugger's and the engine's own handles do not steal the dominance of user
 *    objects); "page-owned" = reachable from the root's shortcut edges (the globals) or
 *    from "(Document DOM trees)" by non-weak edges;
 *  - nodes left unreachable whose retainers are all weak or shortcut are walked from as
 *    if the root held them, and anything still unreached hangs off the root.
 * Vertex numbering, orphan handling and the retained-size pass mirror memlab's and
 * DevTools' Lengauer–Tarjan, so the numbers agree with both.
 */

export type PageOwnershipRule =
  /** DevTools: page-owned = reachable from the globals (root shortcuts) or the DOM trees root. */
  | 'devtools'
  /** memlab 2.x: page-owned = reachable from the root's non-shortcut edges. */
  | 'memlab';

export interface DominatorTree {
  /** Immediate dominator's ordinal for every node (the root's is itself). */
  idom: Uint32Array;
  retainedSize: Float64Array;
  /** Nodes not reachable from the root through retaining edges (hung off the root). */
  unreachableCount: number;
}

export function computeDominators(g: HeapGraph, rule: PageOwnershipRule = 'devtools'): DominatorTree {
  const n = g.nodeCount;
  const rootOrd = g.rootOrdinal;
  const firstEdge = g.firstEdge;
  const edgeType = g.edgeType;
  const edgeTo = g.edgeToNode;
  const weak = g.types.edgeWeak;
  const shortcut = g.types.edgeShortcut;

  const pageOwned = markPageOwned(g, rule);

  // Predecessors along retaining edges, as CSR (node ordinals), built in two passes.
  const predStart = new Uint32Array(n + 1);
  for (let from = 0; from < n; from++) {
    const fromOwned = pageOwned[from]!;
    const isRoot = from === rootOrd;
    for (let e = firstEdge[from]!, end = firstEdge[from + 1]!; e < end; e++) {
      const t = edgeType[e]!;
      if (t === weak || (t === shortcut && !isRoot)) continue;
      const to = edgeTo[e]!;
      if (to === from || (!isRoot && pageOwned[to]! && !fromOwned)) continue;
      predStart[to + 1]!++;
    }
  }
  for (let i = 0; i < n; i++) predStart[i + 1]! += predStart[i]!;
  const preds = new Uint32Array(predStart[n]!);
  {
    const fill = predStart.slice(0, n);
    for (let from = 0; from < n; from++) {
      const fromOwned = pageOwned[from]!;
      const isRoot = from === rootOrd;
      for (let e = firstEdge[from]!, end = firstEdge[from + 1]!; e < end; e++) {
        const t = edgeType[e]!;
        if (t === weak || (t === shortcut && !isRoot)) continue;
        const to = edgeTo[e]!;
        if (to === from || (!isRoot && pageOwned[to]! && !fromOwned)) continue;
        preds[fill[to]!++] = from;
      }
    }
  }

  // Lengauer–Tarjan arrays, 1-based vertices (v = ordinal + 1; 0 means "none").
  const size = n + 1;
  const parent = new Uint32Array(size);
  const ancestor = new Uint32Array(size);
  const vertex = new Uint32Array(size);
  const label = new Uint32Array(size);
  const semi = new Uint32Array(size);
  const dom = new Uint32Array(size);
  let cursor: Uint32Array | undefined = new Uint32Array(size); // DFS edge cursor per vertex
  let dfnum = 0;

  const dfs = (start: number): void => {
    const cur = cursor!;
    cur[start] = firstEdge[start - 1]!;
    let v = start;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++dfnum;
        vertex[dfnum] = v;
        label[v] = v;
      }
      let next = parent[v]!;
      const from = v - 1;
      const isRoot = from === rootOrd;
      const fromOwned = pageOwned[from]!;
      const end = firstEdge[from + 1]!;
      let e = cur[v]!;
      for (; e < end; e++) {
        const t = edgeType[e]!;
        if (t === weak || (t === shortcut && !isRoot)) continue;
        const to = edgeTo[e]!;
        if (to === from || (!isRoot && pageOwned[to]! && !fromOwned)) continue;
        const w = to + 1;
        if (semi[w] === 0) {
          parent[w] = v;
          cur[w] = firstEdge[to]!;
          next = w;
          e++;
          break;
        }
      }
      cur[v] = e;
      v = next;
    }
  };

  const r = rootOrd + 1;
  dfs(r);
  const unreachableCount = n - dfnum;
  if (dfnum < n) {
    // Orphans held only by weak or shortcut edges: walk their subgraphs from the root.
    const strong = hasStrongRetainer(g);
    for (let v = 1; v <= n; v++) {
      if (semi[v] === 0 && !strong[v - 1]) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (dfnum < n) {
    // What is left retains itself in cycles: number it directly under the root.
    for (let v = 1; v <= n; v++) {
      if (semi[v] === 0) {
        parent[v] = r;
        semi[v] = ++dfnum;
        vertex[dfnum] = v;
        label[v] = v;
      }
    }
  }

  // Buckets as singly linked lists over two arrays (the DFS cursor is reused as heads).
  const bucketHead = cursor;
  bucketHead.fill(0);
  cursor = undefined;
  const bucketNext = new Uint32Array(size);
  const stack = new Uint32Array(size);

  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    // Path compression, iteratively (a recursive compress overflows on deep heaps).
    let sp = 0;
    let x = v;
    while (ancestor[ancestor[x]!] !== 0) {
      stack[++sp] = x;
      x = ancestor[x]!;
    }
    while (sp > 0) {
      const w = stack[sp--]!;
      const a = ancestor[w]!;
      if (semi[label[a]!]! < semi[label[w]!]!) label[w] = label[a]!;
      ancestor[w] = ancestor[a]!;
    }
    return label[v]!;
  };

  const rootSemi = semi[r]!;
  for (let i = dfnum; i >= 2; i--) {
    const w = vertex[i]!;
    const wOrd = w - 1;
    const pBegin = predStart[wOrd]!;
    const pEnd = predStart[wOrd + 1]!;
    if (pBegin === pEnd) {
      semi[w] = rootSemi; // an orphan: retained by the root
    } else {
      let s = semi[w]!;
      for (let p = pBegin; p < pEnd; p++) {
        const u = evaluate(preds[p]! + 1);
        const su = semi[u]!;
        if (su < s) s = su;
      }
      semi[w] = s;
    }
    const sd = vertex[semi[w]!]!;
    bucketNext[w] = bucketHead[sd]!;
    bucketHead[sd] = w;
    const pw = parent[w]!;
    ancestor[w] = pw;
    let b = bucketHead[pw]!;
    bucketHead[pw] = 0;
    while (b !== 0) {
      const u = evaluate(b);
      dom[b] = semi[u]! < semi[b]! ? u : pw;
      b = bucketNext[b]!;
    }
  }
  dom[0] = r;
  dom[r] = r;
  for (let i = 2; i <= dfnum; i++) {
    const w = vertex[i]!;
    if (dom[w] !== vertex[semi[w]!]) dom[w] = dom[dom[w]!]!;
  }

  // Immediate dominators by ordinal, in place over `dom` (each entry moves one slot
  // down, read before it is overwritten): no second node-sized array at the peak.
  for (let ord = 0; ord < n; ord++) dom[ord] = dom[ord + 1]! - 1;
  const idom = dom.subarray(0, n);
  const retainedSize = Float64Array.from(g.nodeSelfSize);
  // Reverse DFS order visits every node before its dominator (a DFS-tree ancestor).
  for (let i = dfnum; i > 1; i--) {
    const ord = vertex[i]! - 1;
    retainedSize[idom[ord]!]! += retainedSize[ord]!;
  }
  return { idom, retainedSize, unreachableCount };
}

/** Nodes reachable by non-weak edges from the page's entry points (see PageOwnershipRule). */
export function markPageOwned(g: HeapGraph, rule: PageOwnershipRule): Uint8Array {
  const n = g.nodeCount;
  const owned = new Uint8Array(n);
  const stack = new Uint32Array(n);
  let sp = 0;
  const root = g.rootOrdinal;
  const { edgeElement, edgeShortcut, edgeWeak, nodeSynthetic } = g.types;
  for (let e = g.firstEdge[root]!, end = g.firstEdge[root + 1]!; e < end; e++) {
    const t = g.edgeType[e]!;
    const to = g.edgeToNode[e]!;
    const domTreesRoot = t === edgeElement && g.nodeType[to] === nodeSynthetic && g.name(to) === '(Document DOM trees)';
    let seed: boolean;
    if (rule === 'devtools') seed = t === edgeShortcut || domTreesRoot;
    else seed = t !== edgeShortcut && !domTreesRoot;
    if (seed && !owned[to]) {
      owned[to] = 1;
      stack[sp++] = to;
    }
  }
  const firstEdge = g.firstEdge;
  const edgeType = g.edgeType;
  const edgeTo = g.edgeToNode;
  while (sp > 0) {
    const from = stack[--sp]!;
    for (let e = firstEdge[from]!, end = firstEdge[from + 1]!; e < end; e++) {
      const to = edgeTo[e]!;
      if (owned[to] || edgeType[e] === edgeWeak) continue;
      owned[to] = 1;
      stack[sp++] = to;
    }
  }
  return owned;
}

/** 1 for nodes with at least one retainer edge that is neither weak nor a shortcut. */
function hasStrongRetainer(g: HeapGraph): Uint8Array {
  const strong = new Uint8Array(g.nodeCount);
  const { edgeWeak, edgeShortcut } = g.types;
  const edgeType = g.edgeType;
  const edgeTo = g.edgeToNode;
  for (let e = 0; e < g.edgeCount; e++) {
    const t = edgeType[e]!;
    if (t !== edgeWeak && t !== edgeShortcut) strong[edgeTo[e]!] = 1;
  }
  return strong;
}
