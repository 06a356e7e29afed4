import type { BaselineOf, MetricEntry, ParamValue } from '../baseline/schema.js';
import type { SimilarityBuildExtra } from '../baseline/sections.js';
import { assembleBaseline, runRecord, singleValueMetric } from '../baseline/envelope.js';
import { lookupMetric } from '../metrics/registry.js';
import { relativeToBaseline } from '../baseline/naming.js';
import { describeEnvironment } from '../baseline/environment.js';
import type { SimilarityRun } from './job-run.js';

/**
 * The memkit.baseline/1 document of a similarity-build run (kind "similarity-build"), so
 * `memkit diff` can compare runs: the measured peak, the prediction, times and rates.
 */

export interface SimilarityBaselineInput {
  argv: string[];
  runId: string;
  description: string;
  params: Record<string, ParamValue>;
  settings: Record<string, ParamValue | null>;
  run: SimilarityRun;
  baselinePath: string;
  samplesPath?: string;
  metrics: Record<string, number>;
  notes: string[];
  extra: SimilarityBuildExtra;
}

export function buildSimilarityBaseline(x: SimilarityBaselineInput): BaselineOf<'similarity-build'> {
  const metrics: Record<string, MetricEntry> = {};
  for (const [name, value] of Object.entries(x.metrics)) {
    if (!Number.isFinite(value)) continue;
    metrics[name] = singleValueMetric(value, lookupMetric(name)?.unit ?? 'none');
  }
  const run = x.run;
  const startedAt = new Date(run.startedAtMs).toISOString();
  return assembleBaseline({
    kind: 'similarity-build',
    runId: x.runId,
    startedAt,
    durationMs: run.wallMs,
    argv: x.argv,
    target: { type: 'similarity', description: x.description, params: x.params },
    environment: describeEnvironment(['--expose-gc']),
    settings: x.settings,
    runs: [
      runRecord({
        index: 0,
        status: run.status,
        statusReason: run.statusReason,
        startedAt,
        durationMs: run.wallMs,
        pid: run.pid,
        exit: run.exit,
        samplesFile: x.samplesPath ? relativeToBaseline(x.baselinePath, x.samplesPath) : undefined,
        stderrTail: run.stderrTail,
      }),
    ],
    metrics,
    notes: x.notes,
    extra: x.extra,
  });
}
