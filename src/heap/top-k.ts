/**
 * The k indices with the largest values (ties: lower index first), in descending order,
 * via a size-k min-heap in typed arrays: O(n log k) time, O(k) memory, for n in the
 * tens of millions. `accept` filters candidates.
 */
export function topKIndices(values: ArrayLike<number>, k: number, accept?: (i: number) => boolean): number[] {
  if (k <= 0) return [];
  const heapIdx = new Uint32Array(k);
  const heapVal = new Float64Array(k);
  let size = 0;
  const less = (a: number, b: number): boolean =>
    heapVal[a]! < heapVal[b]! || (heapVal[a] === heapVal[b] && heapIdx[a]! > heapIdx[b]!);
  const swap = (a: number, b: number): void => {
    const i = heapIdx[a]!;
    heapIdx[a] = heapIdx[b]!;
    heapIdx[b] = i;
    const v = heapVal[a]!;
    heapVal[a] = heapVal[b]!;
    heapVal[b] = v;
  };
  const siftDown = (at: number): void => {
    for (;;) {
      const l = at * 2 + 1;
      const r = l + 1;
      let m = at;
      if (l < size && less(l, m)) m = l;
      if (r < size && less(r, m)) m = r;
      if (m === at) return;
      swap(at, m);
      at = m;
    }
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (size === k && v <= heapVal[0]!) continue;
    if (accept && !accept(i)) continue;
    if (size < k) {
      let at = size++;
      heapIdx[at] = i;
      heapVal[at] = v;
      while (at > 0) {
        const p = (at - 1) >> 1;
        if (!less(at, p)) break;
        swap(at, p);
        at = p;
      }
    } else {
      heapIdx[0] = i;
      heapVal[0] = v;
      siftDown(0);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < size; i++) out.push(i);
  out.sort((a, b) => heapVal[b]! - heapVal[a]! || heapIdx[a]! - heapIdx[b]!);
  return out.map((i) => heapIdx[i]!);
}
