import { PANEL } from './panel-layout.js';

/**
 * The portable kernel, used where the native addon could not be built (or when asked
 * with --kernel js): the same contract as native/similarity/topk_kernel.h, in plain
 * JavaScript. Scores are accumulated in float64 and rounded to float32; selection keeps
 * each row's K-th best as a threshold, as the native one does. Expect ~1-3 GFLOP/s per
 * thread against the native kernel's ~100.
 */

/** Returns [candidates, compactions]. */
export function topkBatchJs(
  panels: Float32Array,
  n: number,
  dims: number,
  rowStart: number,
  rowCount: number,
  k: number,
  outIds: Int32Array,
  outScores: Float32Array,
): [number, number] {
  const cap = 2 * k + 64;
  const bufS = new Float64Array(cap);
  const bufI = new Int32Array(cap);
  const order = new Int32Array(cap);
  const a = new Float64Array(dims);
  const acc = new Float64Array(PANEL);
  const npanels = Math.ceil(n / PANEL);
  let candidates = 0;
  let compactions = 0;

  const sortBuffer = (cnt: number): void => {
    for (let i = 0; i < cnt; i++) order[i] = i;
    const view = order.subarray(0, cnt);
    view.sort((x, y) => bufS[y]! - bufS[x]! || bufI[x]! - bufI[y]!);
  };
  const keepBest = (cnt: number): number => {
    sortBuffer(cnt);
    const keep = Math.min(cnt, k);
    const s = Float64Array.from(order.subarray(0, keep), (i) => bufS[i]!);
    const ids = Int32Array.from(order.subarray(0, keep), (i) => bufI[i]!);
    bufS.set(s);
    bufI.set(ids);
    return keep;
  };

  for (let r = 0; r < rowCount; r++) {
    const row = rowStart + r;
    const rbase = Math.floor(row / PANEL) * dims * PANEL + (row % PANEL);
    for (let kk = 0; kk < dims; kk++) a[kk] = panels[rbase + kk * PANEL]!;
    let thr = -Infinity;
    let cnt = 0;
    for (let p = 0; p < npanels; p++) {
      acc.fill(0);
      const pbase = p * dims * PANEL;
      for (let kk = 0; kk < dims; kk++) {
        const av = a[kk]!;
        if (av === 0) continue;
        const o = pbase + kk * PANEL;
        for (let j = 0; j < PANEL; j++) acc[j] += av * panels[o + j]!;
      }
      const col0 = p * PANEL;
      const width = Math.min(PANEL, n - col0);
      for (let j = 0; j < width; j++) {
        const s = Math.fround(acc[j]!);
        // Columns arrive in increasing id order: an equal score later has a larger id and loses.
        if (!(s > thr) || col0 + j === row) continue;
        if (cnt === cap) {
          cnt = keepBest(cnt);
          thr = bufS[k - 1]!;
          compactions++;
          if (!(s > thr)) continue;
        }
        bufS[cnt] = s;
        bufI[cnt] = col0 + j;
        cnt++;
        candidates++;
      }
    }
    const kept = keepBest(cnt);
    for (let i = 0; i < k; i++) {
      outIds[r * k + i] = i < kept ? bufI[i]! : -1;
      outScores[r * k + i] = i < kept ? bufS[i]! : NaN;
    }
  }
  return [candidates, compactions];
}

/** Dense scores over coordinates [kStart, kEnd): out[(r - rowStart) * n + j]. */
export function denseBlockJs(
  panels: Float32Array,
  n: number,
  dims: number,
  rowStart: number,
  rowCount: number,
  kStart: number,
  kEnd: number,
  out: Float32Array,
): void {
  const npanels = Math.ceil(n / PANEL);
  const acc = new Float64Array(PANEL);
  for (let r = 0; r < rowCount; r++) {
    const row = rowStart + r;
    const rbase = Math.floor(row / PANEL) * dims * PANEL + (row % PANEL);
    for (let p = 0; p < npanels; p++) {
      acc.fill(0);
      const pbase = p * dims * PANEL;
      for (let kk = kStart; kk < kEnd; kk++) {
        const av = panels[rbase + kk * PANEL]!;
        const o = pbase + kk * PANEL;
        for (let j = 0; j < PANEL; j++) acc[j] += av * panels[o + j]!;
      }
      const col0 = p * PANEL;
      const width = Math.min(PANEL, n - col0);
      for (let j = 0; j < width; j++) out[r * n + col0 + j] = acc[j]!;
    }
  }
}
