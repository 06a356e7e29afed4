import { uDistribution } from './hodges-lehmann.js';
import { minAttainablePValue, normalSf } from './mann-whitney.js';

/**
 * Noise-aware advice: from the runs a diff has, the smallest change of each deciding
 * metric that this many runs per side (and twice as many) would call a regression with
 * about 80 % power, so `--repeat` can be chosen from data.
 *
 * A stated approximation, not an exact power calculation:
 * - noise sigma: 1.4826 x the median absolute deviation of both sides' runs from their own
 *   side's median (robust to one odd run), divided by its small-sample consistency factor
 *   (at 5 runs per side it reads 0.74 sigma); the standard deviation of those residuals
 *   when the MAD is 0 (tie-heavy counts);
 * - the test: memkit's gate is the one-sided test of "the shift is at most the threshold
 *   tau" at alpha' = alpha / (deciding metrics), the level Holm asks of the smallest p.
 *   Its power is computed for the exact test, not from an asymptotic formula (at 5 runs
 *   per side those promise about twice the power the exact test has): the rejection
 *   region is the exact critical count w of pairs (current - tau > base), from the null
 *   distribution of U; under a shift d of normal noise sigma the count W has mean
 *   n1 n2 p1 and Lehmann's variance n1 n2 [p1 (1 - p1) + (n1 - 1)(p2 - p1^2) +
 *   (n2 - 1)(p2 - p1^2)], with a = (d - tau) / sigma, p1 = Phi(a / sqrt 2) and
 *   p2 = E[Phi(a - Z)^2]; power = P(W >= w) in the normal approximation of W. The
 *   advice is the d where that reaches 80 %;
 * - too few runs: when the exact one-sided test's smallest p (1 / C(2n, n)) is above
 *   alpha', no change of any size can be detected, and the advice says how many runs it
 *   takes.
 */

const POWER = 0.8;

export interface DetectableAt {
  runsPerSide: number;
  /** In the metric's unit; null when no change is detectable with this many runs. */
  absolute: number | null;
  /** Over |base median|; null also when the base median is 0. */
  relative: number | null;
}

export interface DetectableChange {
  name: string;
  /** The noise estimate sigma, in the metric's unit. */
  noise: number;
  at: DetectableAt[];
  /** Fewest runs per side at which the corrected test can reach alpha at all. */
  minRunsPerSide: number;
}

/** What the advice reads of a metric's diff (diff.ts's MetricDiff has it). */
export interface AdviceInput {
  name: string;
  gating: boolean;
  threshold?: { relative?: number; absolute?: number };
  base?: { n: number; median: number; values: number[] };
  current?: { n: number; median: number; values: number[] };
}

export function detectableChanges(metrics: readonly AdviceInput[], alpha: number, family: number): DetectableChange[] {
  const out: DetectableChange[] = [];
  const levelPerTest = alpha / family;
  const minRunsPerSide = fewestRuns(levelPerTest);
  for (const m of metrics) {
    if (!m.gating || !m.threshold || !m.base || !m.current || m.base.n < 2 || m.current.n < 2) continue;
    const noise = noiseSigma([m.base.values, m.current.values]);
    const runs = Math.min(m.base.n, m.current.n);
    const scale = Math.abs(m.base.median);
    const threshold = Math.max((m.threshold.relative ?? 0) * scale, m.threshold.absolute ?? 0);
    const at = [runs, 2 * runs].map((n): DetectableAt => {
      if (minOneSidedP(n) > levelPerTest) return { runsPerSide: n, absolute: null, relative: null };
      const absolute = threshold + noise * shiftForPower(n, levelPerTest, POWER);
      return { runsPerSide: n, absolute, relative: scale > 0 ? absolute / scale : null };
    });
    out.push({ name: m.name, noise, at, minRunsPerSide });
  }
  return out;
}

function fewestRuns(levelPerTest: number): number {
  let n = 2;
  while (minOneSidedP(n) > levelPerTest && n < 1000) n++;
  return n;
}

/**
 * The shift beyond tau, in units of sigma, at which the exact one-sided test of n runs
 * against n at `level` reaches `power` (see the module comment). Bisection: power grows
 * with the shift.
 */
function shiftForPower(n: number, level: number, power: number): number {
  // The same for every metric of a diff: computed once per (n, level).
  const key = `${n}:${level}:${power}`;
  const cached = shiftCache.get(key);
  if (cached !== undefined) return cached;
  const found = solveShiftForPower(n, level, power);
  if (shiftCache.size >= 64) shiftCache.clear();
  shiftCache.set(key, found);
  return found;
}

const shiftCache = new Map<string, number>();

function solveShiftForPower(n: number, level: number, power: number): number {
  const critical = criticalCount(n, level);
  const pairs = n * n;
  const powerAt = (a: number): number => {
    const p1 = normalSf(-a / Math.SQRT2);
    const p2 = expectedSquaredPhi(a);
    const variance = pairs * (p1 * (1 - p1) + 2 * (n - 1) * Math.max(0, p2 - p1 * p1));
    if (!(variance > 0)) return p1 * pairs >= critical ? 1 : 0;
    return normalSf((critical - 0.5 - pairs * p1) / Math.sqrt(variance));
  };
  let lo = 0;
  let hi = 1;
  while (powerAt(hi) < power && hi < 1e3) hi *= 2;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    if (powerAt(mid) < power) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The smallest count w of pairs (current > base) with P(W >= w) <= level under the null (no ties). */
function criticalCount(n: number, level: number): number {
  const counts = uDistribution(n, n);
  let total = 0;
  for (const c of counts) total += c;
  let tail = 0;
  for (let w = counts.length - 1; w >= 0; w--) {
    if ((tail + counts[w]!) / total > level) return w + 1;
    tail += counts[w]!;
  }
  return 0;
}

/**
 * E[Phi(a - Z)^2] for standard normal Z: P(two current runs both above one base run). It
 * is the bivariate normal P(X1 <= h, X2 <= h) with correlation 1/2 at h = a / sqrt 2,
 * which Owen's T gives without a second erfc: Phi(h) - 2 T(h, 1 / sqrt 3) (Owen 1956).
 */
function expectedSquaredPhi(a: number): number {
  const h = a / Math.SQRT2;
  return Math.max(0, normalSf(-h) - 2 * owensT(h, 1 / Math.sqrt(3)));
}

/** Owen's T(h, a) = (1 / 2 pi) integral over 0..a of exp(-h^2 (1 + x^2) / 2) / (1 + x^2): Simpson's rule, smooth on a short range. */
function owensT(h: number, a: number): number {
  const steps = 16;
  const dx = a / steps;
  const f = (x: number) => Math.exp(-0.5 * h * h * (1 + x * x)) / (1 + x * x);
  let sum = f(0) + f(a);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * f(i * dx);
  return (sum * dx) / 3 / (2 * Math.PI);
}

/** All n runs of one side above all n of the other: 1 / C(2n, n). */
const minOneSidedP = (n: number): number => minAttainablePValue(n, n) / 2;

/**
 * The median of 1.4826 x MAD of residuals from each side's own median, for two sides of n
 * standard normal values (index n; 100 000 simulated pairs each): well below 1 for few
 * runs — one residual per side is 0 by construction — so the noise is divided by it.
 * Above 16 runs, 1 - 1.1 / n.
 */
const MAD_CONSISTENCY = [1, 1, 0.791, 0.538, 0.684, 0.742, 0.777, 0.833, 0.846, 0.879, 0.882, 0.904, 0.906, 0.921, 0.921, 0.937, 0.936];

function noiseSigma(sides: readonly number[][]): number {
  const residuals = sides.flatMap((values) => {
    const med = median(values);
    return values.map((v) => v - med);
  });
  const mad = median(residuals.map(Math.abs));
  const n = Math.round(residuals.length / sides.length);
  const consistency = MAD_CONSISTENCY[n] ?? 1 - 1.1 / n;
  if (mad > 0) return (1.4826 * mad) / consistency;
  const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
  const variance = residuals.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, residuals.length - 1);
  return Math.sqrt(variance);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
