import type { Kernel } from './kernel-loader.js';
import { OLD_BATCH_ROWS } from './memory-plan.js';
import type { TopkResult } from './micro-batch.js';

/**
 * The seed's old strategy, reproduced for --compare: for each block of 1000 rows the full
 * similarity rows against all N items are materialised as numpy would (float64, one
 * matrix per modality and the weighted sum), then each row's top K is taken by an
 * argpartition over an 8-byte index per score. Single-threaded like the Python loop.
 * Correct, just memory-hungry: that is the point of the comparison.
 */
export function runFullRows(
  kernel: Kernel,
  panels: Float32Array,
  items: number,
  dims: number,
  modalityDims: ReadonlyArray<[number, number]>,
  rowStart: number,
  rowEnd: number,
  k: number,
  onRows: (rowsDone: number) => void,
): TopkResult {
  const rows = rowEnd - rowStart;
  const ids = new Int32Array(rows * k);
  const scores = new Float32Array(rows * k);
  for (let b0 = rowStart; b0 < rowEnd; b0 += OLD_BATCH_ROWS) {
    const bRows = Math.min(OLD_BATCH_ROWS, rowEnd - b0);
    const product = new Float32Array(bRows * items);
    // Fresh arrays every block, as cosine_similarity returns them: the garbage of one
    // block overlaps the next until the collector catches up (the seed's 200 GB).
    const perModality: Float64Array[] = [];
    if (modalityDims.length > 1) {
      for (const [k0, k1] of modalityDims) {
        kernel.denseBlock(panels, items, dims, b0, bRows, k0, k1, product);
        perModality.push(Float64Array.from(product));
      }
    }
    let combined: Float64Array;
    if (perModality.length) {
      combined = new Float64Array(bRows * items);
      for (const m of perModality) for (let i = 0; i < combined.length; i++) combined[i]! += m[i]!;
    } else {
      kernel.denseBlock(panels, items, dims, b0, bRows, 0, dims, product);
      combined = Float64Array.from(product);
    }
    const index = new Float64Array(bRows * items);
    for (let r = 0; r < bRows; r++) {
      const row = b0 + r;
      const s = combined.subarray(r * items, (r + 1) * items);
      s[row] = -Infinity; // the item itself
      const idx = index.subarray(r * items, (r + 1) * items);
      for (let j = 0; j < items; j++) idx[j] = j;
      selectTopK(s, idx, k);
      const top = Array.from(idx.subarray(0, k)).sort((x, y) => s[y]! - s[x]! || x - y);
      const out = (row - rowStart) * k;
      for (let i = 0; i < k; i++) {
        ids[out + i] = top[i]!;
        scores[out + i] = s[top[i]!]!;
      }
    }
    onRows(b0 + bRows - rowStart);
  }
  return { ids, scores, candidates: rows * (items - 1), compactions: 0, kernelName: kernel.name };
}

/** Quickselect on idx so its first k entries are the k best (score desc, id asc). */
function selectTopK(s: Float64Array, idx: Float64Array, k: number): void {
  const worse = (a: number, b: number) => s[a]! < s[b]! || (s[a] === s[b] && a > b);
  let lo = 0;
  let hi = idx.length - 1;
  while (lo < hi) {
    const pivot = idx[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (worse(pivot, idx[i]!)) i++;
      while (worse(idx[j]!, pivot)) j--;
      if (i <= j) {
        const t = idx[i]!;
        idx[i] = idx[j]!;
        idx[j] = t;
        i++;
        j--;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else break;
  }
}
