import type { MetricEntry } from '../baseline/schema.js';
import type { StressRunSection } from '../baseline/sections.js';
import { evaluateAssertions, type Assertion, type AssertionResult } from '../analyze/assertions.js';
import { judgeLeak, type LeakVerdict, type LeakVerdictKind } from '../analyze/leak-verdict.js';
import { analyzeStressRun, programLivePoints, type StressAnalysis } from '../analyze/stress-analysis.js';
import { measureSession, type SessionResult, type SessionSettings } from './baseline-session.js';
import type { MeasuredRun } from './measure.js';
import type { ProgressSink } from './session.js';
import { gcRunExtra } from './run-extra.js';
import { httpLoadMetrics } from '../load/load-metrics.js';
import { loadDriver, type LoadPlan } from './load-driver.js';

export interface MemStressSettings extends SessionSettings {
  ratePerSec?: number;
  warmupMs?: number;
  warmupSteps?: number;
  gcCheckpointEveryMs: number;
  /** Rewrite a partial baseline this often while running. */
  saveEveryMs: number;
  /** Plain progress lines (non-TTY) at most this often; default run/20 within 5..60 s. */
  progressEveryMs?: number;
  assertions: Assertion[];
  minLeakBytes?: number;
  /** A service's load (--http, --load): run beside the program for the window. */
  load?: LoadPlan;
}

export interface MemStressResult extends SessionResult<'mem-stress', StressAnalysis> {
  assertions: AssertionResult[];
  leak: { verdict: LeakVerdictKind; reason: string };
}

/**
 * mem-stress: drive a scenario's step for a number of signals and/or a duration, closed
 * or open loop, or run a user's command for a duration, `repeat` times; analyse each run
 * as a soak test; keep a partial baseline on disk while it runs, so even a SIGKILL of
 * memkit leaves something `diff` can read. A command's agents take the forced-GC
 * checkpoints inside each of its Node processes and worker threads (the same settings
 * reach them: profile/target.ts), and the verdict is the program's and each process's.
 */
export async function stressScenario(s: MemStressSettings, progress?: ProgressSink): Promise<MemStressResult> {
  let verdictSoFar = '';
  const result = await measureSession(
    s,
    {
      kind: 'mem-stress',
      settings: {
        durationMs: s.durationMs ?? null,
        signals: s.maxSteps ?? null,
        ratePerSec: s.ratePerSec ?? null,
        warmupMs: s.warmupMs ?? null,
        warmupSteps: s.warmupSteps ?? null,
        gcCheckpointEveryMs: s.gcCheckpointEveryMs,
        intervalMs: s.intervalMs,
        repeat: s.repeat,
        timeoutMs: s.timeoutMs ?? null,
        ...(s.load?.http ? { httpConnections: s.load.http.connections, httpTimeoutMs: s.load.http.timeoutMs, httpRequests: s.load.http.requests.length } : {}),
        ...(s.load?.command !== undefined ? { loadCommand: s.load.command } : {}),
      },
      agent: {
        intervalMs: s.intervalMs,
        durationMs: s.durationMs,
        maxSteps: s.maxSteps,
        ratePerSec: s.ratePerSec,
        recordLatency: true,
        warmupMs: s.warmupMs,
        warmupSteps: s.warmupSteps,
        gcCheckpointEveryMs: s.gcCheckpointEveryMs,
        settledCheckpoints: true,
        allocSites: s.allocSites,
      },
      analyze: (data, measured) => {
        const a = analyzeStressRun(data, { phaseOrder: measured.definition?.phases, minLeakBytes: s.minLeakBytes, cwd: process.cwd() });
        return s.load?.http ? { ...a, metrics: httpLoadMetrics(a.metrics, data, a.steady.startMs) } : a;
      },
      beside: s.load ? loadDriver(s.load) : undefined,
      status: (record, data) => {
        if (record.type === 'mark' && (record.label === 'gc-checkpoint' || record.label === 'warmup-end')) {
          const v = judgeLeak(programLivePoints(data).points, undefined, { minEffectBytes: s.minLeakBytes });
          verdictSoFar = `verdict so far: ${v.verdict}`;
        }
        return verdictSoFar;
      },
      notes: (runs) => rateNotes(s, runs),
      extra: (runs, metrics) => {
        const { leak, assertions } = verdicts(s, runs, metrics);
        return {
          runs: runs.map((r) => ({ ...gcRunExtra(r), ...stressExtra(r.analysis) })),
          leak,
          ...(s.assertions.length ? { assertions } : {}),
        };
      },
      saveEveryMs: s.saveEveryMs,
      rowLeak: { minLeakBytes: s.minLeakBytes },
    },
    progress,
  );
  return { ...result, ...verdicts(s, result.runs, result.baseline.metrics) };
}

/** How often a non-TTY progress line is written: --progress-every, else run/20 within 5..60 s. */
export function plainProgressEveryMs(s: Pick<MemStressSettings, 'progressEveryMs' | 'durationMs'>): number {
  if (s.progressEveryMs !== undefined) return s.progressEveryMs;
  const expected = s.durationMs ?? 600_000;
  return Math.max(5_000, Math.min(60_000, expected / 20));
}

function verdicts(s: MemStressSettings, runs: MeasuredRun<StressAnalysis>[], metrics: Record<string, MetricEntry>) {
  return { leak: overallLeak(runs.map((r) => r.analysis.leak)), assertions: evaluateAssertions(s.assertions, metrics) };
}

function rateNotes(s: MemStressSettings, runs: MeasuredRun<StressAnalysis>[]): string[] {
  const achieved = runs.map((r) => r.analysis.metrics['ops.rate_per_s']).filter((x): x is number => x !== undefined);
  if (!s.ratePerSec || !achieved.length || Math.min(...achieved) >= 0.95 * s.ratePerSec) return [];
  return [
    `the program did not keep up with --rate ${s.ratePerSec}/s (it completed ${Math.round(Math.min(...achieved))}/s): ` +
      'latencies include the queueing this caused',
  ];
}

function stressExtra(a: StressAnalysis): StressRunSection {
  return {
    leak: a.leak,
    ...(a.latency ? { latency: a.latency } : {}),
    ...(a.phases ? { phases: a.phases } : {}),
    warmup: { endMs: a.steady.startMs, steps: a.steadySteps === undefined ? null : (a.steps ?? 0) - a.steadySteps },
  };
}

/** Across repeated runs: any leak is a leak; "no leak" only when every run says so. */
export function overallLeak(verdicts: LeakVerdict[]): { verdict: LeakVerdictKind; reason: string } {
  if (verdicts.length === 0) return { verdict: 'inconclusive', reason: 'no run was measured' };
  const leak = verdicts.find((v) => v.verdict === 'leak');
  if (leak) return { verdict: 'leak', reason: leak.reason };
  if (verdicts.every((v) => v.verdict === 'no leak')) return { verdict: 'no leak', reason: verdicts[0]!.reason };
  return { verdict: 'inconclusive', reason: verdicts.find((v) => v.verdict === 'inconclusive')!.reason };
}
