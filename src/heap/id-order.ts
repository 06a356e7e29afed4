/**
 * Node ordinals sorted by node id (two-pass LSD radix sort on 16-bit digits: linear time,
 * typed arrays only), so snapshots can be matched object by object with a merge walk
 * instead of a Set of millions of ids. `include` selects the ordinals to keep.
 */
export function ordinalsSortedById(ids: Uint32Array, include?: (ordinal: number) => boolean): Uint32Array {
  let src: Uint32Array;
  if (include) {
    let n = 0;
    const tmp = new Uint32Array(ids.length);
    for (let i = 0; i < ids.length; i++) if (include(i)) tmp[n++] = i;
    src = tmp.subarray(0, n);
  } else {
    src = new Uint32Array(ids.length);
    for (let i = 0; i < ids.length; i++) src[i] = i;
  }
  const n = src.length;
  const tmp = new Uint32Array(n);
  const counts = new Uint32Array(65536 + 1);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((ids[src[i]!]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 0; d < 65536; d++) counts[d + 1]! += counts[d]!;
    for (let i = 0; i < n; i++) {
      const o = src[i]!;
      tmp[counts[(ids[o]! >>> shift) & 0xffff]!++] = o;
    }
    src.set(tmp);
  }
  return src.slice();
}

/**
 * For every ordinal of `b`, whether an object with the same id exists in `a`, by a merge
 * walk over both id-sorted orders. Returns 1/0 per ordinal of b.
 */
export function presentIn(aIds: Uint32Array, aSorted: Uint32Array, bIds: Uint32Array, bSorted: Uint32Array): Uint8Array {
  const out = new Uint8Array(bIds.length);
  let i = 0;
  for (let j = 0; j < bSorted.length; j++) {
    const ob = bSorted[j]!;
    const id = bIds[ob]!;
    while (i < aSorted.length && aIds[aSorted[i]!]! < id) i++;
    if (i < aSorted.length && aIds[aSorted[i]!]! === id) out[ob] = 1;
  }
  return out;
}
