import type { DiffReport, MetricDiff } from '../../analyze/diff.js';
import { palette, type Palette } from '../terminal/color.js';
import { renderTable } from '../terminal/table.js';
import { describeDetectable, describeMethod, describeOutcome, describeReason, describeSide, verdictLabel } from './reason.js';
import { formatRelative, formatStats, formatValue } from '../values.js';

/** The terminal report: a header saying what was compared and how, the table, the outcome. */
export function renderDiffTable(report: DiffReport, opts: { color: boolean }): string {
  const c = palette(opts.color);
  const r = report.result;
  const perCellLevels = new Set(r.metrics.flatMap((m) => [m.base?.ci?.level, m.current?.ci?.level]).filter((l) => l !== undefined)).size > 1;
  const rows = r.metrics.map((m) => [
    m.name,
    formatStats(m.base, m.unit, perCellLevels),
    formatStats(m.current, m.unit, perCellLevels),
    m.change ? formatValue(m.change.absolute, m.unit, true) : '—',
    m.change ? formatRelative(m.change.relative) : '—',
    colorVerdict(m, c),
    describeReason(m, r.alpha),
  ]);
  const lines = [
    c.bold(`memkit diff (${report.kind})`),
    `base:    ${describeSide(report.base)}`,
    `current: ${describeSide(report.current)}`,
    c.dim(describeMethod(report)),
    renderTable({
      head: ['metric', 'baseline', 'current', 'change', '%', 'verdict', 'reason'],
      rows,
      alignRight: [1, 2, 3, 4],
      color: opts.color,
    }),
  ];
  for (const line of describeDetectable(report)) lines.push(c.dim(line));
  if (r.thresholdOnly > 0) lines.push(c.yellow(`THRESHOLD ONLY: ${r.thresholdOnly} metric(s) decided without a significance test (too few runs; see warnings)`));
  const outcome = `result: ${describeOutcome(report)}`;
  lines.push(report.exitCode === 0 ? c.green(outcome) : c.red(c.bold(outcome)));
  return lines.join('\n') + '\n';
}

function colorVerdict(m: MetricDiff, c: Palette): string {
  const label = verdictLabel(m);
  if (!m.gating && m.verdict !== 'missing') return c.dim(label);
  switch (m.verdict) {
    case 'regressed':
      return c.red(c.bold(label));
    case 'improved':
      return c.green(label);
    case 'missing':
      return c.yellow(label);
    case 'info':
      return c.dim(label);
    default:
      return label;
  }
}
