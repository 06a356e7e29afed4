import type { Unit } from '../metrics/registry.js';
import type { ExitInfo, RunStatus } from '../samples/protocol.js';
import type { BaselineExtras } from './sections.js';

// How a run ended is the samples' own record; the baseline keeps it as it is.
export type { ExitInfo, RunStatus };

/**
 * The baseline file (DESIGN.md): one versioned JSON document per command run, holding
 * what ran, where, how it ended and a flat map of named metrics. `baseline/io.ts` is the
 * only place that reads or writes it; `baseline/validate.ts` checks it on every read.
 */

export const BASELINE_SCHEMA = 'memkit.baseline/1';


/** What produced the file; `diff` refuses to compare different kinds. */
export type BaselineKind = 'gc-profile' | 'mem-stress' | 'heap-summary' | 'similarity-build';
export const BASELINE_KINDS: readonly BaselineKind[] = ['gc-profile', 'mem-stress', 'heap-summary', 'similarity-build'];

export type ParamValue = string | number | boolean;

export interface MetricEntry {
  /** The value to show: the median of `values`. */
  value: number;
  /** One value per measured run (`--repeat N` gives N); `diff` tests significance on these. */
  values: number[];
  unit: Unit;
}

export type Target =
  | {
      type: 'scenario';
      scenario: string;
      /** The module that defined it: a built-in's path or the user's file. */
      file: string;
      builtin: boolean;
      variant: string;
      params: Record<string, ParamValue>;
    }
  | {
      type: 'command';
      argv: string[];
      /** true when memkit's agent was preloaded (a Node program); false: RSS/CPU only. */
      instrumented: boolean;
    }
  | { type: 'snapshot'; files: string[] }
  | { type: 'similarity'; description: string; params: Record<string, ParamValue> };

export interface Environment {
  /** The measured program's runtime (absent: Node). For 'python', node and v8 are empty: no Node ran it. */
  runtime?: 'node' | 'python';
  /** The Python interpreter's version (3.11.7), for a Python program. */
  python?: string;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  hostname: string;
  /** Flags the measured child ran with (--expose-gc, every --node-arg), in order. */
  nodeFlags: string[];
  /** Where the agent's per-GC heap figures came from (see agent/gc-recorder.ts). */
  gcHeapSource?: 'gc-hooks' | 'gc-profiler' | 'none';
}

/** One measured run; a baseline from `--repeat N` has N of them. */
export interface RunRecord {
  index: number;
  status: RunStatus;
  /** One line, e.g. "child ran out of V8 heap (heap limit 64 MB)". */
  statusReason?: string;
  startedAt: string;
  durationMs: number;
  pid?: number;
  exit?: ExitInfo;
  /** JSON-lines file with every raw sample and event, relative to the baseline's folder. */
  samplesFile?: string;
  /** The last lines the child wrote to stderr, kept for crash reports. */
  stderrTail?: string;
}

/** What every baseline has, whatever its kind. */
export interface BaselineEnvelope {
  schema: typeof BASELINE_SCHEMA;
  runId: string;
  /** The worst of the runs' statuses: crashed > interrupted > complete. */
  status: RunStatus;
  statusReason?: string;
  createdAt: string;
  startedAt: string;
  durationMs: number;
  tool: { name: 'memkit'; version: string };
  command: { argv: string[]; cwd: string };
  target: Target;
  environment: Environment;
  /** The options that shaped the measurement (duration, interval, repeat, ...). */
  settings: Record<string, ParamValue | null>;
  runs: RunRecord[];
  metrics: Record<string, MetricEntry>;
  /** Plain-language remarks the report repeats, e.g. "non-Node command: RSS and CPU only". */
  notes: string[];
}

/** A baseline of one kind, with that kind's command sections (baseline/sections.ts). */
export type BaselineOf<K extends BaselineKind> = BaselineEnvelope & {
  kind: K;
  extra?: BaselineExtras[K];
};

/** Any baseline: a union on `kind`, so `extra` is typed once the kind is known. */
export type Baseline = { [K in BaselineKind]: BaselineOf<K> }[BaselineKind];
