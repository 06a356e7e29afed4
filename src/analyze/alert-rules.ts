import { GcKind, GcSource } from '../samples/protocol.js';
import type { RunData } from '../samples/run-data.js';
import { customMetrics } from './custom-metrics.js';
import { inWindow, type Window } from './window.js';

/**
 * Seed 000's alert rules, evaluated after the fact on a run's recorded samples, with the
 * semantics of their Prometheus translation (docs/prometheus/memkit-alerts.yml):
 *   delta(rss[1h]) > 50MB                      - RSS now minus RSS an hour before
 *   cache hit ratio < 0.8                      - every <p>.hit / <p>.miss pair
 *   increase(major GCs[10m]) > 50              - seed W2's "10 min 内 Gen2 > 50 次"
 *   rate(major GCs[10m]) > 5 per second        - the seed's YAML rule
 * Windows slide over the measured window; a run shorter than a rule's window is judged on
 * the run (and says so). The worst value and when it happened are returned, fired or not.
 */

export interface AlertRuleResult {
  id: 'rss-increase' | 'hit-ratio' | 'major-gc-count' | 'major-gc-rate';
  /** The rule as the seed writes it. */
  rule: string;
  /** For hit ratios: which counter pair. */
  subject?: string;
  worst: number;
  threshold: number;
  unit: 'bytes' | 'ratio' | 'count' | 'per_s';
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
export const MAJOR_GC_RATE_LIMIT_PER_S = 5;

export function evaluateAlertRules(data: RunData, window: Window): AlertRuleResult[] {
  const out: AlertRuleResult[] = [];
  const span = window.endMs - window.startMs;

  // delta over a sliding window: each sample minus the first one within the window
  // before it (two pointers).
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
    let worst = -Infinity;
    let at = t[0]!;
    for (let j = 0, i = 0; j < t.length; j++) {
      while (t[j]! - t[i]! > w) i++;
      const rise = rss[j]! - rss[i]!;
      if (rise > worst) {
        worst = rise;
        at = t[j]!;
      }
    }
    out.push({
      id: 'rss-increase',
      rule: 'delta(rss[1h]) > 50MB',
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
      rule: 'cache hit ratio < 0.8',
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
      id: 'major-gc-count',
      rule: 'increase(major GCs[10m]) > 50',
      worst,
      threshold: MAJOR_GC_LIMIT,
      unit: 'count',
      fires: worst > MAJOR_GC_LIMIT,
      ...(at !== undefined ? { atMs: at } : {}),
      windowMs: w,
    });
    const perSecond = w > 0 ? worst / (w / 1000) : 0;
    out.push({
      id: 'major-gc-rate',
      rule: 'rate(major GCs[10m]) > 5/s',
      worst: perSecond,
      threshold: MAJOR_GC_RATE_LIMIT_PER_S,
      unit: 'per_s',
      fires: perSecond > MAJOR_GC_RATE_LIMIT_PER_S,
      ...(at !== undefined ? { atMs: at } : {}),
      windowMs: w,
    });
  }
  return out;
}
