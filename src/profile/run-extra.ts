import type { MeasuredRun } from './measure.js';
import type { GcRunEntry } from '../baseline/sections.js';

/** The per-run GC details a baseline keeps under `extra.runs[i]` for its tables. */
export function gcRunExtra(run: MeasuredRun): GcRunEntry {
  const { gc, memory } = run.analysis;
  if (!gc) return {};
  return {
    gcByKind: gc.byKind,
    gcLifetimeCounts: gc.lifetimeCounts,
    gcCheckpointCount: gc.checkpointCount,
    ...(gc.startup ? { gcStartup: gc.startup } : {}),
    gcDesync: run.outcome.data.done?.gcDesync ?? 0,
    heapBasis: memory.heapUsed?.basis,
    heapSlopeBasis: memory.heapUsed?.slopeBasis,
  };
}
