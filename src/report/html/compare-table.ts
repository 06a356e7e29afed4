import type { Baseline } from '../../baseline/schema.js';
import { lookupMetric } from '../../metrics/registry.js';
import { formatPercent } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';
import { formatMetric, metricUnit } from './metric-format.js';

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
