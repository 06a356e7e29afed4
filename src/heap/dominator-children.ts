/**
 * The dominator tree's children as CSR arrays (node i's dominated nodes are
 * children[start[i] .. start[i+1])), for walks down the tree without per-node lists.
 */
export interface DominatorChildren {
  start: Uint32Array;
  children: Uint32Array;
}

export function dominatorChildren(idom: Uint32Array, rootOrdinal: number): DominatorChildren {
  const n = idom.length;
  const start = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) if (i !== rootOrdinal) start[idom[i]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const children = new Uint32Array(start[n]!);
  const fill = start.slice(0, n);
  for (let i = 0; i < n; i++) if (i !== rootOrdinal) children[fill[idom[i]!]!++] = i;
  return { start, children };
}
