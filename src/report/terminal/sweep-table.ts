import type { SweepCell, SweepComparison } from '../../analyze/sweep-compare.js';
import { formatRelative, formatValue } from '../values.js';
import { palette, type Palette } from './color.js';
import { renderTable } from './table.js';

/**
 * gc-profile --sweep's table: one row per setting, each figure the setting's median, and
 * from the second row on its change against the first setting as memkit diff decides it:
 * "↓ -62.0% ✓" a change beyond the threshold that the test confirms, "↓ -62.0% †" beyond
 * the threshold with too few runs for the test, a plain "↓ -3.1%" not a change by that rule
 * (within the threshold, or beyond it without the test's confirmation).
 */

export function renderSweep(c: SweepComparison, knob: string, opts: { color: boolean }): string {
  const p = palette(opts.color);
  const head = [knob, 'runs', ...c.columns.map((col) => col.title)];
  const rows = c.rows.map((row, i) => [
    i === 0 ? `${row.label} (ref)` : row.label,
    row.status === 'complete' ? String(row.runs) : `${row.runs} (${row.status})`,
    ...row.cells.map((cell) => renderCell(cell, p)),
  ]);
  const legend = [
    `vs the first setting, by memkit diff's rule (alpha ${c.alpha}, its default thresholds, the columns as the deciding metrics): ` +
      '✓ a change beyond the threshold, confirmed by the test' +
      (c.thresholdOnly ? '; † beyond the threshold, too few runs per setting for the test (more --repeat)' : '') +
      "; no mark: memkit diff would not call it a change (within the threshold, or the test does not confirm it)",
  ];
  const out = [renderTable({ title: 'GC tuning sweep', head, rows, alignRight: head.map((_, i) => i).slice(1), color: opts.color }), p.dim(legend[0]!)];
  for (const note of c.notes) out.push(`note: ${note}`);
  return out.join('\n');
}

function renderCell(cell: SweepCell, p: Palette): string {
  if (cell.value === undefined || cell.unit === undefined) return '–';
  const value = formatValue(cell.value, cell.unit);
  const d = cell.diff;
  if (!d?.change) return value;
  const arrow = d.change.absolute > 0 ? '↑' : d.change.absolute < 0 ? '↓' : '=';
  const change = `${arrow} ${formatRelative(d.change.relative)}`;
  if (d.verdict !== 'improved' && d.verdict !== 'regressed') return `${value} ${change}`;
  const mark = d.basis === 'test+threshold' ? '✓' : '†';
  const colour = d.verdict === 'improved' ? p.green : p.red;
  return `${value} ${colour(`${change} ${mark}`)}`;
}
