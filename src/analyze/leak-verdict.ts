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
 *    growth does not level off in the second half of the checkpoints (a cache still filling
 *    up). That half is judged per unit of work, not per second: a leak grows with the work
 *    done, and a busy machine slows the work, not the clock (a real leak slowed from 500 to
 *    260 steps/s under load once looked as if it levelled off). The work is the steps done
 *    where the points have them (a scenario), else the checkpoints' order (a user's
 *    command: each checkpoint comes after a share of the program's running time);
 *  - "no leak": even the interval's upper end implies less growth than that;
 *  - "inconclusive": anything between, too few checkpoints, or RSS climbing while the
 *    live memory does not (native memory or fragmentation, which no heap figure shows).
 */

export type { LeakVerdictKind };

export interface LivePoint {
  tMs: number;
  liveBytes: number;
  /** Steps done by this checkpoint (a scenario): the work axis of the levelling-off test. */
  steps?: number;
}

export type LeakVerdict = RunLeakSection;

export interface LeakOptions {
  /** Growth smaller than this over the run is not worth calling a leak. */
  minEffectBytes?: number;
  /** ... nor growth smaller than this fraction of the live memory at the start. */
  minEffectRatio?: number;
  minPoints?: number;
  /** What the live figure is when it is not V8's heap + external (a Python agent's), said in the reason. */
  liveLabel?: string;
  /** Why the checkpoints carry no live figure at all (a Python agent's), said instead of asking for more of them. */
  liveNotMeasured?: string;
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
      reason: live.length === 0 && opts.liveNotMeasured ? opts.liveNotMeasured : `only ${live.length} forced-GC checkpoints after warm-up (at least ${minPoints} needed): run longer or checkpoint more often`,
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
  const slopeText = `live memory ${opts.liveLabel ? `(${opts.liveLabel}) ` : ''}${mb(startLive)} → ${mb(last!.liveBytes)} over ${(spanMs / 1000).toFixed(1)} s, slope ${mb(fit.slope * MIN)}/min ± ${mb(fit.slopeHalfWidth * MIN)}/min (${live.length} checkpoints)`;

  if (fit.slope - fit.slopeHalfWidth > 0 && fit.slope * spanMs > minEffect) {
    const levelling = levellingOff(live);
    if (levelling) {
      return {
        verdict: 'inconclusive',
        reason: `${slopeText}; but the growth levels off in the second half of the checkpoints (${levelling}): a cache still filling? run longer or raise --warmup`,
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

/**
 * The growth per unit of work (steps, else checkpoints) in the second half of the
 * checkpoints against the whole run's, when it levels off: a phrase for the reason, else
 * undefined. Levelling off needs evidence: the second half's slope, upper end of its
 * interval included, is under half the whole run's. A noisy tail alone proves nothing.
 */
function levellingOff(live: LivePoint[]): string | undefined {
  const bySteps = live.every((p, i) => p.steps !== undefined && (i === 0 || p.steps >= live[i - 1]!.steps!)) && live[live.length - 1]!.steps! > live[0]!.steps!;
  const work = live.map((p, i) => (bySteps ? p.steps! : i));
  const bytes = live.map((p) => p.liveBytes);
  const half = Math.floor(live.length / 2);
  const whole = fitSlope(work, bytes);
  const tail = live.length - half >= 3 ? fitSlope(work.slice(half), bytes.slice(half)) : undefined;
  if (!whole || !tail || !(tail.slope + tail.slopeHalfWidth < 0.5 * whole.slope)) return undefined;
  const unit = bySteps ? 'step' : 'checkpoint';
  const size = (b: number) => (Math.abs(b) >= 1e5 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`);
  return `${size(tail.slope)} per ${unit} against ${size(whole.slope)} over the run`;
}
