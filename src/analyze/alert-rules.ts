import { GcKind, GcSource } from '../agent/protocol.js';
import type { RunData } from '../run/run-data.js';
import { customMetrics } from './custom-metrics.js';
import { inWindow, type Window } from './window.js';

/**
 * Seed 000's alert rules, evaluated on a run as its dashboard would have:
 *   increase(process_memory_rss_bytes[1h]) > 50MB   - RSS climbing within an hour
 *   cache_hit_rate < 0.8                             - every <p>.hit / <p>.miss pair
 *   Gen2 collections in 10 min > 50                  - major (mark-compact) GCs
 * Windows slide over the measured window; a run shorter than a rule's window is judged on
 * the run (and says so). The worst value and when it happened are returned, fired or not.
 */

export interface AlertRuleResult {
  id: 'rss-increase' | 'hit-ratio' | 'major-gc-rate';
  /** The rule as the seed writes it. */
  rule: string;
  /** For hit ratios: which counter pair. */
  subject?: string;
  worst: number;
  threshold: number;
  unit: 'bytes' | 'ratio' | 'count';
  fires: boolean;
  /** Epoch ms at which the worst value was reached (the end of its window). */
  atMs?: number;
  /** The sliding window actually used (shorter than the rule's when the run is). */
  windowMs: number;
}

export const RSS_INCREASE_WINDOW_MS = 3600_000;
export const RSS_INCREASE_LIMIT_BYTES = 50e6;
export const HIT_RATIO_FLOOR = 0.8;
export const MAJOR_GC_WINDOW_MS = 600_000;
export const MAJOR_GC_LIMIT = 50;

export function evaluateAlertRules(data: RunData, window: Window): AlertRuleResult[] {
  const out: AlertRuleResult[] = [];
  const span = window.endMs - window.startMs;

  // The largest RSS climb within any window: each sample minus the lowest one in the
  // window before it (a monotonic deque keeps that minimum in O(n)).
  const t: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < data.proc.tMs.length; i++) {
    if (inWindow(data.proc.tMs[i]!, window)) {
      t.push(data.proc.tMs[i]!);
      rss.push(data.proc.rssBytes[i]!);
    }
  }
  if (t.length >= 2) {
    const w = Math.min(RSS_INCREASE_WINDOW_MS, span);
    const lows: number[] = [];
    let head = 0;
    let worst = -Infinity;
    let at = t[0]!;
    for (let j = 0; j < t.length; j++) {
      while (lows.length > head && rss[lows[lows.length - 1]!]! >= rss[j]!) lows.pop();
      lows.push(j);
      while (t[j]! - t[lows[head]!]! > w) head++;
      const rise = rss[j]! - rss[lows[head]!]!;
      if (rise > worst) {
        worst = rise;
        at = t[j]!;
      }
    }
    out.push({
      id: 'rss-increase',
      rule: 'increase(process_memory_rss_bytes[1h]) > 50MB',
      worst,
      threshold: RSS_INCREASE_LIMIT_BYTES,
      unit: 'bytes',
      fires: worst > RSS_INCREASE_LIMIT_BYTES,
      atMs: at,
      windowMs: w,
    });
  }

  for (const [name, ratio] of Object.entries(customMetrics(data.progress))) {
    const m = /^custom\.(.*)\.hit_ratio$/.exec(name);
    if (!m) continue;
    out.push({
      id: 'hit-ratio',
      rule: 'cache_hit_rate < 0.8',
      subject: m[1]!,
      worst: ratio,
      threshold: HIT_RATIO_FLOOR,
      unit: 'ratio',
      fires: ratio < HIT_RATIO_FLOOR,
      windowMs: span,
    });
  }

  if (data.hello) {
    const majors: number[] = [];
    for (let i = 0; i < data.gc.tMs.length; i++) {
      if (data.gc.kind[i] === GcKind.MarkCompact && data.gc.src[i] === GcSource.Program && inWindow(data.gc.tMs[i]!, window)) majors.push(data.gc.tMs[i]!);
    }
    majors.sort((a, b) => a - b);
    const w = Math.min(MAJOR_GC_WINDOW_MS, span);
    let worst = 0;
    let at: number | undefined;
    for (let j = 0, i = 0; j < majors.length; j++) {
      while (majors[j]! - majors[i]! > w) i++;
      if (j - i + 1 > worst) {
        worst = j - i + 1;
        at = majors[j];
      }
    }
    out.push({
      id: 'major-gc-rate',
      rule: 'Gen2 (major) collections in 10 min > 50',
      worst,
      threshold: MAJOR_GC_LIMIT,
      unit: 'count',
      fires: worst > MAJOR_GC_LIMIT,
      ...(at !== undefined ? { atMs: at } : {}),
      windowMs: w,
    });
  }
  return out;
}
