import type { Baseline } from '../../baseline/schema.js';
import { assertionsOf, leakOf, stressRunsOf } from '../../baseline/sections.js';
import { formatCount, formatMs, formatPercent } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';
import { formatMetric, metricUnit } from '../metric-format.js';
import { liveMemoryLabel } from '../live-memory-label.js';
import type { Verdict } from './summary.js';

/**
 * What a mem-stress baseline adds (report/mem-stress-table.ts prints the same in the
 * terminal): the leak verdict with its evidence, the acceptance assertions, time per phase.
 */

/** Badges for the header: the leak verdict and the assertions' outcome. */
export function stressVerdicts(b: Baseline, prefix = ''): Verdict[] {
  const out: Verdict[] = [];
  const leak = leakOf(b);
  if (leak) {
    const tone = leak.verdict === 'leak' ? 'bad' : leak.verdict === 'no leak' ? 'good' : 'warn';
    out.push({ label: `${prefix}leak verdict: ${leak.verdict}`, tone, detail: leak.reason });
  }
  const results = assertionsOf(b);
  if (results.length) {
    const failed = results.filter((r) => !r.pass);
    out.push(
      failed.length
        ? { label: `${prefix}${failed.length} of ${results.length} assertions failed`, tone: 'bad', detail: failed.map((f) => f.assertion.text).join(', ') }
        : { label: `${prefix}${results.length} assertions passed`, tone: 'good' },
    );
  }
  return out;
}

export function renderLeakSection(b: Baseline): SafeHtml | undefined {
  const leak = leakOf(b);
  if (!leak) return undefined;
  const runs = stressRunsOf(b);
  const cell = (name: string, signed = true) => {
    const e = b.metrics[name];
    return e ? html`<td class="num" data-metric="${name}" data-value="${e.value}">${formatMetric(e.value, e.unit, signed)}</td>` : html`<td class="num dim">–</td>`;
  };
  const tone = leak.verdict === 'leak' ? 'bad' : leak.verdict === 'no leak' ? 'good' : 'warn';
  return html`<section class="panel table-panel" id="leak">
  <h3>Leak verdict: <span class="badge verdict-${tone}" data-field="leak-verdict">${leak.verdict}</span>${runs.length > 1 ? html` <span class="dim">(over ${runs.length} runs)</span>` : ''}</h3>
  <p data-field="leak-reason">${leak.reason}</p>
  ${runs.length > 1 ? html`<ul class="dim">${runs.map((r, i) => html`<li>run ${i + 1}: ${r.leak.verdict} — ${r.leak.reason}</li>`)}</ul>` : ''}
  <table class="data">
    <thead><tr><th>after warm-up</th><th class="num">growth</th><th class="num">slope</th></tr></thead>
    <tbody>
      <tr><td>RSS (from outside)</td>${cell('rss.growth_bytes')}${cell('rss.slope_bytes_per_min')}</tr>
      <tr><td>${liveMemoryLabel(b)}</td>${cell('live.growth_bytes')}${cell('live.slope_bytes_per_min')}</tr>
      ${b.environment.runtime === 'python' ? '' : html`<tr><td>V8 heap (after GC)</td>${cell('heap.used.growth_bytes')}${cell('heap.used.slope_bytes_per_min')}</tr>`}
    </tbody>
  </table>
  <p class="caption">Judged on the live memory right after memkit's forced GCs (the black dots on the memory chart), which garbage cannot inflate.</p>
</section>`;
}

export function renderAssertions(b: Baseline): SafeHtml | undefined {
  const results = assertionsOf(b);
  if (results.length === 0) return undefined;
  return html`<section class="panel table-panel" id="assertions">
  <h3>Assertions</h3>
  <table class="data">
    <thead><tr><th>assertion</th><th class="num">measured</th><th>result</th></tr></thead>
    <tbody>${results.map(
      (r) => html`<tr data-pass="${String(r.pass)}"><td class="metric-name">${r.assertion.text}</td>
        <td class="num">${r.measured === undefined ? 'not measured' : formatMetric(r.measured, b.metrics[r.assertion.metric]?.unit ?? metricUnit(r.assertion.metric))}</td>
        <td><span class="badge ${r.pass ? 'verdict-good' : 'verdict-bad'}">${r.pass ? 'pass' : 'FAIL'}</span></td></tr>`,
    )}</tbody>
  </table>
</section>`;
}

export function renderPhases(b: Baseline): SafeHtml | undefined {
  const phases = stressRunsOf(b)[0]?.phases;
  if (!phases || phases.phases.length === 0) return undefined;
  return html`<section class="panel table-panel" id="phases">
  <h3>Time per phase after warm-up${phases.bottleneck ? html` — bottleneck: <strong>${phases.bottleneck}</strong>` : ''}</h3>
  <table class="data">
    <thead><tr><th>phase</th><th class="num">calls</th><th class="num">total</th><th class="num">mean</th><th class="num">share</th><th class="bar-col"></th></tr></thead>
    <tbody>${phases.phases.map(
      (p) => html`<tr><td class="metric-name">${p.name}</td><td class="num">${formatCount(p.count)}</td><td class="num">${formatMs(p.totalMs)}</td>
        <td class="num">${formatMs(p.meanMs)}</td><td class="num">${formatPercent(p.share)}</td>
        <td class="bar-col"><span class="bar" style="width:${(100 * p.share).toFixed(1)}%"></span></td></tr>`,
    )}</tbody>
  </table>
</section>`;
}
