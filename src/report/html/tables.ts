import type { Baseline, MetricEntry } from '../../baseline/schema.js';
import { median } from '../../analyze/percentiles.js';
import { gcRunsOf, gcStartupOf, stressRunsOf, type GcKindName, type PauseSummaryMs } from '../../baseline/sections.js';
import { lookupMetric } from '../../metrics/registry.js';
import { formatCount, formatMs } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';
import { formatMetric, metricUnit } from '../metric-format.js';

/**
 * The terminal report's tables (report/gc-profile-table.ts) as HTML, from the same data:
 * the baseline's metrics and the per-run GC details under extra.runs. Every metric cell
 * carries its name and exact value (data-metric, data-value) next to the formatted text.
 */

function metricCell(b: Baseline, name: string, opts: { signed?: boolean; suffix?: string } = {}): SafeHtml {
  const e = b.metrics[name];
  if (!e) return html`<td class="num dim">–</td>`;
  return html`<td class="num" data-metric="${name}" data-value="${e.value}" title="${e.values.length > 1 ? `median of ${e.values.length} runs: ${e.values.join(', ')}` : ''}">${formatMetric(e.value, e.unit, opts.signed)}${opts.suffix ?? ''}</td>`;
}

function table(id: string, title: string | SafeHtml, head: string[], rows: SafeHtml[], caption?: string | SafeHtml): SafeHtml {
  return html`<section class="panel table-panel" id="${id}">
  <h3>${title}</h3>
  <table class="data">
    <thead><tr>${head.map((h, i) => html`<th class="${i > 0 ? 'num' : ''}">${h}</th>`)}</tr></thead>
    <tbody>${rows}</tbody>
  </table>
  ${caption ? html`<p class="caption">${caption}</p>` : ''}
</section>`;
}

const KINDS: Array<[GcKindName, string]> = [
  ['minor', 'minor (Scavenge)'],
  ['major', 'major (Mark-Compact)'],
  ['incremental', 'incremental marking'],
  ['weakcb', 'weak callbacks'],
];

export function renderGcTable(b: Baseline): SafeHtml | undefined {
  const runs = gcRunsOf(b);
  if (runs.length === 0 && !b.metrics['gc.count.minor']) return undefined;
  const rows: SafeHtml[] = [];
  if (runs.length) {
    for (const [kind, label] of KINDS) {
      const per = runs.map((r) => r.gcByKind[kind]);
      const pick = (f: (s: PauseSummaryMs) => number) => {
        const vals = per.filter((p) => p.count > 0).map((p) => f(p.pauseMs));
        return vals.length ? formatMs(median(vals)) : '–';
      };
      rows.push(html`<tr data-kind="${kind}"><td>${label}</td><td class="num">${formatCount(median(per.map((p) => p.count)))}</td>
        <td class="num">${pick((s) => s.sum)}</td><td class="num">${pick((s) => s.p50)}</td><td class="num">${pick((s) => s.p95)}</td>
        <td class="num">${pick((s) => s.p99)}</td><td class="num">${pick((s) => s.max)}</td></tr>`);
    }
  } else {
    for (const [kind, label] of KINDS) {
      rows.push(html`<tr data-kind="${kind}"><td>${label}</td>${metricCell(b, `gc.count.${kind}`)}<td class="num dim" colspan="5"></td></tr>`);
    }
  }
  const total = sumOfCounts(b);
  rows.push(html`<tr class="total"><td>all</td><td class="num" data-metric="gc.count.all" data-value="${total ?? ''}">${total === undefined ? '–' : formatCount(total)}</td>
    ${metricCell(b, 'gc.pause.total_ms')}${metricCell(b, 'gc.pause.p50_ms')}${metricCell(b, 'gc.pause.p95_ms')}${metricCell(b, 'gc.pause.p99_ms')}${metricCell(b, 'gc.pause.max_ms')}</tr>`);
  const checkpoints = runs[0]?.gcCheckpointCount ?? 0;
  const startups = runs.map(gcStartupOf);
  const startupCount =
    startups.length > 0 && startups.every((s) => s !== undefined)
      ? median(startups.map((s) => s.counts.minor + s.counts.major + s.counts.incremental + s.counts.weakcb))
      : undefined;
  const caption = [
    checkpoints ? `memkit's ${checkpoints} checkpoint GCs per run are left out.` : '',
    startupCount !== undefined
      ? `Counted over the program's whole life: ${formatCount(startupCount)} of these came before its first line (Node's start-up and memkit's preload).`
      : '',
    b.runs.length > 1 ? `Medians of ${b.runs.length} runs.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return table('gc-table', 'GC by kind', ['kind', 'count', 'total pause', 'p50', 'p95', 'p99', 'max'], rows, caption);
}

function sumOfCounts(b: Baseline): number | undefined {
  const names = ['gc.count.minor', 'gc.count.major', 'gc.count.incremental', 'gc.count.weakcb'];
  if (!names.every((n) => b.metrics[n])) return undefined;
  const runs = b.metrics['gc.count.minor']!.values.length;
  return median(Array.from({ length: runs }, (_, i) => names.reduce((s, n) => s + (b.metrics[n]!.values[i] ?? 0), 0)));
}

export function renderMemoryTable(b: Baseline): SafeHtml | undefined {
  const rows: SafeHtml[] = [];
  if (b.metrics['rss.peak_bytes']) {
    rows.push(html`<tr><td>RSS (from outside)</td>${metricCell(b, 'rss.start_bytes')}${metricCell(b, 'rss.end_bytes')}${metricCell(b, 'rss.peak_bytes')}
      ${metricCell(b, 'rss.growth_bytes', { signed: true })}${metricCell(b, 'rss.slope_bytes_per_min', { signed: true })}</tr>`);
  }
  if (b.metrics['heap.used.peak_bytes']) {
    const live = gcRunsOf(b)[0]?.heapBasis === 'checkpoint' ? ' (live, after GC)' : '';
    rows.push(html`<tr><td>V8 heap used${live}</td>${metricCell(b, 'heap.used.start_bytes')}${metricCell(b, 'heap.used.end_bytes')}${metricCell(b, 'heap.used.peak_bytes')}
      ${metricCell(b, 'heap.used.growth_bytes', { signed: true })}${metricCell(b, 'heap.used.slope_bytes_per_min', { signed: true })}</tr>`);
    rows.push(html`<tr><td>V8 heap total</td><td></td><td></td>${metricCell(b, 'heap.total.peak_bytes')}<td></td><td></td></tr>`);
    rows.push(html`<tr><td>external + array buffers</td><td></td><td></td>${metricCell(b, 'external.peak_bytes')}<td></td><td></td></tr>`);
  }
  if (rows.length === 0) return undefined;
  return table('memory-table', 'Memory', ['', 'start', 'end', 'peak', 'growth', 'slope'], rows);
}

export function renderRatesTable(b: Baseline): SafeHtml | undefined {
  const rows: SafeHtml[] = [];
  const row = (label: string, name: string) => {
    if (b.metrics[name]) rows.push(html`<tr><td>${label}</td>${metricCell(b, name)}</tr>`);
  };
  row('allocation rate', 'alloc.rate_bytes_per_s');
  row('allocation per step', 'alloc.bytes_per_op');
  row('time in GC pauses', 'gc.time_ratio');
  row('throughput', 'ops.rate_per_s');
  row('steps', 'ops.count');
  row('CPU time (from outside)', 'cpu.time_ms');
  if (rows.length === 0) return undefined;
  return table('rates-table', 'Rates', ['', 'value'], rows);
}

export function renderLatencyTable(b: Baseline): SafeHtml | undefined {
  const names = ['latency.mean_ms', 'latency.p50_ms', 'latency.p95_ms', 'latency.p99_ms', 'latency.max_ms'];
  if (!names.some((n) => b.metrics[n])) return undefined;
  const count = stressRunsOf(b)[0]?.latency?.count;
  return table(
    'latency-table',
    b.kind === 'mem-stress' ? 'Step latency after warm-up' : 'Step latency',
    ['steps', 'mean', 'p50', 'p95', 'p99', 'max', 'throughput'],
    [html`<tr><td class="num">${count === undefined ? '–' : formatCount(count)}</td>${names.map((n) => metricCell(b, n))}${metricCell(b, 'ops.rate_per_s')}</tr>`],
  );
}

export function renderCustomTable(b: Baseline): SafeHtml | undefined {
  const custom = Object.keys(b.metrics).filter((k) => k.startsWith('custom.'));
  if (custom.length === 0) return undefined;
  return table(
    'custom-table',
    'Custom metrics',
    ['metric', 'value'],
    custom.map((k) => html`<tr><td class="metric-name">${k}</td>${metricCell(b, k)}</tr>`),
  );
}

/** Every metric with every run's value: nothing in the baseline is left out of the page. */
export function renderAllMetrics(b: Baseline, title = 'All metrics'): SafeHtml {
  const names = Object.keys(b.metrics).sort();
  const many = b.runs.length > 1;
  return html`<details class="panel" id="all-metrics"><summary>${title} <span class="dim">(${names.length})</span></summary>
  <table class="data">
    <thead><tr><th>metric</th><th class="num">value</th>${many ? html`<th class="num">runs</th>` : ''}<th>better</th><th>what it is</th></tr></thead>
    <tbody>${names.map((n) => {
      const e = b.metrics[n] as MetricEntry;
      const spec = lookupMetric(n);
      const unit = metricUnit(n);
      return html`<tr><td class="metric-name">${n}</td>${metricCell(b, n)}${many ? html`<td class="num dim">${e.values.map((v) => formatMetric(v, unit)).join(' · ')}</td>` : ''}
        <td>${spec?.better ?? ''}</td><td class="dim">${spec?.description ?? ''}</td></tr>`;
    })}</tbody>
  </table>
</details>`;
}

/** Key figures as cards at the top: seed 000's dashboard (RSS, GC, allocation) first. */
const KEY_FIGURES: Array<[name: string, label: string, signed?: boolean]> = [
  ['rss.growth_bytes', 'RSS growth', true],
  ['rss.peak_bytes', 'RSS peak'],
  ['heap.used.growth_bytes', 'live heap growth', true],
  ['live.growth_bytes', 'live memory growth', true],
  ['heap.used.slope_bytes_per_min', 'heap slope', true],
  ['gc.pause.p95_ms', 'GC pause P95'],
  ['gc.count.major', 'major GCs'],
  ['gc.time_ratio', 'time in GC'],
  ['alloc.rate_bytes_per_s', 'allocation rate'],
  ['ops.rate_per_s', 'throughput'],
  ['latency.p99_ms', 'latency p99'],
  ['heap.snapshot.total_bytes', 'heap size'],
  ['heap.snapshot.reachable_bytes', 'reachable'],
  ['heap.snapshot.nodes.count', 'objects'],
];

export function keyFigureNames(b: Baseline): string[] {
  const names = KEY_FIGURES.map(([n]) => n).filter((n) => b.metrics[n]);
  for (const n of Object.keys(b.metrics)) if (/^custom\..*hit_ratio$/.test(n)) names.push(n);
  return names;
}

export function figureLabel(name: string): { label: string; signed: boolean } {
  const known = KEY_FIGURES.find(([n]) => n === name);
  if (known) return { label: known[1], signed: known[2] ?? false };
  return { label: name.replace(/^custom\./, ''), signed: false };
}

export function renderKeyFigures(b: Baseline): SafeHtml {
  const names = keyFigureNames(b);
  if (names.length === 0) return html``;
  return html`<section id="figures" class="figures">${names.map((n) => {
    const e = b.metrics[n]!;
    const { label, signed } = figureLabel(n);
    return html`<div class="figure" data-metric="${n}" data-value="${e.value}"><div class="figure-label">${label}</div><div class="figure-value">${formatMetric(e.value, e.unit, signed)}</div></div>`;
  })}</section>`;
}
