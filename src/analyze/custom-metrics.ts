import type { ProgressMessage } from '../agent/protocol.js';

/**
 * Scenario counters and gauges as custom.<name> metrics. A pair of counters named
 * `<p>.hit` and `<p>.miss` (or hits/misses) also yields `custom.<p>.hit_ratio`.
 */
export function customMetrics(progress: ProgressMessage | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!progress) return out;
  for (const [name, value] of Object.entries(progress.counters)) out[`custom.${name}`] = value;
  for (const [name, value] of Object.entries(progress.gauges)) out[`custom.${name}`] = value;
  const prefixes = new Set<string>();
  for (const name of Object.keys(progress.counters)) {
    const m = /^(.*)\.(hit|hits|miss|misses)$/.exec(name);
    if (m) prefixes.add(m[1]!);
  }
  const c = progress.counters;
  for (const prefix of prefixes) {
    const hits = c[`${prefix}.hit`] ?? c[`${prefix}.hits`] ?? 0;
    const misses = c[`${prefix}.miss`] ?? c[`${prefix}.misses`] ?? 0;
    if (hits + misses > 0) out[`custom.${prefix}.hit_ratio`] = hits / (hits + misses);
  }
  return out;
}
