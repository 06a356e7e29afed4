import { findMark, type RunData } from '../samples/run-data.js';
import type { PythonLiveSource } from '../samples/protocol.js';
import type { LivePoint } from './leak-verdict.js';
import { selectionFactsOf } from './process-merge.js';

/**
 * The leak verdict's evidence: the live memory (V8 heap + external) right after memkit's
 * forced GCs, after warm-up. One agent's come from its own marks; a command's tree's are
 * its isolates' readings added up (programLivePoints).
 */

/** A live reading; `heapBytes` is its V8 heap part (without external memory). */
export interface LiveReading extends LivePoint {
  heapBytes: number;
}

/** One agent's readings from its warm-up's end on (a scenario's carry its steps done). */
export function livePointsAfterWarmup(data: RunData): LiveReading[] {
  const points: LiveReading[] = [];
  let seenWarmup = false;
  for (const m of data.marks) {
    if (m.label === 'warmup-end') seenWarmup = true;
    if (!seenWarmup || m.heapUsedAfterGcBytes === undefined) continue;
    if (m.label === 'warmup-end' || m.label === 'gc-checkpoint' || m.label === 'measure-end') {
      points.push({ tMs: m.tMs, liveBytes: m.heapUsedAfterGcBytes + (m.externalAfterGcBytes ?? 0), heapBytes: m.heapUsedAfterGcBytes, steps: m.steps });
    }
  }
  return points;
}

export interface ProgramLive {
  points: LiveReading[];
  /** Where the program's warm-up ended (its steady window starts); undefined without readings. */
  warmupEndMs: number | undefined;
}

interface IsolateLive {
  startMs: number;
  /** What is taken off its readings: its first one when it joined after the program's warm-up. */
  offset: { live: number; heap: number };
  warmupEndMs: number | undefined;
  /** After this it holds nothing (it ended). */
  goneMs: number;
  readings: LiveReading[];
}

/**
 * The program's live memory after warm-up. A scenario (or an older command run: one agent
 * at the top level) is its own marks. A command's tree: each Node process and worker
 * thread (of the selection, when the data is a merged view) takes its own checkpoints on
 * its own timer (agent/command-checkpoints.ts), and the program's live memory at a point
 * is the sum over the isolates of each one's latest reading then (0 once it has ended).
 *  - The points are the times of one isolate's readings, the one with the most (the
 *    longest-lived after warm-up, normally the root): every isolate's reading counts once
 *    per point, at most one checkpoint period old, so the points are not n-fold copies.
 *  - The program's warm-up ends when every isolate already running at the end of that
 *    isolate's warm-up has ended its own: before, a process still warming up would add
 *    its start-up growth to the program's.
 *  - One that starts later (a new worker; under load, a child slow to start) adds what it
 *    grows after its own warm-up, not its size: a process joining is a step, not a trend,
 *    and counted whole it would look like growth. Its own row has its own verdict.
 *  - An isolate that ended holds nothing from then on (its memory went with it).
 */
export function programLivePoints(data: RunData): ProgramLive {
  if (data.isolates.size === 0) {
    const points = livePointsAfterWarmup(data);
    return { points, warmupEndMs: findMark(data, 'warmup-end')?.tMs };
  }
  const ids = selectionFactsOf(data)?.agentIds ?? [...data.isolates.keys()].sort((a, b) => a - b);
  const isolates: IsolateLive[] = [];
  for (const id of ids) {
    const run = data.isolates.get(id);
    if (!run) continue;
    const startMs = findMark(run, 'measure-start')?.tMs ?? run.hello?.tMs;
    if (startMs === undefined) continue;
    isolates.push({
      startMs,
      offset: { live: 0, heap: 0 },
      warmupEndMs: findMark(run, 'warmup-end')?.tMs,
      goneMs: run.done?.tMs ?? run.lost?.tMs ?? Infinity,
      readings: livePointsAfterWarmup(run),
    });
  }
  let clock: IsolateLive | undefined;
  for (const iso of isolates) if (iso.readings.length > (clock?.readings.length ?? 0)) clock = iso;
  if (!clock) return { points: [], warmupEndMs: undefined };
  const clockWarmMs = clock.readings[0]!.tMs;
  let warmupEndMs = clockWarmMs;
  for (const iso of isolates) {
    if (iso.startMs > clockWarmMs) {
      const first = iso.readings[0];
      if (first) iso.offset = { live: first.liveBytes, heap: first.heapBytes };
    } else if (iso.warmupEndMs !== undefined && iso.goneMs > clockWarmMs) {
      warmupEndMs = Math.max(warmupEndMs, iso.warmupEndMs);
    }
  }
  const cursor = new Int32Array(isolates.length).fill(-1);
  const points: LiveReading[] = [];
  // A reading the clock took while the tree was shutting down (memkit's stop reaches the
  // children first; the parent can checkpoint once more without them) is not the program's
  // memory: a 30 MB fall at the last point halved a leaking tree's slope and widened its
  // interval past the verdict. The series ends where the first isolate goes that ended
  // within one checkpoint interval of the clock isolate's own end (a child that ends
  // mid-run is the program's doing, and its points stay).
  const readings = clock.readings;
  const lastMs = readings[readings.length - 1]!.tMs;
  const stepMs = readings.length > 1 ? (lastMs - readings[0]!.tMs) / (readings.length - 1) : 0;
  const endMs = clock.goneMs;
  const shutdownMs = Math.min(...isolates.map((iso) => (iso !== clock && Number.isFinite(endMs) && iso.goneMs >= endMs - stepMs ? iso.goneMs : Infinity)));
  for (const at of readings) {
    if (at.tMs < warmupEndMs) continue;
    if (at.tMs > shutdownMs) break;
    let live = 0;
    let heap = 0;
    isolates.forEach((iso, k) => {
      const r = iso.readings;
      while (cursor[k]! + 1 < r.length && r[cursor[k]! + 1]!.tMs <= at.tMs) cursor[k]!++;
      if (cursor[k]! < 0 || at.tMs > iso.goneMs) return;
      live += r[cursor[k]!]!.liveBytes - iso.offset.live;
      heap += r[cursor[k]!]!.heapBytes - iso.offset.heap;
    });
    points.push({ tMs: at.tMs, liveBytes: live, heapBytes: heap });
  }
  return { points, warmupEndMs };
}

const PYTHON_LIVE: Record<Exclude<PythonLiveSource, 'none'>, string> = {
  tracemalloc: "Python: tracemalloc's traced bytes after gc.collect()",
  rss: 'Python: RSS right after gc.collect(), tracemalloc off',
};

/**
 * What a Python agent's live readings are (they hold no V8 heap), for the verdict's reason;
 * undefined when no reading came from a Python agent.
 */
export function pythonLiveLabel(data: RunData): string | undefined {
  const sources = [...pythonLiveSources(data)].filter((s): s is Exclude<PythonLiveSource, 'none'> => s !== 'none');
  if (sources.length === 0) return undefined;
  if (sources.length === 1) return PYTHON_LIVE[sources[0]!];
  return "Python: tracemalloc's traced bytes where the process traces, else RSS, after gc.collect()";
}

function pythonLiveSources(data: RunData): Set<PythonLiveSource> {
  const sources = new Set<PythonLiveSource>();
  const scan = (d: RunData): void => {
    for (const m of d.marks) if (m.liveSource) sources.add(m.liveSource);
  };
  scan(data);
  for (const iso of data.isolates.values()) scan(iso);
  return sources;
}

/**
 * Why a Python agent's checkpoints carry no live figure (no /proc/self/statm off Linux, and
 * tracemalloc off), for the verdict's reason: without it the verdict would ask for more
 * checkpoints, which would carry none either. Undefined when any checkpoint had one.
 */
export function pythonLiveNotMeasured(data: RunData): string | undefined {
  const sources = pythonLiveSources(data);
  if (!sources.has('none') || sources.size > 1) return undefined;
  return "Python's live memory was not measured: no /proc/self/statm here (not Linux?) and tracemalloc off; run it with PYTHONTRACEMALLOC=1 for tracemalloc's traced bytes";
}
