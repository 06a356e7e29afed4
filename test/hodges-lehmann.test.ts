import { describe, expect, it } from 'vitest';
import { hodgesLehmann, uDistribution } from '../src/analyze/hodges-lehmann.js';
import { binomial } from '../src/analyze/mann-whitney.js';

/*
 * Published example: permeability constants, Hollander & Wolfe (1973), Nonparametric
 * Statistical Methods, p. 69 — the data of R's ?wilcox.test example:
 *   x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46)
 *   y <- c(1.15, 0.88, 0.90, 0.74, 1.21)
 *   wilcox.test(x, y, conf.int = TRUE)  ->  difference in location 0.305,
 *   95 percent confidence interval -0.15 0.76
 * R was not available here: the figures were reproduced by hand with R's algorithm
 * (diffs = sort(outer(x, y, "-")); qu = qwilcox(0.025, 10, 5) = 9; c(diffs[qu], diffs[50 - qu + 1]))
 * in a separate Python script that enumerates all C(15, 5) = 3003 splits for the null
 * distribution of U: qu = 9, achieved coverage 1 - 2 * P(U <= 8) = 0.96004; at 90 %:
 * qu = 12, interval -0.08 0.72, coverage 0.90077.
 */
const X = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const Y = [1.15, 0.88, 0.9, 0.74, 1.21];

describe('Hodges-Lehmann shift and Moses interval', () => {
  it('Hollander & Wolfe permeability data: shift 0.305, 95 % interval [-0.15, 0.76]', () => {
    const r = hodgesLehmann(Y, X, 0.95); // current - base = x - y, as R's wilcox.test(x, y)
    expect(r.shift).toBeCloseTo(0.305, 10);
    expect(r.interval!.low).toBeCloseTo(-0.15, 10);
    expect(r.interval!.high).toBeCloseTo(0.76, 10);
    expect(r.interval!.achievedLevel).toBeCloseTo(0.96004, 5);
  });
  it('the same data at 90 %: [-0.08, 0.72]', () => {
    const r = hodgesLehmann(Y, X, 0.9);
    expect(r.interval!.low).toBeCloseTo(-0.08, 10);
    expect(r.interval!.high).toBeCloseTo(0.72, 10);
    expect(r.interval!.achievedLevel).toBeCloseTo(0.900766, 5);
  });
  it('swapping the sides negates the shift and mirrors the interval', () => {
    const r = hodgesLehmann(X, Y, 0.95);
    expect(r.shift).toBeCloseTo(-0.305, 10);
    expect(r.interval!.low).toBeCloseTo(-0.76, 10);
    expect(r.interval!.high).toBeCloseTo(0.15, 10);
  });
  it('5 vs 5 runs at 95 %: the 3rd smallest and 3rd largest of 25 differences (P(U <= 2) = 4/252)', () => {
    // base 1..5, current 6, 8, 9, 12, 15: differences sorted -> d(3) = 3, d(23) = 12, median 7 (checked in the same script)
    const r = hodgesLehmann([1, 2, 3, 4, 5], [6, 8, 9, 12, 15], 0.95);
    expect(r.shift).toBe(7);
    expect(r.interval).toMatchObject({ low: 3, high: 12 });
    expect(r.interval!.achievedLevel).toBeCloseTo(1 - 8 / 252, 12);
  });
  it('no interval when even the extreme differences cannot reach the level (2 vs 2 at 95 %)', () => {
    expect(hodgesLehmann([1, 2], [3, 4], 0.95).interval).toBeUndefined();
  });
  it('large samples use the normal approximation and stay close to the exact interval', () => {
    const base = Array.from({ length: 30 }, (_, i) => i);
    const current = Array.from({ length: 30 }, (_, i) => i + 10.5);
    const r = hodgesLehmann(base, current, 0.95);
    expect(r.shift).toBe(10.5);
    expect(r.interval!.low).toBeLessThan(10.5);
    expect(r.interval!.high).toBeGreaterThan(10.5);
    expect(r.interval!.achievedLevel).toBeGreaterThan(0.94);
    expect(r.interval!.achievedLevel).toBeLessThan(0.96);
  });
  it('the U distribution sums to C(n1 + n2, n1) and is symmetric', () => {
    const d = uDistribution(6, 4);
    expect(d.reduce((a, b) => a + b, 0)).toBe(binomial(10, 6));
    for (let u = 0; u < d.length; u++) expect(d[u]).toBe(d[d.length - 1 - u]);
    expect([...uDistribution(2, 2)]).toEqual([1, 1, 2, 1, 1]);
  });
});
