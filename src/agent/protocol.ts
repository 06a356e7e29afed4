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
} as const;

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
}

export interface HelloMessage {
  type: 'hello';
  pid: number;
  tMs: number;
  node: string;
  v8: string;
  execArgv: string[];
  heapSizeLimitBytes: number;
  /** process.constrainedMemory(), or null when there is no limit. */
  constrainedMemoryBytes: number | null;
  mode: AgentConfig['mode'];
}

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

/** The measured window's edges: a forced GC checkpoint's live heap, then the clock. */
export interface MarkMessage {
  type: 'mark';
  label: 'setup-done' | 'measure-start' | 'measure-end';
  tMs: number;
  steps: number;
  /** Live heap right after memkit's forced GC at this point (absent for setup-done). */
  heapUsedAfterGcBytes?: number;
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
}

export interface DoneMessage {
  type: 'done';
  tMs: number;
  steps: number;
  reason: 'duration' | 'steps' | 'stopped' | 'exit';
  /** GC events the two observation sources disagreed on (expected 0). */
  gcDesync: number;
}

export interface ErrorMessage {
  type: 'error';
  phase: 'load' | 'setup' | 'step' | 'teardown' | 'agent';
  message: string;
  stack?: string;
  /** true when the cause is the user's input (bad scenario file), not a crash. */
  usage?: boolean;
}

export type ChildMessage =
  | HelloMessage
  | MemBatch
  | GcBatch
  | ProgressMessage
  | MarkMessage
  | CheckpointMessage
  | HeapSnapshotDoneMessage
  | DoneMessage
  | ErrorMessage;

export type ParentMessage =
  | { type: 'stop' }
  | { type: 'resume' }
  | { type: 'heap-snapshot'; path: string };

export const AGENT_ENV = 'MEMKIT_AGENT';
