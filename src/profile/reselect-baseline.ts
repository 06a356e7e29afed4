import { aggregateRuns } from '../analyze/aggregate.js';
import { reselectBaseline } from '../analyze/process-reselect.js';
import { selectionFactsOf } from '../analyze/process-merge.js';
import { selectionText, type ProcessSelection } from '../analyze/process-selection.js';
import { processRunSection } from '../analyze/process-table.js';
import { analyzeRun } from '../analyze/run-metrics.js';
import type { Baseline } from '../baseline/schema.js';
import type { GcRunEntry } from '../baseline/sections.js';
import { UsageError } from '../core/errors.js';
import type { RunData } from '../samples/run-data.js';
import { gcRunEntryOf } from './run-extra.js';
import { unmeasuredProcessesNote } from './unmeasured-processes.js';

/**
 * `memkit report --process`: a command baseline's figures redone for another selection of
 * its processes, from each run's samples merged for it (the same merge and analysis the
 * live run used, so the figures are what `gc-profile --process` would have written). A run whose
 * samples are gone leaves only the process table: the figures are re-selected from its
 * rows, exactly where rows allow, as `memkit diff --process` does, and the rest is named.
 */
export function reselectForReport(
  path: string,
  b: Baseline,
  /** Each run's samples, already merged for `selection` (report/inputs.ts loadSide); undefined where gone. */
  views: Array<RunData | undefined>,
  selection: ProcessSelection,
): Baseline {
  if (b.target.type !== 'command' || (b.kind !== 'gc-profile' && b.kind !== 'mem-stress')) {
    throw new UsageError(`--process: ${path} is not a command's gc-profile or mem-stress baseline (one process: nothing to select)`);
  }
  const text = selectionText(selection);
  if (views.length === 0 || views.some((d) => d === undefined)) {
    const r = reselectBaseline(path, b, selection);
    const dropped = r.dropped.length ? `; ${r.dropped.join(', ')} cannot be recomputed from per-process rows and are left out` : '';
    return { ...r.baseline, notes: [...b.notes, `--process ${text}: samples missing, figures re-selected from the process table${dropped}`] };
  }
  const analyses = views.map((v) => analyzeRun(v!));
  const metrics = aggregateRuns(analyses.map((a) => a.metrics));
  const notes = b.notes.filter((n) => !n.startsWith('totals leave out'));
  const dropped = Object.keys(b.metrics).filter((name) => !(name in metrics));
  for (const v of views) {
    const facts = selection.kind === 'all' ? undefined : selectionFactsOf(v!);
    const note = unmeasuredProcessesNote(v!, facts ? new Set(facts.pids) : undefined);
    if (note && !notes.includes(note)) notes.push(note);
  }
  notes.push(`--process ${text}: figures redone from the samples${dropped.length ? `; ${dropped.join(', ')} not redone (left out)` : ''}`);
  const oldRuns = Array.isArray(b.extra?.runs) ? (b.extra.runs as GcRunEntry[]) : [];
  const extra = {
    ...b.extra,
    // The GC tables' per-run details, for the selection (a mem-stress run keeps its own sections).
    runs: analyses.map((a, i) => ({ ...(oldRuns[i] ?? {}), ...gcRunEntryOf(a, views[i]!) })),
    processes: { selection: text, runs: views.map((v) => processRunSection(v!, selection, { cwd: b.command.cwd })) },
  };
  return { ...b, metrics, notes, extra } as Baseline;
}
