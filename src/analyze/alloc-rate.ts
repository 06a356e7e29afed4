import type { GcColumns, MemColumns } from '../samples/run-data.js';
import type { Window } from './window.js';

/**
 * Bytes allocated on the V8 heap in the window. Nothing but a GC frees heap, so what was
 * allocated between two GCs is the heap used before the later one minus the heap used
 * after the earlier one; the window's first stretch starts from the heap at its start
 * (memkit's start checkpoint) and its last ends at the heap at its end (the heap before
 * the end checkpoint, or the last sample). Concurrent sweeping can shrink "used" between
 * GCs; such a stretch counts as zero rather than negative.
 */
export interface AllocEstimate {
  bytes: number;
  ratePerSecond: number;
  /** GCs whose byte figures were unknown (the stretch around them is left out). */
  gapCount: number;
}

/** What was allocated between two GCs (or a window edge and a GC). */
export interface AllocStretch {
  startMs: number;
  endMs: number;
  bytes: number;
}

export interface AllocEdges {
  startHeapUsed?: number;
  endHeapUsed?: number;
}

/**
 * The window's allocation stretch by stretch: the total (allocationInWindow) and the
 * rate over time (allocationRateSeries) come from this one walk, so a chart of the rate
 * adds up to exactly the figure in the baseline.
 */
export function allocationStretches(
  gc: GcColumns,
  mem: MemColumns,
  window: Window,
  edges: AllocEdges,
): { stretches: AllocStretch[]; gapCount: number } {
  let prevAfter = edges.startHeapUsed ?? sampleAt(mem, window.startMs, 'after');
  let prevMs = window.startMs;
  const stretches: AllocStretch[] = [];
  let gaps = 0;
  let endRef = edges.endHeapUsed;
  for (let i = 0; i < gc.tMs.length; i++) {
    const t = gc.tMs[i]!;
    if (t < window.startMs) continue;
    const before = gc.usedBefore[i]!;
    const after = gc.usedAfter[i]!;
    if (t > window.endMs) {
      // The first GC after the window (memkit's end checkpoint) saw the heap as it ended.
      if (endRef === undefined && before >= 0) endRef = before;
      break;
    }
    if (before < 0 || after < 0) {
      gaps++;
      prevAfter = undefined;
      prevMs = t;
      continue;
    }
    if (prevAfter !== undefined) stretches.push({ startMs: prevMs, endMs: t, bytes: Math.max(0, before - prevAfter) });
    prevAfter = after;
    prevMs = t;
  }
  endRef ??= sampleAt(mem, window.endMs, 'before');
  if (prevAfter !== undefined && endRef !== undefined) {
    stretches.push({ startMs: prevMs, endMs: window.endMs, bytes: Math.max(0, endRef - prevAfter) });
  }
  return { stretches, gapCount: gaps };
}

export function allocationInWindow(gc: GcColumns, mem: MemColumns, window: Window, edges: AllocEdges): AllocEstimate {
  const { stretches, gapCount } = allocationStretches(gc, mem, window, edges);
  let bytes = 0;
  for (const s of stretches) bytes += s.bytes;
  const seconds = (window.endMs - window.startMs) / 1000;
  return { bytes, ratePerSecond: seconds > 0 ? bytes / seconds : 0, gapCount };
}

/**
 * Allocation rate over time, in fixed buckets: each stretch's bytes are spread evenly
 * over its time span (all we know is how much was allocated between two GCs, not when),
 * so the buckets add up to the stretches' total.
 */
export function allocationRateSeries(
  stretches: readonly AllocStretch[],
  grid: { startMs: number; bucketMs: number; count: number },
  /** Where the data ends: the last bucket's rate is over the part of it before this. */
  endMs: number = grid.startMs + grid.count * grid.bucketMs,
): { tMs: number[]; bytes: number[]; bytesPerSecond: number[] } {
  const bytes = new Array<number>(grid.count).fill(0);
  const last = grid.count - 1;
  const bucketOf = (t: number) => Math.min(last, Math.max(0, Math.floor((t - grid.startMs) / grid.bucketMs)));
  for (const s of stretches) {
    const span = s.endMs - s.startMs;
    if (span <= 0) {
      bytes[bucketOf(s.startMs)]! += s.bytes;
      continue;
    }
    const first = bucketOf(s.startMs);
    const end = bucketOf(s.endMs);
    for (let b = first; b <= end; b++) {
      const lo = b === first ? s.startMs : grid.startMs + b * grid.bucketMs;
      const hi = b === end ? s.endMs : grid.startMs + (b + 1) * grid.bucketMs;
      bytes[b]! += (s.bytes * Math.max(0, hi - lo)) / span;
    }
  }
  const seconds = (b: number) => Math.max(1e-9, Math.min(grid.bucketMs, endMs - (grid.startMs + b * grid.bucketMs))) / 1000;
  return {
    tMs: bytes.map((_, b) => grid.startMs + b * grid.bucketMs),
    bytes,
    bytesPerSecond: bytes.map((v, b) => v / seconds(b)),
  };
}

/** heapUsed of the sample nearest to t on the given side. */
function sampleAt(mem: MemColumns, t: number, side: 'before' | 'after'): number | undefined {
  const ts = mem.tMs;
  if (side === 'after') {
    for (let i = 0; i < ts.length; i++) if (ts[i]! >= t) return mem.heapUsed[i];
    return mem.heapUsed[ts.length - 1];
  }
  for (let i = ts.length - 1; i >= 0; i--) if (ts[i]! <= t) return mem.heapUsed[i];
  return mem.heapUsed[0];
}
