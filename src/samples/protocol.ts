import type { AllocProfileRecord } from './alloc-profile.js';
/** How a measured run ended, as the parent classified it. */
export type RunStatus = 'complete' | 'interrupted' | 'crashed';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/**
 * Messages between the measured child (agent) and memkit (parent), over Node's IPC
 * channel. Batches are columnar (one array per field) to keep them compact; the parent
 * writes each one to the run's JSON-lines file exactly as received. Times are epoch
 * milliseconds (performance.timeOrigin + performance.now()) so parent and child samples
 * share one axis.
 */

/** V8's GCType bits, as Node's PerformanceObserver reports them in entry.detail.kind. */
export const GcKind = {
  Scavenge: 1,
  MinorMarkCompact: 2,
  MarkCompact: 4,
  IncrementalMarking: 8,
  ProcessWeakCallbacks: 16,
  /**
   * CPython's generations (memkit's Python agent, python/memkit_agent): not V8 bits. A
   * Python GC batch has no heap figures (-1) and carries `collected` / `uncollectable`.
   */
  PythonGen0: 256,
  PythonGen1: 512,
  PythonGen2: 1024,
} as const;

/** The runtime an agent measures (absent: Node, the only one older agents knew). */
export type AgentRuntime = 'node' | 'python';

/** Where a GC came from: the program itself, or a checkpoint memkit forced. */
export const GcSource = { Program: 0, Checkpoint: 1 } as const;

/** Agent configuration, passed in the MEMKIT_AGENT environment variable as JSON. */
export interface AgentConfig {
  /** 'scenario': run a scenario's loop; 'preload': observe a user's program. */
  mode: 'scenario' | 'preload';
  intervalMs: number;
  /** No instrumentation at all: the overhead benchmark's reference. */
  bare?: boolean;
  scenario?: {
    file: string;
    variant: string;
    params: Record<string, string | number | boolean>;
  };
  /** Stop the step loop after this long (measured from the start checkpoint). */
  durationMs?: number;
  /** Stop the step loop after this many steps. */
  maxSteps?: number;
  /** Step counts at which the agent pauses and asks the parent (0 = after setup). */
  checkpoints?: number[];
  /** Open loop: start steps at this rate (per second) instead of back to back. */
  ratePerSec?: number;
  /** Record each step's latency into histogram batches (mem-stress). */
  recordLatency?: boolean;
  /** Warm-up: the first this-many milliseconds / steps of the window (whichever ends later). */
  warmupMs?: number;
  warmupSteps?: number;
  /** Force a GC checkpoint (live-heap reading for the leak verdict) this often. */
  gcCheckpointEveryMs?: number;
  /**
   * Checkpoints collect twice before reading: after one full GC, V8 still counts the
   * external memory (Buffers) of objects it just freed; the second GC settles it.
   */
  settledCheckpoints?: boolean;
  /** --alloc-sites: sample allocation sites with V8's sampling heap profiler (agent/alloc-sampler.ts). */
  allocSites?: AllocSitesConfig;
  /** Python: GC settings the agent applies (gc-profile --sweep; python/memkit_agent/tuning.py). */
  pythonGc?: PythonGcSettings;
}

/** A Python program's collector as a sweep sets it, never by editing the program. */
export interface PythonGcSettings {
  /** gc.set_threshold(...) before the program's first line. */
  threshold?: number[];
  /** gc.freeze() at the program's first line (after interpreter start-up, site and sitecustomize). */
  freeze?: boolean;
}

export interface AllocSitesConfig {
  /** One sample per this many bytes allocated, on average (V8's default 512 KiB). */
  intervalBytes: number;
  /** Read the profile this often besides at the end, so a crash keeps what was allocating. */
  everyMs: number;
  /**
   * Turn V8's inlining off in the isolate (--alloc-no-inline): V8 gives an inlined callee's
   * allocations to its caller. Set at run time, before the program's functions are optimised.
   */
  noInline?: boolean;
}

export interface HelloMessage {
  type: 'hello';
  pid: number;
  tMs: number;
  /** 'python': memkit's Python agent; `node` and `v8` are then empty and heapSizeLimitBytes 0. */
  runtime?: AgentRuntime;
  /** The Python agent: the interpreter's version (3.11.7) and implementation (cpython). */
  python?: string;
  pythonImplementation?: string;
  /** The Python agent: gc.get_threshold() when it started. */
  gcThresholds?: number[];
  node: string;
  v8: string;
  execArgv: string[];
  heapSizeLimitBytes: number;
  /** process.constrainedMemory(), or null when there is no limit. */
  constrainedMemoryBytes: number | null;
  mode: AgentConfig['mode'];
  /** Where the agent's per-GC heap figures come from (absent from older agents). */
  gcHeapSource?: GcHeapSource;
  /**
   * Who this agent is in a command's process tree (absent from a scenario child and from
   * older agents). One agent runs in every Node process and worker thread of a command,
   * each on its own connection; the parent tags its records with `agentId`.
   */
  ppid?: number;
  threadId?: number;
  isMainThread?: boolean;
  /** The V8 isolate's address as --trace-gc prints it (`[pid:0x…]`), from the gc-hooks addon. */
  isolate?: string;
  /** Field 22 of /proc/self/stat: with the pid, names one process across pid reuse. */
  startTicks?: number;
  role?: AgentRole;
  argv?: string[];
  /** cluster.worker.id, for a cluster worker. */
  clusterWorkerId?: number;
}

/** The hello's fields that place an agent in a command's process tree. */
export type AgentIdentity = Pick<HelloMessage, 'ppid' | 'threadId' | 'isMainThread' | 'isolate' | 'startTicks' | 'role' | 'argv' | 'clusterWorkerId'>;

/**
 * What an agent knows of its own process: a worker thread, a cluster worker, a child with
 * an IPC channel (fork), or a process started without one (the root, or a child through a
 * shell or spawn). The parent names the root 'main'.
 */
export type AgentRole = 'process' | 'fork' | 'cluster-worker' | 'worker-thread';

/** gc-hooks: memkit's native addon; gc-profiler: v8.GCProfiler (costlier); none: no byte figures. */
export type GcHeapSource = 'gc-hooks' | 'gc-profiler' | 'none';

export interface MemBatch {
  type: 'mem';
  tMs: number[];
  rss: number[];
  heapUsed: number[];
  heapTotal: number[];
  external: number[];
  arrayBuffers: number[];
}

export interface GcBatch {
  type: 'gc';
  /** Start of each GC. */
  tMs: number[];
  kind: number[];
  pauseMs: number[];
  flags: number[];
  /** V8 heap used right before and after the GC; -1 where not known. */
  usedBefore: number[];
  usedAfter: number[];
  totalAfter: number[];
  src: number[];
  /** Python only: what each collection freed (gc.callbacks' `collected`) and found uncollectable. */
  collected?: number[];
  uncollectable?: number[];
}

/**
 * The Python agent's own memory figures over time (python/memkit_agent/pymem.py), read as a
 * collection starts, at most once per interval, and at the program's end:
 * sys.getallocatedblocks() (pymalloc blocks in use: a count, not bytes) and gc.get_count().
 */
export interface PyMemBatch {
  type: 'py-mem';
  tMs: number[];
  allocatedBlocks: number[];
  gcCount0: number[];
  gcCount1: number[];
  gcCount2: number[];
  /** When each was read: 0 as a program's collection starts, 1 at a mem-stress checkpoint (before memkit's collection), 2 at the end. */
  at?: number[];
}

/** Cumulative counters, latest gauges and phase totals, sent with every flush. */
export interface ProgressMessage {
  type: 'progress';
  tMs: number;
  steps: number;
  counters: Record<string, number>;
  gauges: Record<string, number>;
  phases: Record<string, { count: number; totalMs: number }>;
}

/**
 * Points in the run: the measured window's edges, the end of warm-up, and periodic
 * forced-GC checkpoints (each with the live heap right after memkit's forced GC).
 */
export interface MarkMessage {
  type: 'mark';
  /** program-start: a user's command compiled its first CommonJS module (its own code begins). */
  label: 'setup-done' | 'measure-start' | 'measure-end' | 'warmup-end' | 'gc-checkpoint' | 'program-start';
  tMs: number;
  steps: number;
  /** Live heap right after memkit's forced GC at this point (absent for setup-done). */
  heapUsedAfterGcBytes?: number;
  /** External memory (Buffers, ArrayBuffers) right after that GC: leaks hide there too. */
  externalAfterGcBytes?: number;
  /**
   * The child's own RSS reading at this point (after memkit's GC; at measure-end before
   * it). The window's RSS growth is taken between these rather than between the outside
   * samples nearest the edges: a run's first ~20 ms commit several MB (young generation,
   * compiled code), and whether the first 100 ms outside sample fell before or after that
   * made RSS growth of the same code swing between 0 and 14 MB.
   */
  rssBytes?: number;
  /**
   * The Python agent's checkpoints: which live figure heapUsedAfterGcBytes holds (there is
   * no V8 heap): tracemalloc's traced bytes when the program traces, else the process's RSS
   * right after gc.collect() (python/memkit_agent/checkpoints.py says why); 'none' (and no
   * heapUsedAfterGcBytes) where there is neither, so the verdict can say it was not measured.
   */
  liveSource?: PythonLiveSource;
  /** The Python agent's checkpoints: sys.getallocatedblocks() after the collection (a count, not bytes). */
  pythonAllocatedBlocks?: number;
}

export type PythonLiveSource = 'tracemalloc' | 'rss' | 'none';

/**
 * Step latencies since the previous batch, counted into log-linear buckets
 * (src/analyze/log-buckets.ts; indices of nanosecond values), sent sparsely. In open loop
 * (--rate) a latency runs from the step's intended start, so a stall is not hidden.
 */
export interface LatencyBatch {
  type: 'latency';
  tMs: number;
  idx: number[];
  count: number[];
  /** Exact figures of the batch, which buckets would round. */
  n: number;
  sumMs: number;
  maxMs: number;
}

export interface CheckpointMessage {
  type: 'checkpoint';
  index: number;
  steps: number;
  tMs: number;
}

export interface HeapSnapshotDoneMessage {
  type: 'heap-snapshot-done';
  path: string;
  bytes: number;
  durationMs: number;
  /** A command's agent could not take it (no file was written): why. */
  error?: string;
}

/**
 * V8 called its NearHeapLimitCallback: the isolate's heap is about to hit its limit. The
 * gc-hooks addon writes this line straight to the agent's socket from inside that callback
 * (no JavaScript can run there), so it reaches memkit even when the process dies of the
 * out-of-heap abort right after. Once per isolate: the callback then raises the limit by
 * `raisedByBytes`, so the program has a few MB to run its timers and flush its batches.
 */
export interface NearHeapLimitMessage {
  type: 'near-heap-limit';
  pid: number;
  /** uv_hrtime at the callback, as epoch ms (approximate: the addon has no JS clock). */
  tMs: number;
  /** The limit V8 was about to hit, and the one the isolate started with. */
  limitBytes: number;
  initialLimitBytes: number;
  /** V8 heap in use when it called (after its last-resort GCs). */
  usedHeapBytes: number;
  /** The new limit the callback returned (limitBytes when it did not raise it). */
  raisedLimitBytes: number;
  /** The heap's largest spaces then, by used bytes (old_space, large_object_space, …). */
  spaces?: Record<string, number>;
  /**
   * The snapshot the callback went on to write (the heap was small enough): its end comes
   * as a `heap-snapshot-done` for this path, unless the process died during it.
   */
  snapshotPath?: string;
}

export interface DoneMessage {
  type: 'done';
  tMs: number;
  steps: number;
  /** 'exec': a Python process exec'd; the next hello under its pid is the new program's (python/memkit_agent/fork.py). */
  reason: 'duration' | 'steps' | 'stopped' | 'exit' | 'exec';
  /** GC events the two observation sources disagreed on (expected 0). */
  gcDesync: number;
  /** A command's process: its exit code as the 'exit' event saw it. */
  exitCode?: number;
  /** Messages the agent could not send (its connection was gone or full). */
  lostMessages?: number;
}

export interface ErrorMessage {
  type: 'error';
  /** Where it threw: a scenario's function, memkit's agent, or a job child's computation. */
  phase: 'load' | 'setup' | 'step' | 'teardown' | 'agent' | 'job' | 'uncaught';
  /** phase 'uncaught': 'uncaughtException' or 'unhandledRejection'. */
  origin?: string;
  message: string;
  stack?: string;
  /** true when the cause is the user's input (bad scenario file, unreadable input), not a crash. */
  usage?: boolean;
}

/**
 * One sampling tick's batches in a single IPC message: one JSON encoding and one write
 * to the channel per tick instead of up to four. The parent records each batch on its
 * own, so the run's JSON-lines file never holds a bundle.
 */
export interface TickBundle {
  type: 'tick';
  batches: Array<MemBatch | GcBatch | ProgressMessage | LatencyBatch>;
}

/**
 * A Node process's agent watching its own direct children and worker threads start and end
 * (diagnostics_channel): how a descendant ended is known even when its own agent could say
 * nothing (an OOM, a SIGKILL), and a descendant that never said hello is noticed.
 */
export interface ChildSpawnMessage {
  type: 'child-spawn';
  tMs: number;
  pid: number;
  file: string;
  argv: string[];
}

export interface ChildExitMessage {
  type: 'child-exit';
  tMs: number;
  pid: number;
  code: number | null;
  signal: string | null;
}

export interface WorkerStartMessage {
  type: 'worker-start';
  tMs: number;
  threadId: number;
}

export interface WorkerExitMessage {
  type: 'worker-exit';
  tMs: number;
  threadId: number;
  code: number;
  /** The error the worker ended with (ERR_WORKER_OUT_OF_MEMORY for its resourceLimits). */
  errorCode?: string;
  errorMessage?: string;
}

/** An agent that could not start (it says so on a fresh connection, then stays out of the way). */
export interface AgentErrorMessage {
  type: 'agent-error';
  tMs: number;
  pid: number;
  threadId: number;
  message: string;
}

export type DescendantMessage = ChildSpawnMessage | ChildExitMessage | WorkerStartMessage | WorkerExitMessage;

export type ChildMessage =
  | HelloMessage
  | DescendantMessage
  | AgentErrorMessage
  | TickBundle
  | MemBatch
  | PyMemBatch
  | GcBatch
  | ProgressMessage
  | LatencyBatch
  | MarkMessage
  | CheckpointMessage
  | HeapSnapshotDoneMessage
  | NearHeapLimitMessage
  | DoneMessage
  | ErrorMessage
  | AllocProfileRecord;

export type ParentMessage =
  /** The run is over: memkit closes the connection on purpose (the process may go on). */
  | { type: 'detach' }
  | { type: 'stop' }
  | { type: 'resume' }
  | { type: 'heap-snapshot'; path: string }
  /** A command's agent: send the batches collected so far now (memkit sees the tree near --memory-limit). */
  | { type: 'flush' }
  /**
   * A command's agent: where the near-heap-limit callback writes a snapshot, if the heap is
   * then at most `maxHeapBytes` (sent after its hello: the file is named after the process).
   */
  | { type: 'near-limit-snapshot'; path: string; maxHeapBytes: number };

export const AGENT_ENV = 'MEMKIT_AGENT';
/** The per-run Unix socket every agent of a command's tree connects to. */
export const CHANNEL_ENV = 'MEMKIT_CHANNEL';

/**
 * A job child: a computation memkit runs measured that is not a scenario (similarity-build's
 * top-K). It has no step loop and no agent inside; the parent samples it from outside like
 * any other child. Its own records carry `job-` types so they never collide with the
 * agent's (`progress`, `done`).
 */

/** A phase of the job ended; the phase's own figures ride along (typed by the job). */
export interface JobPhaseMessage {
  type: 'job-phase';
  phase: string;
  tMs: number;
}

/** Work done so far, for the command's progress line; never written to the samples file. */
export interface JobProgressMessage {
  type: 'job-progress';
  done: number;
  total: number;
}

/**
 * The job's last word. The child then waits for `exit`, so the parent can read the kernel's
 * high-water mark of its RSS while the process still exists.
 */
export interface JobDoneMessage {
  type: 'job-done';
  tMs: number;
}

export type JobChildMessage = JobPhaseMessage | JobProgressMessage | JobDoneMessage | ErrorMessage;

export type JobParentMessage<Job> = { type: 'job'; job: Job } | { type: 'exit' };
