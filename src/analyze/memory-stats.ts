import type { MemColumns, RunData } from '../samples/run-data.js';
import { findMark } from '../samples/run-data.js';
import { nearestIndex } from './series.js';
import { fitSlope, type SlopeFit } from './regression.js';
import { inWindow, type Window } from './window.js';
import { GcKind, GcSource } from '../samples/protocol.js';

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
    /** Readings after full GCs (checkpoints and major GCs), or just the two checkpoints; none without either. */
    slopeBasis?: 'after-full-gc' | 'checkpoints';
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


function rssStats(data: RunData, w: Window): MemoryStats['rss'] {
  const proc = data.proc;
  const edges = rssAtEdges(data, w);
  if (!edges) return undefined;
  const idx = rangeIndices(proc.tMs, w);
  // A user's command is measured over its whole life (its peak may come while it starts or
  // exits, outside its agent's window); a scenario over its measured window.
  const wholeLife = data.hello?.mode === 'preload';
  let peak = 0;
  if (wholeLife) for (const rss of proc.rssBytes) peak = Math.max(peak, rss);
  else for (const i of idx) peak = Math.max(peak, proc.rssBytes[i]!);
  const xs = idx.map((i) => proc.tMs[i]!);
  const ys = idx.map((i) => proc.rssBytes[i]!);
  const { startBytes: start, endBytes: end } = edges;
  return { startBytes: start, endBytes: end, peakBytes: Math.max(peak, start, end), growthBytes: end - start, slope: fitSlope(xs, ys) };
}

/**
 * RSS at the window's edges: the child's own readings at the marks that bound the window
 * (taken at fixed points of the run, see MarkMessage.rssBytes), else the outside samples
 * nearest the edges (a non-Node command, or a run cut short before its end mark).
 */
export function rssAtEdges(data: RunData, w: Window): { startBytes: number; endBytes: number } | undefined {
  const nearest = (t: number): number | undefined =>
    data.proc.tMs.length ? data.proc.rssBytes[nearestIndex(data.proc.tMs, t)] : undefined;
  const atMark = (t: number): number | undefined => {
    const own = data.marks.find((m) => m.tMs === t && m.rssBytes !== undefined)?.rssBytes;
    if (own === undefined) return undefined;
    const others = othersRssAt(data, t);
    return others === undefined ? nearest(t) : own + others;
  };
  const startBytes = atMark(w.startMs) ?? nearest(w.startMs);
  const endBytes = atMark(w.endMs) ?? nearest(w.endMs);
  return startBytes === undefined || endBytes === undefined ? undefined : { startBytes, endBytes };
}

/**
 * The mark's reading is the agent's process alone; the outside samples are the whole process
 * tree. What the rest of the tree held at the nearest outside sample (the tree's sum minus the
 * agent's process in that same sample) completes the mark's reading: 0 for a single process,
 * so its edges stay the exact in-process readings. Undefined when that sample does not show
 * the agent's process (then the nearest sample is the edge).
 */
function othersRssAt(data: RunData, t: number): number | undefined {
  if (data.processes.length === 0 || data.proc.tMs.length === 0) return 0; // no per-process samples (not Linux)
  const agentPid = data.hello?.pid;
  const agent = data.processes.findLast((p) => p.pid === agentPid);
  if (!agent) return undefined;
  const i = nearestIndex(data.proc.tMs, t);
  const j = agent.tMs.indexOf(data.proc.tMs[i]!);
  return j < 0 ? undefined : data.proc.rssBytes[i]! - agent.rssBytes[j]!;
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

  // The live heap is only seen right after a full GC: memkit's two checkpoints and the
  // program's own major GCs. The heap after a scavenge still holds the promoted garbage
  // of the old generation, so a slope through those measures promotion, not growth (in
  // short runs it jumped between ~5 and ~250 MB/min for the same code).
  const gc = data.gc;
  const xs: number[] = [];
  const ys: number[] = [];
  const startT = findMark(data, 'measure-start')?.tMs;
  if (startMark !== undefined && startT !== undefined) {
    xs.push(startT);
    ys.push(startMark);
  }
  for (let i = 0; i < gc.tMs.length; i++) {
    if (gc.src[i] !== GcSource.Program || gc.kind[i] !== GcKind.MarkCompact || !inWindow(gc.tMs[i]!, w) || gc.usedAfter[i]! < 0) continue;
    xs.push(gc.tMs[i]!);
    ys.push(gc.usedAfter[i]!);
  }
  const endT = findMark(data, 'measure-end')?.tMs;
  if (endMark !== undefined && endT !== undefined) {
    xs.push(endT);
    ys.push(endMark);
  }
  let slope: SlopeFit | undefined;
  let slopeBasis: 'after-full-gc' | 'checkpoints' | undefined;
  if (xs.length >= 3) {
    slope = fitSlope(xs, ys);
    slopeBasis = 'after-full-gc';
  } else if (xs.length === 2 && xs[1]! > xs[0]!) {
    // Two live readings: the growth over the window, with no interval to give.
    const perMs = (ys[1]! - ys[0]!) / (xs[1]! - xs[0]!);
    slope = { slope: perMs, intercept: ys[0]! - perMs * xs[0]!, slopeHalfWidth: NaN, confidence: 0.95, n: 2, r2: 1 };
    slopeBasis = 'checkpoints';
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
    rss: rssStats(data, w),
    heapUsed: heapStats(data, w),
    heapTotalPeakBytes: peakOf(data.mem.tMs, data.mem.heapTotal, w),
    // Node's `external` already includes array buffers.
    externalPeakBytes: peakOf(data.mem.tMs, data.mem.external, w),
    cpuMs,
  };
}
