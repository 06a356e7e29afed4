import type { Baseline, ParamValue } from '../baseline/schema.js';
import { buildBaseline } from './build-baseline.js';
import { ensureParentDir, writeBaseline } from '../baseline/io.js';
import { defaultBaselinePath, samplesPathFor, timestamp } from '../baseline/naming.js';
import { UsageError } from '../core/errors.js';
import { Progress } from '../cli/progress.js';
import { evaluateAssertions, type Assertion, type AssertionResult } from '../analyze/assertions.js';
import type { LeakVerdict, LeakVerdictKind } from '../analyze/leak-verdict.js';
import { judgeLeak } from '../analyze/leak-verdict.js';
import { analyzeStressRun, livePointsAfterWarmup, type StressAnalysis } from '../analyze/stress-analysis.js';
import { describeEnvironment, gcHeapSourceNote } from '../baseline/environment.js';
import { InterruptGuard, type InterruptSignal } from '../run/interrupts.js';
import { measureRuns, type MeasuredRun } from './measure.js';
import type { RunControl, RunOutcome, RunSpec } from '../run/runner.js';
import type { PrometheusSettings } from '../prometheus/cli-options.js';
import type { MetricsExporter } from '../prometheus/exporter.js';
import { gcRunExtra } from './run-extra.js';
import { liveProgressText, plainProgressLine } from './progress-text.js';
import { resolveTarget, type TargetOptions } from './target.js';

export interface MemStressSettings {
  target: TargetOptions;
  durationMs?: number;
  maxSteps?: number;
  ratePerSec?: number;
  warmupMs?: number;
  warmupSteps?: number;
  gcCheckpointEveryMs: number;
  intervalMs: number;
  repeat: number;
  nodeArgs: string[];
  timeoutMs?: number;
  outPath?: string;
  /** Rewrite a partial baseline this often while running. */
  saveEveryMs: number;
  /** Plain progress lines (non-TTY) at most this often; default run/20 within 5..60 s. */
  progressEveryMs?: number;
  assertions: Assertion[];
  minLeakBytes?: number;
  argv: string[];
  progress: boolean;
  /** --prometheus: serve live metrics of the runs on /metrics. */
  prometheus?: PrometheusSettings;
}

export interface StressRunExtra {
  leak: LeakVerdict;
  latency?: StressAnalysis['latency'];
  phases?: StressAnalysis['phases'];
  warmup: { endMs: number | null; steps: number | null };
}

export interface MemStressResult {
  baseline: Baseline;
  baselinePath: string;
  runs: MeasuredRun<StressAnalysis>[];
  assertions: AssertionResult[];
  leak: { verdict: LeakVerdictKind; reason: string };
  interrupted?: InterruptSignal;
  /** Still serving: the command closes it (finishExporter) once the baseline is written. */
  exporter?: MetricsExporter;
}

/**
 * mem-stress: drive a scenario's step for a number of signals and/or a duration, closed
 * or open loop, `repeat` times; analyse each run as a soak test; keep a partial baseline
 * on disk while it runs, so even a SIGKILL of memkit leaves something `diff` can read.
 */
export async function stressScenario(s: MemStressSettings): Promise<MemStressResult> {
  if (s.target.command.length > 0) {
    throw new UsageError('mem-stress drives a scenario\'s step(); to measure your own program use `memkit gc-profile -- node app.js`');
  }
  const resolved = await resolveTarget(s.target);
  const started = new Date();
  const baselinePath = s.outPath ?? defaultBaselinePath('mem-stress', resolved.label, started);
  ensureParentDir(baselinePath);
  const runId = `mem-stress-${resolved.label}-${timestamp(started)}`;
  const settings: Record<string, ParamValue | null> = {
    durationMs: s.durationMs ?? null,
    signals: s.maxSteps ?? null,
    ratePerSec: s.ratePerSec ?? null,
    warmupMs: s.warmupMs ?? null,
    warmupSteps: s.warmupSteps ?? null,
    gcCheckpointEveryMs: s.gcCheckpointEveryMs,
    intervalMs: s.intervalMs,
    repeat: s.repeat,
    timeoutMs: s.timeoutMs ?? null,
  };
  const phaseOrder = resolved.definition?.phases;
  const analyze = (data: RunOutcome['data']) => analyzeStressRun(data, { phaseOrder, minLeakBytes: s.minLeakBytes });
  const nodeFlags = ['--expose-gc', ...s.nodeArgs];

  const build = (runs: MeasuredRun<StressAnalysis>[], partial: boolean): { baseline: Baseline; assertions: AssertionResult[]; leak: { verdict: LeakVerdictKind; reason: string } } => {
    const leak = overallLeak(runs.map((r) => r.analysis.leak));
    const notes = partial ? ['partial: written while the run was still going (memkit stopped before it ended)'] : [];
    const sourceNote = gcHeapSourceNote(runs[0]?.outcome.data.hello);
    if (sourceNote) notes.push(sourceNote);
    const achieved = runs.map((r) => r.analysis.metrics['ops.rate_per_s']).filter((x): x is number => x !== undefined);
    if (s.ratePerSec && achieved.length && Math.min(...achieved) < 0.95 * s.ratePerSec) {
      notes.push(
        `the program did not keep up with --rate ${s.ratePerSec}/s (it completed ${Math.round(Math.min(...achieved))}/s): ` +
          'latencies include the queueing this caused',
      );
    }
    const draft = buildBaseline({
      kind: 'mem-stress',
      runId,
      baselinePath,
      argv: s.argv,
      target: resolved.target,
      environment: describeEnvironment(nodeFlags, runs[0]?.outcome.data.hello),
      settings,
      runs,
      notes,
      extra: { runs: runs.map((r) => ({ ...gcRunExtra(r), ...stressExtra(r.analysis) })), leak },
    });
    const assertions = evaluateAssertions(s.assertions, draft.metrics);
    if (s.assertions.length) draft.extra = { ...draft.extra, assertions };
    return { baseline: draft, assertions, leak };
  };

  // Loaded only with --prometheus: prom-client stays out of every other start-up.
  const prom = s.prometheus ? await import('../prometheus/attach.js') : undefined;
  const exporter = prom && s.prometheus ? await prom.openExporter(s.prometheus, prom.exporterLabels('mem-stress', resolved, runId)) : undefined;
  const withExporter = (index: number, spec: RunSpec): RunSpec => (prom ? prom.attachExporter(exporter, spec, index) : spec);

  const guard = new InterruptGuard();
  const progress = new Progress(s.progress, plainEveryMs(s));
  const done: MeasuredRun<StressAnalysis>[] = [];
  let current: { index: number; control: RunControl } | undefined;
  // A valid, atomically written baseline every saveEveryMs: the run so far, as interrupted.
  const saver = setInterval(() => {
    if (!current) return;
    const partial = partialRun(current.control, analyze);
    const { baseline } = build([...done, partial], true);
    writeBaseline(baselinePath, baseline);
  }, s.saveEveryMs);
  saver.unref();

  let verdictSoFar = '';
  try {
    const runs = await measureRuns<StressAnalysis>({
      repeat: s.repeat,
      guard,
      analyze,
      onRunStart: (index, control) => (current = { index, control }),
      onRunEnd: (_index, run) => {
        done.push(run);
        current = undefined;
      },
      specFor: (index): RunSpec => withExporter(index, {
        target: resolved.runTarget({
          intervalMs: s.intervalMs,
          durationMs: s.durationMs,
          maxSteps: s.maxSteps,
          ratePerSec: s.ratePerSec,
          recordLatency: true,
          warmupMs: s.warmupMs,
          warmupSteps: s.warmupSteps,
          gcCheckpointEveryMs: s.gcCheckpointEveryMs,
          settledCheckpoints: true,
        }),
        nodeArgs: s.nodeArgs,
        intervalMs: s.intervalMs,
        timeoutMs: s.timeoutMs,
        samplesPath: samplesPathFor(baselinePath, index, s.repeat),
        header: { runId, index, target: resolved.target, settings },
        onOutput: (chunk) => progress.print(chunk),
        onRecord: (record, control) => {
          if (record.type === 'mark' && (record.label === 'gc-checkpoint' || record.label === 'warmup-end')) {
            const v = judgeLeak(livePointsAfterWarmup(control.data), undefined, { minEffectBytes: s.minLeakBytes });
            verdictSoFar = `verdict so far: ${v.verdict}`;
          }
          progress.update(
            liveProgressText(resolved.label, index, s, control.data, verdictSoFar),
            () => plainProgressLine(index, s, control.data, verdictSoFar),
          );
        },
      }),
    });
    progress.stop();
    const { baseline, assertions, leak } = build(runs, false);
    return { baseline, baselinePath, runs, assertions, leak, interrupted: guard.signal, exporter };
  } catch (err) {
    await exporter?.close();
    throw err;
  } finally {
    clearInterval(saver);
    progress.stop();
    guard.dispose();
  }
}

function plainEveryMs(s: MemStressSettings): number {
  if (s.progressEveryMs !== undefined) return s.progressEveryMs;
  const expected = s.durationMs ?? 600_000;
  return Math.max(5_000, Math.min(60_000, expected / 20));
}

function stressExtra(a: StressAnalysis): StressRunExtra {
  return {
    leak: a.leak,
    ...(a.latency ? { latency: a.latency } : {}),
    ...(a.phases ? { phases: a.phases } : {}),
    warmup: { endMs: a.steady.startMs, steps: a.steadySteps === undefined ? null : (a.steps ?? 0) - a.steadySteps },
  };
}

/** A run still in progress, as if it had been interrupted now. */
function partialRun(control: RunControl, analyze: (d: RunOutcome['data']) => StressAnalysis): MeasuredRun<StressAnalysis> {
  const data = control.data;
  const outcome: RunOutcome = {
    status: 'interrupted',
    statusReason: 'partial baseline: memkit stopped before the run ended',
    exit: { code: null, signal: null },
    pid: data.hello?.pid ?? control.pid,
    startedAtMs: data.header?.startedAtMs ?? Date.now(),
    endedAtMs: Date.now(),
    data,
    stderrTail: '',
    instrumented: data.hello !== undefined,
    samplesPath: control.samplesPath,
  };
  return { outcome, analysis: analyze(data) };
}

/** Across repeated runs: any leak is a leak; "no leak" only when every run says so. */
export function overallLeak(verdicts: LeakVerdict[]): { verdict: LeakVerdictKind; reason: string } {
  if (verdicts.length === 0) return { verdict: 'inconclusive', reason: 'no run was measured' };
  const leak = verdicts.find((v) => v.verdict === 'leak');
  if (leak) return { verdict: 'leak', reason: leak.reason };
  if (verdicts.every((v) => v.verdict === 'no leak')) return { verdict: 'no leak', reason: verdicts[0]!.reason };
  return { verdict: 'inconclusive', reason: verdicts.find((v) => v.verdict === 'inconclusive')!.reason };
}
