import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type {
  AgentErrorMessage,
  ChildMessage,
  DescendantMessage,
  DoneMessage,
  ExitInfo,
  ErrorMessage,
  GcBatch,
  HelloMessage,
  JobDoneMessage,
  JobPhaseMessage,
  LatencyBatch,
  MarkMessage,
  NearHeapLimitMessage,
  MemBatch,
  PyMemBatch,
  ProgressMessage,
  RunStatus,
} from './protocol.js';
import { sparseQuantileMs } from './log-buckets.js';
import type { AllocProfileRecord } from './alloc-profile.js';
import type { AllocSourceMapRecord } from './alloc-source-map.js';

/**
 * Everything one measured run produced, in columns: the in-memory form of the run's
 * JSON-lines file. The same reducer builds it live (from IPC messages) and from a saved
 * .jsonl file (report, recovery after memkit was killed), so both see the same data.
 */

export const SAMPLES_SCHEMA = 'memkit.samples/1';

export interface RunHeader {
  type: 'run';
  schema: typeof SAMPLES_SCHEMA;
  runId: string;
  index: number;
  startedAtMs: number;
  target: unknown;
  settings: unknown;
}

export interface ProcSample {
  type: 'proc';
  tMs: number;
  rssBytes: number;
  cpuPercent: number;
  cpuMs: number;
  pid: number;
}

/**
 * (parent) A process of the measured tree, written when the outside sampler first sees it,
 * and again when its name changes (an exec: a fork caught before its exec still showed the
 * parent's command line). `startTicks` (clock ticks since boot) tells a reused pid apart.
 */
export interface ProcInfoRecord {
  type: 'proc-info';
  tMs: number;
  pid: number;
  ppid: number;
  comm: string;
  argv: string[];
  startTicks: number;
}

/**
 * (parent) Every live process of the tree at one outside sample, in columns (the `proc`
 * record of the same tick holds their sums). A process's own CPU time, not its children's.
 */
export interface ProcTreeSample {
  type: 'proc-tree';
  tMs: number;
  pid: number[];
  rssBytes: number[];
  cpuMs: number[];
}

/** (parent) A process of the tree was no longer there at this sample (it exited). */
export interface ProcGoneRecord {
  type: 'proc-gone';
  tMs: number;
  pid: number;
}

/**
 * The kernel's high-water mark of the child's RSS (VmHWM), read by the parent just before
 * a job child exits: the true peak, which no sampling interval can miss.
 */
export interface RssHighWaterMark {
  type: 'rss-hwm';
  tMs: number;
  pid: number;
  rssBytes: number;
}

export interface EndRecord {
  type: 'end';
  tMs: number;
  status: RunStatus;
  statusReason?: string;
  exit: ExitInfo;
  /** What else the tree's ends say (a descendant killed, a non-zero exit), for the baseline's notes. */
  notes?: string[];
}

/** (parent) An agent's connection closed without its last word (`done`). */
export interface AgentLostRecord {
  type: 'agent-lost';
  tMs: number;
  agentId: number;
}

/** Why a process or thread of the tree ended, as the parent pieced it together. */
export type ProcessEndCause = 'exit' | 'uncaught' | 'oom' | 'signal' | 'lost' | 'running';

/**
 * (parent) How one process (or worker thread) of a command's tree ended, from the best
 * witness: the root's own exit, its parent's agent (child-exit), its own agent (done,
 * an uncaught error), the V8 OOM block on stderr, or the outside sampler.
 */
export interface ProcessEndRecord {
  type: 'process-end';
  tMs: number;
  pid: number;
  /** With the pid, names one process across pid reuse (absent when no /proc sample or hello had it). */
  startTicks?: number;
  threadId?: number;
  agentId?: number;
  code: number | null;
  signal: string | null;
  cause: ProcessEndCause;
  source: 'root' | 'parent-agent' | 'own-agent' | 'stderr' | 'proc';
  /** One line for people: "ran out of V8 heap memory", the uncaught error's message. */
  reason?: string;
  /** Its isolate's near-heap-limit record (gc-hooks addon), with what was growing, when it had one. */
  nearHeapLimit?: NearHeapLimitEvidence;
}

/** What memkit kept of a process that neared its V8 heap limit (ProcessEndRecord, reasons). */
export interface NearHeapLimitEvidence {
  limitBytes: number;
  initialLimitBytes: number;
  usedHeapBytes: number;
  /** "heap used 5 → 61 MB in 3.2 s, old_space 52 MB": the growth the agent saw before it. */
  growing?: string;
  snapshotPath?: string;
}

/**
 * (parent) The tree's RSS crossed a share of --memory-limit: at 90 % ('near') memkit asked
 * every agent for its batches (and small heaps for a snapshot); at 100 % ('reached') it
 * killed the tree.
 */
export interface MemoryLimitRecord {
  type: 'memory-limit';
  tMs: number;
  phase: 'near' | 'reached';
  rssBytes: number;
  limitBytes: number;
  /** The process with the most RSS then, and its RSS. */
  largestPid?: number;
  largestRssBytes?: number;
  /** Snapshots asked for at 'near' (one per agent whose heap was small enough). */
  snapshotPaths?: string[];
}

/** (parent) A Node process or worker thread of the tree that no agent reported from, and why. */
export interface UnreachedRecord {
  type: 'unreached';
  tMs: number;
  pid: number;
  startTicks?: number;
  threadId?: number;
  argv: string[];
  reason: string;
}

/**
 * A record as the parent stores it: what an agent of a command's tree sent carries the
 * `agentId` the parent gave its connection (one per isolate, 1, 2, … in hello order).
 */
export type AgentTagged = { agentId?: number };

export type SampleRecord =
  | RunHeader
  | AgentLostRecord
  | ProcessEndRecord
  | UnreachedRecord
  | ProcSample
  | ProcInfoRecord
  | ProcTreeSample
  | ProcGoneRecord
  | RssHighWaterMark
  | MemoryLimitRecord
  | AllocSourceMapRecord
  | EndRecord | (ChildMessage & AgentTagged) | JobPhaseMessage | JobDoneMessage;

/** The columns of the agent's batches, accumulated over the run. */
export type MemColumns = Omit<MemBatch, 'type'>;
export type GcColumns = Omit<GcBatch, 'type'>;
export type PyMemColumns = Omit<PyMemBatch, 'type'>;

export interface ProcColumns {
  tMs: number[];
  rssBytes: number[];
  cpuPercent: number[];
  cpuMs: number[];
}

/** One process of the measured tree over the run (from proc-info, proc-tree, proc-gone). */
export interface ProcessSeries {
  pid: number;
  ppid: number;
  comm: string;
  argv: string[];
  startTicks: number;
  firstSeenMs: number;
  /** Its last sample; a process that exited keeps all of its samples. */
  lastSeenMs: number;
  /** When a sample first missed it (it exited); undefined if it lived to the end of sampling. */
  goneMs?: number;
  peakRssBytes: number;
  tMs: number[];
  rssBytes: number[];
  cpuMs: number[];
}

/**
 * Step latencies: each batch's exact count/sum/max and bucketed p50/p99 (a time series for
 * charts), and two cumulative bucket histograms — the whole window and after warm-up —
 * from which the parent computes percentiles (src/analyze/latency-stats.ts).
 */
export interface LatencyData {
  tMs: number[];
  n: number[];
  sumMs: number[];
  maxMs: number[];
  p50Ms: number[];
  p99Ms: number[];
  whole: number[];
  afterWarmup: number[];
  wholeMaxMs: number;
  afterWarmupMaxMs: number;
}

export interface RunData {
  header?: RunHeader;
  hello?: HelloMessage;
  marks: MarkMessage[];
  mem: MemColumns;
  gc: GcColumns;
  /** A Python agent's allocated blocks and gc.get_count() over time (empty for Node). */
  pyMem: PyMemColumns;
  /** The whole process tree's sums, one row per outside sample. */
  proc: ProcColumns;
  /** Each process of the tree, in the order they were first seen (empty off Linux). */
  processes: ProcessSeries[];
  latency: LatencyData;
  /** Steps completed over time, from each progress message. */
  progressSeries: { tMs: number[]; steps: number[] };
  /** The latest cumulative counters, gauges and phases. */
  progress?: ProgressMessage;
  /** The cumulative figures as warm-up ended, to subtract from the final ones. */
  progressAtWarmupEnd?: ProgressMessage;
  done?: DoneMessage;
  error?: ErrorMessage;
  /** A job child's phases, in the order they ended, and its last word. */
  jobPhases: JobPhaseMessage[];
  jobDone?: JobDoneMessage;
  rssHighWaterMark?: RssHighWaterMark;
  end?: EndRecord;
  /**
   * A command's tree: each agent's own records (one per isolate: every Node process's main
   * thread and each worker thread), by agentId, in hello order. The top-level agent fields
   * above (hello, marks, mem, gc, done, error) stay empty for them until a selection of
   * isolates is merged into them (analyze/process-selection.ts); they hold the single
   * agent's records of a scenario run and of older samples files.
   */
  isolates: Map<number, RunData>;
  /** The agent's own descendant events (child-spawn/exit, worker-start/exit), in order. */
  descendants: DescendantMessage[];
  /** An agent's connection that closed without its `done`. */
  lost?: AgentLostRecord;
  agentError?: AgentErrorMessage;
  processEnds: ProcessEndRecord[];
  unreached: UnreachedRecord[];
  /** An isolate's near-heap-limit record (written by the gc-hooks addon as V8 neared its limit). */
  nearHeapLimit?: NearHeapLimitMessage;
  /** --memory-limit: when the tree's RSS crossed 90 % and 100 % of it. */
  memoryLimit: MemoryLimitRecord[];
  /** --alloc-sites: each agent's profile reads, each covering the time since its previous one (a merged view holds its isolates'). */
  alloc: AllocProfileRecord[];
  /** --alloc-sites: the original positions of the sampled frames (a parent record, at the run's end), when a script had a source map. */
  allocSourceMap?: AllocSourceMapRecord;
  /** Records of types this reducer does not know (later commands' own batches). */
  other: SampleRecord[];
}

export function emptyRunData(): RunData {
  return {
    marks: [],
    mem: { tMs: [], rss: [], heapUsed: [], heapTotal: [], external: [], arrayBuffers: [] },
    gc: { tMs: [], kind: [], pauseMs: [], flags: [], usedBefore: [], usedAfter: [], totalAfter: [], src: [] },
    pyMem: { tMs: [], allocatedBlocks: [], gcCount0: [], gcCount1: [], gcCount2: [] },
    proc: { tMs: [], rssBytes: [], cpuPercent: [], cpuMs: [] },
    processes: [],
    latency: {
      tMs: [], n: [], sumMs: [], maxMs: [], p50Ms: [], p99Ms: [],
      whole: [], afterWarmup: [], wholeMaxMs: 0, afterWarmupMaxMs: 0,
    },
    progressSeries: { tMs: [], steps: [] },
    jobPhases: [],
    isolates: new Map(),
    alloc: [],
    descendants: [],
    processEnds: [],
    unreached: [],
    memoryLimit: [],
    other: [],
  };
}

function appendColumns<K extends string>(into: Record<K, number[]>, batch: Record<K, number[]>, keys: readonly K[]): void {
  for (const k of keys) {
    const dst = into[k];
    const src = batch[k];
    for (let i = 0; i < src.length; i++) dst.push(src[i]!);
  }
}

const MEM_KEYS = ['tMs', 'rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const;
export const PY_MEM_KEYS = ['tMs', 'allocatedBlocks', 'gcCount0', 'gcCount1', 'gcCount2'] as const;
const GC_KEYS = ['tMs', 'kind', 'pauseMs', 'flags', 'usedBefore', 'usedAfter', 'totalAfter', 'src'] as const;

/**
 * A GC batch into the columns. Python's `collected` / `uncollectable` columns exist once a
 * batch had them, kept aligned with the rest (0 for a batch without them).
 */
function appendGc(into: GcColumns, batch: GcBatch): void {
  const before = into.tMs.length;
  appendColumns(into, batch, GC_KEYS);
  for (const key of ['collected', 'uncollectable'] as const) {
    const src = batch[key];
    if (!src && !into[key]) continue;
    const dst = (into[key] ??= new Array<number>(before).fill(0));
    for (let i = 0; i < batch.tMs.length; i++) dst.push(src?.[i] ?? 0);
  }
}

/** Folds one record into the run's data; an agent's tagged record into its isolate's. */
export function addRecord(data: RunData, r: SampleRecord): void {
  const agentId = (r as AgentTagged).agentId;
  if (typeof agentId === 'number' && r.type !== 'process-end') {
    let isolate = data.isolates.get(agentId);
    if (!isolate) data.isolates.set(agentId, (isolate = emptyRunData()));
    addOwnRecord(isolate, r);
    return;
  }
  addOwnRecord(data, r);
}

function addOwnRecord(data: RunData, r: SampleRecord): void {
  switch (r.type) {
    case 'run':
      data.header = r;
      break;
    case 'hello':
      data.hello = r;
      break;
    case 'mem':
      appendColumns(data.mem, r as MemBatch, MEM_KEYS);
      break;
    case 'py-mem':
      appendColumns(data.pyMem, r, PY_MEM_KEYS);
      break;
    case 'gc':
      appendGc(data.gc, r as GcBatch);
      break;
    case 'proc':
      data.proc.tMs.push(r.tMs);
      data.proc.rssBytes.push(r.rssBytes);
      data.proc.cpuPercent.push(r.cpuPercent);
      data.proc.cpuMs.push(r.cpuMs);
      break;
    case 'proc-info':
      addProcInfo(data, r);
      break;
    case 'proc-tree':
      addProcTree(data, r);
      break;
    case 'proc-gone': {
      const p = currentProcess(data, r.pid);
      if (p && p.goneMs === undefined) p.goneMs = r.tMs;
      break;
    }
    case 'progress':
      data.progress = r;
      data.progressSeries.tMs.push(r.tMs);
      data.progressSeries.steps.push(r.steps);
      break;
    case 'mark':
      data.marks.push(r);
      if (r.label === 'warmup-end') data.progressAtWarmupEnd = data.progress;
      break;
    case 'latency':
      addLatency(data, r);
      break;
    case 'done':
      data.done = r;
      break;
    case 'error':
      data.error = r;
      break;
    case 'job-phase':
      data.jobPhases.push(r);
      break;
    case 'job-done':
      data.jobDone = r;
      break;
    case 'rss-hwm':
      data.rssHighWaterMark = r;
      break;
    case 'end':
      data.end = r;
      break;
    case 'child-spawn':
    case 'child-exit':
    case 'worker-start':
    case 'worker-exit':
      data.descendants.push(r);
      break;
    case 'agent-lost':
      data.lost = r;
      break;
    case 'agent-error':
      data.agentError = r;
      break;
    case 'process-end':
      data.processEnds.push(r);
      break;
    case 'unreached':
      data.unreached.push(r);
      break;
    case 'near-heap-limit':
      data.nearHeapLimit = r;
      break;
    case 'alloc-profile':
      // Each read covers the time since the previous one: the run's profile is their sum (a crash keeps every periodic one).
      data.alloc.push(r);
      break;
    case 'alloc-source-map':
      data.allocSourceMap = r;
      break;
    case 'memory-limit':
      data.memoryLimit.push(r);
      break;
    default:
      data.other.push(r);
  }
}

/** Each run's latest process per pid (pids are reused, so later ones win): a lookup, not data. */
const latestByPid = new WeakMap<RunData, Map<number, ProcessSeries>>();

function currentProcess(data: RunData, pid: number): ProcessSeries | undefined {
  return latestByPid.get(data)?.get(pid);
}

function addProcInfo(data: RunData, r: ProcInfoRecord): void {
  const known = currentProcess(data, r.pid);
  if (known && known.startTicks === r.startTicks && known.goneMs === undefined) {
    // The same process after an exec: its new name and command line.
    known.comm = r.comm;
    known.argv = r.argv;
    known.ppid = r.ppid;
    return;
  }
  const series: ProcessSeries = {
    pid: r.pid, ppid: r.ppid, comm: r.comm, argv: r.argv, startTicks: r.startTicks,
    firstSeenMs: r.tMs, lastSeenMs: r.tMs, peakRssBytes: 0, tMs: [], rssBytes: [], cpuMs: [],
  };
  data.processes.push(series);
  let byPid = latestByPid.get(data);
  if (!byPid) latestByPid.set(data, (byPid = new Map()));
  byPid.set(r.pid, series);
}

function addProcTree(data: RunData, r: ProcTreeSample): void {
  for (let i = 0; i < r.pid.length; i++) {
    const p = currentProcess(data, r.pid[i]!);
    if (!p) continue; // a proc-info always comes first; a hand-cut file may lack it
    const rss = r.rssBytes[i]!;
    p.tMs.push(r.tMs);
    p.rssBytes.push(rss);
    p.cpuMs.push(r.cpuMs[i]!);
    p.lastSeenMs = r.tMs;
    if (rss > p.peakRssBytes) p.peakRssBytes = rss;
  }
}

function addLatency(data: RunData, b: LatencyBatch): void {
  const l = data.latency;
  // A parent-side load's batches (top level) follow the program's warm-up, which its agents mark.
  const warmedUp = (d: RunData): boolean => d.marks.some((m) => m.label === 'warmup-end');
  const afterWarmup = warmedUp(data) || [...data.isolates.values()].some(warmedUp);
  for (let i = 0; i < b.idx.length; i++) {
    const k = b.idx[i]!;
    const c = b.count[i]!;
    l.whole[k] = (l.whole[k] ?? 0) + c;
    if (afterWarmup) l.afterWarmup[k] = (l.afterWarmup[k] ?? 0) + c;
  }
  l.wholeMaxMs = Math.max(l.wholeMaxMs, b.maxMs);
  if (afterWarmup) l.afterWarmupMaxMs = Math.max(l.afterWarmupMaxMs, b.maxMs);
  l.tMs.push(b.tMs);
  l.n.push(b.n);
  l.sumMs.push(b.sumMs);
  l.maxMs.push(b.maxMs);
  l.p50Ms.push(sparseQuantileMs(b.idx, b.count, b.n, 0.5));
  l.p99Ms.push(sparseQuantileMs(b.idx, b.count, b.n, 0.99));
}

/** The main-thread isolate of a process of a command's tree (its agent's data), if it reported. */
export function mainIsolateOf(data: RunData, pid: number): RunData | undefined {
  for (const isolate of data.isolates.values()) {
    if (isolate.hello?.pid === pid && isolate.hello.isMainThread !== false) return isolate;
  }
  return undefined;
}

export function findMark(data: RunData, label: MarkMessage['label']): MarkMessage | undefined {
  return data.marks.find((m) => m.label === label);
}

/**
 * Reads a run's .jsonl file back. A last line cut short by a kill is skipped, and so is
 * any line that is not JSON; their count is returned so callers can say so.
 */
export async function readRunData(path: string): Promise<{ data: RunData; badLines: number }> {
  const data = emptyRunData();
  let badLines = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let record: SampleRecord;
    try {
      record = JSON.parse(line) as SampleRecord;
    } catch {
      badLines++;
      continue;
    }
    if (record && typeof record === 'object' && typeof record.type === 'string') addRecord(data, record);
    else badLines++;
  }
  return { data, badLines };
}
