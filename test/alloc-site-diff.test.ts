import { describe, expect, it } from 'vitest';
import { buildDiffReport, type DiffPolicy } from '../src/analyze/diff.js';
import { poolSide, type LoadedBaseline } from '../src/analyze/diff-sides.js';
import type { Baseline } from '../src/baseline/schema.js';
import { makeBaseline } from './fixtures/baselines/builder.mjs';

/*
 * Issue 15: allocation-site metrics in `memkit diff`. A site a side lacks is 0 there (when
 * the side measured sites), within and across files; a site below 1 % of the sampled
 * bytes on both sides does not decide.
 */

type Metrics = Record<string, number[]>;
const file = (path: string, metrics: Metrics): LoadedBaseline => ({ path, baseline: makeBaseline({ metrics }) as Baseline });
const policy: DiffPolicy = { alpha: 0.05, thresholds: [], bounds: [] };
const report = (base: LoadedBaseline[], current: LoadedBaseline[]) => buildDiffReport(poolSide('base', base), poolSide('current', current), policy, { allowPartial: false });
const metric = (r: ReturnType<typeof report>, name: string) => r.result.metrics.find((m) => m.name === name)!;

const SAMPLED = [1e6, 1.01e6, 0.99e6, 1e6, 1.02e6];
const site = (key: string, bytes: number[], share: number[]) => ({ [`alloc.site.${key}.bytes`]: bytes, [`alloc.site.${key}.share`]: share });

describe('allocation sites in the diff', () => {
  it('a site only the current side has is 0 on the base side (which measured sites): a new 30 % site regresses', () => {
    const base = file('base.json', { 'alloc.sites.sampled_bytes': SAMPLED, ...site('a@x.js', SAMPLED, [1, 1, 1, 1, 1]) });
    const current = file('cur.json', {
      'alloc.sites.sampled_bytes': SAMPLED.map((v) => v * 1.3),
      ...site('a@x.js', SAMPLED, [0.77, 0.77, 0.77, 0.77, 0.77]),
      ...site('new@x.js', [3e5, 3.1e5, 2.9e5, 3e5, 3.05e5], [0.23, 0.23, 0.23, 0.23, 0.23]),
    });
    const r = report([base], [current]);
    const added = metric(r, 'alloc.site.new@x.js.bytes');
    expect(added.base!.values).toEqual([0, 0, 0, 0, 0]);
    expect(added.verdict).toBe('regressed');
    expect(added.gating).toBe(true);
    expect(r.exitCode).toBe(1);
    expect(metric(r, 'alloc.site.a@x.js.bytes').verdict).toBe('unchanged');
  });

  it('a side that measured no sites gets no zeros: the site is missing there, not 0', () => {
    const base = file('base.json', { 'gc.count.minor': [3, 3, 3, 3, 3] });
    const current = file('cur.json', { 'alloc.sites.sampled_bytes': SAMPLED, ...site('a@x.js', SAMPLED, [1, 1, 1, 1, 1]), 'gc.count.minor': [3, 3, 3, 3, 3] });
    const r = report([base], [current]);
    expect(metric(r, 'alloc.site.a@x.js.bytes').verdict).toBe('missing');
    expect(r.exitCode).toBe(0);
  });

  it('below 1 % of the sampled bytes on both sides a site does not decide, however much it moved', () => {
    const base = file('base.json', { 'alloc.sites.sampled_bytes': SAMPLED, ...site('tiny@x.js', [10, 11, 9, 10, 10], [0.00001, 0.00001, 0.00001, 0.00001, 0.00001]) });
    const current = file('cur.json', { 'alloc.sites.sampled_bytes': SAMPLED, ...site('tiny@x.js', [5000, 5100, 4900, 5000, 5050], [0.005, 0.005, 0.005, 0.005, 0.005]) });
    const r = report([base], [current]);
    const tiny = metric(r, 'alloc.site.tiny@x.js.bytes');
    expect(tiny.gating).toBe(false);
    expect(tiny.notDecidingByDefault).toMatch(/below 1 % of the sampled bytes on both sides \(0\.00 % vs 0\.50 %\)/);
    expect(r.exitCode).toBe(0);
    // Named in --metrics, it decides.
    const named = buildDiffReport(poolSide('base', [base]), poolSide('current', [current]), { ...policy, metrics: ['alloc.site.tiny@x.js.bytes'] }, { allowPartial: false });
    expect(named.exitCode).toBe(1);
  });

  it('across files of one side: a file that sampled sites but not this one adds a 0 per run, and no "only in" warning', () => {
    const runs = [1e5, 1.1e5, 0.9e5, 1e5];
    const base = runs.map((v, i) => file(`b${i}.json`, { 'alloc.sites.sampled_bytes': [1e6], ...site('s@x.js', [v], [v / 1e6]) }));
    // The fifth base run sampled sites, none of them s@x.js.
    base.push(file('b4.json', { 'alloc.sites.sampled_bytes': [1e6] }));
    const side = poolSide('base', base);
    expect(side.metrics.get('alloc.site.s@x.js.bytes')!.values).toEqual([...runs, 0]);
    expect(side.warnings.join('\n')).not.toMatch(/alloc\.site\.s@x\.js\.bytes is in only/);
  });
});
