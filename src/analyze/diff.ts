import { UsageError } from '../core/errors.js';
import { lookupMetric, type Better, type Family, type Unit } from '../metrics/registry.js';
import { mannWhitneyU, minAttainablePValue, minAttainablePValueGivenTies, type MannWhitneyMethod } from './mann-whitney.js';
import { thresholdTest, type DirectedTest } from './threshold-test.js';
import { medianWithCi } from './median-ci.js';
import { adjustPValues, taroneFamily, type Correction } from './multiple-testing.js';
import { hodgesLehmann } from './hodges-lehmann.js';
import { belowShareFloor, completeSiteMetrics } from './alloc-site-diff.js';
import { detectableChanges, type DetectableChange } from './diff-advice.js';
import {
  isGlob,
  metricMatches,
  resolveBounds,
  resolveThreshold,
  type BadDirection,
  type Bound,
  type BoundRule,
  type Threshold,
  type ThresholdRule,
} from './thresholds.js';
import { checkPartial, checkSameKind, compareSelections, compareTargets, type Side, type SideName } from './diff-sides.js';
import { compareEnvironments, describeEnvironmentDifference, type EnvironmentDifference } from './diff-environment.js';
import { compareCpuShare, describeCpuShareDifference } from './diff-cpu-share.js';
import type { BaselineKind, RunStatus } from '../baseline/schema.js';

/**
 * The decision per metric, pure: pooled run values in, a typed verdict out.
 *
 * A metric regresses when
 * - its current median breaks a `--max`/`--min` limit (whatever the baseline), or
 * - both sides have enough runs for a one-sided test to reach alpha / 2, and the hypothesis
 *   "the change is at most the threshold" is rejected in the bad direction after the
 *   correction across the deciding metrics (threshold-test.ts: the one-sided Mann-Whitney
 *   test of the runs moved back by the threshold; adjusted p <= alpha / 2, Benjamini-Hochberg
 *   by default): the near end of the (1 - alpha) interval of the shift beyond the
 *   threshold, corrected; or
 * - there are too few runs for the test (it cannot reach alpha / 2), and the change of the
 *   medians is beyond the threshold: "threshold only", labelled as such wherever shown.
 * An improvement is the mirror image, corrected as a family of its own (it never fails a
 * build). Metrics without a better direction and without a user threshold are
 * informational: shown, never deciding.
 */

export type Verdict = 'regressed' | 'improved' | 'unchanged' | 'info' | 'missing';

/** What the verdict rests on. */
export type Basis = 'test+threshold' | 'threshold-only' | 'limit' | 'none';

export interface SideStats {
  n: number;
  median: number;
  /** Order-statistic interval of the median; absent for a single run. */
  ci?: { low: number; high: number; level: number };
  values: number[];
}

export interface TestOutcome {
  method: MannWhitneyMethod;
  /** U of the baseline sample (pairs base > current, ties one half). */
  u: number;
  /** Two-sided p of "no change at all": shown, not what decides (see regression). */
  pValue: number;
  /** The smallest two-sided p these pooled values could give, whatever the split (their ties decide it). */
  minAttainableP: number;
  ties: boolean;
  /** "Changed by more than the threshold in the bad direction": the test a build fails on. */
  regression?: GateTest;
  /** The same in the good direction (absent when any change is bad). */
  improvement?: GateTest;
  /** Of the direction the verdict reports (the regression's unless improved). */
  adjustedP?: number;
  correction?: Correction;
  outsideFamily?: boolean;
  /** The regression's or the improvement's test is significant. */
  significant: boolean;
}

/** One directed threshold test, with what the correction made of it. */
export interface GateTest extends DirectedTest {
  /** p adjusted across its family; for a metric that does not decide, the raw p. */
  adjustedP?: number;
  /** Left out of the correction: even the most extreme split of these runs could not reach the corrected level (Tarone). */
  outsideFamily?: boolean;
  /** adjustedP <= alpha / 2 (one side of the interval). */
  significant: boolean;
}

/** Hodges-Lehmann shift (current - base) with its distribution-free interval. */
export interface ShiftOutcome {
  estimate: number;
  /** At level 1 - alpha (each end a one-sided 1 - alpha / 2 bound); absent when the runs are too few for that level. */
  low?: number;
  high?: number;
  level: number;
}

export interface LimitOutcome extends Bound {
  broken: boolean;
}

export interface MetricDiff {
  name: string;
  unit: Unit;
  better: Better;
  family?: Family;
  /** Whether this metric can fail the diff (selected by --metrics, has a direction or limit). */
  gating: boolean;
  verdict: Verdict;
  basis: Basis;
  /** For 'missing': the side that has it. */
  presentOn?: 'base' | 'current';
  base?: SideStats;
  current?: SideStats;
  /** current median - base median, and that over |base median| (null when the base is 0). */
  change?: { absolute: number; relative: number | null };
  test?: TestOutcome;
  /** Why no test was run, e.g. too few runs to reach alpha. */
  testSkipped?: { reason: 'too-few-runs'; minPValue: number };
  threshold?: Threshold;
  /** Whether the change of the medians is beyond the threshold, in the bad / the good direction. */
  beyondThreshold?: 'bad' | 'good' | false;
  shift?: ShiftOutcome;
  /** Whether the one-sided bound of the shift nearest to no change is beyond the threshold (the threshold test's dual, shown). */
  intervalBeyond?: 'bad' | 'good' | false;
  /** Shown but not deciding by default (registry), with the reason; --metrics makes it decide. */
  notDecidingByDefault?: string;
  /** An allocation site's label (`parseTick (src/feed.js:41)`), where a file's extra.allocSites names it. */
  siteLabel?: string;
  limits: LimitOutcome[];
}

export interface DiffPolicy {
  alpha: number;
  thresholds: readonly ThresholdRule[];
  bounds: readonly BoundRule[];
  /** Names or globs of the metrics that decide; undefined: every metric with a direction the registry lets decide by default. */
  metrics?: readonly string[];
  /** Error control across the deciding metrics; default holm. */
  correction?: Correction;
}

export interface DiffResult {
  alpha: number;
  correction: Correction;
  /** Deciding metrics whose threshold test could reach the corrected level: the family the correction runs over. */
  family: number;
  /** Smallest change each deciding metric's noise lets these runs (and twice as many) detect. */
  detectable: DetectableChange[];
  metrics: MetricDiff[];
  counts: Record<Verdict, number>;
  /** Regressions among gating metrics: the exit code is 1 when this is above 0. */
  regressions: number;
  /** Gating metrics decided on thresholds alone (too few runs for the test). */
  thresholdOnly: number;
  warnings: string[];
}

export function diffSides(baseIn: Side, currentIn: Side, policy: DiffPolicy): DiffResult {
  const [base, current] = completeSiteMetrics(baseIn, currentIn);
  const names = [...new Set([...base.metrics.keys(), ...current.metrics.keys()])].sort();
  checkNamedMetricsPresent(policy, base, current);
  const metrics = names.map((name) => diffMetric(name, base, current, policy));
  const correction = policy.correction ?? 'bh';
  const deciding = metrics.filter((m) => m.gating && m.test?.regression);
  const family = correctFamily(
    deciding.map((m) => m.test!.regression!),
    gateLevel(policy.alpha),
    correction,
  );
  correctFamily(
    deciding.flatMap((m) => (m.test!.improvement ? [m.test!.improvement] : [])),
    gateLevel(policy.alpha),
    correction,
  );
  for (const m of metrics) decideTested(m, correction);
  const counts: Record<Verdict, number> = { regressed: 0, improved: 0, unchanged: 0, info: 0, missing: 0 };
  for (const m of metrics) counts[m.verdict]++;
  const warnings: string[] = [];
  for (const m of metrics) {
    if (m.verdict === 'missing') {
      const other = m.presentOn === 'base' ? 'current' : 'base';
      warnings.push(`metric ${m.name} is only in the ${m.presentOn} run, not in the ${other}: not compared`);
    }
  }
  return {
    alpha: policy.alpha,
    correction,
    family,
    detectable: detectableChanges(metrics, gateLevel(policy.alpha), correction === 'none' ? 1 : Math.max(1, family)),
    metrics,
    counts,
    regressions: metrics.filter((m) => m.gating && m.verdict === 'regressed').length,
    thresholdOnly: metrics.filter((m) => m.gating && m.basis === 'threshold-only').length,
    warnings,
  };
}

/**
 * The level of each directed test: alpha / 2, one side of the two-sided (1 - alpha)
 * interval. A build fails when the whole 95 % interval of the shift is beyond the
 * threshold — 97.5 % sure the change exceeds it — and an improvement is the other side.
 */
export const gateLevel = (alpha: number): number => alpha / 2;

/** Fewest runs per side whose one-sided test can reach this level at all: 1 / C(2n, n) <= level. */
function fewestRunsPerSide(level: number): number {
  let n = 1;
  while (minAttainablePValue(n, n) / 2 > level && n < 1000) n++;
  return n;
}

/**
 * Adjusts one family of directed tests in place and returns its size. Tests whose most
 * extreme split could not reach the corrected level stay out (Tarone). When some could
 * reach alpha alone but none the level their number asks for, the whole set is kept —
 * equally unable to call anything, and the blind-family warning says so.
 */
function correctFamily(tests: GateTest[], alpha: number, correction: Correction): number {
  const tarone = correction === 'none' ? undefined : taroneFamily(tests.map((t) => t.attainableP), alpha);
  // Nothing that could reach alpha even alone (identical runs, changes inside every threshold): an empty family.
  const anyReachable = tests.some((t) => t.attainableP <= alpha);
  const inFamily = !tarone ? tests.map(() => true) : !anyReachable ? tests.map(() => false) : tarone.some(Boolean) ? tarone : tests.map(() => true);
  const family = tests.filter((_, i) => inFamily[i]);
  for (const t of tests.filter((_, i) => !inFamily[i])) Object.assign(t, { adjustedP: 1, outsideFamily: true, significant: false });
  const adjusted = adjustPValues(
    family.map((t) => t.pValue),
    correction,
  );
  family.forEach((t, i) => Object.assign(t, { adjustedP: adjusted[i]!, significant: adjusted[i]! <= alpha }));
  return family.length;
}

/** A metric named exactly in --metrics / --max / --min must be there to be checked. */
function checkNamedMetricsPresent(policy: DiffPolicy, base: Side, current: Side): void {
  for (const pattern of policy.metrics ?? []) {
    if (isGlob(pattern)) continue;
    const where = [base.metrics.has(pattern) ? null : 'base', current.metrics.has(pattern) ? null : 'current'].filter(Boolean);
    if (where.length > 0) {
      throw new UsageError(`metric ${pattern} is named in --metrics but missing from the ${where.join(' and the ')} run`);
    }
  }
  for (const rule of policy.bounds) {
    if (!isGlob(rule.pattern) && !current.metrics.has(rule.pattern)) {
      throw new UsageError(`metric ${rule.pattern} has a --${rule.kind} limit (${rule.source}) but the current run does not have it`);
    }
  }
}

function diffMetric(name: string, base: Side, current: Side, policy: DiffPolicy): MetricDiff {
  const b = base.metrics.get(name);
  const c = current.metrics.get(name);
  const spec = lookupMetric(name);
  const unit = (c ?? b)!.unit;
  const byDefault = spec?.notDecidingByDefault ?? belowShareFloor(name, base, current);
  const selected = policy.metrics === undefined ? byDefault === undefined : policy.metrics.some((p) => metricMatches(p, name));
  const threshold = resolveThreshold(name, unit, policy.thresholds);
  const bounds = resolveBounds(name, unit, policy.bounds);
  const better: Better = spec?.better ?? 'none';

  const out: MetricDiff = {
    name,
    unit,
    better,
    family: spec?.family,
    gating: false,
    verdict: 'info',
    basis: 'none',
    limits: [],
  };
  if (byDefault !== undefined && policy.metrics === undefined) out.notDecidingByDefault = byDefault;
  const label = siteLabelOf(name, current, base);
  if (label) out.siteLabel = label;
  if (b) out.base = sideStats(b.values, policy.alpha);
  if (c) out.current = sideStats(c.values, policy.alpha);
  if (out.current) out.limits = bounds.map((bound) => ({ ...bound, broken: breaks(bound, out.current!.median) }));
  const limitBroken = out.limits.some((l) => l.broken);
  // A limit is the user's explicit assertion: it decides even outside --metrics.
  out.gating = (selected && threshold !== undefined) || out.limits.length > 0;
  if (threshold) out.threshold = threshold;

  if (!b || !c) {
    out.presentOn = b ? 'base' : 'current';
    out.verdict = limitBroken ? 'regressed' : 'missing';
    out.basis = limitBroken ? 'limit' : 'none';
    return out;
  }

  const absolute = out.current!.median - out.base!.median;
  const relative = out.base!.median !== 0 ? absolute / Math.abs(out.base!.median) : absolute === 0 ? 0 : null;
  out.change = { absolute, relative };

  // The one-sided test's smallest p is 1 / C(n1 + n2, n1): at alpha 0.05 (0.025 per direction) 4 runs against 4 reach it, 3 against 3 do not.
  const level = gateLevel(policy.alpha);
  const minP = minAttainablePValue(b.values.length, c.values.length) / 2;
  if (minP <= level) {
    const r = mannWhitneyU(b.values, c.values);
    const minAttainableP = minAttainablePValueGivenTies(b.values, c.values);
    out.test = { method: r.method, u: r.u1, pValue: r.pValue, minAttainableP, ties: r.ties, significant: false };
    if (threshold) {
      const t = thresholdTest(b.values, c.values, threshold);
      // Provisional, raw p: for a deciding metric diffSides replaces them with the corrected ones.
      out.test.regression = { ...t.regression, significant: t.regression.pValue <= level };
      if (t.improvement) out.test.improvement = { ...t.improvement, significant: t.improvement.pValue <= level };
    }
    const hl = hodgesLehmann(b.values, c.values, 1 - policy.alpha);
    out.shift = { estimate: hl.shift, level: 1 - policy.alpha };
    if (hl.interval) Object.assign(out.shift, { low: hl.interval.low, high: hl.interval.high });
  } else {
    out.testSkipped = { reason: 'too-few-runs', minPValue: minP };
  }

  if (threshold) {
    out.beyondThreshold = beyond(threshold, absolute, relative);
    if (out.shift) out.intervalBeyond = intervalBeyond(threshold, out.shift, out.base!.median);
  }
  if (limitBroken) {
    out.verdict = 'regressed';
    out.basis = 'limit';
    return out;
  }
  if (!threshold) return out; // informational: no direction, no threshold
  out.basis = out.test ? 'test+threshold' : 'threshold-only';
  if (out.basis === 'threshold-only') {
    out.verdict = out.beyondThreshold === 'bad' ? 'regressed' : out.beyondThreshold === 'good' ? 'improved' : 'unchanged';
  }
  return out;
}

/** `alloc.site.<key>.<figure>`: the label the current side (else the base) gives the key. */
function siteLabelOf(name: string, current: Side, base: Side): string | undefined {
  if (!name.startsWith('alloc.site.')) return undefined;
  const key = name.slice('alloc.site.'.length, name.lastIndexOf('.'));
  return current.siteLabels.get(key) ?? base.siteLabels.get(key);
}

/** The verdict of a tested metric, once its tests have been adjusted across their families. */
function decideTested(m: MetricDiff, correction: Correction): void {
  if (m.basis !== 'test+threshold') return;
  const test = m.test!;
  const regression = test.regression!;
  const improvement = test.improvement;
  if (m.gating) test.correction = correction;
  if (regression.significant) m.verdict = 'regressed';
  else if (improvement?.significant) m.verdict = 'improved';
  else m.verdict = 'unchanged';
  const shown = m.verdict === 'improved' ? improvement! : regression;
  test.significant = regression.significant || (improvement?.significant ?? false);
  test.adjustedP = m.gating ? shown.adjustedP : undefined;
  if (m.gating && shown.outsideFamily) test.outsideFamily = true;
}

/**
 * Whether the interval of the shift is beyond the threshold: the end nearest to no change
 * (a one-sided 1 - alpha bound) must itself exceed every part of it (relative to the base
 * median). No interval (too few runs for its level), or one that straddles 0: not beyond.
 */
export function intervalBeyond(threshold: Threshold, shift: ShiftOutcome, baseMedian: number): 'bad' | 'good' | false {
  if (shift.low === undefined || shift.high === undefined) return false;
  const nearest = shift.low > 0 ? shift.low : Math.min(shift.high, 0); // 0: the interval straddles no change
  if (nearest === 0) return false;
  const relative = baseMedian !== 0 ? nearest / Math.abs(baseMedian) : null;
  return beyond(threshold, nearest, relative);
}

function sideStats(values: number[], alpha: number): SideStats {
  const m = medianWithCi(values, 1 - alpha);
  const stats: SideStats = { n: m.n, median: m.median, values: [...values] };
  if (m.low !== undefined && m.high !== undefined && m.level !== undefined) stats.ci = { low: m.low, high: m.high, level: m.level };
  return stats;
}

function breaks(bound: Bound, value: number): boolean {
  return bound.kind === 'max' ? value > bound.limit : value < bound.limit;
}

/**
 * Whether a change exceeds every part of a threshold, and in which direction. A change
 * from a baseline of exactly 0 has no relative size; then the absolute part decides, and
 * with no absolute part any change counts.
 */
export function beyond(threshold: Threshold, absolute: number, relative: number | null): 'bad' | 'good' | false {
  if (absolute === 0) return false;
  const exceedsRelative = threshold.relative === undefined || relative === null || Math.abs(relative) > threshold.relative;
  const exceedsAbsolute = threshold.absolute === undefined || Math.abs(absolute) > threshold.absolute;
  if (!exceedsRelative || !exceedsAbsolute) return false;
  return isBad(threshold.bad, absolute) ? 'bad' : 'good';
}

function isBad(bad: BadDirection, absolute: number): boolean {
  if (bad === 'either') return true;
  return bad === 'increase' ? absolute > 0 : absolute < 0;
}

/** What every renderer shows: the decisions plus what was compared and what to beware of. */
export interface DiffReport {
  kind: BaselineKind;
  base: SideSummary;
  current: SideSummary;
  result: DiffResult;
  environment: EnvironmentDifference[];
  /** Every warning, in the order they are printed. */
  warnings: string[];
  /** 0: no regression among the gating metrics; 1: at least one (or a limit broken). */
  exitCode: 0 | 1;
}

export interface SideSummary {
  name: SideName;
  files: string[];
  runs: number;
  status: RunStatus;
}

/**
 * Compares two pooled sides: refuses what cannot be compared (different kinds, partial
 * runs without --allow-partial, named metrics that are missing), warns about what makes
 * the comparison doubtful, and decides every metric.
 */
export function buildDiffReport(base: Side, current: Side, policy: DiffPolicy, opts: { allowPartial: boolean }): DiffReport {
  checkSameKind(base, current);
  const warnings = [...checkPartial(base, opts.allowPartial), ...checkPartial(current, opts.allowPartial)];
  const environment = compareEnvironments(
    base.environments.map((e) => e.environment),
    current.environments.map((e) => e.environment),
  );
  warnings.push(...environment.map(describeEnvironmentDifference));
  const cpuShare = compareCpuShare(base, current);
  if (cpuShare) warnings.push(describeCpuShareDifference(cpuShare));
  warnings.push(...base.warnings, ...current.warnings, ...compareTargets(base, current), ...compareSelections(base, current));
  const result = diffSides(base, current, policy);
  warnings.push(...result.warnings);
  if (result.thresholdOnly > 0) {
    const sizes = thresholdOnlySizes(result);
    warnings.push(
      `threshold only: ${sizes} runs cannot reach p <= ${gateLevel(policy.alpha)} (alpha ${policy.alpha}, one side of the interval) with a one-sided Mann-Whitney test, so ${result.thresholdOnly} ` +
        `metric(s) were decided on thresholds alone, without a significance test (run --repeat ${fewestRunsPerSide(gateLevel(policy.alpha))} or more per side)`,
    );
  }
  const blind = blindFamily(result);
  if (blind) warnings.push(blind);
  const summary = (s: Side): SideSummary => ({ name: s.name, files: s.files, runs: s.runs, status: s.status });
  return {
    kind: base.kind,
    base: summary(base),
    current: summary(current),
    result,
    environment,
    warnings,
    exitCode: result.regressions > 0 ? 1 : 0,
  };
}

function thresholdOnlySizes(result: DiffResult): string {
  const sizes = new Set(
    result.metrics.filter((m) => m.gating && m.basis === 'threshold-only').map((m) => `${m.base?.n ?? 0} vs ${m.current?.n ?? 0}`),
  );
  return [...sizes].join(', ');
}

/**
 * Never a silent "no regression": when the one-sided test's smallest possible p (all runs
 * of one side above all of the other), multiplied by the size of the family, is above
 * alpha, a regression of a single metric cannot be called whatever its size. Say so, and
 * how many runs per side it takes.
 */
function blindFamily(result: DiffResult): string | undefined {
  if (result.correction === 'none' || result.family < 2) return undefined;
  const tested = result.metrics.find((m) => m.gating && m.test?.regression && !m.test.regression.outsideFamily);
  if (!tested) return undefined;
  const minP = minAttainablePValue(tested.base!.n, tested.current!.n) / 2;
  if (minP * result.family <= gateLevel(result.alpha)) return undefined;
  const runs = result.detectable[0]?.minRunsPerSide;
  return (
    `${tested.base!.n} vs ${tested.current!.n} runs: the smallest possible p is ${minP.toPrecision(2)}, and adjusted (${result.correction}) across ` +
    `${result.family} deciding metrics it cannot reach ${gateLevel(result.alpha)}: a regression of a single metric cannot be detected, whatever its size` +
    (runs ? ` (run --repeat ${runs} or more per side, or name fewer metrics with --metrics)` : ' (run more repeats per side, or name fewer metrics with --metrics)')
  );
}
