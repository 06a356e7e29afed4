import type { Baseline } from '../../baseline/schema.js';
import { lookupMetric } from '../../metrics/registry.js';
import { formatPercent } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';
import { formatMetric } from '../metric-format.js';
import { figureLabel, keyFigureNames } from './tables.js';

/** The key figures of two runs: the current value, the baseline's, and the change. */
export function renderCompareFigures(base: Baseline, current: Baseline): SafeHtml {
  const names = [...new Set([...keyFigureNames(current), ...keyFigureNames(base)])];
  if (names.length === 0) return html``;
  return html`<section id="figures" class="figures">${names.map((n) => {
    const b = base.metrics[n];
    const c = current.metrics[n];
    const { label, signed } = figureLabel(n);
    const unit = (c ?? b)!.unit;
    let change: SafeHtml | string = '';
    if (b && c) {
      const d = c.value - b.value;
      const better = lookupMetric(n)?.better ?? 'none';
      const tone = d === 0 || better === 'none' ? 'neutral' : (d < 0) === (better === 'lower') ? 'good' : 'bad';
      const rel = b.value !== 0 ? ` (${formatPercent(d / Math.abs(b.value), 1, { signed: true })})` : '';
      change = html`<div class="figure-change tone-${tone}">${formatMetric(d, unit, true)}${rel}</div>`;
    }
    return html`<div class="figure" data-metric="${n}" data-value="${c?.value ?? ''}" data-base-value="${b?.value ?? ''}">
      <div class="figure-label">${label}</div>
      <div class="figure-value">${c ? formatMetric(c.value, unit, signed) : '–'}</div>
      <div class="figure-base">baseline ${b ? formatMetric(b.value, unit, signed) : '–'}</div>
      ${change}
    </div>`;
  })}</section>`;
}
