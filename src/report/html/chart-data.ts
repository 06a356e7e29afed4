import { allocationRateSeries, allocationStretches } from '../../analyze/alloc-rate.js';
import { bucketedRate, downsampleM4, timeGrid, type DownsampledSeries, type TimeGrid } from '../../analyze/downsample.js';
import { DEFAULT_GC_TIMELINE, GC_MARK_KINDS, gcCountsByKind, gcTimeline, type GcTimelineOptions } from '../../analyze/gc-timeline.js';
import { measuredWindow } from '../../analyze/window.js';
import { findMark, type RunData } from '../../samples/run-data.js';

/**
 * The charted data of one run, reduced for display: what the HTML report inlines as JSON.
 * Times are seconds from the start of the measured window (each run its own zero, so two
 * runs overlay), rounded to the millisecond; the reduction keeps every peak (see
 * analyze/downsample.ts and analyze/gc-timeline.ts).
 */

export interface SeriesData {
  tS: number[];
  v: number[];
  /** Points in the raw data; more than tS.length when downsampled. */
  raw: number;
}

export interface TraceData {
  id: string;
  label: string;
  /** Index of the report side (baseline file) the run belongs to. */
  side: number;
  run: number;
  /** Epoch ms of t = 0: the start of the measured window. */
  originMs: number;
  /** The data's time span (setup before 0 included) and the window's end. */
  fromS: number;
  toS: number;
  windowEndS: number;
  warmupEndS?: number;
  marks: Array<{ label: string; tS: number }>;
  rss?: SeriesData;
  heapUsed?: SeriesData;
  heapTotal?: SeriesData;
  external?: SeriesData;
  /** Live memory (heap + external) right after each of memkit's forced GCs. */
  live?: { tS: number[]; v: number[] };
  gc?: {
    mode: 'events' | 'buckets';
    kinds: readonly string[];
    tS: number[];
    kind: number[];
    pauseMs: number[];
    totalEvents: number;
    outlierThresholdMs?: number;
    outlierCount: number;
    /** GCs per minute per kind, per bucket. */
    rate: { tS: number[]; bucketS: number; perMin: Record<string, number[]> };
  };
  alloc?: { tS: number[]; bytesPerS: number[]; bucketS: number; totalBytes: number; stretches: number };
  latency?: { tS: number[]; p50Ms: number[]; p99Ms: number[]; maxMs: number[]; raw: number };
  throughput?: { tS: number[]; perS: number[] };
}

export interface ChartDataOptions {
  /** Buckets across a run for lines (M4 keeps up to 4 points each). */
  maxBuckets: number;
  /** Buckets for rates (allocation, GC frequency, throughput): coarser, so they read as rates. */
  rateBuckets: number;
  gc: GcTimelineOptions;
}

export const DEFAULT_CHART_OPTIONS: ChartDataOptions = { maxBuckets: 1500, rateBuckets: 300, gc: DEFAULT_GC_TIMELINE };

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function traceData(
  data: RunData,
  ids: { id: string; label: string; side: number; run: number },
  opts: ChartDataOptions = DEFAULT_CHART_OPTIONS,
): TraceData {
  const window = measuredWindow(data);
  const origin = window.startMs;
  const toS = (t: number) => round3((t - origin) / 1000);
  const first = Math.min(origin, data.mem.tMs[0] ?? Infinity, data.proc.tMs[0] ?? Infinity);
  const last = Math.max(window.endMs, lastOf(data.mem.tMs), lastOf(data.proc.tMs), lastOf(data.gc.tMs), lastOf(data.latency.tMs));
  const intervalMs = sampleInterval(data);
  const lines = timeGrid(first, last, opts.maxBuckets, intervalMs);
  // Rates need several events per bucket to read as rates: long enough for ~10 GCs on
  // average, but at least a dozen buckets across a short run, and no finer than sampling.
  const span = last - first;
  const wantMs = Math.max(intervalMs, (span / Math.max(1, data.gc.tMs.length)) * 10);
  const rateBucketMs = Math.min(wantMs, Math.max(intervalMs, span / 12));
  const rates = timeGrid(first, last, opts.rateBuckets, rateBucketMs);
  // Allocation and throughput exist only in the window, which a long setup can dwarf.
  const windowSpan = window.endMs - window.startMs;
  const windowRates = timeGrid(window.startMs, Math.max(window.endMs, last), opts.rateBuckets, Math.min(rateBucketMs, Math.max(intervalMs, windowSpan / 12)));
  /** A bucket's width within the data (the last one may be cut short). */
  const widthMs = (grid: TimeGrid, b: number, endMs: number) =>
    Math.max(1e-9, Math.min(grid.bucketMs, endMs - (grid.startMs + b * grid.bucketMs)));

  const series = (t: number[], v: number[]): SeriesData | undefined => {
    if (t.length === 0) return undefined;
    const d: DownsampledSeries = downsampleM4(t, v, lines);
    const u = mergeEqualTimes(d.tMs.map(toS), [d.values.map(Math.round)]);
    return { tS: u.tS, v: u.columns[0]!, raw: d.rawCount };
  };

  const trace: TraceData = {
    ...ids,
    originMs: origin,
    fromS: toS(first),
    toS: toS(last),
    windowEndS: toS(window.endMs),
    marks: data.marks.map((m) => ({ label: m.label, tS: toS(m.tMs) })),
    rss: series(data.proc.tMs, data.proc.rssBytes),
    heapUsed: series(data.mem.tMs, data.mem.heapUsed),
    heapTotal: series(data.mem.tMs, data.mem.heapTotal),
    external: series(data.mem.tMs, data.mem.external),
  };
  const warmup = findMark(data, 'warmup-end');
  if (warmup) trace.warmupEndS = toS(warmup.tMs);
  const checkpoints = data.marks.filter((m) => m.heapUsedAfterGcBytes !== undefined);
  if (checkpoints.length) {
    // Two checkpoints can round to the same millisecond (one 0.18 ms before measure-end
    // was seen): one point per time, as for every other series, or the chart joins them.
    const u = mergeEqualTimes(
      checkpoints.map((m) => toS(m.tMs)),
      [checkpoints.map((m) => m.heapUsedAfterGcBytes! + (m.externalAfterGcBytes ?? 0))],
    );
    trace.live = { tS: u.tS, v: u.columns[0]! };
  }

  if (data.gc.tMs.length > 0) {
    const tl = gcTimeline(data.gc, lines, opts.gc);
    const order = sortedOrder(tl.marks.tMs);
    const marks = mergeEqualTimesByKey(
      order.map((i) => toS(tl.marks.tMs[i]!)),
      order.map((i) => tl.marks.kind[i]!),
      order.map((i) => round6(tl.marks.pauseMs[i]!)),
    );
    const rateGrid = rates;
    const counts = gcCountsByKind(data.gc, rateGrid);
    trace.gc = {
      mode: tl.mode,
      kinds: GC_MARK_KINDS,
      tS: marks.tS,
      kind: marks.key,
      pauseMs: marks.value,
      totalEvents: tl.totalEvents,
      ...(tl.outlierThresholdMs !== undefined && Number.isFinite(tl.outlierThresholdMs) ? { outlierThresholdMs: round6(tl.outlierThresholdMs) } : {}),
      outlierCount: tl.outlierCount,
      rate: {
        tS: bucketStarts(rateGrid).map(toS),
        bucketS: round3(rateGrid.bucketMs / 1000),
        perMin: Object.fromEntries(Object.entries(counts).map(([k, c]) => [k, c.map((x, b) => round3((x * 60_000) / widthMs(rateGrid, b, last)))])),
      },
    };
  }

  if (data.hello && data.gc.tMs.length > 0) {
    // The same walk as the baseline's alloc.rate_bytes_per_s (analyze/run-metrics.ts).
    const { stretches } = allocationStretches(data.gc, data.mem, window, {
      startHeapUsed: findMark(data, 'measure-start')?.heapUsedAfterGcBytes,
    });
    const allocGrid = timeGrid(window.startMs, window.endMs, opts.rateBuckets, windowRates.bucketMs);
    const s = allocationRateSeries(stretches, allocGrid, window.endMs);
    trace.alloc = {
      tS: s.tMs.map(toS),
      bytesPerS: s.bytesPerSecond.map(Math.round),
      bucketS: round3(allocGrid.bucketMs / 1000),
      totalBytes: Math.round(s.bytes.reduce((a, b) => a + b, 0)),
      stretches: stretches.length,
    };
  }

  const lat = data.latency;
  if (lat.tMs.length > 0) {
    const p50 = downsampleM4(lat.tMs, lat.p50Ms, lines);
    const p99 = downsampleM4(lat.tMs, lat.p99Ms, lines);
    const max = downsampleM4(lat.tMs, lat.maxMs, lines);
    // Three series on one x: keep the union of their kept points.
    const keep = new Set([...p50.tMs, ...p99.tMs, ...max.tMs]);
    const idx: number[] = [];
    for (let i = 0; i < lat.tMs.length; i++) if (keep.has(lat.tMs[i]!)) idx.push(i);
    const u = mergeEqualTimes(
      idx.map((i) => toS(lat.tMs[i]!)),
      [lat.p50Ms, lat.p99Ms, lat.maxMs].map((col) => idx.map((i) => round6(col[i]!))),
    );
    trace.latency = { tS: u.tS, p50Ms: u.columns[0]!, p99Ms: u.columns[1]!, maxMs: u.columns[2]!, raw: lat.tMs.length };
  }
  if (data.progressSeries.tMs.length > 1) {
    const r = bucketedRate(data.progressSeries.tMs, data.progressSeries.steps, windowRates);
    if (r.tMs.length) trace.throughput = { tS: r.tMs.map(toS), perS: r.perSecond.map(round3) };
  }
  return trace;
}

/**
 * Points that share a (rounded) time become one, keeping the larger value: a chart has one
 * value per x, and the larger is the one that must stay visible. Times ascending.
 */
function mergeEqualTimes(tS: number[], columns: number[][]): { tS: number[]; columns: number[][] } {
  const outT: number[] = [];
  const out = columns.map(() => [] as number[]);
  for (let i = 0; i < tS.length; i++) {
    const last = outT.length - 1;
    if (last >= 0 && outT[last] === tS[i]) {
      columns.forEach((c, k) => {
        const v = c[i]!;
        if (Number.isFinite(v) && !(out[k]![last]! >= v)) out[k]![last] = v;
      });
      continue;
    }
    outT.push(tS[i]!);
    columns.forEach((c, k) => out[k]!.push(c[i]!));
  }
  return { tS: outT, columns: out };
}

/** The same for marks of several kinds on one list: equal time and equal key merge. */
function mergeEqualTimesByKey(tS: number[], key: number[], value: number[]): { tS: number[]; key: number[]; value: number[] } {
  const out = { tS: [] as number[], key: [] as number[], value: [] as number[] };
  const lastAt = new Map<number, number>(); // key -> index in out of its latest mark
  for (let i = 0; i < tS.length; i++) {
    const j = lastAt.get(key[i]!);
    if (j !== undefined && out.tS[j] === tS[i]) {
      if (value[i]! > out.value[j]!) out.value[j] = value[i]!;
      continue;
    }
    lastAt.set(key[i]!, out.tS.length);
    out.tS.push(tS[i]!);
    out.key.push(key[i]!);
    out.value.push(value[i]!);
  }
  return out;
}

function lastOf(ts: number[]): number {
  return ts.length ? ts[ts.length - 1]! : -Infinity;
}

function bucketStarts(grid: TimeGrid): number[] {
  return Array.from({ length: grid.count }, (_, b) => grid.startMs + b * grid.bucketMs);
}

/** The sampling interval the run was made with (header settings), else the median gap. */
function sampleInterval(data: RunData): number {
  const s = data.header?.settings as { intervalMs?: unknown } | undefined;
  if (typeof s?.intervalMs === 'number' && s.intervalMs > 0) return s.intervalMs;
  const t = data.mem.tMs.length > 1 ? data.mem.tMs : data.proc.tMs;
  if (t.length < 2) return 1;
  return Math.max(1, (t[t.length - 1]! - t[0]!) / (t.length - 1));
}

/** Indices that visit ts in ascending order (GC batches can interleave by a hair). */
function sortedOrder(ts: number[]): number[] {
  const idx = ts.map((_, i) => i);
  for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) return idx.sort((a, b) => ts[a]! - ts[b]!);
  return idx;
}
