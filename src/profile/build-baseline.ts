import { aggregateRuns } from '../analyze/aggregate.js';
import type { MeasuredRun } from './measure.js';
import type { RunAnalysis } from '../analyze/run-metrics.js';
import { memkitVersion } from '../core/version.js';
import { relativeToBaseline } from '../baseline/naming.js';
import {
  BASELINE_SCHEMA,
  type Baseline,
  type BaselineKind,
  type Environment,
  type ParamValue,
  type RunRecord,
  type RunStatus,
  type Target,
} from '../baseline/schema.js';

const SEVERITY: Record<RunStatus, number> = { complete: 0, interrupted: 1, crashed: 2 };

export interface BuildInput {
  kind: BaselineKind;
  runId: string;
  baselinePath: string;
  argv: string[];
  target: Target;
  environment: Environment;
  settings: Record<string, ParamValue | null>;
  runs: MeasuredRun<RunAnalysis>[];
  notes: string[];
  extra?: Record<string, unknown>;
}

/** The baseline document for a series of measured runs (DESIGN.md's contract). */
export function buildBaseline(input: BuildInput): Baseline {
  const records: RunRecord[] = input.runs.map(({ outcome, analysis }, index) => ({
    index,
    status: outcome.status,
    ...(outcome.statusReason ? { statusReason: outcome.statusReason } : {}),
    startedAt: new Date(outcome.startedAtMs).toISOString(),
    durationMs: analysis.window.endMs - analysis.window.startMs,
    pid: outcome.pid,
    exit: outcome.exit,
    samplesFile: relativeToBaseline(input.baselinePath, outcome.samplesPath),
    ...(outcome.status === 'crashed' && outcome.stderrTail ? { stderrTail: outcome.stderrTail } : {}),
  }));
  let worst: RunRecord | undefined;
  for (const r of records) if (!worst || SEVERITY[r.status] > SEVERITY[worst.status]) worst = r;
  const first = input.runs[0]?.outcome;
  return {
    schema: BASELINE_SCHEMA,
    kind: input.kind,
    runId: input.runId,
    status: worst?.status ?? 'interrupted',
    ...(worst?.statusReason ? { statusReason: worst.statusReason } : records.length ? {} : { statusReason: 'no run was measured' }),
    createdAt: new Date().toISOString(),
    startedAt: new Date(first?.startedAtMs ?? Date.now()).toISOString(),
    durationMs: records.reduce((sum, r) => sum + r.durationMs, 0),
    tool: { name: 'memkit', version: memkitVersion() },
    command: { argv: input.argv, cwd: process.cwd() },
    target: input.target,
    environment: input.environment,
    settings: input.settings,
    runs: records,
    metrics: aggregateRuns(input.runs.map((r) => r.analysis.metrics)),
    notes: input.notes,
    ...(input.extra ? { extra: input.extra } : {}),
  };
}
