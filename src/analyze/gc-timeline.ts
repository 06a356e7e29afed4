import { GcSource } from '../samples/protocol.js';
import type { GcColumns } from '../samples/run-data.js';
import { bucketIndex, type TimeGrid } from './downsample.js';
import { GC_KIND_NAMES, gcKindName, type GcKindName } from './gc-stats.js';
import { quantileSorted, sortedCopy } from './percentiles.js';

/**
 * GC events for a chart. A short run shows every event; a long one (millions of GCs in
 * 24 h) shows, per time bucket and kind, the longest pause at its real time, plus every
 * outlier pause (at or above the run's P99) individually, so no long pause ever hides
 * behind an aggregate. Counts per bucket and kind (gcCountsByKind) give the frequency.
 */

/** Kinds as charted: the program's GCs by kind, and memkit's own checkpoint GCs apart. */
export type GcMarkKind = GcKindName | 'checkpoint';
export const GC_MARK_KINDS: readonly GcMarkKind[] = [...GC_KIND_NAMES, 'checkpoint'];

export interface GcMarks {
  tMs: number[];
  /** Index into GC_MARK_KINDS. */
  kind: number[];
  pauseMs: number[];
}

export interface GcTimeline {
  /** 'events': every GC is a mark; 'buckets': per-bucket maxima plus outliers. */
  mode: 'events' | 'buckets';
  marks: GcMarks;
  /** Every GC event of the run (all kinds, checkpoints included). */
  totalEvents: number;
  /** Pauses at or above this were all kept (buckets mode). */
  outlierThresholdMs?: number;
  outlierCount: number;
}

export interface GcTimelineOptions {
  /** Up to this many events, every event is a mark. */
  maxEvents: number;
  /** In buckets mode, at most this many outliers (the longest) are kept individually. */
  maxOutliers: number;
  /** Quantile of the program's pauses from which a pause is an outlier. */
  outlierQuantile: number;
}

export const DEFAULT_GC_TIMELINE: GcTimelineOptions = { maxEvents: 20_000, maxOutliers: 10_000, outlierQuantile: 0.99 };

function markKind(gc: GcColumns, i: number): number {
  if (gc.src[i] === GcSource.Checkpoint) return GC_MARK_KINDS.length - 1;
  const name = gcKindName(gc.kind[i]!);
  return name ? GC_KIND_NAMES.indexOf(name) : -1;
}

/** GCs per bucket and kind: the GC frequency over time. */
export function gcCountsByKind(gc: GcColumns, grid: TimeGrid): Record<GcMarkKind, number[]> {
  const byKind = Object.fromEntries(GC_MARK_KINDS.map((k) => [k, new Array<number>(grid.count).fill(0)])) as Record<GcMarkKind, number[]>;
  for (let i = 0; i < gc.tMs.length; i++) {
    const k = markKind(gc, i);
    if (k >= 0) byKind[GC_MARK_KINDS[k]!][bucketIndex(grid, gc.tMs[i]!)]!++;
  }
  return byKind;
}

export function gcTimeline(gc: GcColumns, grid: TimeGrid, opts: GcTimelineOptions = DEFAULT_GC_TIMELINE): GcTimeline {
  const n = gc.tMs.length;
  const kinds = new Int8Array(n);
  for (let i = 0; i < n; i++) kinds[i] = markKind(gc, i);
  if (n <= opts.maxEvents) {
    const marks: GcMarks = { tMs: [], kind: [], pauseMs: [] };
    for (let i = 0; i < n; i++) {
      if (kinds[i]! < 0) continue;
      marks.tMs.push(gc.tMs[i]!);
      marks.kind.push(kinds[i]!);
      marks.pauseMs.push(gc.pauseMs[i]!);
    }
    return { mode: 'events', marks, totalEvents: n, outlierCount: 0 };
  }

  // Outliers: pauses at or above the quantile of the program's own pauses; if there are
  // more than the cap (a very uniform run), the longest `maxOutliers` of them.
  const programPauses: number[] = [];
  for (let i = 0; i < n; i++) if (kinds[i]! >= 0 && gc.src[i] !== GcSource.Checkpoint) programPauses.push(gc.pauseMs[i]!);
  const sorted = sortedCopy(programPauses);
  let threshold = quantileSorted(sorted, opts.outlierQuantile);
  const above = sorted.length - lowerBound(sorted, threshold);
  if (above > opts.maxOutliers) threshold = sorted[sorted.length - opts.maxOutliers]!;
  if (!Number.isFinite(threshold)) threshold = Infinity;

  // Per bucket and kind, the index of the longest pause.
  const kindCount = GC_MARK_KINDS.length;
  const best = new Int32Array(grid.count * kindCount).fill(-1);
  const keep = new Uint8Array(n);
  let outliers = 0;
  for (let i = 0; i < n; i++) {
    const k = kinds[i]!;
    if (k < 0) continue;
    const slot = bucketIndex(grid, gc.tMs[i]!) * kindCount + k;
    const cur = best[slot]!;
    if (cur < 0 || gc.pauseMs[i]! > gc.pauseMs[cur]!) best[slot] = i;
    if (gc.pauseMs[i]! >= threshold && outliers < opts.maxOutliers) {
      keep[i] = 1;
      outliers++;
    }
  }
  for (const i of best) if (i >= 0) keep[i] = 1;
  const marks: GcMarks = { tMs: [], kind: [], pauseMs: [] };
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    marks.tMs.push(gc.tMs[i]!);
    marks.kind.push(kinds[i]!);
    marks.pauseMs.push(gc.pauseMs[i]!);
  }
  return { mode: 'buckets', marks, totalEvents: n, outlierThresholdMs: threshold, outlierCount: outliers };
}

/** First index whose value is >= x in an ascending array. */
function lowerBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
