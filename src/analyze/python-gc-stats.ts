import { GcKind, GcSource } from '../samples/protocol.js';
import type { GcColumns } from '../samples/run-data.js';
import { summarize, type Summary } from './percentiles.js';
import { inWindow, type Window } from './window.js';

/**
 * CPython's collections (memkit's Python agent, through gc.callbacks) over the measured
 * window: counts, freed and uncollectable objects and pauses per generation. The window
 * is the program's own code, from its __main__'s first line to the interpreter's exit
 * handlers (python/memkit_agent): the collections before it (interpreter start-up, site,
 * memkit's agent) are counted apart, so the counts equal the program's own
 * gc.get_stats() deltas over the same span.
 *
 * A collection is placed at its end (start + pause), where CPython counts it in
 * gc.get_stats(): its callbacks are Python code, so another thread can run in the middle
 * of one (the program's first line, a reading of its own), and a collection that started
 * on memkit's checkpoint thread just before the window opened is the window's.
 */

export const PYTHON_GENERATIONS = [0, 1, 2] as const;
export type PythonGeneration = (typeof PYTHON_GENERATIONS)[number];

export function pythonGeneration(kind: number): PythonGeneration | undefined {
  switch (kind) {
    case GcKind.PythonGen0:
      return 0;
    case GcKind.PythonGen1:
      return 1;
    case GcKind.PythonGen2:
      return 2;
    default:
      return undefined;
  }
}

export type PythonGcKindName = 'gen0' | 'gen1' | 'gen2';
export const PYTHON_GC_KIND_NAMES: readonly PythonGcKindName[] = ['gen0', 'gen1', 'gen2'];

/** A Python collection's kind as metric names and Prometheus labels say it (gc.count.gen2, kind="gen2"). */
export function pythonGcKindName(kind: number): PythonGcKindName | undefined {
  const gen = pythonGeneration(kind);
  return gen === undefined ? undefined : PYTHON_GC_KIND_NAMES[gen];
}

/** When a Python collection counts (gc.get_stats() adds it as its work ends); a V8 GC's own time otherwise. */
export function pythonCollectionEndMs(gc: GcColumns, i: number): number {
  return pythonGeneration(gc.kind[i]!) === undefined ? gc.tMs[i]! : gc.tMs[i]! + Math.max(0, gc.pauseMs[i]!);
}

export interface PythonGenerationStats {
  count: number;
  collected: number;
  uncollectable: number;
  pauseMs: Summary;
}

export interface PythonGcStats {
  byGeneration: Record<PythonGeneration, PythonGenerationStats>;
  all: PythonGenerationStats;
  /** Share of the window's wall time spent in collections. */
  timeRatio: number;
  windowMs: number;
  /** Collections before the window (start-up), per generation: recorded, not in the figures above. */
  beforeWindow: Record<PythonGeneration, number>;
}

/** Undefined when the run has no Python collection records at all (a Node run). */
/**
 * `beforeProgramStart` (a selection of a command's tree, process-merge.ts): a flag per
 * collection, set where it came before its own process's program start (a spawned or
 * exec'd interpreter's start-up inside the tree's window), so the tree's totals are the
 * sum of its processes' rows.
 */
export function pythonGcStats(gc: GcColumns, window: Window, opts: { timeRatioSpanMs?: number; beforeProgramStart?: Uint8Array } = {}): PythonGcStats | undefined {
  if (!gc.collected) return undefined;
  const pauses: Record<PythonGeneration, number[]> = { 0: [], 1: [], 2: [] };
  const collected = { 0: 0, 1: 0, 2: 0 };
  const uncollectable = { 0: 0, 1: 0, 2: 0 };
  const beforeWindow = { 0: 0, 1: 0, 2: 0 };
  const all: number[] = [];
  let sawPython = false;
  for (let i = 0; i < gc.tMs.length; i++) {
    const gen = pythonGeneration(gc.kind[i]!);
    if (gen === undefined) continue;
    sawPython = true;
    if (gc.src[i] === GcSource.Checkpoint) continue;
    if (opts.beforeProgramStart?.[i]) {
      beforeWindow[gen]++;
      continue;
    }
    const endMs = pythonCollectionEndMs(gc, i);
    if (!inWindow(endMs, window)) {
      if (endMs < window.startMs) beforeWindow[gen]++;
      continue;
    }
    pauses[gen].push(gc.pauseMs[i]!);
    all.push(gc.pauseMs[i]!);
    collected[gen] += gc.collected[i] ?? 0;
    uncollectable[gen] += gc.uncollectable?.[i] ?? 0;
  }
  if (!sawPython) return undefined;
  const byGeneration = {} as Record<PythonGeneration, PythonGenerationStats>;
  for (const g of PYTHON_GENERATIONS) {
    byGeneration[g] = { count: pauses[g].length, collected: collected[g], uncollectable: uncollectable[g], pauseMs: summarize(pauses[g]) };
  }
  const allPause = summarize(all);
  const windowMs = window.endMs - window.startMs;
  const spanMs = opts.timeRatioSpanMs ?? windowMs;
  return {
    byGeneration,
    all: {
      count: all.length,
      collected: collected[0] + collected[1] + collected[2],
      uncollectable: uncollectable[0] + uncollectable[1] + uncollectable[2],
      pauseMs: allPause,
    },
    timeRatio: spanMs > 0 ? allPause.sum / spanMs : 0,
    windowMs,
    beforeWindow,
  };
}
