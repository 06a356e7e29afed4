import { formatCount, formatMs } from '../../units/format.js';
import { loadReportAssets } from './assets.js';
import { DEFAULT_CHART_OPTIONS, traceData, type ChartDataOptions, type TraceData } from './chart-data.js';
import { renderSideBySide } from './compare-table.js';
import { html, jsonForScript, scriptSafe, trusted, type SafeHtml } from './escape.js';
import { renderExtraSections } from './extra.js';
import { renderHeapClasses } from './heap-classes.js';
import type { ReportSide } from './inputs.js';
import { REPORT_CSS } from './style.js';
import { renderHeader, renderWhatRan, sideLabel, targetTitle, type Verdict } from './summary.js';
import {
  renderAllMetrics,
  renderCustomTable,
  renderGcTable,
  renderKeyFigures,
  renderLatencyTable,
  renderMemoryTable,
  renderRatesTable,
} from './tables.js';
import { renderCompareFigures } from './compare-figures.js';
import { renderAssertions, renderLeakSection, renderPhases, stressVerdicts } from './stress.js';
import { alertVerdicts, renderAlertRules, sideAlerts } from './alerts.js';

/**
 * The HTML report: one self-contained page (styles, uPlot, chart code and data inlined)
 * for one baseline, or two overlaid (baseline and current). The summary and the tables are
 * rendered here as HTML, readable without script; the charts are drawn by client.ts from
 * the inlined JSON.
 */

export interface ReportOptions {
  chart?: ChartDataOptions;
  /** Extra verdict badges, e.g. a diff's outcome. */
  verdicts?: Verdict[];
  /** Replaces the plain side-by-side metric table in a comparison (e.g. memkit diff's table). */
  compareTable?: SafeHtml;
  generatedAt?: Date;
  memkitVersion?: string;
}

/** The JSON the page's chart code reads. */
export interface ReportData {
  compare: boolean;
  sides: Array<{ label: string; gcP95Ms?: number }>;
  traces: TraceData[];
}

export function buildReportData(sides: ReportSide[], chart: ChartDataOptions = DEFAULT_CHART_OPTIONS): ReportData {
  const traces: TraceData[] = [];
  sides.forEach((side, s) => {
    for (const run of side.runs) {
      if (!run.data) continue;
      const who = sideLabel(s, sides.length);
      const label = side.runs.length > 1 ? `${who} run ${run.index + 1}` : who;
      traces.push(traceData(run.data, { id: `s${s}r${run.index}`, label, side: s, run: run.index }, chart));
    }
  });
  return {
    compare: sides.length > 1,
    sides: sides.map((side, s) => ({ label: sideLabel(s, sides.length), gcP95Ms: side.baseline.metrics['gc.pause.p95_ms']?.value })),
    traces,
  };
}

interface ChartBlock {
  id: string;
  title: string;
  subtitle: string;
  caption: SafeHtml | string;
}

function chartBlocks(data: ReportData): ChartBlock[] {
  const t = data.traces;
  const blocks: ChartBlock[] = [];
  const sum = (f: (x: TraceData) => number) => t.reduce((a, x) => a + f(x), 0);
  if (t.some((x) => x.rss || x.heapUsed)) {
    const rssRaw = sum((x) => x.rss?.raw ?? 0);
    const rssDrawn = sum((x) => x.rss?.tS.length ?? 0);
    const heapRaw = sum((x) => x.heapUsed?.raw ?? 0);
    const heapDrawn = sum((x) => x.heapUsed?.tS.length ?? 0);
    blocks.push({
      id: 'memory',
      title: 'Memory',
      subtitle: 'RSS from outside (/proc), V8 heap used and total from inside',
      caption: html`${[
        rssRaw ? `RSS: ${formatCount(rssRaw)} samples${rssDrawn < rssRaw ? `, ${formatCount(rssDrawn)} drawn` : ''}` : '',
        heapRaw ? `heap: ${formatCount(heapRaw)} samples${heapDrawn < heapRaw ? `, ${formatCount(heapDrawn)} drawn` : ''}` : '',
      ]
        .filter(Boolean)
        .join(' · ')}.
        ${rssDrawn < rssRaw || heapDrawn < heapRaw ? 'Long runs keep the first, last, lowest and highest sample of each time bucket (M4): every peak is a real sample at its real time.' : ''}`,
    });
  }
  const gcTraces = t.filter((x) => x.gc);
  if (gcTraces.some((x) => x.gc!.tS.length)) {
    const total = sum((x) => x.gc?.totalEvents ?? 0);
    const drawn = sum((x) => x.gc?.tS.length ?? 0);
    const bucketed = gcTraces.filter((x) => x.gc!.mode === 'buckets');
    blocks.push({
      id: 'gc-pauses',
      title: 'GC pauses',
      subtitle: 'every GC event by kind, its pause on a log scale; dotted: the run’s P95 pause',
      caption: bucketed.length
        ? html`${formatCount(total)} GC events; drawn: the longest pause of each kind per time bucket, and every pause at or above the run’s P99
            (${bucketed.map((x) => formatMs(x.gc!.outlierThresholdMs ?? NaN)).join(', ')}; ${formatCount(sum((x) => x.gc?.outlierCount ?? 0))} pauses) —
            ${formatCount(drawn)} marks in all. Counts per kind are in the next chart.`
        : html`${formatCount(total)} GC events, every one drawn.`,
    });
    if (gcTraces.some((x) => Object.values(x.gc!.rate.perMin).some((c) => c.some((v) => v > 0)))) {
      blocks.push({
        id: 'gc-rate',
        title: 'GC frequency',
        subtitle: 'collections per minute, by kind',
        caption: html`Counted in buckets of ${gcTraces.map((x) => formatSpan(x.gc!.rate.bucketS)).join(', ')}.`,
      });
    }
  }
  if (t.some((x) => x.alloc && x.alloc.tS.length)) {
    blocks.push({
      id: 'alloc',
      title: 'Allocation rate',
      subtitle: 'bytes allocated on the V8 heap per second',
      caption: html`Derived like <code>alloc.rate_bytes_per_s</code>: heap used before each GC minus heap used after the one before,
        spread over the time between them, in buckets of ${t.filter((x) => x.alloc).map((x) => formatSpan(x.alloc!.bucketS)).join(', ')}.`,
    });
  }
  if (t.some((x) => x.latency && x.latency.tS.length)) {
    blocks.push({
      id: 'latency',
      title: 'Step latency',
      subtitle: 'p50, p99 and max of each batch, log scale',
      caption: html`${formatCount(sum((x) => x.latency?.raw ?? 0))} latency batches${sum((x) => x.latency?.tS.length ?? 0) < sum((x) => x.latency?.raw ?? 0) ? ', peaks kept per bucket' : ''}.`,
    });
  }
  if (t.some((x) => x.throughput && x.throughput.tS.length)) {
    blocks.push({ id: 'throughput', title: 'Throughput', subtitle: 'steps completed per second', caption: html`From the step counter in each progress message.` });
  }
  return blocks;
}

/** A bucket width in words: "200 ms", "4.8 s", "4 min 48 s", "1 h 12 min". */
function formatSpan(seconds: number): string {
  if (seconds < 1) return formatMs(seconds * 1000);
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.round((s % 3600) / 60) ? ` ${Math.round((s % 3600) / 60)} min` : ''}`;
}

function renderCharts(sides: ReportSide[], data: ReportData): SafeHtml {
  const problems = sides.flatMap((s, i) => s.runs.filter((r) => r.problem).map((r) => `${sides.length > 1 ? `${sideLabel(i, sides.length)} ` : ''}run ${r.index + 1}: ${r.problem}`));
  const blocks = chartBlocks(data);
  const missing = problems.length
    ? html`<p class="warn" id="samples-missing">${data.traces.length === 0 ? 'No charts: ' : 'Some runs are not charted: '}${problems.join('; ')}. The tables below come from the baseline file.</p>`
    : '';
  // A heap summary has no time series: no section rather than an empty one.
  if (blocks.length === 0) return missing ? html`<section id="charts" class="panel"><h2>Over time</h2>${missing}</section>` : html``;
  return html`<section id="charts" class="panel">
  <div class="charts-head"><h2>Over time</h2><button type="button" id="reset-zoom">reset zoom</button></div>
  <p class="caption">One time axis for every chart: seconds from the start of ${data.compare ? 'each run’s' : 'the'} measured window
    (<span class="key key-setup"></span> setup before it, <span class="key key-warmup"></span> warm-up, dashed line: its end).
    Drag across a chart to zoom all of them; double-click to reset.${data.compare ? ' Baseline dashed and hollow, current solid.' : ''}</p>
  ${missing}
  <p class="warn" id="chart-error" hidden></p>
  <noscript><p class="warn">The charts need JavaScript; the tables below do not.</p></noscript>
  ${blocks.map(
    (b) => html`<figure class="chart-block" id="chart-${b.id}">
    <figcaption><h3>${b.title}</h3><span class="dim">${b.subtitle}</span></figcaption>
    <div class="chart" data-chart="${b.id}"></div>
    <p class="caption">${b.caption}</p>
  </figure>`,
  )}
</section>`;
}

function renderNotes(sides: ReportSide[]): SafeHtml {
  const items: SafeHtml[] = [];
  sides.forEach((s, i) => {
    const who = sides.length > 1 ? `${sideLabel(i, sides.length)}: ` : '';
    for (const n of s.baseline.notes) items.push(html`<li>${who}${n}</li>`);
  });
  const tails = sides.flatMap((s, i) =>
    s.baseline.runs
      .filter((r) => r.stderrTail)
      .map((r) => html`<details class="stderr" open><summary>${sides.length > 1 ? `${sideLabel(i, sides.length)} ` : ''}run ${r.index + 1}: the child’s last stderr output</summary><pre>${r.stderrTail}</pre></details>`),
  );
  if (items.length === 0 && tails.length === 0) return html``;
  return html`<section id="notes" class="panel"><h2>Notes</h2>${items.length ? html`<ul>${items}</ul>` : ''}${tails}</section>`;
}

function renderTables(sides: ReportSide[], opts: ReportOptions, alerts: SafeHtml | undefined): SafeHtml {
  if (sides.length > 1) {
    const [base, current] = [sides[0]!.baseline, sides[1]!.baseline];
    const heap = [renderHeapClasses(base), renderHeapClasses(current)];
    return html`<section id="tables">
      <h2>Baseline → current</h2>
      ${opts.compareTable ?? renderSideBySide(base, current)}
      ${alerts}
      <div class="two-up">${sides.map((s, i) => html`<div>${[renderAssertions(s.baseline), renderLeakSection(s.baseline)].map((x) => (x ? html`<h4>${sideLabel(i, sides.length)}</h4>${x}` : ''))}</div>`)}</div>
      ${heap[0] || heap[1] ? html`<div class="two-up"><div><h4>baseline</h4>${heap[0]}</div><div><h4>current</h4>${heap[1]}</div></div>` : ''}
      ${sides.map((s, i) => renderAllMetrics(s.baseline, `All metrics: ${sideLabel(i, sides.length)}`))}
      ${sides.map((s, i) => renderExtraSections(s.baseline, sideLabel(i, sides.length)))}
    </section>`;
  }
  const b = sides[0]!.baseline;
  const parts = [
    renderAssertions(b),
    renderLeakSection(b),
    renderLatencyTable(b),
    renderGcTable(b),
    renderMemoryTable(b),
    renderRatesTable(b),
    renderPhases(b),
    renderCustomTable(b),
    renderHeapClasses(b),
  ].filter(
    (p): p is SafeHtml => p !== undefined,
  );
  return html`<section id="tables">
    <h2>Figures</h2>
    ${alerts}
    <div class="grid">${parts}</div>
    ${renderAllMetrics(b)}
    ${renderExtraSections(b)}
  </section>`;
}

export function renderHtmlReport(sides: ReportSide[], opts: ReportOptions = {}): string {
  if (sides.length < 1 || sides.length > 2) throw new Error(`a report takes one or two baselines, not ${sides.length}`);
  const assets = loadReportAssets();
  const data = buildReportData(sides, opts.chart);
  const title = [...new Set(sides.map((s) => targetTitle(s.baseline)))].join(' vs ');
  const generated = (opts.generatedAt ?? new Date()).toISOString();
  const figures = sides.length > 1 ? renderCompareFigures(sides[0]!.baseline, sides[1]!.baseline) : renderKeyFigures(sides[0]!.baseline);
  const alerts = sideAlerts(sides);
  const verdicts = [
    ...sides.flatMap((s, i) => stressVerdicts(s.baseline, sides.length > 1 ? `${sideLabel(i, sides.length)}: ` : '')),
    ...alertVerdicts(alerts, sides.length),
    ...(opts.verdicts ?? []),
  ];
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="memkit ${opts.memkitVersion ?? ''}">
<title>memkit · ${title}</title>
<style>${trusted(assets.uplotCss)}</style>
<style>${trusted(REPORT_CSS)}</style>
</head>
<body>
${renderHeader(sides, verdicts)}
<main>
${figures}
${renderWhatRan(sides)}
${renderCharts(sides, data)}
${renderTables(sides, opts, renderAlertRules(alerts, sides.length))}
${renderNotes(sides)}
</main>
<footer>Generated by memkit ${opts.memkitVersion ?? ''} on ${generated}. Raw samples stay in the runs’ .jsonl files; this page holds what is drawn.</footer>
<script type="application/json" id="memkit-data">${trusted(jsonForScript(data))}</script>
<script>${trusted(scriptSafe(assets.uplotJs))}</script>
<script type="module">${trusted(scriptSafe(assets.clientJs))}</script>
</body>
</html>
`;
  return page.html;
}
