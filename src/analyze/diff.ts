import { UsageError } from '../core/errors.js';
import { lookupMetric, type Better, type Family, type Unit } from '../metrics/registry.js';
import { mannWhitneyU, minAttainablePValue, minAttainablePValueGivenTies, type MannWhitneyMethod } from './mann-whitney.js';
import { medianWithCi } from './median-ci.js';
import { adjustPValues, taroneFamily, type Correction } from './multiple-testing.js';
import { hodgesLehmann } from './hodges-lehmann.js';
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
 * - both sides have enough runs for the Mann-Whitney test to reach alpha, the difference
 *   is significant after the correction for the number of deciding metrics (adjusted
 *   p <= alpha: Holm by default, so a same-versus-same diff fails at most alpha of the
 *   time however many metrics decide) AND the whole (1 - alpha) confidence interval of
 *   the Hodges-Lehmann shift lies beyond the metric's threshold in the bad direction; or
 * - there are too few runs for the test (it cannot reach alpha), and the change is beyond
 *   the threshold: "threshold only", labelled as such wherever it is shown.
 * An improvement is the mirror image. Metrics without a better direction and without a
 * user threshold are informational: shown, never deciding.
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
  /** The metric's own two-sided p-value. */
  pValue: number;
  /** p adjusted across every deciding metric of the diff; absent for a metric that does not decide. */
  adjustedP?: number;
  correction?: Correction;
  /** The smallest p these pooled values could give, whatever the split (their ties decide it). */
  minAttainableP: number;
  /** Left out of the correction: its smallest attainable p cannot reach the corrected level (Tarone). */
  outsideFamily?: boolean;
  /** adjustedP <= alpha (the raw p for a metric that does not decide). */
  significant: boolean;
  ties: boolean;
}

/** Hodges-Lehmann shift (current - base) with its distribution-free interval. */
export interface ShiftOutcome {
  estimate: number;
  /** At level 1 - alpha; absent when the runs are too few for that level. */
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
  /** Whether the whole interval of the shift is beyond the threshold: what the tested verdict rests on. */
  intervalBeyond?: 'bad' | 'good' | false;
  /** Shown but not deciding by default (registry), with the reason; --metrics makes it decide. */
  notDecidingByDefault?: string;
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
  /** Deciding metrics with a significance test that could reach the corrected level: the family the correction runs over. */
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

export function diffSides(base: Side, current: Side, policy: DiffPolicy): DiffResult {
  const names = [...new Set([...base.metrics.keys(), ...current.metrics.keys()])].sort();
  checkNamedMetricsPresent(policy, base, current);
  const metrics = names.map((name) => diffMetric(name, base, current, policy));
  const correction = policy.correction ?? 'bh';
  const tested = metrics.filter((m) => m.gating && m.test);
  // Metrics whose ties leave no outcome that could reach the corrected level stay out of the family.
  // When none could (Tarone's family is empty) the whole set is kept: plain Holm/BH, equally unable to call anything,
  // and the warning below says so.
  const tarone = correction === 'none' ? undefined : taroneFamily(tested.map((m) => m.test!.minAttainableP), policy.alpha);
  const inFamily = tarone && tarone.some(Boolean) ? tarone : tested.map(() => true);
  const family = tested.filter((_, i) => inFamily[i]);
  for (const m of tested.filter((_, i) => !inFamily[i])) {
    m.test!.adjustedP = 1;
    m.test!.correction = correction;
    m.test!.significant = false;
    m.test!.outsideFamily = true;
  }
  const adjusted = adjustPValues(
    family.map((m) => m.test!.pValue),
    correction,
  );
  family.forEach((m, i) => {
    m.test!.adjustedP = adjusted[i]!;
    m.test!.correction = correction;
    m.test!.significant = adjusted[i]! <= policy.alpha;
  });
  for (const m of metrics) decideTested(m);
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
    family: family.length,
    detectable: detectableChanges(metrics, policy.alpha, correction === 'none' ? 1 : Math.max(1, family.length)),
    metrics,
    counts,
    regressions: metrics.filter((m) => m.gating && m.verdict === 'regressed').length,
    thresholdOnly: metrics.filter((m) => m.gating && m.basis === 'threshold-only').length,
    warnings,
  };
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
  const byDefault = spec?.notDecidingByDefault;
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

  const minP = minAttainablePValue(b.values.length, c.values.length);
  if (minP <= policy.alpha) {
    const r = mannWhitneyU(b.values, c.values);
    // Provisional: for a deciding metric, diffSides replaces it with the adjusted p's verdict.
    const minAttainableP = minAttainablePValueGivenTies(b.values, c.values);
    out.test = { method: r.method, u: r.u1, pValue: r.pValue, significant: r.pValue <= policy.alpha, ties: r.ties, minAttainableP };
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

/** The verdict of a tested metric, once its p-value has been adjusted across the family. */
function decideTested(m: MetricDiff): void {
  if (m.basis !== 'test+threshold') return;
  const significant = m.test!.significant;
  if (significant && m.intervalBeyond === 'bad') m.verdict = 'regressed';
  else if (significant && m.intervalBeyond === 'good') m.verdict = 'improved';
  else m.verdict = 'unchanged';
}

/**
 * Whether the whole interval of the shift is beyond the threshold: the end nearest to no
 * change must itself exceed every part of it (relative to the base median). No interval
 * (too few runs for its level), or one that straddles 0: not beyond.
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
      `threshold only: ${sizes} runs cannot reach p <= ${policy.alpha} with a two-sided Mann-Whitney test, so ${result.thresholdOnly} ` +
        `metric(s) were decided on thresholds alone, without a significance test (run --repeat 4 or more per side)`,
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
 * Never a silent "no regression": when the exact test's smallest possible p, multiplied
 * by the number of deciding metrics, is above alpha, a single regression cannot be called
 * whatever its size. Say so, and how many runs per side it takes.
 */
function blindFamily(result: DiffResult): string | undefined {
  if (result.correction === 'none' || result.family < 2) return undefined;
  const tested = result.metrics.filter((m) => m.gating && m.test && !m.test.outsideFamily);
  const blind = tested.filter((m) => m.test!.minAttainableP * result.family > result.alpha);
  if (blind.length === 0) return undefined;
  const m = blind[0]!;
  const minP = m.test!.minAttainableP;
  const runs = result.detectable[0]?.minRunsPerSide;
  return (
    `${m.base!.n} vs ${m.current!.n} runs: the smallest possible p is ${minP.toPrecision(2)}, and adjusted (${result.correction}) across ` +
    `${result.family} deciding metrics it cannot reach ${result.alpha}: a regression of ${blind.length === tested.length ? 'a single metric' : `${blind.length} of them alone`} cannot be detected, whatever its size` +
    (runs ? ` (run --repeat ${runs} or more per side, or name fewer metrics with --metrics)` : ' (run more repeats per side, or name fewer metrics with --metrics)')
  );
}
