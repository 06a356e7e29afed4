import type { MeasuredRun } from './measure.js';
import type { GcRunEntry, ProcessesSection } from '../baseline/sections.js';
import { processRunSection } from '../analyze/process-table.js';
import type { RunAnalysis } from '../analyze/run-metrics.js';
import type { RunData } from '../samples/run-data.js';
import { selectionText, type ProcessSelection } from '../analyze/process-selection.js';

/** The per-run GC details a baseline keeps under `extra.runs[i]` for its tables. */
export function gcRunExtra(run: MeasuredRun): GcRunEntry {
  return gcRunEntryOf(run.analysis, run.outcome.data);
}

/** The same from an analysis and the data it was made from (`memkit report --process` redoes it from the samples). */
export function gcRunEntryOf(analysis: RunAnalysis, data: RunData): GcRunEntry {
  const { gc, memory } = analysis;
  if (!gc) return {};
  return {
    gcByKind: gc.byKind,
    gcLifetimeCounts: gc.lifetimeCounts,
    gcCheckpointCount: gc.checkpointCount,
    ...(gc.startup ? { gcStartup: gc.startup } : {}),
    gcDesync: data.done?.gcDesync ?? 0,
    heapBasis: memory.heapUsed?.basis,
    heapSlopeBasis: memory.heapUsed?.slopeBasis,
  };
}

/**
 * A command's process table for `extra.processes`: every run's rows (processes and worker
 * threads, each with its own figures) and which of them the top-level metrics describe.
 */
export function processesExtra<A>(
  runs: MeasuredRun<A>[],
  selection: ProcessSelection,
  cwd: string,
  /** mem-stress: a leak verdict on each row. */
  rowLeak?: { minLeakBytes?: number },
): ProcessesSection {
  return {
    selection: selectionText(selection),
    runs: runs.map((r) => processRunSection(r.outcome.data, selection, { cwd, ...(rowLeak ? { leak: rowLeak } : {}) })),
  };
}
