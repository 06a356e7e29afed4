import { normalQuantileUpper } from './hodges-lehmann.js';
import { minAttainablePValue } from './mann-whitney.js';

/**
 * Noise-aware advice: from the runs a diff has, the smallest change of each deciding
 * metric that this many runs per side (and twice as many) would call a regression with
 * about 80 % power, so `--repeat` can be chosen from data.
 *
 * A stated approximation, not an exact power calculation:
 * - noise sigma: 1.4826 x the median absolute deviation of both sides' runs from their own
 *   side's median (robust to one odd run); the standard deviation of those residuals
 *   when the MAD is 0 (tie-heavy counts);
 * - the test: a shift d is detected with power 1 - beta when
 *   d >= (z(alpha' / 2) + z(beta)) * sigma * sqrt(2 / n) / sqrt(3 / pi), the normal
 *   approximation of the two-sample test with Mann-Whitney's efficiency of 3/pi against
 *   the t-test; alpha' = alpha / (deciding metrics), the level Holm asks of the smallest p;
 * - the interval: its near end must clear the threshold too, so d >= threshold + the same
 *   margin at alpha / 2;
 * - too few runs: when the exact test's smallest p (2 / C(2n, n)) is above alpha', no
 *   change of any size can be detected, and the advice says how many runs it takes.
 */

const POWER = 0.8;
/** Asymptotic relative efficiency of Mann-Whitney against the t-test for normal data. */
const MW_EFFICIENCY = 3 / Math.PI;

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
      if (minAttainablePValue(n, n) > levelPerTest) return { runsPerSide: n, absolute: null, relative: null };
      const margin = (z: number) => ((z + normalQuantileUpper(1 - POWER)) * noise * Math.sqrt(2 / n)) / Math.sqrt(MW_EFFICIENCY);
      const absolute = Math.max(margin(normalQuantileUpper(levelPerTest / 2)), threshold + margin(normalQuantileUpper(alpha / 2)));
      return { runsPerSide: n, absolute, relative: scale > 0 ? absolute / scale : null };
    });
    out.push({ name: m.name, noise, at, minRunsPerSide });
  }
  return out;
}

function fewestRuns(levelPerTest: number): number {
  let n = 2;
  while (minAttainablePValue(n, n) > levelPerTest && n < 1000) n++;
  return n;
}

function noiseSigma(sides: readonly number[][]): number {
  const residuals = sides.flatMap((values) => {
    const med = median(values);
    return values.map((v) => v - med);
  });
  const mad = median(residuals.map(Math.abs));
  if (mad > 0) return 1.4826 * mad;
  const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
  const variance = residuals.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, residuals.length - 1);
  return Math.sqrt(variance);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
