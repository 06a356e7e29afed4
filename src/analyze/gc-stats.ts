import { GcKind, GcSource } from '../samples/protocol.js';
import type { GcColumns } from '../samples/run-data.js';
import { summarize, type Summary } from './percentiles.js';
import { inWindow, type Window } from './window.js';

export type GcKindName = 'minor' | 'major' | 'incremental' | 'weakcb';
export const GC_KIND_NAMES: readonly GcKindName[] = ['minor', 'major', 'incremental', 'weakcb'];

export function gcKindName(kind: number): GcKindName | undefined {
  switch (kind) {
    case GcKind.Scavenge:
    case GcKind.MinorMarkCompact:
      return 'minor';
    case GcKind.MarkCompact:
      return 'major';
    case GcKind.IncrementalMarking:
      return 'incremental';
    case GcKind.ProcessWeakCallbacks:
      return 'weakcb';
    default:
      return undefined;
  }
}

export interface GcKindStats {
  count: number;
  pauseMs: Summary;
}

export interface GcStats {
  byKind: Record<GcKindName, GcKindStats>;
  /** Every GC the program caused in the window, all kinds together. */
  all: GcKindStats;
  /** Share of the window's wall time spent in GC pauses. */
  timeRatio: number;
  windowMs: number;
  /** memkit's own forced (major) GCs, left out of everything above. */
  checkpointCount: number;
  /** Every GC of the process's life by kind, including setup and checkpoints. */
  lifetimeCounts: Record<GcKindName, number>;
}

/**
 * GC counts and pause statistics over the window, from the program's own GCs. A pause
 * is the main-thread time V8 reports for the event (what Node's 'gc' performance entry
 * measures), so incremental-marking and weak-callback steps count as pauses too.
 */
export function gcStats(gc: GcColumns, window: Window): GcStats {
  const pauses: Record<GcKindName, number[]> = { minor: [], major: [], incremental: [], weakcb: [] };
  const all: number[] = [];
  const lifetime: Record<GcKindName, number> = { minor: 0, major: 0, incremental: 0, weakcb: 0 };
  let checkpoints = 0;
  for (let i = 0; i < gc.tMs.length; i++) {
    const name = gcKindName(gc.kind[i]!);
    if (!name) continue;
    lifetime[name]++;
    if (gc.src[i] === GcSource.Checkpoint) {
      if (name === 'major') checkpoints++;
      continue;
    }
    if (!inWindow(gc.tMs[i]!, window)) continue;
    pauses[name].push(gc.pauseMs[i]!);
    all.push(gc.pauseMs[i]!);
  }
  const byKind = Object.fromEntries(
    GC_KIND_NAMES.map((k) => [k, { count: pauses[k].length, pauseMs: summarize(pauses[k]) }]),
  ) as Record<GcKindName, GcKindStats>;
  const allSummary = summarize(all);
  const windowMs = window.endMs - window.startMs;
  return {
    byKind,
    all: { count: all.length, pauseMs: allSummary },
    timeRatio: windowMs > 0 ? allSummary.sum / windowMs : 0,
    windowMs,
    checkpointCount: checkpoints,
    lifetimeCounts: lifetime,
  };
}
