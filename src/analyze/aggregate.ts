import type { MetricEntry } from '../baseline/schema.js';
import { lookupMetric, unitFromName } from '../metrics/registry.js';
import { median } from './percentiles.js';

/**
 * Folds per-run metric maps into baseline entries: every run's value is kept (diff tests
 * significance on them) and the median is the value shown. A metric a run could not
 * measure (e.g. a crashed run has no end checkpoint) is simply absent from that run.
 */
export function aggregateRuns(perRun: Array<Record<string, number>>): Record<string, MetricEntry> {
  const names = new Set<string>();
  for (const run of perRun) for (const name of Object.keys(run)) names.add(name);
  const out: Record<string, MetricEntry> = {};
  for (const name of [...names].sort()) {
    const values = perRun.map((r) => r[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length === 0) continue;
    out[name] = { value: median(values), values, unit: lookupMetric(name)?.unit ?? unitFromName(name) };
  }
  return out;
}
