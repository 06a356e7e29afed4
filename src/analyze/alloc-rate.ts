import type { GcColumns, MemColumns } from '../run/run-data.js';
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

export function allocationInWindow(
  gc: GcColumns,
  mem: MemColumns,
  window: Window,
  edges: { startHeapUsed?: number; endHeapUsed?: number },
): AllocEstimate {
  let prevAfter = edges.startHeapUsed ?? sampleAt(mem, window.startMs, 'after');
  let bytes = 0;
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
      continue;
    }
    if (prevAfter !== undefined) bytes += Math.max(0, before - prevAfter);
    prevAfter = after;
  }
  endRef ??= sampleAt(mem, window.endMs, 'before');
  if (prevAfter !== undefined && endRef !== undefined) bytes += Math.max(0, endRef - prevAfter);
  const seconds = (window.endMs - window.startMs) / 1000;
  return { bytes, ratePerSecond: seconds > 0 ? bytes / seconds : 0, gapCount: gaps };
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
