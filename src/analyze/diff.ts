import { UsageError } from '../core/errors.js';
import { lookupMetric, type Better, type Family, type Unit } from '../metrics/registry.js';
import { mannWhitneyU, minAttainablePValue, type MannWhitneyMethod } from './mann-whitney.js';
import { medianWithCi } from './median-ci.js';
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
 *   is significant (p <= alpha) AND the change of the medians in the bad direction is
 *   beyond the metric's threshold; or
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
  pValue: number;
  significant: boolean;
  ties: boolean;
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
  /** Whether the change is beyond the threshold, in the bad / the good direction. */
  beyondThreshold?: 'bad' | 'good' | false;
  limits: LimitOutcome[];
}

export interface DiffPolicy {
  alpha: number;
  thresholds: readonly ThresholdRule[];
  bounds: readonly BoundRule[];
  /** Names or globs of the metrics that decide; undefined: every metric with a direction. */
  metrics?: readonly string[];
}

export interface DiffResult {
  alpha: number;
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
  const selected = policy.metrics === undefined || policy.metrics.some((p) => metricMatches(p, name));
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
  let significant: boolean | undefined;
  if (minP <= policy.alpha) {
    const r = mannWhitneyU(b.values, c.values);
    significant = r.pValue <= policy.alpha;
    out.test = { method: r.method, u: r.u1, pValue: r.pValue, significant, ties: r.ties };
  } else {
    out.testSkipped = { reason: 'too-few-runs', minPValue: minP };
  }

  if (threshold) out.beyondThreshold = beyond(threshold, absolute, relative);
  if (limitBroken) {
    out.verdict = 'regressed';
    out.basis = 'limit';
    return out;
  }
  if (!threshold) return out; // informational: no direction, no threshold
  out.basis = significant === undefined ? 'threshold-only' : 'test+threshold';
  const evidence = significant ?? true;
  if (evidence && out.beyondThreshold === 'bad') out.verdict = 'regressed';
  else if (evidence && out.beyondThreshold === 'good') out.verdict = 'improved';
  else out.verdict = 'unchanged';
  return out;
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
