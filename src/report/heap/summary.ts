import type { HeapSummary } from '../../heap/summary.js';
import { formatBytes, formatCount, formatPercent } from '../../units/format.js';
import { palette } from '../terminal/color.js';
import { fitColumns } from '../terminal/fit-width.js';
import { renderTable, type TableSpec } from '../terminal/table.js';

/**
 * The summarize view: totals, the classes by retained size, the top objects. With
 * `widthChars` (the terminal's width) long constructor names are cut in the middle so
 * the tables fit; without it every name is printed whole.
 */
export function renderHeapSummary(s: HeapSummary, opts: { color: boolean; classRows: number; widthChars?: number }): string {
  const fit = (spec: TableSpec, nameCols: number[]): TableSpec =>
    opts.widthChars !== undefined ? fitColumns(spec, nameCols, opts.widthChars) : spec;
  const p = palette(opts.color);
  const lines: string[] = [];
  lines.push(p.bold(`Heap snapshot ${s.file}`));
  lines.push(
    `  ${formatBytes(s.fileBytes)} file · ${formatCount(s.nodeCount)} nodes · ${formatCount(s.edgeCount)} edges · ` +
      `${formatCount(s.classes.length)} classes`,
  );
  lines.push(`  heap: ${formatBytes(s.totalSelfBytes)} total self size, ${formatBytes(s.reachableBytes)} reachable from the roots`);
  if (s.unreachableCount > 0) {
    lines.push(p.dim(`  ${formatCount(s.unreachableCount)} nodes are not reachable through retaining edges (counted under the root)`));
  }
  lines.push('');
  const shown = s.classes.slice(0, opts.classRows);
  const classTable: TableSpec = {
    title: `Classes by retained size (${shown.length} of ${s.classes.length})`,
    head: ['Constructor', 'Count', 'Self size', 'Retained size', 'Retained %'],
    rows: shown.map((c) => [
      c.className,
      formatCount(c.count),
      formatBytes(c.selfBytes),
      formatBytes(c.retainedBytes),
      formatPercent(s.totalSelfBytes > 0 ? c.retainedBytes / s.totalSelfBytes : 0),
    ]),
    alignRight: [1, 2, 3, 4],
    color: opts.color,
  };
  lines.push(renderTable(fit(classTable, [0])));
  if (s.top.length > 0) {
    const topTable: TableSpec = {
      title: `Top ${s.top.length} objects by retained size`,
      head: ['Id', 'Constructor', 'Name', 'Self size', 'Retained size'],
      rows: s.top.map((o) => [`@${o.id}`, o.className, oneLine(o.name, 40), formatBytes(o.selfBytes), formatBytes(o.retainedBytes)]),
      alignRight: [0, 3, 4],
      color: opts.color,
    };
    lines.push('');
    lines.push(renderTable(fit(topTable, [1, 2])));
  }
  lines.push(p.dim(`retained sizes follow ${s.dominatorRule === 'devtools' ? 'Chrome DevTools' : 'memlab'}' rules for which edges retain`));
  return lines.join('\n');
}

/** Names can hold newlines and huge strings: one table cell, one line. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
