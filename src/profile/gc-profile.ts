import type { Baseline, ParamValue } from '../baseline/schema.js';
import { buildBaseline } from './build-baseline.js';
import { ensureParentDir } from '../baseline/io.js';
import { defaultBaselinePath, samplesPathFor, timestamp } from '../baseline/naming.js';
import { Progress } from '../cli/progress.js';
import { describeEnvironment, gcHeapSourceNote } from '../baseline/environment.js';
import { InterruptGuard, type InterruptSignal } from '../run/interrupts.js';
import { measureRuns, type MeasuredRun } from './measure.js';
import type { RunSpec } from '../run/runner.js';
import type { MetricsExporter } from '../prometheus/exporter.js';
import type { PrometheusSettings } from '../prometheus/cli-options.js';
import { gcRunExtra } from './run-extra.js';
import { liveProgressText, plainProgressLine } from './progress-text.js';
import { resolveTarget, type TargetOptions } from './target.js';

export interface GcProfileSettings {
  target: TargetOptions;
  durationMs?: number;
  maxSteps?: number;
  intervalMs: number;
  repeat: number;
  nodeArgs: string[];
  timeoutMs?: number;
  outPath?: string;
  /** memkit's own command line, recorded in the baseline. */
  argv: string[];
  /** Show a spinner (TTY) or periodic progress lines. */
  progress: boolean;
  /** --prometheus: serve live metrics of the runs on /metrics. */
  prometheus?: PrometheusSettings;
}

export interface GcProfileResult {
  baseline: Baseline;
  baselinePath: string;
  runs: MeasuredRun[];
  interrupted?: InterruptSignal;
  /** Still serving: the command closes it (finishExporter) once the baseline is written. */
  exporter?: MetricsExporter;
}

/**
 * gc-profile: measure a scenario or command `repeat` times and fold the runs into one
 * baseline. Nothing is printed here but progress; the command renders and writes.
 */
export async function profileGc(s: GcProfileSettings): Promise<GcProfileResult> {
  const resolved = await resolveTarget(s.target);
  const started = new Date();
  const baselinePath = s.outPath ?? defaultBaselinePath('gc-profile', resolved.label, started);
  ensureParentDir(baselinePath); // a folder that cannot be made is exit 2 before any child runs
  const runId = `gc-profile-${resolved.label}-${timestamp(started)}`;
  const settings: Record<string, ParamValue | null> = {
    durationMs: s.durationMs ?? null,
    maxSteps: s.maxSteps ?? null,
    intervalMs: s.intervalMs,
    repeat: s.repeat,
    timeoutMs: s.timeoutMs ?? null,
  };

  // Loaded only with --prometheus: prom-client stays out of every other start-up.
  const prom = s.prometheus ? await import('../prometheus/attach.js') : undefined;
  const exporter = prom && s.prometheus ? await prom.openExporter(s.prometheus, prom.exporterLabels('gc-profile', resolved, runId)) : undefined;
  const withExporter = (index: number, spec: RunSpec): RunSpec => (prom ? prom.attachExporter(exporter, spec, index) : spec);

  const guard = new InterruptGuard();
  const progress = new Progress(s.progress);
  try {
    const runs = await measureRuns({
      repeat: s.repeat,
      guard,
      specFor: (index): RunSpec => withExporter(index, {
        target: resolved.runTarget({ intervalMs: s.intervalMs, durationMs: s.durationMs, maxSteps: s.maxSteps }),
        nodeArgs: s.nodeArgs,
        intervalMs: s.intervalMs,
        durationMs: s.durationMs,
        timeoutMs: s.timeoutMs,
        samplesPath: samplesPathFor(baselinePath, index, s.repeat),
        header: { runId, index, target: resolved.target, settings },
        onOutput: (chunk) => progress.print(chunk),
        onRecord: (_record, control) =>
          progress.update(liveProgressText(resolved.label, index, s, control.data), () => plainProgressLine(index, s, control.data)),
      }),
    });
    progress.stop();

    const first = runs[0]?.outcome.data.hello;
    const nodeFlags = resolved.target.type === 'scenario' ? ['--expose-gc', ...s.nodeArgs] : s.nodeArgs;
    const target = resolved.target.type === 'command' ? { ...resolved.target, instrumented: runs.some((r) => r.outcome.instrumented) } : resolved.target;
    const notes: string[] = [];
    if (target.type === 'command' && !target.instrumented) {
      notes.push('no memkit agent reported from inside this command (not a Node program?): RSS and CPU only, sampled from outside');
    }
    const desync = runs.reduce((n, r) => n + (r.outcome.data.done?.gcDesync ?? 0), 0);
    if (desync > 0) notes.push(`${desync} GC events had no heap figures (the two V8 observation sources disagreed)`);
    const sourceNote = gcHeapSourceNote(first);
    if (sourceNote) notes.push(sourceNote);
    const baseline = buildBaseline({
      kind: 'gc-profile',
      runId,
      baselinePath,
      argv: s.argv,
      target,
      environment: describeEnvironment(nodeFlags, first),
      settings,
      runs,
      notes,
      extra: { runs: runs.map(gcRunExtra) },
    });
    return { baseline, baselinePath, runs, interrupted: guard.signal, exporter };
  } catch (err) {
    await exporter?.close();
    throw err;
  } finally {
    progress.stop();
    guard.dispose();
  }
}
