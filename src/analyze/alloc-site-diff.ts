import type { PooledMetric, Side } from './diff-sides.js';

/**
 * How `memkit diff` treats allocation-site metrics (alloc-site-metrics.ts writes them):
 * - A site one side lacks is 0 there, when that side measured sites at all: a baseline
 *   writes every site above 0.1 % of its runs' sampled bytes, so a site it lacks was below
 *   that. A site that appears at 5 % is exactly what CI must catch, not a "missing" metric.
 * - A site decides only when its median share reaches the floor (1 %) on either side:
 *   below it, the sampler's noise on a few samples would be tested like a real figure.
 */

export const SITE_SHARE_FLOOR = 0.01;
const PREFIX = 'alloc.site.';
const DECIDING = ['.bytes_per_op', '.bytes'];

/** Each side with zeros for the site metrics only the other has (where it measured sites). */
export function completeSiteMetrics(base: Side, current: Side): [Side, Side] {
  return [complete(base, current), complete(current, base)];
}

function complete(side: Side, other: Side): Side {
  // A Python side (tracemalloc) has the in-use view only: its in-use total says it measured sites.
  const sampled = side.metrics.get('alloc.sites.sampled_bytes') ?? side.metrics.get('alloc.sites.inuse_bytes');
  if (!sampled) return side; // no sites measured on this side: nothing to impute
  let metrics: Map<string, PooledMetric> | undefined;
  for (const [name, m] of other.metrics) {
    if (!name.startsWith(PREFIX) || side.metrics.has(name)) continue;
    metrics ??= new Map(side.metrics);
    metrics.set(name, { unit: m.unit, values: sampled.values.map(() => 0), files: sampled.files });
  }
  return metrics ? { ...side, metrics } : side;
}

/** Why a deciding site metric does not decide: its share is below the floor on both sides. */
export function belowShareFloor(name: string, base: Side, current: Side): string | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  const suffix = DECIDING.find((s) => name.endsWith(s));
  if (!suffix) return undefined;
  const share = `${name.slice(0, -suffix.length)}.share`;
  const medians = [base, current].map((s) => median(s.metrics.get(share)?.values ?? []));
  if (medians.some((m) => m >= SITE_SHARE_FLOOR)) return undefined;
  return `a site below ${SITE_SHARE_FLOOR * 100} % of the sampled bytes on both sides (${medians.map((m) => `${(m * 100).toFixed(2)} %`).join(' vs ')}): the sampler's noise, not a figure to gate on`;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
