import type { LeakVerdictKind, RunLeakSection } from '../baseline/sections.js';
import type { SlopeFit } from './regression.js';
import { fitSlope } from './regression.js';

/**
 * Is the program leaking? Judged on the live memory (V8 heap + external, right after a
 * forced GC) at memkit's checkpoints after warm-up: garbage cannot inflate it, so a
 * steady climb is memory the program still holds. A verdict needs both significance and
 * size:
 *  - "leak": the slope's confidence interval is above zero, the growth it implies over
 *    the run exceeds the smallest growth worth calling a leak (minEffectBytes), and the
 *    growth does not level off in the run's second half (a cache still filling up);
 *  - "no leak": even the interval's upper end implies less growth than that;
 *  - "inconclusive": anything between, too few checkpoints, or RSS climbing while the
 *    live memory does not (native memory or fragmentation, which no heap figure shows).
 */

export type { LeakVerdictKind };

export interface LivePoint {
  tMs: number;
  liveBytes: number;
}

export type LeakVerdict = RunLeakSection;

export interface LeakOptions {
  /** Growth smaller than this over the run is not worth calling a leak. */
  minEffectBytes?: number;
  /** ... nor growth smaller than this fraction of the live memory at the start. */
  minEffectRatio?: number;
  minPoints?: number;
}

const MIN = 60_000;

/**
 * RSS grows in any young process (V8 enlarging its spaces, code, allocator pools), so it
 * raises a doubt only when its growth is large both absolutely and against its size.
 */
function rssClimbs(rss: SlopeFit | undefined, spanMs: number, startRssBytes: number | undefined): boolean {
  if (!rss || rss.slope - rss.slopeHalfWidth <= 0) return false;
  const growth = rss.slope * spanMs;
  return growth > 16e6 && growth > 0.25 * (startRssBytes ?? 0);
}

export function judgeLeak(
  live: LivePoint[],
  rss: SlopeFit | undefined,
  opts: LeakOptions & { startRssBytes?: number } = {},
): LeakVerdict {
  const minPoints = opts.minPoints ?? 4;
  const first = live[0];
  const last = live[live.length - 1];
  const startLive = first?.liveBytes ?? 0;
  const minEffect = Math.max(opts.minEffectBytes ?? 1e6, (opts.minEffectRatio ?? 0.1) * startLive);
  const spanMs = first && last ? last.tMs - first.tMs : 0;
  const rssPart = rss
    ? { rssSlopeBytesPerMin: rss.slope * MIN, rssSlopeHalfWidthBytesPerMin: rss.slopeHalfWidth * MIN }
    : {};
  const base = { points: live.length, minEffectBytes: minEffect, spanMs, ...rssPart };
  if (live.length < minPoints) {
    return {
      verdict: 'inconclusive',
      reason: `only ${live.length} forced-GC checkpoints after warm-up (at least ${minPoints} needed): run longer or checkpoint more often`,
      ...base,
    };
  }
  const fit = fitSlope(live.map((p) => p.tMs), live.map((p) => p.liveBytes))!;
  const growth = last!.liveBytes - startLive;
  const lowGrowth = (fit.slope - fit.slopeHalfWidth) * spanMs;
  const highGrowth = (fit.slope + fit.slopeHalfWidth) * spanMs;
  const fitPart = {
    liveSlopeBytesPerMin: fit.slope * MIN,
    liveSlopeHalfWidthBytesPerMin: fit.slopeHalfWidth * MIN,
    liveGrowthBytes: growth,
  };
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const slopeText = `live memory ${mb(startLive)} → ${mb(last!.liveBytes)} over ${(spanMs / 1000).toFixed(1)} s, slope ${mb(fit.slope * MIN)}/min ± ${mb(fit.slopeHalfWidth * MIN)}/min (${live.length} checkpoints)`;

  if (fit.slope - fit.slopeHalfWidth > 0 && fit.slope * spanMs > minEffect) {
    const secondHalf = live.filter((p) => p.tMs >= first!.tMs + spanMs / 2);
    const tail = secondHalf.length >= 3 ? fitSlope(secondHalf.map((p) => p.tMs), secondHalf.map((p) => p.liveBytes)) : undefined;
    // Levelling off needs evidence: the second half's slope, upper end of its interval
    // included, is under half the whole run's. A noisy tail alone proves nothing.
    if (tail && tail.slope + tail.slopeHalfWidth < 0.5 * fit.slope) {
      return {
        verdict: 'inconclusive',
        reason: `${slopeText}; but the growth levels off in the second half (slope ${mb(tail.slope * MIN)}/min): a cache still filling? run longer or raise --warmup`,
        ...base,
        ...fitPart,
      };
    }
    return { verdict: 'leak', reason: `${slopeText}: grows steadily, more than the ${mb(minEffect)} that would matter`, ...base, ...fitPart };
  }
  if (highGrowth < minEffect) {
    if (rssClimbs(rss, spanMs, opts.startRssBytes)) {
      return {
        verdict: 'inconclusive',
        reason: `${slopeText} is flat, but RSS climbs ${mb(rss!.slope * MIN)}/min: native memory or fragmentation, which the heap does not show`,
        ...base,
        ...fitPart,
      };
    }
    return { verdict: 'no leak', reason: `${slopeText}: at most ${mb(Math.max(0, highGrowth))} growth, under the ${mb(minEffect)} that would matter`, ...base, ...fitPart };
  }
  return {
    verdict: 'inconclusive',
    reason: `${slopeText}: the interval (${mb(lowGrowth)} to ${mb(highGrowth)} over the run) straddles the ${mb(minEffect)} that would matter: run longer`,
    ...base,
    ...fitPart,
  };
}
