import type { ParamValue } from '../baseline/schema.js';
import { ensureParentDir } from '../baseline/io.js';
import { defaultBaselinePath, samplesPathFor, timestamp } from '../baseline/naming.js';
import type { AgentConfig } from '../samples/protocol.js';
import type { RunData, SampleRecord } from '../samples/run-data.js';
import { InterruptGuard, type InterruptSignal } from '../run/interrupts.js';
import type { RunControl, RunOutcome, RunSpec } from '../run/runner.js';
import type { MetricsExporter } from '../prometheus/exporter.js';
import type { PrometheusSettings } from '../prometheus/cli-options.js';
import { measureRuns, type MeasuredRun } from './measure.js';
import { resolveTarget, type ResolvedTarget, type TargetOptions } from './target.js';

/**
 * The measuring session every command that runs a child shares: resolve the target, name
 * the baseline and the run, then run the series under one interrupt guard, with live
 * progress, the Prometheus exporter and partial saves when asked. Commands differ only
 * by their hooks (agent settings, analysis, records, status) and by what they make of
 * the runs (baseline-session.ts: a baseline; scenario-snapshots.ts: heap snapshot files).
 */

/** Where progress goes: the command owns the spinner; the session only describes. */
export interface ProgressSink {
  /** The live status: `text` for a spinner, `plainLine` for a periodic log line where there is none. */
  update(text: string, plainLine?: () => string): void;
  /** The child's own output (and memkit's remarks during the run), printed around the spinner. */
  print(chunk: string | Buffer): void;
}

/** The agent's settings for a run: everything but the mode and the scenario, which the target gives. */
export type AgentSettings = Omit<AgentConfig, 'mode' | 'scenario'>;

/** How the child runs: its flags, sampling and limits. */
export interface ChildSettings {
  intervalMs: number;
  nodeArgs: string[];
  /** Command mode: stop the program after this long. */
  durationMs?: number;
  timeoutMs?: number;
  /** A command: kill the tree when its RSS reaches this, evidence gathered at 90 % (--memory-limit). */
  memoryLimitBytes?: number;
}

/** A session that has a target, a baseline path and a run id, and has not run anything yet. */
export interface OpenedSession {
  /** Names the files and the run id: "gc-profile", "mem-stress", "mem-snapshot". */
  command: string;
  resolved: ResolvedTarget;
  runId: string;
  startedAt: Date;
  baselinePath: string;
}

/**
 * Resolves the target (a bad scenario, variant or parameter is exit 2 here) and names the
 * baseline: `outPath`, or `<outDir>/<command>-<target>-<time>.json`. Its folder is made now,
 * so one that cannot be made is exit 2 before any child runs.
 */
export async function openSession(command: string, target: TargetOptions, where: { outPath?: string; outDir?: string }): Promise<OpenedSession> {
  const resolved = await resolveTarget(target);
  const startedAt = new Date();
  const baselinePath = where.outPath ?? defaultBaselinePath(command, resolved.label, startedAt, where.outDir);
  ensureParentDir(baselinePath);
  return { command, resolved, runId: `${command}-${resolved.label}-${timestamp(startedAt)}`, startedAt, baselinePath };
}

/**
 * Something run beside each child for its window (mem-stress's load): started with the
 * run, shown each of its records, ended with it. It owns the run's --duration (it stops
 * the child itself); `end` throwing ends the series with that error.
 */
export interface RunCompanion {
  onRecord?(record: SampleRecord): void;
  end(outcome: RunOutcome): Promise<void>;
}

/** Starts run `index`'s companion; `print` writes to memkit's stderr around the spinner. */
export type CompanionFactory = (index: number, control: RunControl, print: (chunk: string | Buffer) => void) => RunCompanion;

export interface SeriesPlan<A> {
  session: OpenedSession;
  repeat: number;
  child: ChildSettings;
  agent: AgentSettings;
  /** The options that shaped the measurement, recorded in every samples file's header. */
  settings: Record<string, ParamValue | null>;
  analyze(data: RunData): A;
  /** Every record of run `index` as it arrives (after the exporter saw it). */
  onRecord?(record: SampleRecord, control: RunControl, index: number): void;
  /** What the progress line says after a record; undefined leaves it as it is. */
  progressText?(index: number, record: SampleRecord, data: RunData): { text: string; plainLine?: () => string } | undefined;
  /** --prometheus: serve live metrics of the runs on /metrics. */
  prometheus?: PrometheusSettings;
  /** Called this often while a run goes on, with the runs so far and the current one's control. */
  checkpoint?: { everyMs: number; save(done: MeasuredRun<A>[], current: RunControl): void };
  /** Run beside each child (the child's durationMs is then the companion's to keep). */
  beside?: CompanionFactory;
  /** A series that shares the machine with others in turn (a sweep): awaited before each run, told when it ended. */
  turn?: RunTurn;
}

/** One series' place in a round robin of series (profile/round-robin.ts). */
export interface RunTurn {
  before(index: number): Promise<void>;
  after(index: number): void;
}

export interface SeriesResult<A> {
  runs: MeasuredRun<A>[];
  interrupted?: InterruptSignal;
  /** Still serving: the command closes it (finishExporter) once the baseline is written. */
  exporter?: MetricsExporter;
}

/**
 * Runs the series one child after the other. Ctrl-C stops the current child and ends the
 * series with what ran; the exporter is closed here only if the series throws.
 */
export async function runSeries<A>(plan: SeriesPlan<A>, progress?: ProgressSink): Promise<SeriesResult<A>> {
  const { session, child } = plan;
  // Loaded only with --prometheus: prom-client stays out of every other start-up.
  const prom = plan.prometheus ? await import('../prometheus/attach.js') : undefined;
  const exporter =
    prom && plan.prometheus
      ? await prom.openExporter(plan.prometheus, prom.exporterLabels(session.command, session.resolved, session.runId), (line) =>
          progress ? progress.print(`${line}\n`) : process.stderr.write(`${line}\n`),
        )
      : undefined;
  const withExporter = (index: number, spec: RunSpec): RunSpec => (prom ? prom.attachExporter(exporter, spec, index) : spec);

  const guard = new InterruptGuard();
  const done: MeasuredRun<A>[] = [];
  let current: RunControl | undefined;
  let companion: RunCompanion | undefined;
  const print = (chunk: string | Buffer): void => void (progress ? progress.print(chunk) : process.stderr.write(chunk));
  const saver = plan.checkpoint
    ? setInterval(() => {
        if (current) plan.checkpoint!.save([...done], current);
      }, plan.checkpoint.everyMs)
    : undefined;
  saver?.unref();
  try {
    const runs = await measureRuns<A>({
      repeat: plan.repeat,
      guard,
      analyze: plan.analyze,
      beforeRun: plan.turn ? (index) => plan.turn!.before(index) : undefined,
      onRunStart: (index, control) => {
        current = control;
        companion = plan.beside?.(index, control, print);
      },
      onRunEnd: async (index, run) => {
        done.push(run);
        plan.turn?.after(index);
        current = undefined;
        const ending = companion;
        companion = undefined;
        await ending?.end(run.outcome);
      },
      specFor: (index): RunSpec =>
        withExporter(index, {
          target: session.resolved.runTarget(plan.agent),
          nodeArgs: child.nodeArgs,
          intervalMs: child.intervalMs,
          durationMs: plan.beside ? undefined : child.durationMs,
          timeoutMs: child.timeoutMs,
          memoryLimitBytes: child.memoryLimitBytes,
          samplesPath: samplesPathFor(session.baselinePath, index, plan.repeat),
          header: { runId: session.runId, index, target: session.resolved.target, settings: plan.settings },
          onOutput: (chunk) => progress?.print(chunk),
          onRecord: (record, control) => {
            companion?.onRecord?.(record);
            plan.onRecord?.(record, control, index);
            if (!progress) return;
            const shown = plan.progressText?.(index, record, control.data);
            if (shown) progress.update(shown.text, shown.plainLine);
          },
        }),
    });
    return { runs, interrupted: guard.signal, exporter };
  } catch (err) {
    await exporter?.close();
    throw err;
  } finally {
    if (saver) clearInterval(saver);
    guard.dispose();
  }
}
