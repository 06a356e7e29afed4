import type { RunData } from '../samples/run-data.js';
import { ERROR_KINDS } from './error-kind.js';

/**
 * The built-in load's figures in a run's metrics, from the driver's own `progress`
 * records (top level, untagged: in a command's run only the load writes them):
 * - http.requests.count (sent), http.responses.count (answered, any status) and
 *   http.errors.<kind> over the whole load, warm-up included (an error is an error);
 * - ops.count and ops.rate_per_s: responses after `steadyStartMs` per second of LOAD
 *   after it. The program's window also holds its start-up (before it listened) and its
 *   stop, when no request could be sent; a rate over those would say the program did not
 *   keep up with --rate when it did.
 * The scenario-counter copies (custom.http.*) are dropped: the same counts, named once.
 */
export function httpLoadMetrics(metrics: Record<string, number>, data: RunData, steadyStartMs: number): Record<string, number> {
  const last = data.progress;
  const series = data.progressSeries;
  if (!last || series.tMs.length === 0) return metrics;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (!k.startsWith('custom.http.')) out[k] = v;
  out['http.requests.count'] = last.counters['http.requests.sent'] ?? 0;
  out['http.responses.count'] = last.counters['http.responses'] ?? 0;
  for (const kind of ERROR_KINDS) out[`http.errors.${kind}`] = last.counters[`http.errors.${kind}`] ?? 0;
  const loadStartMs = series.tMs[0]!;
  const fromMs = Math.max(loadStartMs, steadyStartMs);
  const stepsAtFrom = stepsAt(series, fromMs);
  const loadMs = series.tMs[series.tMs.length - 1]! - fromMs;
  out['ops.count'] = last.steps - stepsAtFrom;
  if (loadMs > 0) out['ops.rate_per_s'] = out['ops.count'] / (loadMs / 1000);
  else delete out['ops.rate_per_s'];
  return out;
}

/** Responses by `tMs`: the last progress record at or before it (0 before the first). */
export function stepsAt(series: { tMs: number[]; steps: number[] }, tMs: number): number {
  let steps = 0;
  for (let i = 0; i < series.tMs.length && series.tMs[i]! <= tMs; i++) steps = series.steps[i]!;
  return steps;
}
