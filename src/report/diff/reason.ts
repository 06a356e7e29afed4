import { gateLevel, type DiffReport, type MetricDiff } from '../../analyze/diff.js';
import { formatLevel, formatP, formatRelative, formatThreshold, formatValue } from '../values.js';

/**
 * The one-line reason behind each verdict, shared by every format so the table, the
 * Markdown comment and the JUnit failure say the same thing.
 */
export function describeReason(m: MetricDiff, alpha: number): string {
  // An allocation site is named as people read it; the metric's name carries only its key.
  const reason = m.siteLabel ? `${m.siteLabel}: ${baseReason(m, alpha)}` : baseReason(m, alpha);
  if (!m.gating && (m.verdict === 'regressed' || m.verdict === 'improved')) {
    return `${reason} (not deciding: ${m.notDecidingByDefault !== undefined ? 'not by default, name it in --metrics' : 'outside --metrics'})`;
  }
  return reason;
}

/**
 * "with this noise, 5 runs per side detect a change of >= 8.0% in gc.pause.p95_ms; 10 runs >= 5.1%":
 * one line per deciding metric, for choosing --repeat from data.
 */
export function describeDetectable(report: DiffReport): string[] {
  const r = report.result;
  const lines: string[] = [];
  for (const d of r.detectable) {
    const unit = r.metrics.find((m) => m.name === d.name)?.unit ?? 'none';
    const size = (a: (typeof d.at)[number]) =>
      a.absolute === null ? 'nothing' : a.relative !== null ? `a change of >= ${formatRelative(a.relative).replace(/^\+/, '')}` : `a change of >= ${formatValue(a.absolute, unit)}`;
    const [first, second] = d.at;
    let line = `with this noise, ${first!.runsPerSide} runs per side detect ${size(first!)} in ${d.name}`;
    if (second) line += `; ${second.runsPerSide} runs ${size(second).replace(/^a change of /, '')}`;
    if (d.at.some((a) => a.absolute === null)) line += ` (the corrected test needs >= ${d.minRunsPerSide} runs per side)`;
    lines.push(line);
  }
  return lines;
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
  const thresholdText = m.basis === 'test+threshold' && m.shift
    ? describeShift(m, limit)
    : m.beyondThreshold === false || m.beyondThreshold === undefined
      ? `within threshold (${limit})`
      : `${change} beyond ${limit}`;
  const parts = [test, thresholdText];
  const limitsOk = m.limits.map((l) => `${l.kind} ${formatValue(l.limit, m.unit)} ok`);
  return [...parts, ...limitsOk].join('; ');
}

/** "shift +40.0% [+36.0%, +44.0%] beyond 25% and 0.50 ms": the interval the verdict rests on. */
function describeShift(m: MetricDiff, limit: string): string {
  const s = m.shift!;
  const scale = m.base && m.base.median !== 0 ? Math.abs(m.base.median) : undefined;
  const show = (v: number) => (scale !== undefined ? formatRelative(v / scale) : formatValue(v, m.unit, true));
  const interval = s.low !== undefined && s.high !== undefined ? ` [${show(s.low)}, ${show(s.high)}]` : ' (no interval: too few runs)';
  const where = m.intervalBeyond ? 'beyond' : 'not all beyond';
  return `shift ${show(s.estimate)}${interval} ${where} ${limit}`;
}

function describeTest(m: MetricDiff, alpha: number): string {
  if (m.test) {
    // The p shown is the gate's: "changed by more than the threshold" in the direction the verdict reports.
    const gate = m.verdict === 'improved' ? m.test.improvement : m.test.regression;
    if (!gate) return `p=${formatP(m.test.pValue)}`;
    const p = formatP(gate.pValue);
    if (gate.outsideFamily) {
      const why = gate.attainableP >= 0.5 ? 'no split of these runs clears the threshold' : `these runs: p >= ${formatP(gate.attainableP)} at best`;
      return `p=${p}, outside the correction (${why}), not significant`;
    }
    const adjusted = m.gating && gate.adjustedP !== undefined && m.test.correction !== undefined && m.test.correction !== 'none' ? `, ${m.test.correction} ${formatP(gate.adjustedP)}` : '';
    const level = gateLevel(alpha);
    return gate.significant ? `p=${p}${adjusted} <= ${level}` : `p=${p}${adjusted} > ${level}, not significant`;
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
  if (nonGating) parts.push(`${nonGating} regressed outside the deciding metrics`);
  return parts.join(', ');
}

export function describeMethod(report: DiffReport): string {
  const r = report.result;
  const levels = new Set<number>();
  for (const m of r.metrics) for (const s of [m.base, m.current]) if (s?.ci) levels.add(s.ci.level);
  const tested = r.metrics.some((m) => m.test);
  const correction =
    r.correction === 'none'
      ? 'no correction for the number of metrics'
      : `p adjusted across ${r.family} deciding metric${r.family === 1 ? '' : 's'} (${r.correction === 'holm' ? 'Holm, family-wise' : 'Benjamini-Hochberg, false discovery rate'})`;
  const test = tested
    ? `Hodges-Lehmann shift with its ${formatLevel(1 - r.alpha)} interval; "changed by more than the threshold": one-sided Mann-Whitney U at ${gateLevel(r.alpha)} per direction (exact up to 50 values, ties included), ${correction}`
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
