import { median } from './percentiles.js';
import type { Side } from './diff-sides.js';

/**
 * Was one side's machine busier? Per run, CPU time over wall time is the share of a core
 * the child got. On a shared machine a side that ran during someone else's test suite
 * got a much smaller share, and everything measured against the wall clock (GC pauses
 * include the time the GC thread waited for a core, rates, latencies) looks worse for
 * reasons that are not the code's. The noise benchmark saw exactly that: one side at
 * 0.18-0.29 of a core, the other at 0.38-0.47, and every GC pause figure "regressed".
 * This only warns: a real pause regression on a busy machine should still be seen.
 */
export interface CpuShareDifference {
  baseShare: number;
  currentShare: number;
}

/**
 * Beyond this relative difference of the median shares diff warns. No significance test:
 * with 5 runs one undisturbed run hides a real difference (0.44 vs 0.28 of a core gave
 * p = 0.15), and a needless warning costs less than a missed one.
 */
export const CPU_SHARE_TOLERANCE = 0.25;

export function compareCpuShare(base: Side, current: Side): CpuShareDifference | undefined {
  const b = shares(base);
  const c = shares(current);
  if (!b || !c) return undefined;
  const baseShare = median(b);
  const currentShare = median(c);
  if (!(baseShare > 0 && currentShare > 0)) return undefined;
  const ratio = currentShare / baseShare;
  if (ratio >= 1 - CPU_SHARE_TOLERANCE && ratio <= 1 / (1 - CPU_SHARE_TOLERANCE)) return undefined;
  return { baseShare, currentShare };
}

export function describeCpuShareDifference(d: CpuShareDifference): string {
  const busier = d.currentShare < d.baseShare ? 'current' : 'baseline';
  const by = Math.round((1 - Math.min(d.baseShare, d.currentShare) / Math.max(d.baseShare, d.currentShare)) * 100);
  const who = `the ${busier} runs got`;
  return (
    `${who} ${by}% less CPU per wall-clock second than the other side (median ${d.baseShare.toFixed(2)} vs ` +
    `${d.currentShare.toFixed(2)} of a core): the machine was busier, which inflates GC pauses, latencies and ` +
    `per-second rates; judge those with care or rerun`
  );
}

/** Per-run CPU share of one side, when every run has both figures. */
function shares(side: Side): number[] | undefined {
  const cpu = side.metrics.get('cpu.time_ms')?.values;
  const wall = side.metrics.get('duration_ms')?.values;
  if (!cpu || !wall || cpu.length !== wall.length || cpu.length === 0) return undefined;
  const out = cpu.map((c, i) => c / wall[i]!);
  return out.every((s) => Number.isFinite(s) && s >= 0) ? out : undefined;
}
