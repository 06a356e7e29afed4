import type { DominatorChildren } from './dominator-children.js';

/**
 * Per-class retained size the way DevTools' Summary view computes it: the sum of the
 * retained sizes of a class's instances that are not dominated by another instance of
 * the same class (a tree of 1000 TreeNodes retains its size once, not 1000 times).
 * `include` restricts the instances counted (e.g. to leaked objects); the walk still
 * covers the whole dominator tree so nesting is judged on the full heap.
 */
export function classRetainedSizes(
  dom: DominatorChildren,
  rootOrdinal: number,
  nodeClass: Uint32Array,
  classCount: number,
  retainedSize: Float64Array,
  selfSize: Float64Array,
  include?: Uint8Array,
): Float64Array {
  const out = new Float64Array(classCount);
  const seen = new Uint8Array(classCount);
  const { start, children } = dom;
  // Entries >= 0 are nodes to visit; ~c (< 0) marks the end of a subtree that set seen[c].
  const stack = new Int32Array(nodeClass.length * 2 + 1);
  let sp = 0;
  stack[sp++] = rootOrdinal;
  while (sp > 0) {
    const entry = stack[--sp]!;
    if (entry < 0) {
      seen[~entry] = 0;
      continue;
    }
    const node = entry;
    const cls = nodeClass[node]!;
    const from = start[node]!;
    const to = start[node + 1]!;
    if (!seen[cls] && selfSize[node]! > 0 && (!include || include[node])) {
      out[cls]! += retainedSize[node]!;
      if (from !== to) {
        seen[cls] = 1;
        stack[sp++] = ~cls;
      }
    }
    for (let i = from; i < to; i++) stack[sp++] = children[i]!;
  }
  return out;
}
