import { describe, expect, it } from 'vitest';
import { buildDiffReport, type DiffPolicy } from '../src/analyze/diff.js';
import { poolSide, type LoadedBaseline } from '../src/analyze/diff-sides.js';
import { parseBoundRule, parseThresholdRule } from '../src/analyze/thresholds.js';
import type { Baseline } from '../src/baseline/schema.js';
import { makeBaseline } from './fixtures/baselines/builder.mjs';

type Spec = Parameters<typeof makeBaseline>[0];
const file = (path: string, spec: Spec): LoadedBaseline => ({ path, baseline: makeBaseline(spec) as Baseline });
const policy = (over: Partial<DiffPolicy> = {}): DiffPolicy => ({ alpha: 0.05, thresholds: [], bounds: [], ...over });

function diff(base: Spec | Spec[], current: Spec | Spec[], over: Partial<DiffPolicy> = {}, allowPartial = false) {
  const list = (s: Spec | Spec[], name: string) => (Array.isArray(s) ? s : [s]).map((spec, i) => file(`${name}-${i}.json`, spec));
  return buildDiffReport(poolSide('base', list(base, 'base')), poolSide('current', list(current, 'cur')), policy(over), { allowPartial });
}
const metric = (report: ReturnType<typeof diff>, name: string) => report.result.metrics.find((m) => m.name === name)!;

// Five GC p95 pauses around 10 ms; a shifted copy is "completely separated" (p = 2/252).
const BASE_P95 = [10.0, 10.4, 9.8, 10.2, 9.9];
const shifted = (values: number[], by: number) => values.map((v) => v + by);

describe('verdicts: significance AND threshold', () => {
  it('a significant change beyond the threshold is a regression (exit 1)', () => {
    const r = diff({ metrics: { 'gc.pause.p95_ms': BASE_P95 } }, { metrics: { 'gc.pause.p95_ms': shifted(BASE_P95, 4) } });
    const m = metric(r, 'gc.pause.p95_ms');
    expect(m.verdict).toBe('regressed');
    expect(m.basis).toBe('test+threshold');
    expect(m.test).toMatchObject({ method: 'exact', pValue: 2 / 252, significant: true, u: 0 });
    expect(m.change!.absolute).toBeCloseTo(4, 12);
    expect(m.change!.relative).toBeCloseTo(0.4, 12);
    expect(m.base!.ci).toEqual({ low: 9.8, high: 10.4, level: 0.9375 });
    expect(r.exitCode).toBe(1);
  });

  it('significant but within the threshold is not a regression', () => {
    const r = diff({ metrics: { 'gc.pause.p95_ms': BASE_P95 } }, { metrics: { 'gc.pause.p95_ms': shifted(BASE_P95, 1) } });
    const m = metric(r, 'gc.pause.p95_ms');
    // The runs differ ("no change" rejected), but "changed by more than the threshold" is not supported.
    expect(m.test!.pValue).toBeLessThanOrEqual(0.05);
    expect(m.test!.regression!.pValue).toBeGreaterThan(0.025);
    expect(m.test!.significant).toBe(false);
    expect(m.beyondThreshold).toBe(false);
    expect(m.verdict).toBe('unchanged');
    expect(r.exitCode).toBe(0);
  });

  it('beyond the threshold but not significant (overlapping noise) is not a regression', () => {
    const r = diff({ metrics: { 'gc.pause.p95_ms': [5, 20, 6, 19, 7] } }, { metrics: { 'gc.pause.p95_ms': [21, 5.5, 18, 6.5, 19.5] } });
    const m = metric(r, 'gc.pause.p95_ms');
    expect(m.change!.relative).toBeGreaterThan(0.25);
    expect(m.beyondThreshold).toBe('bad');
    expect(m.test!.significant).toBe(false);
    expect(m.verdict).toBe('unchanged');
  });

  it('the mirror image is an improvement; higher-is-better metrics regress downwards', () => {
    const r = diff(
      { metrics: { 'gc.pause.p95_ms': BASE_P95, 'ops.rate_per_s': [1000, 1010, 990, 1005, 995] } },
      { metrics: { 'gc.pause.p95_ms': shifted(BASE_P95, -4), 'ops.rate_per_s': [400, 410, 390, 405, 395] } },
    );
    expect(metric(r, 'gc.pause.p95_ms').verdict).toBe('improved');
    expect(metric(r, 'ops.rate_per_s').verdict).toBe('regressed');
    expect(r.result.counts).toMatchObject({ regressed: 1, improved: 1 });
  });

  it('identical runs: p = 1, no change, exit 0', () => {
    const spec = { metrics: { 'gc.pause.p95_ms': BASE_P95, 'gc.count.major': [3, 3, 3, 3, 3] } };
    const r = diff(spec, spec);
    expect(metric(r, 'gc.pause.p95_ms').test!.pValue).toBe(1);
    expect(metric(r, 'gc.count.major').test!.pValue).toBe(1);
    expect(r.result.counts.unchanged).toBe(2);
    expect(r.exitCode).toBe(0);
  });

  it('--alpha changes what is significant: 4 vs 4 separated (p = 0.029) is not at alpha 0.01', () => {
    const b = { metrics: { 'gc.pause.p95_ms': [10, 10.2, 9.9, 10.1] } };
    const c = { metrics: { 'gc.pause.p95_ms': [15, 15.2, 14.9, 15.1] } };
    expect(metric(diff(b, c), 'gc.pause.p95_ms').verdict).toBe('regressed');
    const strict = metric(diff(b, c, { alpha: 0.01 }), 'gc.pause.p95_ms');
    expect(strict.basis).toBe('threshold-only'); // 2/70 > 0.01: the test cannot reach it
  });
});

describe('too few runs: threshold only, labelled', () => {
  it('3 vs 3 cannot reach 0.05: the threshold decides and a warning says so', () => {
    const r = diff({ metrics: { 'gc.pause.p95_ms': [10, 10.1, 9.9] } }, { metrics: { 'gc.pause.p95_ms': [15, 15.1, 14.9] } });
    const m = metric(r, 'gc.pause.p95_ms');
    expect(m.test).toBeUndefined();
    expect(m.testSkipped).toEqual({ reason: 'too-few-runs', minPValue: 0.05 }); // one-sided 1 / C(6, 3), above 0.025
    expect(m.basis).toBe('threshold-only');
    expect(m.verdict).toBe('regressed');
    expect(r.result.thresholdOnly).toBe(1);
    expect(r.warnings.join('\n')).toMatch(/threshold only: 3 vs 3 runs cannot reach p <= 0.025 .*\(run --repeat 4 or more per side\)/);
  });

  it('a single run per side compares the two numbers against the threshold', () => {
    const r = diff({ metrics: { 'rss.peak_bytes': [50e6] } }, { metrics: { 'rss.peak_bytes': [52e6] } });
    const m = metric(r, 'rss.peak_bytes');
    expect(m.base!.ci).toBeUndefined();
    expect(m.verdict).toBe('unchanged'); // +4 %, below the 10 % of the memory family
  });
});

describe('limits, selection and informational metrics', () => {
  it('--max breaks on the current median whatever the baseline, even without a change', () => {
    const spec = { metrics: { 'rss.growth_bytes': [6e6, 6.1e6, 5.9e6, 6e6, 6.2e6] } };
    const r = diff(spec, spec, { bounds: [parseBoundRule('max', 'rss.growth_bytes=5MB', '--max')] });
    const m = metric(r, 'rss.growth_bytes');
    expect(m.verdict).toBe('regressed');
    expect(m.basis).toBe('limit');
    expect(m.limits).toEqual([{ kind: 'max', limit: 5e6, source: '--max', broken: true }]);
    expect(r.exitCode).toBe(1);
  });

  it('--min holds a floor, e.g. a cache hit ratio above 80 %', () => {
    const r = diff(
      { metrics: { 'custom.cache.hit_ratio': [0.9, 0.9, 0.9, 0.9] } },
      { metrics: { 'custom.cache.hit_ratio': [0.79, 0.79, 0.78, 0.79] } },
      { bounds: [parseBoundRule('min', 'custom.cache.hit_ratio=0.8', '--min')] },
    );
    expect(metric(r, 'custom.cache.hit_ratio').verdict).toBe('regressed');
  });

  it('--metrics restricts what decides: other regressions are shown but do not fail', () => {
    const r = diff(
      { metrics: { 'gc.pause.p95_ms': BASE_P95, 'rss.peak_bytes': [50e6, 50e6, 50e6, 50e6, 50e6] } },
      { metrics: { 'gc.pause.p95_ms': shifted(BASE_P95, 4), 'rss.peak_bytes': [50e6, 50e6, 50e6, 50e6, 50e6] } },
      { metrics: ['rss.*'] },
    );
    const m = metric(r, 'gc.pause.p95_ms');
    expect(m.verdict).toBe('regressed');
    expect(m.gating).toBe(false);
    expect(r.result.regressions).toBe(0);
    expect(r.exitCode).toBe(0);
  });

  it('metrics without a better direction are informational unless a threshold names them', () => {
    const b = { metrics: { 'ops.count': [1000, 1000, 1000, 1000, 1000] } };
    const c = { metrics: { 'ops.count': [2000, 2000, 2000, 2000, 2000] } };
    const info = metric(diff(b, c), 'ops.count');
    expect(info.verdict).toBe('info');
    expect(info.gating).toBe(false);
    const named = metric(diff(b, c, { thresholds: [parseThresholdRule('ops.count=10%', '--threshold')] }), 'ops.count');
    expect(named.verdict).toBe('regressed'); // unsigned: a change either way counts
    expect(named.gating).toBe(true);
  });
});

describe('what cannot be compared', () => {
  it('a metric on one side only is a warning, but an error when named in --metrics', () => {
    const b = { metrics: { 'gc.pause.p95_ms': BASE_P95, 'gc.count.major': [3, 3, 3, 3, 3] } };
    const c = { metrics: { 'gc.pause.p95_ms': BASE_P95 } };
    const r = diff(b, c);
    expect(metric(r, 'gc.count.major')).toMatchObject({ verdict: 'missing', presentOn: 'base' });
    expect(r.warnings).toContain('metric gc.count.major is only in the base run, not in the current: not compared');
    expect(r.exitCode).toBe(0);
    expect(() => diff(b, c, { metrics: ['gc.count.major'] })).toThrow(/gc.count.major is named in --metrics but missing from the current run/);
    expect(() => diff(b, c, { metrics: ['gc.count.*'] })).not.toThrow();
    expect(() => diff(b, c, { bounds: [parseBoundRule('max', 'gc.count.major=5', '--max')] })).toThrow(/has a --max limit/);
  });

  it('different kinds are refused', () => {
    expect(() => diff({ kind: 'heap-summary', metrics: { 'heap.used.peak_bytes': [1] } }, { metrics: { 'heap.used.peak_bytes': [1] } })).toThrow(
      /cannot compare a heap-summary baseline \(base-0.json\) with a gc-profile run \(cur-0.json\): different kinds/,
    );
  });

  it('partial runs are refused unless allowed, then flagged', () => {
    const ok = { metrics: { 'gc.pause.p95_ms': BASE_P95 } };
    const crashed = { status: 'crashed', metrics: { 'gc.pause.p95_ms': BASE_P95 } };
    expect(() => diff(ok, crashed)).toThrow(/cur-0.json: crashed \(fixture run crashed\): a partial run's figures are not comparable; .*--allow-partial/);
    const r = diff(ok, crashed, {}, true);
    expect(r.current.status).toBe('crashed');
    expect(r.warnings[0]).toMatch(/^partial current run compared \(--allow-partial\): cur-0.json: crashed/);
  });

  it('unit disagreements between files are refused', () => {
    expect(() =>
      diff({ metrics: { 'custom.x': { values: [1], unit: 'ms' } } }, { metrics: { 'custom.x': { values: [1], unit: 'ms' } } }),
    ).not.toThrow();
    expect(() => poolSide('base', [file('a.json', { metrics: { 'custom.x': { values: [1], unit: 'ms' } } }), file('b.json', { metrics: { 'custom.x': { values: [1], unit: 'bytes' } } })])).toThrow(
      /metric custom.x is in ms in a.json but in bytes in b.json/,
    );
  });
});

describe('several files per side, environments', () => {
  it('pools the values of every file of a side', () => {
    const r = diff(
      [{ metrics: { 'gc.pause.p95_ms': [10, 10.1] } }, { metrics: { 'gc.pause.p95_ms': [9.9, 10.2] } }],
      [{ metrics: { 'gc.pause.p95_ms': [14, 14.1] } }, { metrics: { 'gc.pause.p95_ms': [13.9, 14.2] } }],
    );
    const m = metric(r, 'gc.pause.p95_ms');
    expect(m.base!.n).toBe(4);
    expect(m.current!.values).toEqual([14, 14.1, 13.9, 14.2]);
    expect(m.test!.pValue).toBeCloseTo(2 / 70, 15);
    expect(r.base.runs).toBe(4);
  });

  it('warns about Node/V8 version, CPU model, core count and V8 flag differences', () => {
    const r = diff(
      { metrics: { 'gc.pause.p95_ms': BASE_P95 } },
      {
        metrics: { 'gc.pause.p95_ms': BASE_P95 },
        environment: { node: 'v22.1.0', v8: '12.4.254.14-node.11', cpuModel: 'Other CPU', cpuCount: 8, nodeFlags: ['--expose-gc', '--max-semi-space-size=64'] },
      },
    );
    expect(r.environment.map((d) => d.field)).toEqual(['node', 'v8', 'cpuModel', 'cpuCount', 'nodeFlags']);
    expect(r.warnings).toContain('V8/Node flags differ: base --expose-gc, current --expose-gc --max-semi-space-size=64; the numbers are not directly comparable');
    expect(r.exitCode).toBe(0);
  });

  it('warns when one side got much less CPU per wall-clock second (a busier machine)', () => {
    const wall = [4000, 4000, 4000, 4000, 4000];
    const quiet = { metrics: { 'gc.pause.p95_ms': BASE_P95, duration_ms: wall, 'cpu.time_ms': [1800, 1880, 1760, 1520, 1520] } };
    const busy = { metrics: { 'gc.pause.p95_ms': BASE_P95, duration_ms: wall, 'cpu.time_ms': [1120, 720, 1080, 1160, 1880] } };
    const r = diff(quiet, busy);
    expect(r.warnings).toContain(
      'the current runs got 36% less CPU per wall-clock second than the other side (median 0.44 vs 0.28 of a core): ' +
        'the machine was busier, which inflates GC pauses, latencies and per-second rates; judge those with care or rerun',
    );
    expect(r.exitCode).toBe(0); // a warning, never a verdict
    expect(diff(quiet, quiet).warnings.join('\n')).not.toMatch(/CPU per wall-clock second/);
  });

  it('notes when the sides ran different variants (comparing variants is allowed)', () => {
    const r = diff(
      { metrics: { 'gc.pause.p95_ms': BASE_P95 } },
      { metrics: { 'gc.pause.p95_ms': BASE_P95 }, target: { type: 'scenario', scenario: 'lru-cache', file: 'x', builtin: true, variant: 'unstable-key', params: {} } },
    );
    expect(r.warnings).toContain('the sides ran different targets (base vs current): variant stable-key vs unstable-key');
  });
});
