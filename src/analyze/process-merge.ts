import type { DoneMessage, MarkMessage } from '../samples/protocol.js';
import { findMark, PY_MEM_KEYS, type GcColumns, type MemColumns, type ProcColumns, type PyMemColumns, type RunData } from '../samples/run-data.js';
import { isolatesOf, type TreeProcess } from './process-list.js';
import { pythonCollectionEndMs } from './python-gc-stats.js';
import { measuredWindow } from './window.js';

/**
 * Several isolates' records folded into one top-level view, so the run's analysis
 * (run-metrics.ts) runs on a selection of a command's tree unchanged:
 * - GC: every selected isolate's events in time order (counts are sums, pause percentiles
 *   are over every event). Heap figures around each GC become the selection's: the GC's
 *   own isolate's before/after plus every other selected isolate's heap after its latest
 *   GC. Between two GCs only the isolate that collects changed its figure, so the
 *   allocation estimate (before minus the previous after) adds up each isolate's own.
 * - Start-up GCs are per isolate: those before its own `program-start` mark, or, without
 *   one (an ES-module main, a worker thread that runs no CommonJS file), before its own
 *   window start (the agent's `measure-start`), the rule a single agent's run follows.
 *   A flag per GC (SelectionFacts.gcBeforeProgramStart) carries that to gcStats.
 * - Memory samples: summed across isolates at the union of their sample times, each
 *   isolate's last value carried forward, 0 before its first sample and after it ended.
 *   Heap is per isolate, RSS per process (a worker reads its process's RSS): the `rss`
 *   column sums one isolate per process, its main thread.
 * - RSS/CPU from outside: the tree's sums for `all`; else the selected processes' own
 *   series summed at each outside sample (CPU cumulative, a process's CPU kept after it
 *   exited).
 * - hello, program-start and done are the root-most selected isolate's (done with the
 *   selection's GC desync and lost messages summed); the window runs from the first
 *   selected isolate's start to the last one's end, the root's life for `all` and `main`.
 */

export interface MergePlan {
  all: boolean;
  processes: TreeProcess[];
  agentIds: number[];
  rootAgentId?: number;
}

/** What the merged columns cannot say themselves, for gcStats. */
export interface SelectionFacts {
  agentIds: number[];
  pids: number[];
  /** Per merged GC: 1 when it came before its own isolate's program start. */
  gcBeforeProgramStart: Uint8Array;
  /** Σ of the selected isolates' lifetimes (window, widened to their GCs): the GC time ratio's denominator. */
  isolateLifeMs: number;
}

export type MergedRunData = RunData & { selection: SelectionFacts };

export function selectionFactsOf(data: RunData): SelectionFacts | undefined {
  return (data as Partial<MergedRunData>).selection;
}

interface Isolate {
  agentId: number;
  run: RunData;
  startMs: number;
  endMs: number;
  /** After this its memory counts as 0 (it ended); Infinity while no end is known. */
  goneMs: number;
  programStartMs: number;
}

export function mergeSelection(data: RunData, plan: MergePlan): MergedRunData {
  const isolates: Isolate[] = [];
  const byId = isolatesOf(data);
  for (const agentId of plan.agentIds) {
    const run = byId.get(agentId);
    if (run) isolates.push(describeIsolate(data, agentId, run));
  }
  const lead = isolates.find((i) => i.agentId === plan.rootAgentId);
  const gc = mergeGc(isolates);
  const rssAgentIds = new Set(plan.processes.map((p) => p.agentIds[0]).filter((id): id is number => id !== undefined));
  let lifeMs = 0;
  for (const iso of isolates) lifeMs += lifeSpanMs(iso);
  const view: MergedRunData = {
    ...data,
    hello: lead?.run.hello,
    marks: lead ? mergeMarks(lead, isolates) : [],
    mem: mergeMem(isolates, rssAgentIds),
    pyMem: mergePyMem(isolates),
    gc: gc.columns,
    proc: plan.all ? data.proc : sumProcesses(plan.processes),
    // A parent-side load's progress and latency (mem-stress --http) are the run's own, untagged.
    ...(data.progress
      ? { progress: data.progress, progressSeries: data.progressSeries, latency: data.latency }
      : { progress: lead?.run.progress, progressSeries: lead?.run.progressSeries ?? { tMs: [], steps: [] }, latency: lead?.run.latency ?? data.latency }),
    done: lead?.run.done ? mergeDone(lead.run.done, isolates) : undefined,
    error: lead?.run.error,
    // Each isolate's own profile: the site analysis merges their trees (frames match across isolates, V8 ids do not).
    alloc: isolates.flatMap((i) => i.run.alloc),
    selection: {
      agentIds: isolates.map((i) => i.agentId),
      pids: plan.processes.map((p) => p.pid),
      gcBeforeProgramStart: gc.beforeProgramStart,
      isolateLifeMs: lifeMs,
    },
  };
  return view;
}

function describeIsolate(data: RunData, agentId: number, run: RunData): Isolate {
  const w = measuredWindow(run);
  const hello = run.hello;
  const end = data.processEnds.find(
    (e) => e.agentId === agentId || (hello !== undefined && e.pid === hello.pid && (e.threadId ?? 0) === (hello.threadId ?? 0)),
  );
  const lastSample = Math.max(run.mem.tMs[run.mem.tMs.length - 1] ?? -Infinity, w.endMs);
  const ended = run.done?.tMs ?? run.lost?.tMs ?? (end && end.cause !== 'running' ? end.tMs : undefined);
  return {
    agentId,
    run,
    startMs: w.startMs,
    endMs: w.endMs,
    goneMs: ended === undefined ? Infinity : Math.max(ended, lastSample),
    programStartMs: findMark(run, 'program-start')?.tMs ?? w.startMs,
  };
}

/** The isolate's window widened to its GCs, as gcStats widens a single run's span. */
function lifeSpanMs(iso: Isolate): number {
  let start = iso.startMs;
  let end = iso.endMs;
  const g = iso.run.gc;
  for (let i = 0; i < g.tMs.length; i++) {
    start = Math.min(start, g.tMs[i]!);
    end = Math.max(end, g.tMs[i]! + g.pauseMs[i]!);
  }
  return Math.max(0, end - start);
}

function mergeGc(isolates: Isolate[]): { columns: GcColumns; beforeProgramStart: Uint8Array } {
  const order: Array<{ iso: number; i: number; t: number }> = [];
  isolates.forEach((iso, k) => {
    const t = iso.run.gc.tMs;
    for (let i = 0; i < t.length; i++) order.push({ iso: k, i, t: t[i]! });
  });
  order.sort((a, b) => a.t - b.t || a.iso - b.iso || a.i - b.i); // isolates are in agentId order
  const out: GcColumns = { tMs: [], kind: [], pauseMs: [], flags: [], usedBefore: [], usedAfter: [], totalAfter: [], src: [] };
  // Python's per-collection figures, when any selected isolate is a Python process.
  const python = isolates.some((iso) => iso.run.gc.collected !== undefined);
  if (python) {
    out.collected = [];
    out.uncollectable = [];
  }
  const before = new Uint8Array(order.length);
  // Each isolate's heap after its latest GC (0 before its first); NaN once a figure was unknown.
  const usedAfter = new Float64Array(isolates.length);
  const totalAfter = new Float64Array(isolates.length);
  const sumExcept = (arr: Float64Array, k: number): number => {
    let s = 0;
    for (let j = 0; j < arr.length; j++) if (j !== k) s += arr[j]!;
    return s;
  };
  const known = (v: number): number => (Number.isFinite(v) && v >= 0 ? v : NaN);
  const orUnknown = (v: number): number => (Number.isNaN(v) ? -1 : v);
  order.forEach(({ iso: k, i, t }, n) => {
    const g = isolates[k]!.run.gc;
    const others = sumExcept(usedAfter, k);
    const othersTotal = sumExcept(totalAfter, k);
    out.tMs.push(t);
    out.kind.push(g.kind[i]!);
    out.pauseMs.push(g.pauseMs[i]!);
    out.flags.push(g.flags[i]!);
    out.src.push(g.src[i]!);
    if (python) {
      out.collected!.push(g.collected?.[i] ?? 0);
      out.uncollectable!.push(g.uncollectable?.[i] ?? 0);
    }
    out.usedBefore.push(orUnknown(known(g.usedBefore[i]!) + others));
    usedAfter[k] = known(g.usedAfter[i]!);
    totalAfter[k] = known(g.totalAfter[i]!);
    out.usedAfter.push(orUnknown(usedAfter[k]! + others));
    out.totalAfter.push(orUnknown(totalAfter[k]! + othersTotal));
    // A Python collection belongs where it ends (python-gc-stats.ts); a V8 GC where it starts.
    before[n] = pythonCollectionEndMs(g, i) < isolates[k]!.programStartMs ? 1 : 0;
  });
  return { columns: out, beforeProgramStart: before };
}

const MEM_VALUE_KEYS = ['heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const;

function mergeMem(isolates: Isolate[], rssAgentIds: Set<number>): MemColumns {
  const times = [...new Set(isolates.flatMap((i) => i.run.mem.tMs))].sort((a, b) => a - b);
  const out: MemColumns = { tMs: times, rss: [], heapUsed: [], heapTotal: [], external: [], arrayBuffers: [] };
  const cursor = new Int32Array(isolates.length).fill(-1);
  for (const t of times) {
    let rss = 0;
    const sums = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
    isolates.forEach((iso, k) => {
      const m = iso.run.mem;
      while (cursor[k]! + 1 < m.tMs.length && m.tMs[cursor[k]! + 1]! <= t) cursor[k]!++;
      const at = cursor[k]!;
      if (at < 0 || t > iso.goneMs) return; // not started yet, or ended
      for (const key of MEM_VALUE_KEYS) sums[key] += m[key][at]!;
      if (rssAgentIds.has(iso.agentId)) rss += m.rss[at]!;
    });
    out.rss.push(rss);
    for (const key of MEM_VALUE_KEYS) out[key].push(sums[key]);
  }
  return out;
}

/**
 * The Python processes' own figures: at each reading's time, every process's latest reading
 * added up (0 before its first and after its end), as the heap figures are.
 */
function mergePyMem(isolates: Isolate[]): PyMemColumns {
  const times = [...new Set(isolates.flatMap((i) => i.run.pyMem.tMs))].sort((a, b) => a - b);
  const out: PyMemColumns = { tMs: times, allocatedBlocks: [], gcCount0: [], gcCount1: [], gcCount2: [] };
  const cursor = new Int32Array(isolates.length).fill(-1);
  for (const t of times) {
    const sums = { allocatedBlocks: 0, gcCount0: 0, gcCount1: 0, gcCount2: 0 };
    isolates.forEach((iso, k) => {
      const p = iso.run.pyMem;
      while (cursor[k]! + 1 < p.tMs.length && p.tMs[cursor[k]! + 1]! <= t) cursor[k]!++;
      const at = cursor[k]!;
      if (at < 0 || t > iso.goneMs) return;
      for (const key of PY_MEM_KEYS) if (key !== 'tMs') sums[key] += p[key][at]!;
    });
    for (const key of PY_MEM_KEYS) if (key !== 'tMs') out[key].push(sums[key]);
  }
  return out;
}

/**
 * The window's edges: the lead isolate's own marks where they are the edges (their RSS
 * reading completes with the rest of the selection's outside sample, memory-stats.ts),
 * else bare marks at the first start and the last end of the selection.
 */
function mergeMarks(lead: Isolate, isolates: Isolate[]): MarkMessage[] {
  const marks: MarkMessage[] = [];
  const startMs = Math.min(...isolates.map((i) => i.startMs));
  const ownStart = findMark(lead.run, 'measure-start');
  marks.push(ownStart && ownStart.tMs === startMs ? ownStart : { type: 'mark', label: 'measure-start', tMs: startMs, steps: 0 });
  const programStart = findMark(lead.run, 'program-start');
  if (programStart) marks.push(programStart);
  const ownEnd = findMark(lead.run, 'measure-end');
  // Without the lead's end mark the run was cut short: the window ends with its last sample, as a single agent's would.
  // The lead's own end (with its RSS reading) unless another isolate of the selection outlived it.
  if (ownEnd) {
    const othersEndMs = Math.max(...isolates.filter((i) => i !== lead).map((i) => i.endMs));
    marks.push(ownEnd.tMs >= othersEndMs ? ownEnd : { type: 'mark', label: 'measure-end', tMs: othersEndMs, steps: ownEnd.steps });
  }
  return marks;
}

function mergeDone(done: DoneMessage, isolates: Isolate[]): DoneMessage {
  let desync = 0;
  let lost = 0;
  for (const iso of isolates) {
    desync += iso.run.done?.gcDesync ?? 0;
    lost += iso.run.done?.lostMessages ?? 0;
  }
  return { ...done, gcDesync: desync, ...(lost > 0 || done.lostMessages !== undefined ? { lostMessages: lost } : {}) };
}

/** The selected processes' outside series summed at each of their sample times. */
export function sumProcesses(processes: TreeProcess[]): ProcColumns {
  const series = processes.flatMap((p) => (p.series ? [p.series] : []));
  const times = [...new Set(series.flatMap((s) => s.tMs))].sort((a, b) => a - b);
  const out: ProcColumns = { tMs: times, rssBytes: [], cpuPercent: [], cpuMs: [] };
  const cursor = new Int32Array(series.length).fill(-1);
  let prevT: number | undefined;
  let prevCpu = 0;
  for (const t of times) {
    let rss = 0;
    let cpu = 0;
    series.forEach((s, k) => {
      while (cursor[k]! + 1 < s.tMs.length && s.tMs[cursor[k]! + 1]! <= t) cursor[k]!++;
      const at = cursor[k]!;
      if (at < 0) return;
      cpu += s.cpuMs[at]!; // spent CPU stays spent after the process exits
      if (s.tMs[at] === t) rss += s.rssBytes[at]!; // alive at this sample
    });
    out.rssBytes.push(rss);
    out.cpuMs.push(cpu);
    out.cpuPercent.push(prevT !== undefined && t > prevT ? ((cpu - prevCpu) / (t - prevT)) * 100 : 0);
    prevT = t;
    prevCpu = cpu;
  }
  return out;
}
