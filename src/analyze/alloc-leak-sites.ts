import type { LeakSiteRow } from '../baseline/sections.js';
import type { AllocProfileRecord } from '../samples/alloc-profile.js';
import { agentOf } from './alloc-run.js';
import type { OriginalPositions } from './alloc-source-map.js';
import { allocSites } from './alloc-sites.js';
import { allocTreeOf } from './alloc-tree.js';
import { fitSlope } from './regression.js';

/**
 * mem-stress with --alloc-sites: which sites hold more and more. At each of memkit's
 * forced-GC checkpoints the agent reads the in-use view (what is alive right after the
 * GC), so a site's in-use bytes over the checkpoints after warm-up are a series like the
 * live memory's, and a least-squares slope says whether it climbs. The leak verdict's
 * evidence then names where the growing memory was allocated.
 *
 * A site grows when both:
 *  - its slope's confidence interval is above zero, Bonferroni-corrected over the sites
 *    tested (many sites, one question each: a chance climb of one must not be named);
 *  - the growth it implies over the span is at least `minGrowthBytes`: a few samples'
 *    worth (an estimate made of one or two samples is noise) and a share of the live
 *    memory (what the caller passes);
 *  - and beyond the sampling noise of the site's own readings: V8 samples one allocation
 *    per `intervalBytes` on average, so a site holding B bytes is read as a Poisson count
 *    of samples times the interval, whose standard deviation is sqrt(B × interval). The
 *    readings share most of their samples (the objects live on), so that noise is not
 *    independent from point to point and a slope's interval alone underrates it: a
 *    bounded cache of 800 KB, read at 64 KiB, was named growing by 431 KB once in a
 *    loaded suite. The growth must be at least three standard deviations of the
 *    difference of the first and last readings. tracemalloc counts every block (interval 1).
 * Per isolate (each has its own checkpoints and clock), slopes added over isolates.
 */

/** A growing site, as the baseline keeps it (the slope's half-width is the corrected interval's). */
export type GrowingSite = LeakSiteRow;

export interface GrowingSitesOptions {
  /** Checkpoints from here on (the end of the warm-up). */
  fromMs: number;
  cwd: string;
  /** The run's source maps: sites at their original position, keyed as the run's other sites. */
  original?: OriginalPositions;
  minGrowthBytes: number;
  /** Family-wise error over the sites tested. */
  alpha?: number;
}

const PER_MIN = 60_000;
const MIN_POINTS = 4;

export function growingSites(records: readonly AllocProfileRecord[], opts: GrowingSitesOptions): GrowingSite[] {
  const byAgent = new Map<number, AllocProfileRecord[]>();
  for (const r of records) {
    if (r.view !== 'inuse' || r.why !== 'checkpoint' || r.tMs < opts.fromMs) continue;
    const list = byAgent.get(agentOf(r)) ?? [];
    list.push(r);
    byAgent.set(agentOf(r), list);
  }
  // Per isolate: each checkpoint's in-use bytes per site.
  const series: Array<{ tMs: number[]; bytes: Map<string, number>[]; intervalBytes: number }> = [];
  const labels = new Map<string, string>();
  for (const list of byAgent.values()) {
    if (list.length < MIN_POINTS) continue;
    list.sort((a, b) => a.seq - b.seq);
    series.push({
      tMs: list.map((r) => r.tMs),
      intervalBytes: Math.max(...list.map((r) => r.intervalBytes)),
      bytes: list.map((r) => {
        const m = new Map<string, number>();
        for (const s of allocSites(allocTreeOf(r, opts.cwd, opts.original))) {
          m.set(s.key, s.inuseBytes);
          labels.set(s.key, s.label);
        }
        return m;
      }),
    });
  }
  // Candidates: sites whose last reading somewhere is at least the smallest growth worth naming.
  const candidates = [...labels.keys()].filter((key) => series.some((s) => (s.bytes[s.bytes.length - 1]!.get(key) ?? 0) >= opts.minGrowthBytes));
  if (candidates.length === 0) return [];
  const confidence = 1 - (opts.alpha ?? 0.05) / candidates.length;
  const out: GrowingSite[] = [];
  for (const key of candidates) {
    let slope = 0;
    let variance = 0;
    let growth = 0;
    let points = 0;
    let noiseVariance = 0;
    for (const s of series) {
      const y = s.bytes.map((m) => m.get(key) ?? 0);
      noiseVariance += s.intervalBytes * (y[0]! + y[y.length - 1]!);
      const fit = fitSlope(s.tMs, y, confidence);
      if (!fit) continue;
      slope += fit.slope;
      variance += fit.slopeHalfWidth ** 2;
      growth += fit.slope * (s.tMs[s.tMs.length - 1]! - s.tMs[0]!);
      points = Math.max(points, y.length);
    }
    const halfWidth = Math.sqrt(variance);
    if (slope - halfWidth > 0 && growth >= opts.minGrowthBytes && growth >= 3 * Math.sqrt(noiseVariance)) {
      out.push({ key, label: labels.get(key)!, slopeBytesPerMin: slope * PER_MIN, halfWidthBytesPerMin: halfWidth * PER_MIN, growthBytes: growth, points });
    }
  }
  return out.sort((a, b) => b.slopeBytesPerMin - a.slopeBytesPerMin);
}
