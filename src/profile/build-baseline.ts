import { aggregateRuns } from '../analyze/aggregate.js';
import type { MeasuredRun } from './measure.js';
import type { RunAnalysis } from '../analyze/run-metrics.js';
import { relativeToBaseline } from '../baseline/naming.js';
import { assembleBaseline, runRecord } from '../baseline/envelope.js';
import type { BaselineExtras } from '../baseline/sections.js';
import type { BaselineKind, BaselineOf, Environment, ParamValue, Target } from '../baseline/schema.js';

export interface BuildInput<K extends BaselineKind> {
  kind: K;
  runId: string;
  baselinePath: string;
  argv: string[];
  target: Target;
  environment: Environment;
  settings: Record<string, ParamValue | null>;
  runs: MeasuredRun<RunAnalysis>[];
  notes: string[];
  extra?: BaselineExtras[K];
}

/** The baseline document for a series of measured runs (DESIGN.md's contract). */
export function buildBaseline<K extends BaselineKind>(input: BuildInput<K>): BaselineOf<K> {
  const runs = input.runs.map(({ outcome, analysis }, index) =>
    runRecord({
      index,
      status: outcome.status,
      statusReason: outcome.statusReason,
      startedAt: new Date(outcome.startedAtMs).toISOString(),
      durationMs: analysis.window.endMs - analysis.window.startMs,
      pid: outcome.pid,
      exit: outcome.exit,
      samplesFile: relativeToBaseline(input.baselinePath, outcome.samplesPath),
      // Kept for crash reports only: a clean run's stderr is the program's business.
      stderrTail: outcome.status === 'crashed' ? outcome.stderrTail : undefined,
    }),
  );
  const first = input.runs[0]?.outcome;
  return assembleBaseline({
    kind: input.kind,
    runId: input.runId,
    startedAt: new Date(first?.startedAtMs ?? Date.now()).toISOString(),
    durationMs: runs.reduce((sum, r) => sum + r.durationMs, 0),
    argv: input.argv,
    target: input.target,
    environment: input.environment,
    settings: input.settings,
    runs,
    metrics: aggregateRuns(input.runs.map((r) => r.analysis.metrics)),
    notes: input.notes,
    extra: input.extra,
  });
}
