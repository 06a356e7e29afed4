import type { Baseline } from '../../baseline/schema.js';
import { lookupMetric } from '../../metrics/registry.js';
import { formatPercent } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';
import { formatMetric, metricUnit } from '../metric-format.js';
import type { DiffReport } from '../../analyze/diff.js';
import { describeReason, verdictLabel } from '../diff/reason.js';
import { formatRelative, formatStats, formatValue } from '../values.js';

/**
 * Two runs' metrics side by side: baseline, current, the change, and whether the change is
 * for the better or the worse by the metric's registered direction.
 */
export function renderSideBySide(base: Baseline, current: Baseline): SafeHtml {
  const names = [...new Set([...Object.keys(base.metrics), ...Object.keys(current.metrics)])].sort();
  return html`<section class="panel table-panel" id="diff-table">
  <h3>Metrics, baseline → current</h3>
  <table class="data">
    <thead><tr><th>metric</th><th class="num">baseline</th><th class="num">current</th><th class="num">change</th><th class="num">%</th></tr></thead>
    <tbody>${names.map((n) => {
      const b = base.metrics[n];
      const c = current.metrics[n];
      const unit = metricUnit(n);
      const better = lookupMetric(n)?.better ?? 'none';
      let change = '';
      let rel = '';
      let tone = 'neutral';
      if (b && c) {
        const d = c.value - b.value;
        change = formatMetric(d, unit, true);
        rel = b.value !== 0 ? formatPercent(d / Math.abs(b.value), 1, { signed: true }) : '';
        if (d !== 0 && better !== 'none') tone = (d < 0) === (better === 'lower') ? 'good' : 'bad';
      }
      return html`<tr data-metric-row="${n}" class="tone-${tone}"><td class="metric-name">${n}</td>
        <td class="num">${b ? formatMetric(b.value, unit) : '–'}</td><td class="num">${c ? formatMetric(c.value, unit) : '–'}</td>
        <td class="num change">${change}</td><td class="num change">${rel}</td></tr>`;
    })}</tbody>
  </table>
  <p class="caption">Green: better by the metric's direction, red: worse. No significance test here: <code>memkit diff</code> decides regressions.</p>
</section>`;
}

/**
 * memkit diff's decision for every metric, as its terminal table shows it: the medians with
 * their intervals, the change, the verdict and the reason (p-value, threshold).
 */
export function renderCompareTableHtml(report: DiffReport): SafeHtml {
  const tone = (v: string) => (v === 'regressed' ? 'bad' : v === 'improved' ? 'good' : 'neutral');
  return html`<section class="panel table-panel" id="diff-table">
  <h3>memkit diff: baseline → current</h3>
  <table class="data">
    <thead><tr><th>metric</th><th class="num">baseline</th><th class="num">current</th><th class="num">change</th><th class="num">%</th><th>verdict</th><th>why</th></tr></thead>
    <tbody>${report.result.metrics.map((m) => html`<tr data-metric-row="${m.name}" class="tone-${tone(m.verdict)}"><td class="metric-name">${m.name}</td>
        <td class="num">${formatStats(m.base, m.unit)}</td><td class="num">${formatStats(m.current, m.unit)}</td>
        <td class="num change">${m.change ? formatValue(m.change.absolute, m.unit, true) : ''}</td>
        <td class="num change">${m.change ? formatRelative(m.change.relative) : ''}</td>
        <td class="verdict">${verdictLabel(m)}</td><td class="reason">${describeReason(m, report.result.alpha)}</td></tr>`)}</tbody>
  </table>
  <p class="caption">Medians with their intervals; a regression is a change that is both significant (Mann-Whitney) and beyond the metric's threshold, as <code>memkit diff</code> decides it.</p>
</section>`;
}