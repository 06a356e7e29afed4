import type { Baseline } from '../../baseline/schema.js';
import { heapSummaryClassesOf } from '../../baseline/sections.js';
import { formatBytes, formatCount } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';

/**
 * A heap summary's top constructors by retained size (mem-snapshot's `heap-summary`
 * baselines). The full class table is under extra.heapSummary.classes when mem-snapshot
 * kept it; otherwise the classes are read back from the heap.class.<Name>.* metrics.
 */

export interface HeapClassRow {
  className: string;
  count: number;
  selfBytes: number;
  retainedBytes: number;
}

const CLASS_METRIC = /^heap\.class\.(.+)\.(count|self_bytes|retained_bytes)$/;

export function heapClasses(b: Baseline): HeapClassRow[] {
  const fromExtra = heapSummaryClassesOf(b);
  if (fromExtra) return [...fromExtra].sort((a, c) => c.retainedBytes - a.retainedBytes);
  const rows = new Map<string, HeapClassRow>();
  for (const [name, entry] of Object.entries(b.metrics)) {
    const m = CLASS_METRIC.exec(name);
    if (!m) continue;
    const row = rows.get(m[1]!) ?? { className: m[1]!, count: 0, selfBytes: 0, retainedBytes: 0 };
    if (m[2] === 'count') row.count = entry.value;
    else if (m[2] === 'self_bytes') row.selfBytes = entry.value;
    else row.retainedBytes = entry.value;
    rows.set(m[1]!, row);
  }
  return [...rows.values()].sort((a, b) => b.retainedBytes - a.retainedBytes);
}

export function renderHeapClasses(b: Baseline, limit = 30): SafeHtml | undefined {
  const all = heapClasses(b);
  if (all.length === 0) return undefined;
  const top = all.slice(0, limit);
  const most = Math.max(1, ...top.map((r) => r.retainedBytes));
  return html`<section class="panel table-panel" id="heap-classes">
  <h3>Top constructors by retained size</h3>
  <table class="data">
    <thead><tr><th>constructor</th><th class="num">objects</th><th class="num">self size</th><th class="num">retained size</th><th class="bar-col"></th></tr></thead>
    <tbody>${top.map(
      (r) => html`<tr><td class="metric-name class-name">${r.className}</td><td class="num">${formatCount(r.count)}</td>
        <td class="num">${formatBytes(r.selfBytes)}</td><td class="num" data-value="${r.retainedBytes}">${formatBytes(r.retainedBytes)}</td>
        <td class="bar-col"><span class="bar" style="width:${((100 * r.retainedBytes) / most).toFixed(1)}%"></span></td></tr>`,
    )}</tbody>
  </table>
  <p class="caption">${all.length > limit ? `The largest ${limit} of ${all.length} constructors.` : `${all.length} constructors.`} Retained size: what would be freed if the objects of the class were gone (DevTools’ Summary view).</p>
</section>`;
}
