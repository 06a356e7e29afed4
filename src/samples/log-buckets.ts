/**
 * Log-linear buckets for latencies (the HdrHistogram layout): values below 2^SUB_BITS
 * nanoseconds get a bucket each, above that every power of two is split into 2^SUB_BITS
 * equal buckets, so a bucket is never wider than 1/64 of its values (its midpoint is
 * within 0.8 % of any of them). The agent
 * only counts into buckets (collection, not statistics); the parent turns counts into
 * percentiles. 64-bit range in at most ~7,000 buckets, sent sparsely.
 */

export const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;

/** Bucket index of a latency in nanoseconds (>= 0). */
export function bucketOf(ns: number): number {
  const v = ns > 0 ? Math.floor(ns) : 0;
  if (v < SUB) return v;
  // Called once per step in the child: below 2^32 ns (4.3 s) clz32 is much cheaper than log2.
  const log2 = v < 4294967296 ? 31 - Math.clz32(v) : Math.floor(Math.log2(v));
  const exp = log2 - SUB_BITS + 1; // >= 1
  const mantissa = Math.floor(v / 2 ** exp); // in [SUB/2, SUB)
  return exp * (SUB / 2) + mantissa;
}

/** The smallest and largest nanosecond values that fall in a bucket. */
export function bucketBounds(index: number): { lowNs: number; highNs: number } {
  if (index < SUB) return { lowNs: index, highNs: index };
  const exp = Math.floor((index - SUB / 2) / (SUB / 2));
  const mantissa = index - exp * (SUB / 2);
  const low = mantissa * 2 ** exp;
  return { lowNs: low, highNs: low + 2 ** exp - 1 };
}

/** A bucket's representative value: its midpoint. */
export function bucketValueNs(index: number): number {
  const { lowNs, highNs } = bucketBounds(index);
  return (lowNs + highNs) / 2;
}

/** q-quantile in ms (nearest rank, at the bucket's midpoint) over a sparse batch (parallel index/count arrays, indices ascending). */
export function sparseQuantileMs(idx: number[], count: number[], n: number, q: number): number {
  if (n <= 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (let i = 0; i < idx.length; i++) {
    seen += count[i]!;
    if (seen >= rank) return bucketValueNs(idx[i]!) / 1e6;
  }
  return NaN;
}
