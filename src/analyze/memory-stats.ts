import type { MemColumns, ProcColumns, RunData } from '../run/run-data.js';
import { findMark } from '../run/run-data.js';
import { nearestIndex } from './series.js';
import { fitSlope, type SlopeFit } from './regression.js';
import { inWindow, type Window } from './window.js';
import { GcKind, GcSource } from '../agent/protocol.js';

/** RSS (from outside) and V8 heap (from inside) over the window. */
export interface MemoryStats {
  rss: { startBytes: number; endBytes: number; peakBytes: number; growthBytes: number; slope?: SlopeFit } | undefined;
  heapUsed: {
    startBytes: number;
    endBytes: number;
    peakBytes: number;
    growthBytes: number;
    /** How start/end were taken: after memkit's forced GCs, or raw samples (noisier). */
    basis: 'checkpoint' | 'samples';
    /** bytes per millisecond of the live-heap estimate (heap after each GC). */
    slope?: SlopeFit;
    slopeBasis: 'after-major-gc' | 'after-any-gc' | 'samples';
  } | undefined;
  heapTotalPeakBytes: number | undefined;
  externalPeakBytes: number | undefined;
  cpuMs: number | undefined;
}

function rangeIndices(ts: number[], w: Window): number[] {
  const out: number[] = [];
  for (let i = 0; i < ts.length; i++) if (inWindow(ts[i]!, w)) out.push(i);
  return out;
}


function rssStats(proc: ProcColumns, w: Window): MemoryStats['rss'] {
  if (proc.tMs.length === 0) return undefined;
  const idx = rangeIndices(proc.tMs, w);
  const s = nearestIndex(proc.tMs, w.startMs);
  const e = nearestIndex(proc.tMs, w.endMs);
  let peak = 0;
  for (const i of idx.length ? idx : [s, e]) peak = Math.max(peak, proc.rssBytes[i]!);
  const start = proc.rssBytes[s]!;
  const end = proc.rssBytes[e]!;
  const xs = idx.map((i) => proc.tMs[i]!);
  const ys = idx.map((i) => proc.rssBytes[i]!);
  return { startBytes: start, endBytes: end, peakBytes: Math.max(peak, start, end), growthBytes: end - start, slope: fitSlope(xs, ys) };
}

function heapStats(data: RunData, w: Window): MemoryStats['heapUsed'] {
  const mem: MemColumns = data.mem;
  if (mem.tMs.length === 0) return undefined;
  const startMark = findMark(data, 'measure-start')?.heapUsedAfterGcBytes;
  const endMark = findMark(data, 'measure-end')?.heapUsedAfterGcBytes;
  const idx = rangeIndices(mem.tMs, w);
  let peak = 0;
  for (const i of idx) peak = Math.max(peak, mem.heapUsed[i]!);
  const basis = startMark !== undefined && endMark !== undefined ? 'checkpoint' : 'samples';
  const start = startMark ?? mem.heapUsed[nearestIndex(mem.tMs, w.startMs)]!;
  const end = endMark ?? mem.heapUsed[nearestIndex(mem.tMs, w.endMs)]!;

  // The live heap is best seen right after a major GC; fall back to any GC, then samples.
  const gc = data.gc;
  const majorX: number[] = [];
  const majorY: number[] = [];
  const anyX: number[] = [];
  const anyY: number[] = [];
  for (let i = 0; i < gc.tMs.length; i++) {
    if (gc.src[i] !== GcSource.Program || !inWindow(gc.tMs[i]!, w) || gc.usedAfter[i]! < 0) continue;
    anyX.push(gc.tMs[i]!);
    anyY.push(gc.usedAfter[i]!);
    if (gc.kind[i] === GcKind.MarkCompact) {
      majorX.push(gc.tMs[i]!);
      majorY.push(gc.usedAfter[i]!);
    }
  }
  let slope: SlopeFit | undefined;
  let slopeBasis: 'after-major-gc' | 'after-any-gc' | 'samples';
  if (majorX.length >= 3) {
    slope = fitSlope(majorX, majorY);
    slopeBasis = 'after-major-gc';
  } else if (anyX.length >= 3) {
    slope = fitSlope(anyX, anyY);
    slopeBasis = 'after-any-gc';
  } else {
    slope = fitSlope(idx.map((i) => mem.tMs[i]!), idx.map((i) => mem.heapUsed[i]!));
    slopeBasis = 'samples';
  }
  return { startBytes: start, endBytes: end, peakBytes: Math.max(peak, start, end), growthBytes: end - start, basis, slope, slopeBasis };
}

function peakOf(ts: number[], values: number[], w: Window): number | undefined {
  let peak: number | undefined;
  for (let i = 0; i < ts.length; i++) if (inWindow(ts[i]!, w)) peak = Math.max(peak ?? 0, values[i]!);
  return peak;
}

export function memoryStats(data: RunData, w: Window): MemoryStats {
  let cpuMs: number | undefined;
  if (data.proc.tMs.length >= 2) {
    const s = nearestIndex(data.proc.tMs, w.startMs);
    const e = nearestIndex(data.proc.tMs, w.endMs);
    cpuMs = data.proc.cpuMs[e]! - data.proc.cpuMs[s]!;
  }
  return {
    rss: rssStats(data.proc, w),
    heapUsed: heapStats(data, w),
    heapTotalPeakBytes: peakOf(data.mem.tMs, data.mem.heapTotal, w),
    // Node's `external` already includes array buffers.
    externalPeakBytes: peakOf(data.mem.tMs, data.mem.external, w),
    cpuMs,
  };
}
