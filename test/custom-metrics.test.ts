import { describe, expect, it } from 'vitest';
import type { ProgressMessage } from '../src/samples/protocol.js';
import { customMetrics } from '../src/analyze/custom-metrics.js';
import { lookupMetric } from '../src/metrics/registry.js';

const progress = (counters: Record<string, number>, gauges: Record<string, number> = {}): ProgressMessage => ({
  type: 'progress',
  tMs: 0,
  steps: 1,
  counters,
  gauges,
  phases: {},
});

describe('the <p>.in / <p>.out rule: custom.<p>.lost = in - out', () => {
  it('reports what was taken in and not settled (a crashed run’s buffer)', () => {
    const m = customMetrics(progress({ 'records.in': 22_739, 'records.out': 390, 'records.deduped': 390 }));
    expect(m['custom.records.lost']).toBe(22_349);
    expect(m['custom.records.in']).toBe(22_739);
    expect(m['custom.records.out']).toBe(390);
  });

  it('is 0 when everything taken in came out (a complete run that drained)', () => {
    expect(customMetrics(progress({ 'records.in': 51_874, 'records.out': 51_874 }))['custom.records.lost']).toBe(0);
  });

  it('counts a missing out as 0, and derives one figure per prefix', () => {
    const m = customMetrics(progress({ 'jobs.in': 5, 'records.in': 3, 'records.out': 1 }));
    expect(m['custom.jobs.lost']).toBe(5);
    expect(m['custom.records.lost']).toBe(2);
  });

  it('derives nothing from an out alone, from gauges, or from names that merely contain "in"', () => {
    const m = customMetrics(progress({ 'records.out': 4, 'cache.insert': 2, 'login': 1 }, { 'queue.in': 9 }));
    expect(Object.keys(m).filter((k) => k.endsWith('.lost'))).toEqual([]);
  });

  it('keeps a <p>.lost the scenario counts itself', () => {
    const m = customMetrics(progress({ 'records.in': 10, 'records.out': 4, 'records.lost': 1 }));
    expect(m['custom.records.lost']).toBe(1);
  });

  it('registers lost as lower-is-better, so diff flags an increase as a regression', () => {
    expect(lookupMetric('custom.records.lost')?.better).toBe('lower');
  });
});
