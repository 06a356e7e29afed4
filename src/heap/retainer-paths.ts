import type { HeapGraph } from './heap-graph.js';

/**
 * Shortest retainer paths from the GC roots, by one breadth-first walk over retaining
 * edges (weak edges and non-root shortcuts skipped). Like DevTools' distances, the user's
 * globals (the root's shortcut edges) are walked first, so a path reads
 * "global.cache.table[12]" rather than going through the engine's handle scopes when
 * both exist; whatever the globals do not reach is then walked from the root.
 */

const NONE = 0xffffffff;

export interface ShortestPaths {
  /** The edge through which each node was first reached (NONE for roots/unreached). */
  parentEdge: Uint32Array;
  parentNode: Uint32Array;
  /** Steps from the root; NONE when unreachable. */
  distance: Uint32Array;
  /** Reached nodes in the order the walk reached them (parents before children). */
  order: Uint32Array;
}

export interface PathStep {
  /** Edge index in the graph, from `from` to `to`. */
  edge: number;
  from: number;
  to: number;
}

export function shortestPaths(g: HeapGraph): ShortestPaths {
  const n = g.nodeCount;
  const parentEdge = new Uint32Array(n).fill(NONE);
  const parentNode = new Uint32Array(n).fill(NONE);
  const distance = new Uint32Array(n).fill(NONE);
  const queue = new Uint32Array(n);
  const root = g.rootOrdinal;
  const { edgeWeak, edgeShortcut } = g.types;
  const firstEdge = g.firstEdge;
  const edgeType = g.edgeType;
  const edgeTo = g.edgeToNode;

  const walk = (head: number, tail: number): number => {
    while (head < tail) {
      const from = queue[head++]!;
      const d = distance[from]! + 1;
      const isRoot = from === root;
      for (let e = firstEdge[from]!, end = firstEdge[from + 1]!; e < end; e++) {
        const t = edgeType[e]!;
        if (t === edgeWeak || (t === edgeShortcut && !isRoot)) continue;
        const to = edgeTo[e]!;
        if (distance[to] !== NONE) continue;
        distance[to] = d;
        parentEdge[to] = e;
        parentNode[to] = from;
        queue[tail++] = to;
      }
    }
    return tail;
  };

  distance[root] = 0;
  let tail = 0;
  for (let e = firstEdge[root]!, end = firstEdge[root + 1]!; e < end; e++) {
    if (edgeType[e] !== edgeShortcut) continue;
    const to = edgeTo[e]!;
    if (distance[to] !== NONE) continue;
    distance[to] = 1;
    parentEdge[to] = e;
    parentNode[to] = root;
    queue[tail++] = to;
  }
  tail = walk(0, tail);
  queue[tail] = root;
  tail = walk(tail, tail + 1);
  return { parentEdge, parentNode, distance, order: queue.subarray(0, tail) };
}

/** The root-to-node path, or undefined when the node is not reachable. */
export function pathTo(paths: ShortestPaths, ordinal: number, rootOrdinal: number): PathStep[] | undefined {
  if (ordinal === rootOrdinal) return [];
  if (paths.distance[ordinal] === NONE) return undefined;
  const steps: PathStep[] = [];
  let at = ordinal;
  while (at !== rootOrdinal) {
    const from = paths.parentNode[at]!;
    if (from === NONE) return undefined;
    steps.push({ edge: paths.parentEdge[at]!, from, to: at });
    at = from;
  }
  return steps.reverse();
}

export function isReachable(paths: ShortestPaths, ordinal: number): boolean {
  return paths.distance[ordinal] !== NONE;
}

/**
 * Up to `max` retainer paths of one node: the shortest, then one through each other
 * direct retainer (shortest path to that retainer plus its edge), shortest first.
 */
export function retainerPaths(g: HeapGraph, paths: ShortestPaths, ordinal: number, max: number): PathStep[][] {
  const out: PathStep[][] = [];
  const first = pathTo(paths, ordinal, g.rootOrdinal);
  if (first) out.push(first);
  const { edgeWeak, edgeShortcut } = g.types;
  const seenFrom = new Set<number>(first && first.length ? [first[first.length - 1]!.from] : []);
  const candidates: PathStep[][] = [];
  for (let e = 0; e < g.edgeCount; e++) {
    if (g.edgeToNode[e] !== ordinal) continue;
    const t = g.edgeType[e]!;
    if (t === edgeWeak || t === edgeShortcut) continue;
    const from = g.edgeFrom(e);
    if (seenFrom.has(from) || from === ordinal) continue;
    seenFrom.add(from);
    const head = pathTo(paths, from, g.rootOrdinal);
    if (!head || head.some((s) => s.to === ordinal)) continue; // a path through the node itself is no retainer path
    candidates.push([...head, { edge: e, from, to: ordinal }]);
  }
  candidates.sort((a, b) => a.length - b.length);
  for (const c of candidates) {
    if (out.length >= max) break;
    out.push(c);
  }
  return out.slice(0, max);
}

/** DevTools-style edge label: `.name` for properties, `[i]` for elements, ... */
export function edgeLabel(g: HeapGraph, edge: number): string {
  const t = g.edgeType[edge]!;
  const name = g.edgeName(edge);
  const { edgeProperty, edgeElement, edgeContext, edgeInternal, edgeHidden, edgeShortcut, edgeWeak } = g.types;
  if (t === edgeProperty) return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
  if (t === edgeElement) return `[${name}]`;
  if (t === edgeContext) return `<closure var ${name}>`;
  if (t === edgeInternal) return `<internal ${name}>`;
  if (t === edgeHidden) return `<hidden ${name}>`;
  // The root's shortcuts name the user's globals by a number: the target's name says more.
  if (t === edgeShortcut) return '';
  if (t === edgeWeak) return `<weak ${name}>`;
  return `<${g.edgeTypeName(edge)} ${name}>`;
}
