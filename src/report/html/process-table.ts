import type { Baseline } from '../../baseline/schema.js';
import { processesOf } from '../../baseline/sections.js';
import { formatBytes } from '../../units/format.js';
import { collectedCell, endText, gcCount, hasCollectedColumn, hasLeakColumn, leakCell, lifetime, notMeasuredLines, pauseCell } from '../process-cells.js';
import { html, type SafeHtml } from './escape.js';

/**
 * A command's processes and worker threads in the HTML report, as the terminal's table
 * shows them (report/terminal/process-table.ts): one row each, the rows the totals describe
 * marked, then the processes no agent reported from. Only when there is more than one row
 * or something was not measured.
 */
export function renderProcessTable(b: Baseline): SafeHtml | undefined {
  const section = processesOf(b);
  if (!section) return undefined;
  const parts = section.runs.map((run, i) => {
    const unmeasured = notMeasuredLines(run);
    if (run.rows.length <= 1 && unmeasured.length === 0) return undefined;
    const selected = new Set(run.selected);
    const leaks = hasLeakColumn(run);
    const collected = hasCollectedColumn(run);
    const rows = run.rows.map(
      (r) => html`<tr class="${selected.has(r.key) ? 'selected' : 'dim'}" data-key="${r.key}">
        <td>${r.pid}${r.threadId ? `/${r.threadId}` : ''}</td><td class="num">${r.ppid}</td><td>${r.role}</td><td class="mono">${r.argv.join(' ')}</td>
        <td class="num">${lifetime(r)}</td><td class="num">${gcCount(r, 'minor')}</td><td class="num">${gcCount(r, 'major')}</td>${collected ? html`<td class="num">${collectedCell(r)}</td>` : ''}
        <td class="num">${pauseCell(r, 'p95')}</td><td class="num">${pauseCell(r, 'max')}</td>
        <td class="num">${r.heapUsedPeakBytes !== undefined ? formatBytes(r.heapUsedPeakBytes) : '–'}</td><td class="num">${r.rssPeakBytes !== undefined ? formatBytes(r.rssPeakBytes) : '–'}</td>
        <td>${endText(r)}</td>${leaks ? html`<td>${leakCell(r)}</td>` : ''}</tr>`,
    );
    const head = ['pid', 'parent', 'role', 'command', 'lifetime', 'minor (start-up)', 'major', ...(collected ? ['collected'] : []), 'pause p95', 'pause max', 'heap peak', 'RSS peak', 'end', ...(leaks ? ['leak (live slope)'] : [])];
    const lastNum = collected ? 11 : 10;
    return html`<h4>Processes${section.runs.length > 1 ? ` (run ${i + 1} of ${section.runs.length})` : ''}</h4>
  <table class="data">
    <thead><tr>${head.map((h, k) => html`<th class="${k === 1 || (k >= 4 && k <= lastNum) ? 'num' : ''}">${h}</th>`)}</tr></thead>
    <tbody>${rows}</tbody>
  </table>
  ${unmeasured.length ? html`<ul class="dim">${unmeasured.map((l) => html`<li>${l}</li>`)}</ul>` : ''}`;
  });
  if (parts.every((p) => p === undefined)) return undefined;
  return html`<section class="panel table-panel" id="processes">
  <h3>Processes and threads <span class="dim">(--process ${section.selection}: the figures above are the rows not dimmed)</span></h3>
  ${parts.filter((p) => p !== undefined)}
</section>`;
}
