/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, for two independent samples of
 * run values (one value per measured run).
 *
 * p-values:
 * - N = n1 + n2 <= EXACT_MAX_N: exact, from the permutation distribution of the rank sum
 *   over all C(N, n1) ways to split the pooled values. With ties the scores are the
 *   observed mid-ranks, so the distribution is conditional on the tie pattern; that keeps
 *   the test exact for the small, tie-prone samples memkit sees (5 runs of a GC count
 *   are often 3,3,4,3,3), where the normal approximation is poor. Without ties it is the
 *   classical exact distribution (R's wilcox.test, scipy's method='exact').
 *   Two-sided p = min(1, 2 * min(P(R <= r), P(R >= r))), the convention of R and scipy.
 * - Larger samples: normal approximation with the tie correction of the variance and a
 *   continuity correction of 0.5 (scipy's method='asymptotic', use_continuity=True).
 */

export const EXACT_MAX_N = 50;

export type MannWhitneyMethod = 'exact' | 'normal';

export interface MannWhitneyResult {
  n1: number;
  n2: number;
  /** U of the first sample: pairs (x, y) with x > y, a tie counting one half. */
  u1: number;
  /** U of the second sample; u1 + u2 = n1 * n2. */
  u2: number;
  /** Sum of the first sample's (mid-)ranks in the pooled sample. */
  rankSum1: number;
  /** Two-sided p-value. */
  pValue: number;
  /** One-sided p-values: evidence that the first sample tends to be smaller (its rank sum this low or lower) / larger. */
  pFirstLess: number;
  pFirstGreater: number;
  method: MannWhitneyMethod;
  /** Whether the pooled sample had tied values (mid-ranks were used). */
  ties: boolean;
  /** The standardised statistic, for the normal approximation only. */
  z?: number;
}

/** Two-sided Mann-Whitney U test of x against y. Both samples must be non-empty. */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU: both samples need at least one value');
  const pooled = Float64Array.from({ length: n1 + n2 }, (_, i) => (i < n1 ? x[i]! : y[i - n1]!));
  const { ranks, tieSizes } = midRanks(pooled);
  let rankSum1 = 0;
  for (let i = 0; i < n1; i++) rankSum1 += ranks[i]!;
  const u1 = rankSum1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const ties = tieSizes.some((t) => t > 1);
  const base = { n1, n2, u1, u2, rankSum1, ties };

  if (n1 + n2 <= EXACT_MAX_N) {
    const { less, greater } = exactTails(tieSizes, n1, rankSum1);
    return { ...base, method: 'exact', pValue: Math.min(1, 2 * Math.min(less, greater)), pFirstLess: less, pFirstGreater: greater };
  }
  const { z, pValue, less, greater } = normalP(u1, n1, n2, tieSizes);
  return { ...base, method: 'normal', z, pValue, pFirstLess: less, pFirstGreater: greater };
}

/**
 * The smallest two-sided p-value the exact test can give for these sample sizes
 * (all of one sample above all of the other, no ties): 2 / C(n1 + n2, n1). When it is
 * above alpha no outcome can be significant: 3 runs against 3 give at best 0.1.
 */
export function minAttainablePValue(n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  return Math.min(1, 2 / binomial(n1 + n2, n1));
}

/**
 * The smallest two-sided p the exact test could give for these pooled values, whatever
 * their split into the two samples: the extremes of the rank-sum distribution for this tie
 * pattern. It depends on the pooled values only, not on which run is on which side, so a
 * diff may use it to leave out of the correction a metric that could never be significant
 * (all runs equal: 1; 8, 8, 8, 8, 9 vs 8, 8, 8, 8, 8: 1). Above EXACT_MAX_N values: the
 * tie-free bound.
 */
export function minAttainablePValueGivenTies(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return 1;
  if (n1 + n2 > EXACT_MAX_N) return minAttainablePValue(n1, n2);
  const pooled = Float64Array.from({ length: n1 + n2 }, (_, i) => (i < n1 ? x[i]! : y[i - n1]!));
  const { tieSizes } = midRanks(pooled);
  const dist = nullDistribution(tieSizes, n1);
  let total = 0;
  let first = -1;
  let last = -1;
  for (let t = 0; t < dist.length; t++) {
    if (dist[t] === 0) continue;
    total += dist[t]!;
    if (first < 0) first = t;
    last = t;
  }
  if (first === last) return 1; // one possible rank sum: no evidence can arise
  return Math.min(1, (2 * Math.min(dist[first]!, dist[last]!)) / total);
}

/** Ranks 1..N with tied values sharing the mean of their ranks; tieSizes lists each group. */
export function midRanks(values: ArrayLike<number>): { ranks: Float64Array; tieSizes: number[] } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  const tieSizes: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[order[j]!] === values[order[i]!]) j++;
    const rank = (i + 1 + j) / 2; // mean of ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k]!] = rank;
    tieSizes.push(j - i);
    i = j;
  }
  return { ranks, tieSizes };
}

/**
 * Exact one-sided p-values, P(R <= r) and P(R >= r), from the permutation distribution of
 * the first sample's rank sum (the two-sided p is twice the smaller, capped at 1).
 * The distribution depends only on n1 and the tie pattern (which fixes the multiset of
 * mid-ranks), so it is computed once per pattern: a diff of 20 metrics of 5 runs each
 * mostly shares one distribution, which keeps `memkit diff`'s cold start short.
 */
function exactTails(tieSizes: readonly number[], n1: number, rankSum1: number): { less: number; greater: number } {
  const dist = nullDistribution(tieSizes, n1);
  const observed = Math.round(rankSum1 * 2);
  let total = 0;
  let atOrBelow = 0;
  let atOrAbove = 0;
  for (let t = 0; t < dist.length; t++) {
    const w = dist[t]!;
    if (w === 0) continue;
    total += w;
    if (t <= observed) atOrBelow += w;
    if (t >= observed) atOrAbove += w;
  }
  return { less: atOrBelow / total, greater: atOrAbove / total };
}

const distributions = new Map<string, Float64Array>();

/**
 * Number of ways each doubled rank sum arises when n1 of the pooled values are drawn.
 * Mid-ranks are multiples of 1/2, so the scores are doubled to integers and counted by
 * dynamic programming over (items taken, score sum): O(N * n1 * N^2) additions, a few
 * million at N = 50. Counts stay below C(50, 25) ~ 1.3e14, exact in doubles.
 */
function nullDistribution(tieSizes: readonly number[], n1: number): Float64Array {
  const key = `${n1}:${tieSizes.join(',')}`;
  const cached = distributions.get(key);
  if (cached) return cached;
  const scores: number[] = [];
  let rank = 0;
  for (const t of tieSizes) {
    const doubledMidRank = 2 * rank + t + 1; // 2 * mean of ranks rank+1 .. rank+t
    for (let i = 0; i < t; i++) scores.push(doubledMidRank);
    rank += t;
  }
  const n = scores.length;
  const maxSum = scores.reduce((a, b) => a + b, 0);
  const ways: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    for (let k = Math.min(i + 1, n1); k >= 1; k--) {
      const to = ways[k]!;
      const from = ways[k - 1]!;
      for (let t = maxSum; t >= s; t--) {
        const w = from[t - s]!;
        if (w !== 0) to[t]! += w;
      }
    }
  }
  if (distributions.size >= 256) distributions.clear();
  distributions.set(key, ways[n1]!);
  return ways[n1]!;
}

function normalP(u1: number, n1: number, n2: number, tieSizes: number[]): { z: number; pValue: number; less: number; greater: number } {
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  let tieTerm = 0;
  for (const t of tieSizes) tieTerm += t * t * t - t;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { z: 0, pValue: 1, less: 1, greater: 1 }; // every value equal: no evidence of a shift
  const sd = Math.sqrt(variance);
  const z = (Math.abs(u1 - mean) - 0.5) / sd;
  // One-sided, continuity-corrected towards the null: U this small or smaller / this large or larger.
  const less = Math.min(1, normalSf((mean - u1 - 0.5) / sd));
  const greater = Math.min(1, normalSf((u1 - mean - 0.5) / sd));
  return { z: Math.sign(u1 - mean) * Math.max(0, z), pValue: Math.min(1, 2 * normalSf(z)), less, greater };
}

/** Binomial coefficient as a double (exact up to 2^53). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** Upper tail of the standard normal distribution, P(Z > z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Complementary error function to ~1e-12 relative: the all-positive series
 * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum (2x^2)^k x / (1*3*...*(2k+1)) below 2.5 (no
 * cancellation), the continued fraction of erfc above (no 1 - erf loss in the tail).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 200 && term > sum * 1e-17; k++) {
      term *= (2 * x2) / (2 * k + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  }
  if (x > 27) return 0; // below the smallest double
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated backwards.
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
