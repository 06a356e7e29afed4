import type { RunData } from '../samples/run-data.js';
import { findMark } from '../samples/run-data.js';
import { allocationInWindow, type AllocEstimate } from './alloc-rate.js';
import { customMetrics } from './custom-metrics.js';
import { gcStats, type GcStats } from './gc-stats.js';
import { memoryStats, type MemoryStats } from './memory-stats.js';
import { PYTHON_GENERATIONS, pythonGcStats, type PythonGcStats } from './python-gc-stats.js';
import { selectionFactsOf } from './process-merge.js';
import { inWindow, measuredWindow, type Window } from './window.js';

/**
 * One run's analysis: the typed details the renderers show, and the flat metric map
 * (DESIGN.md names) that goes into the baseline.
 */
export interface RunAnalysis {
  window: Window;
  /** V8's collections (a Node run); undefined for a Python process, whose figures are `pythonGc`. */
  gc: GcStats | undefined;
  /** CPython's collections, when the run has a Python process's records. */
  pythonGc: PythonGcStats | undefined;
  memory: MemoryStats;
  alloc: AllocEstimate | undefined;
  steps: number | undefined;
  metrics: Record<string, number>;
}

const PER_MINUTE = 60_000;

export function analyzeRun(data: RunData): RunAnalysis {
  const window = measuredWindow(data);
  // A Python process (python/memkit_agent) has no V8 heap: its Node-only figures stay absent, not zero.
  const python = data.hello?.runtime === 'python';
  const instrumented = data.hello !== undefined && !python;
  // A user's command is measured over its whole life: its GC counts must equal V8's
  // --trace-gc, start-up included. A scenario keeps its window (setup and checkpoints out).
  // A selection of a command's isolates (process-merge.ts): start-up GCs are each isolate's own.
  const selection = selectionFactsOf(data);
  const gc = instrumented
    ? gcStats(data.gc, window, {
        wholeLife: data.hello?.mode === 'preload',
        programStartMs: findMark(data, 'program-start')?.tMs,
        ...(selection ? { beforeProgramStart: selection.gcBeforeProgramStart, timeRatioSpanMs: selection.isolateLifeMs } : {}),
      })
    : undefined;
  const pythonGc = pythonGcStats(data.gc, window, selection ? { beforeProgramStart: selection.gcBeforeProgramStart, timeRatioSpanMs: selection.isolateLifeMs } : {});
  const memory = memoryStats(data, window);
  const alloc = instrumented
    ? allocationInWindow(data.gc, data.mem, window, {
        startHeapUsed: findMark(data, 'measure-start')?.heapUsedAfterGcBytes,
      })
    : undefined;
  const endMark = findMark(data, 'measure-end');
  const steps = endMark?.steps ?? data.progress?.steps;
  const windowMs = window.endMs - window.startMs;

  const m: Record<string, number> = {};
  m['duration_ms'] = windowMs;
  if (memory.rss) {
    m['rss.start_bytes'] = memory.rss.startBytes;
    m['rss.end_bytes'] = memory.rss.endBytes;
    m['rss.peak_bytes'] = memory.rss.peakBytes;
    m['rss.growth_bytes'] = memory.rss.growthBytes;
    if (memory.rss.slope) m['rss.slope_bytes_per_min'] = memory.rss.slope.slope * PER_MINUTE;
  }
  if (memory.heapUsed) {
    m['heap.used.start_bytes'] = memory.heapUsed.startBytes;
    m['heap.used.end_bytes'] = memory.heapUsed.endBytes;
    m['heap.used.peak_bytes'] = memory.heapUsed.peakBytes;
    m['heap.used.growth_bytes'] = memory.heapUsed.growthBytes;
    if (memory.heapUsed.slope) m['heap.used.slope_bytes_per_min'] = memory.heapUsed.slope.slope * PER_MINUTE;
  }
  if (memory.heapTotalPeakBytes !== undefined) m['heap.total.peak_bytes'] = memory.heapTotalPeakBytes;
  if (memory.externalPeakBytes !== undefined) m['external.peak_bytes'] = memory.externalPeakBytes;
  if (memory.cpuMs !== undefined) m['cpu.time_ms'] = memory.cpuMs;
  if (gc) {
    m['gc.count.minor'] = gc.byKind.minor.count;
    m['gc.count.major'] = gc.byKind.major.count;
    m['gc.count.incremental'] = gc.byKind.incremental.count;
    m['gc.count.weakcb'] = gc.byKind.weakcb.count;
    overallPauses(m, gc.all, gc.timeRatio);
  }
  if (pythonGc) {
    for (const g of PYTHON_GENERATIONS) {
      const s = pythonGc.byGeneration[g];
      m[`gc.count.gen${g}`] = s.count;
      m[`gc.collected.gen${g}`] = s.collected;
      m[`gc.uncollectable.gen${g}`] = s.uncollectable;
      if (s.count > 0) m[`gc.pause.gen${g}.p95_ms`] = s.pauseMs.p95;
      m[`gc.pause.gen${g}.total_ms`] = s.pauseMs.sum;
    }
    m['gc.collected'] = pythonGc.all.collected;
    m['gc.uncollectable'] = pythonGc.all.uncollectable;
    // A Node process's GCs (a mixed tree led by Node) keep the overall pause figures.
    if (!gc) overallPauses(m, pythonGc.all, pythonGc.timeRatio);
  }
  const blocks = pythonBlocks(data, window);
  if (blocks) {
    m['python.allocated_blocks.peak'] = blocks.peak;
    m['python.allocated_blocks.growth'] = blocks.growth;
  }
  if (alloc) {
    m['alloc.rate_bytes_per_s'] = alloc.ratePerSecond;
    // Closed-loop variants run at different speeds: per step is the comparable figure.
    if (steps) m['alloc.bytes_per_op'] = alloc.bytes / steps;
  }
  if (steps !== undefined && data.progress) {
    m['ops.count'] = steps;
    if (windowMs > 0) m['ops.rate_per_s'] = steps / (windowMs / 1000);
  }
  Object.assign(m, customMetrics(data.progress));
  return { window, gc, pythonGc, memory, alloc, steps, metrics: m };
}

/** The overall pause figures, from whichever runtime's collections lead the run. */
function overallPauses(
  m: Record<string, number>,
  all: { count: number; pauseMs: { p50: number; p95: number; p99: number; max: number; sum: number } },
  timeRatio: number,
): void {
  if (all.count > 0) {
    m['gc.pause.p50_ms'] = all.pauseMs.p50;
    m['gc.pause.p95_ms'] = all.pauseMs.p95;
    m['gc.pause.p99_ms'] = all.pauseMs.p99;
    m['gc.pause.max_ms'] = all.pauseMs.max;
  }
  m['gc.pause.total_ms'] = all.pauseMs.sum;
  m['gc.time_ratio'] = timeRatio;
}

/** A Python agent's sys.getallocatedblocks() readings in the window: undefined without any. */
function pythonBlocks(data: RunData, window: Window): { peak: number; growth: number } | undefined {
  const p = data.pyMem;
  let first: number | undefined;
  let last = 0;
  let peak = 0;
  for (let i = 0; i < p.tMs.length; i++) {
    if (!inWindow(p.tMs[i]!, window)) continue;
    const b = p.allocatedBlocks[i]!;
    first ??= b;
    last = b;
    peak = Math.max(peak, b);
  }
  return first === undefined ? undefined : { peak, growth: last - first };
}
