import { formatCount, formatMs } from '../../units/format.js';
import { DEFAULT_CHART_OPTIONS, traceData, type ChartDataOptions, type TraceData } from './chart-data.js';
import { html, type SafeHtml } from './escape.js';
import type { ReportSide } from '../inputs.js';
import { sideLabel } from './summary.js';

/**
 * The "over time" section: the chart data of every run (inlined as JSON for client.ts)
 * and the chart placeholders with their titles and captions, which say how much of the
 * raw data each chart draws.
 */

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

export function renderCharts(sides: ReportSide[], data: ReportData): SafeHtml {
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
    <div class="chart" data-chart="${b.id}" role="img" aria-label="${b.title}: ${b.subtitle}"></div>
    <p class="caption">${b.caption}</p>
  </figure>`,
  )}
</section>`;
}

