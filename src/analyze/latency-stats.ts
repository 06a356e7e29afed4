import type { LatencySection } from '../baseline/sections.js';
import { bucketValueNs } from '../samples/log-buckets.js';
/**
 * Percentiles from bucket counts (log-buckets.ts): the value of the bucket holding the
 * q-th observation (nearest rank), reported at the bucket's midpoint, so within 0.8 % of
 * the exact order statistic. The maximum is kept exactly, alongside.
 */

/** q-quantile in ms from a dense count array indexed by bucket. */
export function quantileFromBucketsMs(counts: ArrayLike<number | undefined>, q: number, maxMs?: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] ?? 0;
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) {
      const v = bucketValueNs(i) / 1e6;
      return maxMs !== undefined ? Math.min(v, maxMs) : v;
    }
  }
  return maxMs ?? NaN;
}

export type LatencySummary = LatencySection;

export function summarizeBuckets(counts: ArrayLike<number | undefined>, sumMs: number, maxMs: number): LatencySummary {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i] ?? 0;
  return {
    count: n,
    meanMs: n ? sumMs / n : NaN,
    p50Ms: quantileFromBucketsMs(counts, 0.5, maxMs),
    p95Ms: quantileFromBucketsMs(counts, 0.95, maxMs),
    p99Ms: quantileFromBucketsMs(counts, 0.99, maxMs),
    maxMs,
  };
}
