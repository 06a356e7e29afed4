import type { Baseline, ParamValue } from '../baseline/schema.js';
import { buildBaseline } from '../baseline/build.js';
import { ensureParentDir } from '../baseline/io.js';
import { defaultBaselinePath, samplesPathFor, timestamp } from '../baseline/naming.js';
import { Progress } from '../cli/progress.js';
import { describeEnvironment } from '../run/environment.js';
import { InterruptGuard, type InterruptSignal } from '../run/interrupts.js';
import { measureRuns, type MeasuredRun } from '../run/measure.js';
import { findMark, type RunData } from '../run/run-data.js';
import type { RunSpec } from '../run/runner.js';
import type { GcProfileRunExtra } from '../report/gc-profile-table.js';
import { formatBytes, formatClock } from '../units/format.js';
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
}

export interface GcProfileResult {
  baseline: Baseline;
  baselinePath: string;
  runs: MeasuredRun[];
  interrupted?: InterruptSignal;
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

  const guard = new InterruptGuard();
  const progress = new Progress(s.progress);
  try {
    const runs = await measureRuns({
      repeat: s.repeat,
      guard,
      specFor: (index): RunSpec => ({
        target: resolved.runTarget({ intervalMs: s.intervalMs, durationMs: s.durationMs, maxSteps: s.maxSteps }),
        nodeArgs: s.nodeArgs,
        intervalMs: s.intervalMs,
        durationMs: s.durationMs,
        timeoutMs: s.timeoutMs,
        samplesPath: samplesPathFor(baselinePath, index, s.repeat),
        header: { runId, index, target: resolved.target, settings },
        onOutput: (chunk) => progress.print(chunk),
        onRecord: (_record, control) =>
          progress.update(progressText(resolved.label, index, s, control.data), () => plainProgress(index, s, control.data)),
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
      extra: { runs: runs.map(runExtra) },
    });
    return { baseline, baselinePath, runs, interrupted: guard.signal };
  } finally {
    progress.stop();
    guard.dispose();
  }
}

function runExtra(run: MeasuredRun): GcProfileRunExtra | Record<string, never> {
  const { gc, memory } = run.analysis;
  if (!gc) return {};
  return {
    gcByKind: gc.byKind,
    gcLifetimeCounts: gc.lifetimeCounts,
    gcCheckpointCount: gc.checkpointCount,
    gcDesync: run.outcome.data.done?.gcDesync ?? 0,
    heapBasis: memory.heapUsed?.basis,
    heapSlopeBasis: memory.heapUsed?.slopeBasis,
  };
}

function elapsedMs(data: RunData): number {
  const start = findMark(data, 'measure-start')?.tMs ?? data.header?.startedAtMs ?? Date.now();
  return Math.max(0, Date.now() - start);
}

function progressText(label: string, index: number, s: GcProfileSettings, data: RunData): string {
  const elapsed = elapsedMs(data);
  const parts = [label];
  if (s.repeat > 1) parts.push(`run ${index + 1}/${s.repeat}`);
  parts.push(s.durationMs ? `${formatClock(elapsed)} / ${formatClock(s.durationMs)}` : formatClock(elapsed));
  const rss = data.proc.rssBytes[data.proc.rssBytes.length - 1];
  if (rss !== undefined) parts.push(`RSS ${formatBytes(rss)}`);
  const heap = data.mem.heapUsed[data.mem.heapUsed.length - 1];
  if (heap !== undefined) parts.push(`heap ${formatBytes(heap)}`);
  if (data.gc.tMs.length) parts.push(`${data.gc.tMs.length} GCs`);
  return parts.join('  ');
}

function plainProgress(index: number, s: GcProfileSettings, data: RunData): string {
  const elapsed = elapsedMs(data);
  const run = s.repeat > 1 ? ` (run ${index + 1}/${s.repeat})` : '';
  if (s.durationMs) {
    const pct = Math.min(100, (elapsed / s.durationMs) * 100).toFixed(1);
    return `Progress: ${Math.round(elapsed / 1000)}/${Math.round(s.durationMs / 1000)} s (${pct}%)${run}`;
  }
  return `Progress: ${Math.round(elapsed / 1000)} s${run}`;
}
