import { BASELINE_SCHEMA, type Baseline, type MetricEntry, type ParamValue } from '../baseline/schema.js';
import { lookupMetric } from '../metrics/registry.js';
import { memkitVersion } from '../core/version.js';
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
  extra: Record<string, unknown>;
}

export function buildSimilarityBaseline(x: SimilarityBaselineInput): Baseline {
  const metrics: Record<string, MetricEntry> = {};
  for (const [name, value] of Object.entries(x.metrics)) {
    if (!Number.isFinite(value)) continue;
    metrics[name] = { value, values: [value], unit: lookupMetric(name)?.unit ?? 'none' };
  }
  const run = x.run;
  const startedAt = new Date(run.startedAtMs).toISOString();
  return {
    schema: BASELINE_SCHEMA,
    kind: 'similarity-build',
    runId: x.runId,
    status: run.status,
    ...(run.statusReason ? { statusReason: run.statusReason } : {}),
    createdAt: new Date().toISOString(),
    startedAt,
    durationMs: run.wallMs,
    tool: { name: 'memkit', version: memkitVersion() },
    command: { argv: x.argv, cwd: process.cwd() },
    target: { type: 'similarity', description: x.description, params: x.params },
    environment: describeEnvironment(['--expose-gc']),
    settings: x.settings,
    runs: [
      {
        index: 0,
        status: run.status,
        ...(run.statusReason ? { statusReason: run.statusReason } : {}),
        startedAt,
        durationMs: run.wallMs,
        pid: run.pid,
        exit: run.exit,
        ...(x.samplesPath ? { samplesFile: relativeToBaseline(x.baselinePath, x.samplesPath) } : {}),
        ...(run.stderrTail ? { stderrTail: run.stderrTail } : {}),
      },
    ],
    metrics,
    notes: x.notes,
    extra: x.extra,
  };
}
