/**
 * Display resolution for long runs. A 24 h run sampled every 100 ms has ~860 k points per
 * series; a chart is ~1,500 pixels wide. These reduce a series to what a chart can show
 * without losing what matters in a memory chart: its peaks and troughs.
 *
 * M4 (Jugel et al., "M4: A Visualization-Oriented Time Series Data Aggregation", VLDB 2014):
 * per time bucket, keep the first, the last, the smallest and the largest point. Drawn as
 * a line with one bucket per pixel column, the result is the same picture as the raw data,
 * and every extreme is a real sample at its real time (nothing is averaged away).
 */

/** Equal time buckets covering [startMs, startMs + count * bucketMs). */
export interface TimeGrid {
  startMs: number;
  bucketMs: number;
  count: number;
}

/**
 * A grid over [startMs, endMs] of at most `maxBuckets` buckets, none shorter than
 * `minBucketMs` (no point in buckets finer than the sampling interval).
 */
export function timeGrid(startMs: number, endMs: number, maxBuckets: number, minBucketMs = 1): TimeGrid {
  const span = Math.max(0, endMs - startMs);
  const buckets = Math.max(1, Math.floor(maxBuckets));
  const bucketMs = Math.max(minBucketMs, span / buckets, 1e-6);
  const count = Math.max(1, Math.min(buckets, Math.ceil(span / bucketMs) || 1));
  return { startMs, bucketMs, count };
}

export function bucketIndex(grid: TimeGrid, tMs: number): number {
  const b = Math.floor((tMs - grid.startMs) / grid.bucketMs);
  return b < 0 ? 0 : b >= grid.count ? grid.count - 1 : b;
}

export interface DownsampledSeries {
  tMs: number[];
  values: number[];
  /** Points in the raw series, for the "n samples → m drawn" note. */
  rawCount: number;
}

/**
 * M4 over one series (times ascending). A series that already fits (at most 4 points per
 * bucket) is returned whole. Points outside the grid fall into its first or last bucket.
 */
export function downsampleM4(tMs: ArrayLike<number>, values: ArrayLike<number>, grid: TimeGrid): DownsampledSeries {
  const n = Math.min(tMs.length, values.length);
  if (n <= 4 * grid.count) {
    return { tMs: Array.from({ length: n }, (_, i) => tMs[i]!), values: Array.from({ length: n }, (_, i) => values[i]!), rawCount: n };
  }
  const outT: number[] = [];
  const outV: number[] = [];
  let bucket = -1;
  let first = -1;
  let last = -1;
  let lo = -1;
  let hi = -1;
  const flush = () => {
    if (first < 0) return;
    // The four kept indices in time order, each once.
    const keep = [first, lo, hi, last].sort((a, b) => a - b);
    let prev = -1;
    for (const i of keep) {
      if (i === prev) continue;
      outT.push(tMs[i]!);
      outV.push(values[i]!);
      prev = i;
    }
  };
  for (let i = 0; i < n; i++) {
    const b = bucketIndex(grid, tMs[i]!);
    if (b !== bucket) {
      flush();
      bucket = b;
      first = lo = hi = i;
    }
    last = i;
    const v = values[i]!;
    if (v < values[lo]!) lo = i;
    if (v > values[hi]!) hi = i;
  }
  flush();
  return { tMs: outT, values: outV, rawCount: n };
}

/** Per-bucket extremes (NaN where a bucket has no point): the sparkline's input. */
export function bucketExtremes(
  tMs: ArrayLike<number>,
  values: ArrayLike<number>,
  grid: TimeGrid,
): { min: number[]; max: number[] } {
  const min = new Array<number>(grid.count).fill(NaN);
  const max = new Array<number>(grid.count).fill(NaN);
  const n = Math.min(tMs.length, values.length);
  for (let i = 0; i < n; i++) {
    const b = bucketIndex(grid, tMs[i]!);
    const v = values[i]!;
    if (!(v >= min[b]!)) min[b] = v; // NaN compares false: the first value sets it
    if (!(v <= max[b]!)) max[b] = v;
  }
  return { min, max };
}

/**
 * A cumulative counter (e.g. steps completed, sampled at each progress message) as a rate
 * per second per bucket: the increase from the last sample of the previous bucket that has
 * one to the last sample of this bucket, over the time between them, placed at the later
 * sample. A bucket without a sample yields no point (a gap, not a zero).
 */
export function bucketedRate(tMs: ArrayLike<number>, cumulative: ArrayLike<number>, grid: TimeGrid): { tMs: number[]; perSecond: number[] } {
  const n = Math.min(tMs.length, cumulative.length);
  // The last sample at or before each bucket's end.
  const lastIn = new Array<number>(grid.count).fill(-1);
  for (let i = 0; i < n; i++) lastIn[bucketIndex(grid, tMs[i]!)] = i;
  const outT: number[] = [];
  const outV: number[] = [];
  let prev = -1;
  for (let b = 0; b < grid.count; b++) {
    const cur = lastIn[b]!;
    if (cur < 0) continue;
    if (prev >= 0 && tMs[cur]! > tMs[prev]!) {
      outT.push(tMs[cur]!);
      outV.push(((cumulative[cur]! - cumulative[prev]!) * 1000) / (tMs[cur]! - tMs[prev]!));
    }
    prev = cur;
  }
  return { tMs: outT, perSecond: outV };
}
