import type { SummaryStats } from '../baseline/sections.js';

/**
 * The one statistics helper every report uses (as tinybench does): quantiles by linear
 * interpolation between closest ranks (Hyndman–Fan type 7, what numpy and R default to).
 */

/** Sorts a copy ascending; typed arrays sort numerically by default. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  out.sort();
  return out;
}

/** q in [0, 1] over an ascending array; NaN for an empty one. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (q <= 0) return sorted[0]!;
  if (q >= 1) return sorted[n - 1]!;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = sorted[lo]!;
  return frac === 0 ? a : a + (sorted[lo + 1]! - a) * frac;
}

export type Summary = SummaryStats;

/** count, sum, mean, min, max, p50/p95/p99 in one pass over a sorted copy. */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    sum,
    mean: n ? sum / n : NaN,
    min: n ? sorted[0]! : NaN,
    max: n ? sorted[n - 1]! : NaN,
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
  };
}

export function median(values: ArrayLike<number>): number {
  return quantileSorted(sortedCopy(values), 0.5);
}
