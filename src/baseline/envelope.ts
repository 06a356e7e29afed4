import { memkitVersion } from '../core/version.js';
import type { BaselineExtras } from './sections.js';
import {
  BASELINE_SCHEMA,
  type BaselineKind,
  type BaselineOf,
  type Environment,
  type MetricEntry,
  type ParamValue,
  type RunRecord,
  type RunStatus,
  type Target,
} from './schema.js';

/**
 * The one place a baseline document is put together, whichever command produced it:
 * the producer brings its runs, metrics and sections; the envelope (schema, status,
 * tool, command line, timestamps) and the order of its fields are the same for all.
 */

const SEVERITY: Record<RunStatus, number> = { complete: 0, interrupted: 1, crashed: 2 };

export interface EnvelopeInput<K extends BaselineKind> {
  kind: K;
  runId: string;
  /** When the first run started (ISO 8601). */
  startedAt: string;
  durationMs: number;
  /** memkit's own command line. */
  argv: string[];
  target: Target;
  environment: Environment;
  settings: Record<string, ParamValue | null>;
  runs: RunRecord[];
  metrics: Record<string, MetricEntry>;
  notes: string[];
  extra?: BaselineExtras[K];
  /** Defaults to this memkit's version. */
  toolVersion?: string;
}

/** The baseline's status is its worst run's: crashed > interrupted > complete; no run at all is interrupted. */
export function assembleBaseline<K extends BaselineKind>(x: EnvelopeInput<K>): BaselineOf<K> {
  let worst: RunRecord | undefined;
  for (const r of x.runs) if (!worst || SEVERITY[r.status] > SEVERITY[worst.status]) worst = r;
  return {
    schema: BASELINE_SCHEMA,
    kind: x.kind,
    runId: x.runId,
    status: worst?.status ?? 'interrupted',
    ...(worst?.statusReason ? { statusReason: worst.statusReason } : x.runs.length ? {} : { statusReason: 'no run was measured' }),
    createdAt: new Date().toISOString(),
    startedAt: x.startedAt,
    durationMs: x.durationMs,
    tool: { name: 'memkit', version: x.toolVersion ?? memkitVersion() },
    command: { argv: x.argv, cwd: process.cwd() },
    target: x.target,
    environment: x.environment,
    settings: x.settings,
    runs: x.runs,
    metrics: x.metrics,
    notes: x.notes,
    ...(x.extra ? { extra: x.extra } : {}),
  };
}

/** A run's record before its empty optional fields are dropped. */
export type RunRecordInput = RunRecord;

/** One run's record, its optional fields present only when they say something. */
export function runRecord(r: RunRecordInput): RunRecord {
  return {
    index: r.index,
    status: r.status,
    ...(r.statusReason ? { statusReason: r.statusReason } : {}),
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    ...(r.pid !== undefined ? { pid: r.pid } : {}),
    ...(r.exit ? { exit: r.exit } : {}),
    ...(r.samplesFile ? { samplesFile: r.samplesFile } : {}),
    ...(r.stderrTail ? { stderrTail: r.stderrTail } : {}),
  };
}

/** A metric measured once (a single run): its value is its only value. */
export function singleValueMetric(value: number, unit: MetricEntry['unit']): MetricEntry {
  return { value, values: [value], unit };
}
