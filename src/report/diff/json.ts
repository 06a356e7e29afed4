import type { DiffReport, MetricDiff } from '../../analyze/diff.js';
import { describeReason, verdictLabel } from './reason.js';

/**
 * `--format json`: the machine-readable report, versioned as "memkit.diff/1" (documented
 * in docs/ci.md). Fields are only ever added within a version; numbers are raw (bytes,
 * ms, ...) in the metric's unit; a value that does not exist (the relative change from a
 * baseline of 0) is null, never NaN or Infinity.
 */
export const DIFF_JSON_SCHEMA = 'memkit.diff/1';

export function renderDiffJson(report: DiffReport, memkitVersion: string): string {
  const r = report.result;
  const doc = {
    schema: DIFF_JSON_SCHEMA,
    tool: { name: 'memkit', version: memkitVersion },
    kind: report.kind,
    outcome: report.exitCode === 0 ? 'pass' : 'regression',
    exitCode: report.exitCode,
    alpha: r.alpha,
    correction: r.correction,
    family: r.family,
    base: report.base,
    current: report.current,
    counts: { ...r.counts, regressions: r.regressions, thresholdOnly: r.thresholdOnly },
    metrics: r.metrics.map((m) => metricJson(m, r.alpha)),
    detectable: r.detectable,
    environment: report.environment,
    warnings: report.warnings,
  };
  return JSON.stringify(doc, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

function metricJson(m: MetricDiff, alpha: number) {
  return {
    name: m.name,
    unit: m.unit,
    better: m.better,
    family: m.family ?? null,
    verdict: m.verdict,
    label: verdictLabel(m),
    gating: m.gating,
    basis: m.basis,
    presentOn: m.presentOn ?? null,
    base: m.base ?? null,
    current: m.current ?? null,
    change: m.change ?? null,
    test: m.test ?? null,
    testSkipped: m.testSkipped ?? null,
    threshold: m.threshold
      ? { relative: m.threshold.relative ?? null, absolute: m.threshold.absolute ?? null, bad: m.threshold.bad, source: m.threshold.source }
      : null,
    beyondThreshold: m.beyondThreshold ?? null,
    shift: m.shift ?? null,
    intervalBeyond: m.intervalBeyond ?? null,
    notDecidingByDefault: m.notDecidingByDefault ?? null,
    siteLabel: m.siteLabel ?? null,
    limits: m.limits,
    reason: describeReason(m, alpha),
  };
}
