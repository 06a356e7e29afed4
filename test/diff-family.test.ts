import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDiffReport, type DiffPolicy } from '../src/analyze/diff.js';
import { poolSide, type LoadedBaseline } from '../src/analyze/diff-sides.js';
import { parseThresholdRule } from '../src/analyze/thresholds.js';
import type { Baseline } from '../src/baseline/schema.js';
import { makeBaseline, writeFixture } from './fixtures/baselines/builder.mjs';
import { seededNormal } from './fixtures/seeded-random.mjs';

/*
 * Issue 17: the diff as a whole. Error control across every deciding metric, the
 * interval rule, the registry's deciding-by-default list, and the 200-metric diffs.
 */

type Metrics = Record<string, number[]>;
const file = (path: string, metrics: Metrics): LoadedBaseline => ({ path, baseline: makeBaseline({ metrics }) as Baseline });
function diff(base: Metrics, current: Metrics, over: Partial<DiffPolicy> = {}) {
  const policy: DiffPolicy = { alpha: 0.05, thresholds: [], bounds: [], correction: 'holm', ...over }; // these cases are about Holm; the default (bh) has its own
  return buildDiffReport(poolSide('base', [file('base.json', base)]), poolSide('current', [file('cur.json', current)]), policy, { allowPartial: false });
}
const metric = (r: ReturnType<typeof diff>, name: string) => r.result.metrics.find((m) => m.name === name)!;

const P95 = [10.0, 10.4, 9.8, 10.2, 9.9];
const up = (v: number[], by: number) => v.map((x) => x + by);

describe('the correction across deciding metrics', () => {
  // Deciding metrics whose runs interleave (no ties: each could reach p = 2/252, none moved).
  // Their best split (1..5 against 6..10, x 1e7) clears every threshold (25 % and 10 % of 3e7, the floors): p = 1/252 at best.
  const QUIET_NAMES = ['gc.pause.p50_ms', 'gc.pause.total_ms', 'external.peak_bytes', 'rss.growth_bytes', 'heap.used.growth_bytes', 'rss.end_bytes', 'heap.used.end_bytes'];
  const quiet = (k: number, side: 0 | 1) => Object.fromEntries(QUIET_NAMES.slice(0, k).map((n) => [n, [1, 3, 5, 7, 9].map((v) => (v + side) * 1e7)]));
  const constant = { 'gc.count.major': [0, 0, 0, 0, 0], 'gc.count.incremental': [0, 0, 0, 0, 0], 'gc.count.weakcb': [2, 2, 2, 2, 2] };

  it("one metric's p is multiplied by the family size: 5 vs 5 separated runs pass Holm over 3 metrics, not over 8", () => {
    const three = diff({ 'gc.pause.p95_ms': P95, ...quiet(2, 0) }, { 'gc.pause.p95_ms': up(P95, 4), ...quiet(2, 1) });
    expect(three.result.family).toBe(3);
    const t = metric(three, 'gc.pause.p95_ms').test!;
    expect(t).toMatchObject({ pValue: 2 / 252, correction: 'holm', significant: true }); // pValue: "no change", two-sided
    expect(t.regression!.pValue).toBeCloseTo(1 / 252, 15); // "more than 25 %": one-sided, the runs separated even moved back by 2.5 ms
    expect(t.adjustedP).toBeCloseTo(3 / 252, 12); // <= 0.025
    expect(three.exitCode).toBe(1);

    const eight = diff({ 'gc.pause.p95_ms': P95, ...quiet(7, 0) }, { 'gc.pause.p95_ms': up(P95, 4), ...quiet(7, 1) });
    expect(eight.result.family).toBe(8);
    expect(metric(eight, 'gc.pause.p95_ms').test!.adjustedP).toBeCloseTo(8 / 252, 12); // > 0.025
    expect(metric(eight, 'gc.pause.p95_ms').verdict).toBe('unchanged');
    expect(eight.exitCode).toBe(0);
    // Never silent: the diff says no single regression could have been detected, and what it takes.
    expect(eight.warnings.join('\n')).toMatch(/adjusted \(holm\) across 8 deciding metrics it cannot reach 0\.025: .*\(run --repeat 6 or more per side/);
    // --correction none: the old per-metric test, which fires.
    expect(diff({ 'gc.pause.p95_ms': P95, ...quiet(7, 0) }, { 'gc.pause.p95_ms': up(P95, 4), ...quiet(7, 1) }, { correction: 'none' }).exitCode).toBe(1);
  });

  it('metrics whose ties can never reach alpha stay out of the family (Tarone)', () => {
    const r = diff({ 'gc.pause.p95_ms': P95, ...quiet(2, 0), ...constant }, { 'gc.pause.p95_ms': up(P95, 4), ...quiet(2, 1), ...constant });
    expect(r.result.family).toBe(3);
    expect(metric(r, 'gc.pause.p95_ms').test!.adjustedP).toBeCloseTo(3 / 252, 12);
    expect(metric(r, 'gc.count.weakcb').test).toMatchObject({ pValue: 1, minAttainableP: 1, outsideFamily: true, adjustedP: 1, significant: false });
    expect(metric(r, 'gc.count.weakcb').test!.regression).toMatchObject({ attainableP: 1, outsideFamily: true });
    expect(r.exitCode).toBe(1);
    // A tie-heavy count is left out too when no split of its runs could clear its threshold: 1,1,2,2,3 and 3,4,4,5,5
    // (ties within and across the sides) would reach p = 4/252 for "no change" at best, but never "more than 2 counts".
    const tied = diff(
      { 'gc.pause.p95_ms': P95, ...quiet(2, 0), 'gc.count.minor': [1, 1, 2, 2, 3] },
      { 'gc.pause.p95_ms': up(P95, 4), ...quiet(2, 1), 'gc.count.minor': [3, 4, 4, 5, 5] },
    );
    expect(metric(tied, 'gc.count.minor').test!.minAttainableP).toBeCloseTo(4 / 252, 12);
    expect(tied.result.family).toBe(3);
  });

  it('BH keeps the power Holm loses when many metrics move together', () => {
    const names = ['gc.pause.p95_ms', 'gc.time_ratio', 'alloc.bytes_per_op', 'latency.p95_ms'];
    const base = Object.fromEntries(names.map((n) => [n, P95]));
    const cur = Object.fromEntries(names.map((n) => [n, up(P95, 8)]));
    const holm = diff({ ...base, ...quiet(7, 0) }, { ...cur, ...quiet(7, 1) });
    const bh = diff({ ...base, ...quiet(7, 0) }, { ...cur, ...quiet(7, 1) }, { correction: 'bh' });
    expect(holm.result.family).toBe(11);
    expect(holm.exitCode).toBe(0); // 11 x 1/252 = 0.044 > 0.025 for the first step
    expect(bh.result.regressions).toBe(4); // 1/252 x 11 / 4 = 0.011
    expect(metric(bh, 'gc.pause.p95_ms').test!.adjustedP).toBeCloseTo((1 / 252) * (11 / 4), 12);
  });

  it('metrics outside the deciding set are not in the family and keep their raw p', () => {
    const r = diff({ 'gc.pause.p95_ms': P95, 'gc.pause.max_ms': P95 }, { 'gc.pause.p95_ms': P95, 'gc.pause.max_ms': up(P95, 40) });
    const max = metric(r, 'gc.pause.max_ms');
    expect(max.gating).toBe(false);
    expect(max.notDecidingByDefault).toMatch(/one GC event per run/);
    expect(max.test!.adjustedP).toBeUndefined();
    expect(max.verdict).toBe('regressed');
    expect(r.result.family).toBe(0); // gc.pause.p95_ms's identical runs could not clear its threshold whatever the split
    expect(r.exitCode).toBe(0);
    // Named in --metrics, it decides.
    expect(diff({ 'gc.pause.max_ms': P95 }, { 'gc.pause.max_ms': up(P95, 40) }, { metrics: ['gc.pause.max_ms'] }).exitCode).toBe(1);
  });
});

describe('practical significance from the interval', () => {
  it('medians 40 % apart but the interval reaching below the threshold is not a regression', () => {
    // Separated samples (p = 2/252), medians 10 -> 14 (+40 % > 25 %), but the 95 % interval of the shift
    // (3rd smallest to 3rd largest of the 25 differences) starts at +1.0: 10 % of the base median.
    const base = [9, 9.5, 10, 10.5, 11];
    const cur = [11.5, 12, 14, 16, 18];
    const r = diff({ 'gc.pause.p95_ms': base }, { 'gc.pause.p95_ms': cur });
    const m = metric(r, 'gc.pause.p95_ms');
    expect(m.test!.pValue).toBeCloseTo(2 / 252, 12);
    expect(m.beyondThreshold).toBe('bad');
    expect(m.shift).toMatchObject({ low: 1, level: 0.95 });
    expect(m.intervalBeyond).toBe(false);
    expect(m.verdict).toBe('unchanged');
    // A threshold the whole interval clears: 5 %, i.e. 0.5 ms against its near end of +1.0 ms.
    const loose = diff({ 'gc.pause.p95_ms': base }, { 'gc.pause.p95_ms': cur }, { thresholds: [parseThresholdRule('gc.pause.p95_ms=5%', '--threshold')] });
    expect(metric(loose, 'gc.pause.p95_ms').verdict).toBe('regressed');
  });
});

describe('200 metrics from one distribution (memkit diff, the real bin)', () => {
  const BIN = resolve('bin/memkit.js');
  const dir = mkdtempSync(join(tmpdir(), 'memkit-diff-family-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const paths: Record<string, string> = {};
  const SHIFTED = 'custom.m137.errors';
  beforeAll(() => {
    const rng = seededNormal(17);
    // custom.*.errors: lower is better, a 50 % default threshold. 10 runs per side, values ~ N(1000, 50).
    const draw = () => Array.from({ length: 10 }, () => Math.round((1000 + 50 * rng()) * 100) / 100);
    const names = Array.from({ length: 200 }, (_, i) => `custom.m${String(i).padStart(3, '0')}.errors`);
    const base = Object.fromEntries(names.map((n) => [n, draw()]));
    const cur = Object.fromEntries(names.map((n) => [n, draw()]));
    paths.base = writeFixture(dir, 'base.json', makeBaseline({ metrics: base }));
    paths.same = writeFixture(dir, 'same.json', makeBaseline({ metrics: cur }));
    paths.shifted = writeFixture(dir, 'shifted.json', makeBaseline({ metrics: { ...cur, [SHIFTED]: cur[SHIFTED]!.map((v) => v * 3) } }));
  });
  const memkit = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'diff', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('same distribution, every change counting (threshold 0 %): exit 0 with Holm; uncorrected, noise alone fails the build', () => {
    const zero = ['--threshold', 'custom.*=0%'];
    const holm = memkit([paths.base!, paths.same!, ...zero, '--correction', 'holm']);
    expect(holm.stderr).toBe('');
    expect(holm.code).toBe(0);
    expect(holm.stdout).toMatch(/p adjusted across 200 deciding metrics \(Holm, family-wise\)/);
    expect(holm.stdout).toMatch(/result: no regression/);
    // The power to fail: the same files without the correction (about 5 % of 200 metrics at p <= 0.05).
    const none = memkit([paths.base!, paths.same!, ...zero, '--correction', 'none']);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/result: \d+ regressions? \(custom\.m\d{3}\.errors/);
  });

  it('the same with one metric tripled: exit 1, naming it and only it', () => {
    const r = memkit([paths.base!, paths.shifted!, '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    // No split of the other 199 metrics' runs (N(1000, 50)) could show a change beyond their 50 % threshold: only the tripled one is in the family.
    expect(doc.family).toBe(1);
    expect(doc.metrics.filter((m: { verdict: string }) => m.verdict === 'regressed').map((m: { name: string }) => m.name)).toEqual([SHIFTED]);
    const m = doc.metrics.find((x: { name: string }) => x.name === SHIFTED);
    expect(m.test.adjustedP).toBeLessThanOrEqual(0.025);
    expect(m.intervalBeyond).toBe('bad');
    expect(memkit([paths.base!, paths.shifted!]).stdout).toMatch(/result: 1 regression \(custom\.m137\.errors\)/);
    // Every change counting (0 %): all 200 in the family, and under Holm the tripled one is still the only one called.
    const zero = JSON.parse(memkit([paths.base!, paths.shifted!, '--format', 'json', '--threshold', 'custom.*=0%', '--correction', 'holm']).stdout);
    expect(zero.family).toBe(200);
    expect(zero.exitCode).toBe(1);
    expect(zero.metrics.filter((m: { verdict: string }) => m.verdict === 'regressed').map((m: { name: string }) => m.name)).toEqual([SHIFTED]);
  });

  it('--correction with a bad value: one line, exit 2', () => {
    const r = memkit([paths.base!, paths.same!, '--correction', 'bonferroni']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["memkit: error: --correction: 'bonferroni' is not one of holm, bh, none (holm: family-wise, bh: false discovery rate)"]);
  });
});
