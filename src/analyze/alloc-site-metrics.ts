import { totalsOf } from './alloc-tree.js';
import type { RunAllocSites } from './alloc-run.js';

/**
 * Allocation sites as metrics, so that `memkit diff` compares them as it compares every
 * figure (Mann-Whitney over the --repeat runs, the threshold test, the correction):
 * - `alloc.site.<key>.bytes_per_op`: a run with steps (a scenario), per step;
 * - `alloc.site.<key>.bytes`: a command that ended on its own (a fixed amount of work);
 * - `alloc.site.<key>.bytes_per_s`: always; shown, not deciding (it follows the machine);
 * - `alloc.site.<key>.share`: of the run's sampled bytes; what the diff's share floor reads;
 * - `alloc.site.<key>.inuse_bytes`: what it holds at the end (after memkit's GC), where the
 *   in-use view was measured; shown, not deciding (the leak verdict decides leaks);
 * - `alloc.sites.sampled_bytes` (and `_per_op`), `alloc.sites.inuse_bytes`: the run's
 *   totals, the denominators.
 *
 * A series of runs gets one set of sites: every site at or above `cutShare` in any run,
 * and in each run a value for each of them, 0 where the run sampled none (so every
 * `values[]` has one entry per run). Sites below the cut in every run are not written:
 * the diff treats a site one side lacks as 0 on that side, which the cut makes true to
 * within it.
 */

/** Written down to this share of a run's sampled bytes (the diff's floor, 1 %, is ten times it). */
export const SITE_CUT_SHARE = 0.001;
/** At most this many sites per baseline (the largest by their highest share). */
export const MAX_SITES = 100;

export interface SiteMetricsInput {
  sites: RunAllocSites | undefined;
  /** A command that ran to its own end: its totals are a fixed amount of work. */
  selfEnded: boolean;
}

export function allocSiteMetrics(runs: readonly SiteMetricsInput[]): Array<Record<string, number>> {
  const best = new Map<string, number>(); // key -> highest share in any run
  for (const r of runs) {
    for (const s of r.sites?.sites ?? []) {
      const share = Math.max(s.allocShare, s.inuseShare);
      if (share >= SITE_CUT_SHARE) best.set(s.key, Math.max(best.get(s.key) ?? 0, share));
    }
  }
  const keys = [...best.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_SITES)
    .map(([k]) => k);
  return runs.map((r) => {
    const out: Record<string, number> = {};
    const a = r.sites;
    if (!a) return out; // no profile: the run has no site figures at all (not zeros)
    const totals = totalsOf(a.tree);
    const total = totals.allocBytes;
    const bytes = new Map(a.sites.map((s) => [s.key, s.allocBytes]));
    const inuse = a.tree.views.includes('inuse') ? new Map(a.sites.map((s) => [s.key, s.inuseBytes])) : undefined;
    // Python's tracemalloc measures no allocated view: its figures are absent, not zeros.
    const allocated = a.tree.views.includes('allocated');
    if (allocated) out['alloc.sites.sampled_bytes'] = total;
    if (inuse) out['alloc.sites.inuse_bytes'] = totals.inuseBytes;
    if (allocated && a.steps > 0) out['alloc.sites.sampled_bytes_per_op'] = total / a.steps;
    for (const key of keys) {
      const b = bytes.get(key) ?? 0;
      const name = `alloc.site.${key}`;
      if (!allocated) {
        if (inuse) out[`${name}.inuse_bytes`] = inuse.get(key) ?? 0;
        continue;
      }
      out[`${name}.share`] = total > 0 ? b / total : 0;
      if (a.steps > 0) out[`${name}.bytes_per_op`] = b / a.steps;
      else if (r.selfEnded) out[`${name}.bytes`] = b;
      if (a.seconds > 0) out[`${name}.bytes_per_s`] = b / a.seconds;
      if (inuse) out[`${name}.inuse_bytes`] = inuse.get(key) ?? 0;
    }
    return out;
  });
}
