import { normalSf } from './mann-whitney.js';

/**
 * The Hodges-Lehmann shift between two samples and its distribution-free confidence
 * interval (Moses' method), the estimator and interval that go with the Mann-Whitney test.
 *
 * shift = median of all n1 * n2 differences current[j] - base[i]. The interval is the pair
 * of order statistics of those differences that the Mann-Whitney critical value picks:
 * with k the largest count such that P(U < k) <= (1 - level) / 2 under the null,
 * [d(k), d(N + 1 - k)] (1-based, N = n1 * n2) covers the true shift with probability at
 * least `level` for continuous data — the interval R's wilcox.test(current, base,
 * conf.int = TRUE) prints (its qwilcox / pwilcox are the same exact distribution).
 * Exact for n1 + n2 <= EXACT_MAX_N (the null distribution of U without ties), the normal
 * approximation above. When even the widest interval (k = 1: the smallest and the
 * largest difference) has less than `level` confidence, there is no interval at that
 * level: `interval` is undefined.
 */

export interface ShiftEstimate {
  /** Median of the pairwise differences current - base. */
  shift: number;
  interval?: {
    low: number;
    high: number;
    /** The requested level. */
    level: number;
    /** The coverage the order statistics actually give (exact sizes: >= level). */
    achievedLevel: number;
  };
}

const EXACT_MAX_N = 50;

export function hodgesLehmann(base: ArrayLike<number>, current: ArrayLike<number>, level: number): ShiftEstimate {
  const n1 = base.length;
  const n2 = current.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('hodgesLehmann: both samples need at least one value');
  if (!(level > 0 && level < 1)) throw new RangeError(`hodgesLehmann: level ${level} is not in (0, 1)`);
  const diffs = new Float64Array(n1 * n2);
  let k = 0;
  for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) diffs[k++] = current[j]! - base[i]!;
  diffs.sort();
  const n = diffs.length;
  const shift = n % 2 ? diffs[(n - 1) / 2]! : (diffs[n / 2 - 1]! + diffs[n / 2]!) / 2;
  const tail = (1 - level) / 2;
  const rank = n1 + n2 <= EXACT_MAX_N ? exactRank(n1, n2, tail) : normalRank(n1, n2, tail);
  if (rank === undefined) return { shift };
  return {
    shift,
    interval: { low: diffs[rank.k - 1]!, high: diffs[n - rank.k]!, level, achievedLevel: 1 - 2 * rank.tailProbability },
  };
}

/** The largest k >= 1 with P(U <= k - 1) <= tail, from the exact null distribution of U. */
function exactRank(n1: number, n2: number, tail: number): { k: number; tailProbability: number } | undefined {
  const counts = uDistribution(n1, n2);
  let total = 0;
  for (const c of counts) total += c;
  let below = 0; // P(U <= k - 1) * total
  let k = 0;
  while (k < counts.length && (below + counts[k]!) / total <= tail) below += counts[k++]!;
  // k is now the number of U values whose cumulative probability stays within the tail.
  if (k === 0) return undefined;
  return { k, tailProbability: below / total };
}

function normalRank(n1: number, n2: number, tail: number): { k: number; tailProbability: number } | undefined {
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  const z = normalQuantileUpper(tail);
  const k = Math.floor(mean - z * sd);
  if (k < 1) return undefined;
  return { k, tailProbability: 1 - normalSf((k - 0.5 - mean) / sd) };
}

const uCache = new Map<string, Float64Array>();

/**
 * Number of arrangements giving each U = 0 .. n1 * n2 (no ties): the number of ways to
 * place n1 values among n1 + n2 with U pairs out of order, by the recursion
 * c(n1, n2, u) = c(n1 - 1, n2, u - n2) + c(n1, n2 - 1, u).
 */
export function uDistribution(n1: number, n2: number): Float64Array {
  const key = `${n1}:${n2}`;
  const cached = uCache.get(key);
  if (cached) return cached;
  // table[a][b] for the current row of a, over b = 0..n2.
  let prev: Float64Array[] = Array.from({ length: n2 + 1 }, () => Float64Array.of(1)); // a = 0: one way, U = 0
  for (let a = 1; a <= n1; a++) {
    const row: Float64Array[] = [Float64Array.of(1)]; // b = 0: one way, U = 0
    for (let b = 1; b <= n2; b++) {
      const out = new Float64Array(a * b + 1);
      const left = prev[b]!; // c(a - 1, b, u - b)
      for (let u = 0; u < left.length; u++) out[u + b]! += left[u]!;
      const down = row[b - 1]!; // c(a, b - 1, u)
      for (let u = 0; u < down.length; u++) out[u]! += down[u]!;
      row.push(out);
    }
    prev = row;
  }
  const result = prev[n2]!;
  if (uCache.size >= 64) uCache.clear();
  uCache.set(key, result);
  return result;
}

/** z with P(Z > z) = p, by bisection on the normal tail (p in (0, 0.5]); 1e-10 is plenty here. */
export function normalQuantileUpper(p: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalSf(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
