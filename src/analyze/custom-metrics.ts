import type { ProgressMessage } from '../samples/protocol.js';

/**
 * Scenario counters and gauges as custom.<name> metrics, plus two derived by naming rule:
 *
 * - `<p>.hit` / `<p>.miss` (or hits/misses) → `custom.<p>.hit_ratio` = hit / (hit + miss).
 * - `<p>.in` / `<p>.out` → `custom.<p>.lost` = in − out: items taken in (records consumed)
 *   minus items whose processing is settled (flushed, written, superseded). A scenario
 *   counts both as it goes; they travel in every progress message, so the parent can
 *   reconcile them even when the child dies without a last word: for a crashed run,
 *   `lost` is what was still held (e.g. in a buffer) as of its last progress message; a
 *   run that completes and drains on teardown reports 0. A missing `out` counts as 0;
 *   a `<p>.lost` the scenario reports itself is kept as it is.
 */
export function customMetrics(progress: ProgressMessage | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!progress) return out;
  for (const [name, value] of Object.entries(progress.counters)) out[`custom.${name}`] = value;
  for (const [name, value] of Object.entries(progress.gauges)) out[`custom.${name}`] = value;
  const c = progress.counters;
  const ratioPrefixes = new Set<string>();
  for (const name of Object.keys(c)) {
    const m = /^(.*)\.(hit|hits|miss|misses)$/.exec(name);
    if (m) ratioPrefixes.add(m[1]!);
  }
  for (const prefix of ratioPrefixes) {
    const hits = c[`${prefix}.hit`] ?? c[`${prefix}.hits`] ?? 0;
    const misses = c[`${prefix}.miss`] ?? c[`${prefix}.misses`] ?? 0;
    if (hits + misses > 0) out[`custom.${prefix}.hit_ratio`] = hits / (hits + misses);
  }
  for (const [name, taken] of Object.entries(c)) {
    const m = /^(.+)\.in$/.exec(name);
    if (!m) continue;
    const lost = `custom.${m[1]}.lost`;
    if (!(lost in out)) out[lost] = taken - (c[`${m[1]}.out`] ?? 0);
  }
  return out;
}
