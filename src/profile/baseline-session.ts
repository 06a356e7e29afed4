import type { BaselineOf, MetricEntry, ParamValue } from '../baseline/schema.js';
import type { BaselineExtras } from '../baseline/sections.js';
import { writeBaseline } from '../baseline/io.js';
import { describeEnvironment, gcHeapSourceNote } from '../baseline/environment.js';
import type { RunAnalysis } from '../analyze/run-metrics.js';
import type { RunData, SampleRecord } from '../samples/run-data.js';
import type { InterruptSignal } from '../run/interrupts.js';
import type { RunControl, RunOutcome } from '../run/runner.js';
import type { MetricsExporter } from '../prometheus/exporter.js';
import type { PrometheusSettings } from '../prometheus/cli-options.js';
import { buildBaseline } from './build-baseline.js';
import type { MeasuredRun } from './measure.js';
import { liveProgressText, plainProgressLine } from './progress-text.js';
import { unmeasuredProcessesNote, workerBootstrapNote } from './unmeasured-processes.js';
import { emptySelectionView, mergedView, ProcessSelectionMiss, type ProcessSelection } from '../analyze/process-selection.js';
import { selectionFactsOf } from '../analyze/process-merge.js';
import { allocSitesExtra, processesExtra } from './run-extra.js';
import { allocSiteMetrics } from '../analyze/alloc-site-metrics.js';
import { allocSitesOfRun, type RunAllocSites } from '../analyze/alloc-run.js';
import type { AllocSitesConfig } from '../samples/protocol.js';
import { openSession, runSeries, type AgentSettings, type CompanionFactory, type ProgressSink, type RunTurn } from './session.js';
import type { ResolvedTarget, TargetOptions } from './target.js';

/**
 * A measuring session whose product is a baseline: gc-profile and mem-stress are this
 * flow with their own hooks, the way memray's commands share one flow and differ by
 * reporter. The session makes the remarks every measurement needs (uninstrumented
 * command, GC desync, where GC heap figures came from, partial file); a command adds
 * its own notes and its sections of the baseline.
 */

/**
 * --alloc-sites: each run's sites as metrics (analyze/alloc-site-metrics.ts), added to its
 * own before the runs are folded, so every site's values[] has one entry per run.
 */
function withSiteMetrics<A extends RunAnalysis>(runs: MeasuredRun<A>[], sites: readonly (RunAllocSites | undefined)[], selfEnded: boolean): MeasuredRun<A>[] {
  const perRun = allocSiteMetrics(sites.map((a) => ({ sites: a, selfEnded })));
  return runs.map((r, i) => ({ ...r, analysis: { ...r.analysis, metrics: { ...r.analysis.metrics, ...perRun[i] } } }));
}

/** What the command parsed: the target, the child, the series, the outputs. */
export interface SessionSettings {
  target: TargetOptions;
  /** How long the steps run (a command: until it exits, unless given). */
  durationMs?: number;
  /** Stop after this many steps (whichever of duration and steps comes first). */
  maxSteps?: number;
  intervalMs: number;
  repeat: number;
  nodeArgs: string[];
  timeoutMs?: number;
  outPath?: string;
  /** memkit's own command line, recorded in the baseline. */
  argv: string[];
  /** Show a spinner (TTY) or periodic progress lines: read by the command, which owns them. */
  progress: boolean;
  /** --prometheus: serve live metrics of the runs on /metrics. */
  prometheus?: PrometheusSettings;
  /** --process: the processes of a command's tree the metrics describe (default all). */
  process?: ProcessSelection;
  /** --memory-limit: a command's tree is killed when its RSS reaches it (run/tree-memory-guard.ts). */
  memoryLimitBytes?: number;
  /** --alloc-sites: every agent samples its allocations (agent/alloc-sampler.ts). */
  allocSites?: AllocSitesConfig;
  /** A sweep: this series takes its runs in turn with the other settings' (profile/gc-sweep.ts). */
  turn?: RunTurn;
}

export type MeasuredKind = 'gc-profile' | 'mem-stress';

export interface SessionHooks<K extends MeasuredKind, A extends RunAnalysis> {
  kind: K;
  /** The options that shaped the measurement, as the baseline records them. */
  settings: Record<string, ParamValue | null>;
  agent: AgentSettings;
  /** How a run is analysed; `measured` is the resolved target (a scenario's definition, e.g. its phases). */
  analyze(data: RunData, measured: ResolvedTarget): A;
  /** A phrase for the live status after each record (mem-stress: the verdict so far); display only, not called without a progress sink. */
  status?(record: SampleRecord, data: RunData): string | undefined;
  /** Remarks of this command, after the session's own. */
  notes?(runs: MeasuredRun<A>[]): string[];
  /** This command's sections of the baseline; `metrics` are the runs' aggregated figures. */
  extra(runs: MeasuredRun<A>[], metrics: Record<string, MetricEntry>): BaselineExtras[K];
  /** Rewrite a partial baseline this often while a run goes on. */
  saveEveryMs?: number;
  /** Run beside each child, owning its --duration (mem-stress's load). */
  beside?: CompanionFactory;
  /** mem-stress: each row of a command's process table gets its own leak verdict, judged with this. */
  rowLeak?: { minLeakBytes?: number };
}

export interface SessionResult<K extends MeasuredKind, A extends RunAnalysis> {
  baseline: BaselineOf<K>;
  baselinePath: string;
  runs: MeasuredRun<A>[];
  interrupted?: InterruptSignal;
  /** Still serving: the command closes it (finishExporter) once the baseline is written. */
  exporter?: MetricsExporter;
}

const PARTIAL_NOTE = 'partial: written while the run was still going (memkit stopped before it ended)';

export async function measureSession<K extends MeasuredKind, A extends RunAnalysis>(
  s: SessionSettings,
  hooks: SessionHooks<K, A>,
  progress?: ProgressSink,
): Promise<SessionResult<K, A>> {
  const session = await openSession(hooks.kind, s.target, { outPath: s.outPath });
  const { resolved, runId, baselinePath } = session;
  // A command's tree: the selected isolates merged into the top-level view every figure,
  // note and section below is made from (a scenario's run is returned as it is).
  const selection: ProcessSelection = s.process ?? { kind: 'all' };
  const isCommand = resolved.target.type === 'command';
  const missed = new Set<string>();
  const view = (data: RunData): RunData => {
    if (!isCommand) return data;
    try {
      return mergedView(data, selection);
    } catch (err) {
      // A run cut short before the selected process started keeps its report (empty figures, said so).
      if (!(err instanceof ProcessSelectionMiss) || data.end === undefined || data.end.status === 'complete') throw err;
      missed.add(err.message);
      return emptySelectionView(data);
    }
  };
  const viewed = (runs: MeasuredRun<A>[]): MeasuredRun<A>[] => runs.map((r) => ({ ...r, outcome: { ...r.outcome, data: view(r.outcome.data) } }));
  const analyze = (data: RunData): A => hooks.analyze(view(data), resolved);
  const nodeFlags = resolved.target.type === 'scenario' ? ['--expose-gc', ...s.nodeArgs] : s.nodeArgs;

  const build = (measured: MeasuredRun<A>[], partial: boolean): BaselineOf<K> => {
    const viewedRuns = viewed(measured);
    // --alloc-sites: each run's sites, once, for its metrics and for the baseline's section.
    const sites = s.allocSites ? viewedRuns.map((r) => allocSitesOfRun(r.outcome.data, process.cwd())) : undefined;
    const runs = sites ? withSiteMetrics(viewedRuns, sites, isCommand && s.durationMs === undefined) : viewedRuns;
    const target = resolved.target.type === 'command' ? { ...resolved.target, instrumented: runs.some((r) => r.outcome.instrumented) } : resolved.target;
    const first = runs[0]?.outcome.data.hello;
    const notes = partial ? [PARTIAL_NOTE] : [];
    if (target.type === 'command' && !target.instrumented) {
      notes.push('no memkit agent reported from inside this command (not a Node program?): RSS and CPU only, sampled from outside');
    }
    const desync = runs.reduce((n, r) => n + (r.outcome.data.done?.gcDesync ?? 0), 0);
    if (desync > 0) {
      notes.push(
        first?.runtime === 'python'
          ? `${desync} collections the Python agent's gc callbacks missed (gc.get_stats() counted them: another callback raised before memkit's, or its process forked inside one)`
          : `${desync} GC events had no heap figures (the two V8 observation sources disagreed)`,
      );
    }
    if (target.type === 'command') {
      for (const r of runs) {
        const facts = selection.kind === 'all' ? undefined : selectionFactsOf(r.outcome.data);
        const pids = facts ? new Set(facts.pids) : undefined;
        for (const note of [unmeasuredProcessesNote(r.outcome.data, pids), workerBootstrapNote(r.outcome.data, pids)]) {
          if (note && !notes.includes(note)) notes.push(note);
        }
      }
    }
    for (const r of runs) for (const note of r.outcome.data.end?.notes ?? []) if (!notes.includes(note)) notes.push(note);
    for (const m of missed) notes.push(`${m} (before the run ended: no figures from it)`);
    const sourceNote = gcHeapSourceNote(first);
    if (sourceNote) notes.push(sourceNote);
    notes.push(...(hooks.notes?.(runs) ?? []));
    const draft = buildBaseline({
      kind: hooks.kind,
      runId,
      baselinePath,
      argv: s.argv,
      target,
      environment: describeEnvironment(nodeFlags, first),
      settings: hooks.settings,
      runs,
      notes,
    });
    const extra = {
      ...hooks.extra(runs, draft.metrics),
      ...(s.allocSites && sites ? { allocSites: allocSitesExtra(sites, s.allocSites) } : {}),
    };
    return { ...draft, extra: isCommand ? { ...extra, processes: processesExtra(runs, selection, process.cwd(), hooks.rowLeak) } : extra };
  };

  const { runs, interrupted, exporter } = await runSeries<A>(
    {
      session,
      repeat: s.repeat,
      child: { intervalMs: s.intervalMs, nodeArgs: s.nodeArgs, durationMs: s.durationMs, timeoutMs: s.timeoutMs, memoryLimitBytes: s.memoryLimitBytes },
      agent: hooks.agent,
      settings: hooks.settings,
      analyze,
      prometheus: s.prometheus,
      beside: hooks.beside,
      turn: s.turn,
      progressText: (index, record, data) => {
        const status = hooks.status?.(record, data);
        return { text: liveProgressText(resolved.label, index, s, data, status), plainLine: () => plainProgressLine(index, s, data, status) };
      },
      // A valid, atomically written baseline every saveEveryMs: the run so far, as interrupted.
      ...(hooks.saveEveryMs !== undefined
        ? {
            checkpoint: {
              everyMs: hooks.saveEveryMs,
              save: (done: MeasuredRun<A>[], current: RunControl) => {
                try {
                  writeBaseline(baselinePath, build([...done, partialRun(current, analyze)], true));
                } catch (err) {
                  // The selected process may not have started yet: the next save tries again.
                  if (!(err instanceof ProcessSelectionMiss)) throw err;
                }
              },
            },
          }
        : {}),
    },
    progress,
  );
  try {
    return { baseline: build(runs, false), baselinePath, runs: viewed(runs), interrupted, exporter };
  } catch (err) {
    await exporter?.close();
    throw err;
  }
}

/** A run still in progress, as if it had been interrupted now. */
function partialRun<A>(control: RunControl, analyze: (d: RunData) => A): MeasuredRun<A> {
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
