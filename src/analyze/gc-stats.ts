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
  /**
   * Whole-life runs only: the GCs before the program's own code began (Node's start-up
   * and memkit's preload), part of the counts above and shown apart.
   */
  startup?: GcStartup;
}

export interface GcStartup {
  counts: Record<GcKindName, number>;
  pauseMs: number;
}

export interface GcStatsOptions {
  /**
   * Count every GC the program caused, from the first to exit, not only the window's
   * (a user's command: its totals must equal V8's --trace-gc). Checkpoints stay out.
   */
  wholeLife?: boolean;
  /** Whole-life runs: where the program's own code began (start-up is before); default the window's start. */
  programStartMs?: number;
  /**
   * Whole-life runs of several isolates merged (analyze/process-merge.ts): per GC, 1 when it
   * came before its own isolate's program start. Replaces programStartMs, so the start-up
   * counts are the sum of each isolate's own.
   */
  beforeProgramStart?: ArrayLike<number>;
  /**
   * What the time ratio divides by instead of the window: for several isolates, the sum of
   * their lifetimes (the share of JS-thread time spent in GC pauses).
   */
  timeRatioSpanMs?: number;
}

const zeroCounts = (): Record<GcKindName, number> => ({ minor: 0, major: 0, incremental: 0, weakcb: 0 });

/**
 * GC counts and pause statistics over the window (or the whole life, see GcStatsOptions),
 * from the program's own GCs. A pause is the main-thread time V8 reports for the event
 * (what Node's 'gc' performance entry measures), so incremental-marking and weak-callback
 * steps count as pauses too.
 */
export function gcStats(gc: GcColumns, window: Window, opts: GcStatsOptions = {}): GcStats {
  const pauses: Record<GcKindName, number[]> = { minor: [], major: [], incremental: [], weakcb: [] };
  const all: number[] = [];
  const lifetime = zeroCounts();
  const startup: GcStartup = { counts: zeroCounts(), pauseMs: 0 };
  let checkpoints = 0;
  // The span the time ratio divides by: the window, widened to the GCs counted outside it.
  let spanStartMs = window.startMs;
  let spanEndMs = window.endMs;
  const programStartMs = opts.programStartMs ?? window.startMs;
  for (let i = 0; i < gc.tMs.length; i++) {
    const name = gcKindName(gc.kind[i]!);
    if (!name) continue;
    lifetime[name]++;
    if (gc.src[i] === GcSource.Checkpoint) {
      if (name === 'major') checkpoints++;
      continue;
    }
    const t = gc.tMs[i]!;
    if (!inWindow(t, window)) {
      if (!opts.wholeLife) continue;
      spanStartMs = Math.min(spanStartMs, t);
      spanEndMs = Math.max(spanEndMs, t + gc.pauseMs[i]!);
    }
    if (opts.wholeLife && (opts.beforeProgramStart ? opts.beforeProgramStart[i] === 1 : t < programStartMs)) {
      startup.counts[name]++;
      startup.pauseMs += gc.pauseMs[i]!;
    }
    pauses[name].push(gc.pauseMs[i]!);
    all.push(gc.pauseMs[i]!);
  }
  const byKind = Object.fromEntries(
    GC_KIND_NAMES.map((k) => [k, { count: pauses[k].length, pauseMs: summarize(pauses[k]) }]),
  ) as Record<GcKindName, GcKindStats>;
  const allSummary = summarize(all);
  const windowMs = window.endMs - window.startMs;
  const spanMs = opts.timeRatioSpanMs ?? spanEndMs - spanStartMs;
  return {
    byKind,
    all: { count: all.length, pauseMs: allSummary },
    timeRatio: spanMs > 0 ? allSummary.sum / spanMs : 0,
    windowMs,
    checkpointCount: checkpoints,
    lifetimeCounts: lifetime,
    ...(opts.wholeLife ? { startup } : {}),
  };
}
