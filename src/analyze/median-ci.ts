import { quantileSorted, sortedCopy } from './percentiles.js';

/**
 * The median of a sample of run values with a distribution-free confidence interval from
 * order statistics: [x(k), x(n+1-k)] covers the population median with probability
 * 1 - 2 * P(Binomial(n, 1/2) <= k - 1), whatever the distribution. It assumes nothing
 * about the shape of the noise (GC pauses are skewed), but the attainable levels are
 * discrete: with 5 runs the widest interval, [min, max], is only a 93.75 % interval. The
 * achieved level is therefore returned with every interval and shown next to it.
 */
export interface MedianCi {
  n: number;
  median: number;
  /** Undefined for a single value: no interval can be formed. */
  low?: number;
  high?: number;
  /** The interval's actual coverage probability (>= the requested one when attainable). */
  level?: number;
}

export function medianWithCi(values: ArrayLike<number>, confidence: number): MedianCi {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  const median = quantileSorted(sorted, 0.5);
  if (n < 2) return { n, median };
  // k = 1 is [min, max]; take the narrowest interval (largest k) still at the requested level.
  let k = 1;
  while (k + 1 <= n + 1 - (k + 1) && orderStatisticCoverage(n, k + 1) >= confidence) k++;
  return { n, median, low: sorted[k - 1]!, high: sorted[n - k]!, level: orderStatisticCoverage(n, k) };
}

/** Coverage of [x(k), x(n+1-k)] for the median: 1 - 2 * P(Bin(n, 1/2) <= k - 1). */
export function orderStatisticCoverage(n: number, k: number): number {
  return Math.max(0, 1 - 2 * binomialHalfCdf(n, k - 1));
}

/** P(Bin(n, 1/2) <= j), summed in log space so large pooled samples do not underflow. */
function binomialHalfCdf(n: number, j: number): number {
  if (j < 0) return 0;
  let logC = 0; // log C(n, 0)
  const logHalfN = n * Math.log(0.5);
  let sum = Math.exp(logHalfN);
  for (let i = 1; i <= j; i++) {
    logC += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(logC + logHalfN);
  }
  return Math.min(1, sum);
}
