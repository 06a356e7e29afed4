/**
 * The report page's chart code. It runs in the browser, not in Node: the compiled file is
 * inlined into the page as a module script (report/html/assets.ts), after uPlot, so it has
 * no imports; it reads the chart data from the page's #memkit-data JSON element.
 *
 * Every chart shares one time axis (seconds from the start of each run's measured window),
 * one cursor and one zoom: drag across any chart to zoom all of them, double-click to reset.
 * After drawing, each chart sets data-points (the data points it drew) and data-drawn, so a
 * test can tell a chart with data from an empty box.
 */

import type { SeriesData, TraceData } from './chart-data.js';
import type { ReportData } from './charts-section.js';

// The DOM and uPlot, typed loosely: this file is compiled with the project's Node-only lib
// settings, and the browser test is what checks it.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const uPlot: any;
declare const document: any;
declare const window: any;
declare const ResizeObserver: any;

type Num = number | null | undefined;

// The page's data is the JSON of what chart-data.ts and charts-section.ts build: their
// types are erased at compile time, so this file still has no imports at run time.
type Series = SeriesData;
type Trace = TraceData;

interface SeriesSpec {
  label: string;
  color: string;
  dash?: number[];
  /** A scatter of marks rather than a line. */
  points?: boolean;
  hollow?: boolean;
  /** Marker size in pixels. */
  size?: number;
  stepped?: boolean;
  fill?: boolean;
  /** A reference line (P95): drawn, not counted as data. */
  ref?: boolean;
  width?: number;
  table: [number[], Num[]];
}

interface ChartSpec {
  id: string;
  yFormat: (v: number) => string;
  log?: boolean;
  height: number;
  series: SeriesSpec[];
}

const COLORS = {
  rss: '#2563eb',
  heapUsed: '#059669',
  heapTotal: '#84cc16',
  external: '#a855f7',
  live: '#111827',
  minor: '#0ea5e9',
  major: '#dc2626',
  incremental: '#f59e0b',
  weakcb: '#8b5cf6',
  checkpoint: '#6b7280',
  p95: '#111827',
  alloc: '#ea580c',
  p50: '#2563eb',
  p99: '#dc2626',
  max: '#9ca3af',
  throughput: '#0d9488',
} as const;

/** Tick steps a clock reads well in: sub-second decimals, then 1-2-5-10-15-30 s, minutes, hours. */
const TIME_INCREMENTS_S = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
  21600, 43200, 86400, 172800, 604800,
];

const KIND_LABELS: Record<string, string> = {
  minor: 'minor (Scavenge)',
  major: 'major (Mark-Compact)',
  incremental: 'incremental marking',
  weakcb: 'weak callbacks',
  checkpoint: 'memkit checkpoint',
};

// Units as the tables print them (src/units/format.ts: SI prefixes, 1 MB = 10^6 B).
function fmtBytes(v: number): string {
  const abs = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  if (abs < 1e3) return `${sign}${abs.toFixed(0)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let x = abs / 1e3;
  let i = 0;
  while (x >= 1e3 && i < units.length - 1) {
    x /= 1e3;
    i++;
  }
  return `${sign}${x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)} ${units[i]}`;
}

function fmtMs(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  if (v >= 0.1) return `${v.toFixed(2)} ms`;
  return `${Number(v.toPrecision(2))} ms`;
}

function fmtRate(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString();
}

/** Seconds from the window start as a clock: "-0:04", "12.5 s", "1:02:05". */
function fmtTime(s: number): string {
  const sign = s < 0 ? '-' : '';
  const a = Math.abs(s);
  if (a < 60) return `${sign}${a < 10 ? Number(a.toFixed(2)) : Number(a.toFixed(1))} s`;
  const total = Math.round(a);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${sec}` : `${sign}${m}:${sec}`;
}

function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function main(): void {
  const el = document.getElementById('memkit-data');
  const data: ReportData = JSON.parse(el.textContent);
  const traces = data.traces;
  const body = document.body;
  if (traces.length === 0) {
    body.dataset.chartsReady = '0';
    return;
  }
  let x0 = Infinity;
  let x1 = -Infinity;
  for (const t of traces) {
    x0 = Math.min(x0, t.fromS);
    x1 = Math.max(x1, t.toS);
  }
  if (!(x1 > x0)) x1 = x0 + 1;

  /** Baseline runs dashed and lighter, the current run solid, when two files are compared. */
  const look = (t: Trace) => (data.compare && t.side === 0 ? { dash: [6, 4], alpha: 0.75, hollow: true } : { dash: undefined, alpha: 1, hollow: false });
  /** Legend labels: the series name, plus whose run it is when there are several. */
  const name = (what: string, t: Trace) => (traces.length > 1 ? `${what} · ${t.label}` : what);

  const specs: ChartSpec[] = [];
  const has = (f: (t: Trace) => unknown) => traces.some(f);

  if (has((t) => t.rss || t.heapUsed)) {
    const series: SeriesSpec[] = [];
    for (const t of traces) {
      const l = look(t);
      const line = (s: Series | undefined, label: string, color: string, width = 2) => {
        if (s) series.push({ label: name(label, t), color: withAlpha(color, l.alpha), dash: l.dash, width, table: [s.tS, s.v] });
      };
      line(t.rss, 'RSS (outside)', COLORS.rss);
      line(t.heapTotal, 'heap total', COLORS.heapTotal, 1.5);
      line(t.heapUsed, 'heap used', COLORS.heapUsed);
      line(t.external, 'external', COLORS.external, 1);
      if (t.live && t.live.tS.length) {
        series.push({ label: name('live after forced GC', t), color: withAlpha(COLORS.live, l.alpha), points: true, size: 8, hollow: l.hollow, table: [t.live.tS, t.live.v] });
      }
    }
    specs.push({ id: 'memory', yFormat: fmtBytes, height: 300, series });
  }

  if (has((t) => t.gc && t.gc.tS.length)) {
    const series: SeriesSpec[] = [];
    for (const t of traces) {
      if (!t.gc) continue;
      const g = t.gc;
      const l = look(t);
      g.kinds.forEach((kind, k) => {
        const xs: number[] = [];
        const ys: number[] = [];
        for (let i = 0; i < g.tS.length; i++) {
          if (g.kind[i] !== k) continue;
          xs.push(g.tS[i]!);
          // A log axis has no zero: a pause too short to measure sits at its floor.
          ys.push(Math.max(g.pauseMs[i]!, 0.001));
        }
        if (xs.length === 0) return;
        const color = (COLORS as Record<string, string>)[kind] ?? '#000000';
        series.push({ label: name(KIND_LABELS[kind] ?? kind, t), color: withAlpha(color, l.alpha), points: true, hollow: l.hollow, table: [xs, ys] });
      });
    }
    data.sides.forEach((side, i) => {
      if (side.gcP95Ms === undefined || !traces.some((t) => t.side === i && t.gc)) return;
      const label = data.sides.length > 1 ? `P95 pause · ${side.label}` : 'P95 pause';
      series.push({
        label,
        color: COLORS.p95,
        dash: data.compare && i === 0 ? [6, 4] : [2, 3],
        ref: true,
        width: 1.5,
        table: [
          [x0, x1],
          [side.gcP95Ms, side.gcP95Ms],
        ],
      });
    });
    specs.push({ id: 'gc-pauses', yFormat: fmtMs, log: true, height: 260, series });

    const rate: SeriesSpec[] = [];
    for (const t of traces) {
      if (!t.gc) continue;
      const l = look(t);
      for (const kind of t.gc.kinds) {
        const ys = t.gc.rate.perMin[kind];
        if (!ys || !ys.some((v) => v > 0)) continue;
        const color = (COLORS as Record<string, string>)[kind] ?? '#000000';
        rate.push({ label: name(`${KIND_LABELS[kind] ?? kind} /min`, t), color: withAlpha(color, l.alpha), dash: l.dash, stepped: true, table: [t.gc.rate.tS, ys] });
      }
    }
    if (rate.length) specs.push({ id: 'gc-rate', yFormat: fmtRate, height: 200, series: rate });
  }

  if (has((t) => t.alloc && t.alloc.tS.length)) {
    const series: SeriesSpec[] = [];
    for (const t of traces) {
      if (!t.alloc) continue;
      const l = look(t);
      series.push({ label: name('allocation rate', t), color: withAlpha(COLORS.alloc, l.alpha), dash: l.dash, stepped: true, fill: !data.compare, table: [t.alloc.tS, t.alloc.bytesPerS] });
    }
    specs.push({ id: 'alloc', yFormat: (v) => `${fmtBytes(v)}/s`, height: 200, series });
  }

  if (has((t) => t.latency && t.latency.tS.length)) {
    const series: SeriesSpec[] = [];
    for (const t of traces) {
      if (!t.latency) continue;
      const l = look(t);
      const lat = t.latency;
      // A log axis has no zero: a latency below a nanosecond's bucket sits at the floor.
      const floor = (vs: Num[]) => vs.map((v) => (v == null ? v : Math.max(v, 1e-6)));
      series.push({ label: name('max', t), color: withAlpha(COLORS.max, l.alpha), dash: l.dash, width: 1, table: [lat.tS, floor(lat.maxMs)] });
      series.push({ label: name('p99', t), color: withAlpha(COLORS.p99, l.alpha), dash: l.dash, table: [lat.tS, floor(lat.p99Ms)] });
      series.push({ label: name('p50', t), color: withAlpha(COLORS.p50, l.alpha), dash: l.dash, table: [lat.tS, floor(lat.p50Ms)] });
    }
    specs.push({ id: 'latency', yFormat: fmtMs, log: true, height: 220, series });
  }

  if (has((t) => t.throughput && t.throughput.tS.length)) {
    const series: SeriesSpec[] = [];
    for (const t of traces) {
      if (!t.throughput) continue;
      const l = look(t);
      series.push({ label: name('steps/s', t), color: withAlpha(COLORS.throughput, l.alpha), dash: l.dash, table: [t.throughput.tS, t.throughput.perS] });
    }
    specs.push({ id: 'throughput', yFormat: fmtRate, height: 200, series });
  }

  const plots: any[] = [];
  let syncing = false;

  /** Setup (before the window) greyed, warm-up shaded, the window's edges drawn. */
  function shade(u: any): void {
    const ctx = u.ctx;
    const top = u.bbox.top;
    const height = u.bbox.height;
    const left = u.bbox.left;
    const right = u.bbox.left + u.bbox.width;
    const px = (s: number) => Math.min(right, Math.max(left, u.valToPos(s, 'x', true)));
    ctx.save();
    const zero = px(0);
    if (zero > left) {
      ctx.fillStyle = 'rgba(107, 114, 128, 0.10)';
      ctx.fillRect(left, top, zero - left, height);
    }
    const drawn = new Set<string>();
    for (const t of traces) {
      const l = look(t);
      if (t.warmupEndS !== undefined && !drawn.has(`w${t.warmupEndS}`)) {
        drawn.add(`w${t.warmupEndS}`);
        const a = px(0);
        const b = px(t.warmupEndS);
        ctx.fillStyle = data.compare && t.side === 0 ? 'rgba(245, 158, 11, 0.08)' : 'rgba(245, 158, 11, 0.16)';
        ctx.fillRect(a, top, b - a, height);
      }
      const end = px(t.windowEndS);
      ctx.strokeStyle = withAlpha('#6b7280', 0.8 * l.alpha);
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(end, top);
      ctx.lineTo(end, top + height);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.strokeStyle = 'rgba(75, 85, 99, 0.7)';
    ctx.beginPath();
    ctx.moveTo(zero, top);
    ctx.lineTo(zero, top + height);
    ctx.stroke();
    ctx.restore();
  }

  for (const spec of specs) {
    const host = document.querySelector(`[data-chart="${spec.id}"]`);
    if (!host) continue;
    // Every chart's x data spans [x0, x1], so a reset (double-click) gives all the same axis.
    const tables = [[[x0, x1]], ...spec.series.map((s) => s.table)];
    const aligned = uPlot.join(tables);
    const dataCounted = spec.series.map((s) => !s.ref);
    const series = [
      { label: 'time', value: (_u: any, v: number | null) => (v == null ? '–' : fmtTime(v)) },
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.points ? 0 : (s.width ?? 2),
        dash: s.dash,
        spanGaps: false,
        fill: s.fill ? withAlpha(COLORS.alloc, 0.12) : undefined,
        paths: s.points ? () => null : s.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
        points: s.points
          ? { show: true, size: s.size ?? 5, width: 1, stroke: s.color, fill: s.hollow ? '#ffffff' : s.color }
          : s.ref
            ? { show: false }
            : {}, // uPlot's default: markers only where the line is sparse enough to need them
        value: (_u: any, v: number | null) => (v == null ? '–' : spec.yFormat(v)),
      })),
    ];
    const opts = {
      width: Math.max(300, host.clientWidth),
      height: spec.height,
      series,
      scales: { x: { time: false }, y: spec.log ? { distr: 3 } : {} },
      axes: [
        { values: (_u: any, vals: number[]) => vals.map((v) => (v == null ? '' : fmtTime(v))), incrs: TIME_INCREMENTS_S, grid: { stroke: '#eef0f3' } },
        { values: (_u: any, vals: number[]) => vals.map((v) => (v == null ? '' : spec.yFormat(v))), size: 78, grid: { stroke: '#eef0f3' } },
      ],
      cursor: { sync: { key: 'memkit-time', setSeries: false }, drag: { x: true, y: false } },
      legend: { live: true },
      hooks: {
        drawClear: [shade],
        draw: [
          (u: any) => {
            let points = 0;
            for (let i = 1; i < u.data.length; i++) {
              if (!dataCounted[i - 1] || !u.series[i].show) continue;
              for (const v of u.data[i]) if (v !== null && v !== undefined) points++;
            }
            host.dataset.points = String(points);
            host.dataset.series = String(dataCounted.filter(Boolean).length);
            host.dataset.drawn = '1';
          },
        ],
        setScale: [
          (u: any, key: string) => {
            if (key !== 'x') return;
            // The visible time range, for whoever drives the page (the browser test).
            host.dataset.xMin = String(Number(u.scales.x.min.toFixed(3)));
            host.dataset.xMax = String(Number(u.scales.x.max.toFixed(3)));
            if (syncing) return;
            syncing = true;
            const { min, max } = u.scales.x;
            for (const p of plots) if (p !== u) p.setScale('x', { min, max });
            syncing = false;
          },
        ],
      },
    };
    plots.push(new uPlot(opts, aligned, host));
  }

  const resetButton = document.getElementById('reset-zoom');
  if (resetButton) resetButton.addEventListener('click', () => plots[0]?.setScale('x', { min: x0, max: x1 }));
  const container = document.getElementById('charts');
  if (container && typeof ResizeObserver !== 'undefined') {
    let last = container.clientWidth;
    new ResizeObserver(() => {
      if (container.clientWidth === last) return;
      last = container.clientWidth;
      for (const p of plots) p.setSize({ width: Math.max(300, p.root.parentElement.clientWidth), height: p.height });
    }).observe(container);
  }
  body.dataset.chartsReady = String(plots.length);
}

try {
  main();
} catch (err) {
  document.body.dataset.chartsReady = 'error';
  const box = document.getElementById('chart-error');
  if (box) {
    box.hidden = false;
    box.textContent = `The charts could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
  }
  throw err;
}
