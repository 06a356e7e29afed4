import type { DiffReport, MetricDiff } from '../../analyze/diff.js';
import { formatP, formatRelative, formatThreshold, formatValue } from '../values.js';

/**
 * The one-line reason behind each verdict, shared by every format so the table, the
 * Markdown comment and the JUnit failure say the same thing.
 */
export function describeReason(m: MetricDiff, alpha: number): string {
  const reason = baseReason(m, alpha);
  if (!m.gating && (m.verdict === 'regressed' || m.verdict === 'improved')) return `${reason} (not deciding: outside --metrics)`;
  return reason;
}

function baseReason(m: MetricDiff, alpha: number): string {
  if (m.verdict === 'missing') return `only in the ${m.presentOn} run`;
  const broken = m.limits.filter((l) => l.broken);
  if (broken.length > 0) {
    return broken
      .map((l) => `${l.kind === 'max' ? 'above' : 'below'} --${l.kind} ${formatValue(l.limit, m.unit)} (${l.source})`)
      .join('; ');
  }
  const test = describeTest(m, alpha);
  if (!m.threshold) return [test, 'no better direction: informational'].filter(Boolean).join('; ');
  const change = m.change ? formatRelative(m.change.relative) : '';
  const limit = formatThreshold(m.threshold, m.unit);
  const thresholdText =
    m.beyondThreshold === false || m.beyondThreshold === undefined
      ? `within threshold (${limit})`
      : `${change} beyond ${limit}`;
  const parts = [test, thresholdText];
  const limitsOk = m.limits.map((l) => `${l.kind} ${formatValue(l.limit, m.unit)} ok`);
  return [...parts, ...limitsOk].join('; ');
}

function describeTest(m: MetricDiff, alpha: number): string {
  if (m.test) {
    const p = formatP(m.test.pValue);
    return m.test.significant ? `p=${p} <= ${alpha}` : `p=${p} > ${alpha}, not significant`;
  }
  if (m.testSkipped) return `threshold only (${m.base?.n} vs ${m.current?.n} runs: p >= ${formatP(m.testSkipped.minPValue)})`;
  return '';
}

/** "regressed", "improved", "~", "info", "missing": the verdict as printed. */
export function verdictLabel(m: MetricDiff): string {
  return m.verdict === 'unchanged' ? '~' : m.verdict;
}

/** "1 regression (gc.pause.p95_ms), 2 improved, 10 unchanged, 3 info". */
export function describeOutcome(report: DiffReport): string {
  const r = report.result;
  const regressed = r.metrics.filter((m) => m.gating && m.verdict === 'regressed').map((m) => m.name);
  const parts = [
    regressed.length === 0
      ? 'no regression'
      : `${regressed.length} regression${regressed.length === 1 ? '' : 's'} (${regressed.join(', ')})`,
  ];
  if (r.counts.improved) parts.push(`${r.counts.improved} improved`);
  parts.push(`${r.counts.unchanged} unchanged`);
  if (r.counts.info) parts.push(`${r.counts.info} info`);
  if (r.counts.missing) parts.push(`${r.counts.missing} on one side only`);
  const nonGating = r.metrics.filter((m) => !m.gating && m.verdict === 'regressed').length;
  if (nonGating) parts.push(`${nonGating} regressed outside --metrics`);
  return parts.join(', ');
}

export function describeMethod(report: DiffReport): string {
  const r = report.result;
  const levels = new Set<number>();
  for (const m of r.metrics) for (const s of [m.base, m.current]) if (s?.ci) levels.add(s.ci.level);
  const tested = r.metrics.some((m) => m.test);
  const test = tested
    ? `Mann-Whitney U, two-sided, alpha ${r.alpha} (exact up to 50 values, ties included)`
    : `no significance test (too few runs), thresholds only`;
  const ci =
    levels.size === 1 ? `medians with ${[...levels].map((l) => `${Number((l * 100).toFixed(1))}%`)[0]} intervals (order statistics)` : levels.size > 1 ? 'medians with order-statistic intervals (levels per cell)' : 'medians';
  return `${test}; ${ci}`;
}

export function describeSide(s: DiffReport['base']): string {
  const files = s.files.length === 1 ? s.files[0] : `${s.files.length} files`;
  const status = s.status === 'complete' ? '' : `, ${s.status.toUpperCase()}`;
  return `${files} (${s.runs} run${s.runs === 1 ? '' : 's'}${status})`;
}
