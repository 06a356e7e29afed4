import { describe, expect, it } from 'vitest';
import { minAttainablePValueGivenTies } from '../src/analyze/mann-whitney.js';
import { adjustPValues, taroneFamily } from '../src/analyze/multiple-testing.js';

// Hand-checked sets: each expected value is written as the product that gives it.
describe('Holm step-down', () => {
  it('multiplies the i-th smallest p by m - i, in p order, not input order', () => {
    const p = [0.04, 0.01, 0.03, 0.005];
    // sorted: 0.005 (x4), 0.01 (x3), 0.03 (x2), 0.04 (x1)
    const adj = adjustPValues(p, 'holm');
    // 0.005 x 4 = 0.02; 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04 -> raised to 0.06
    [0.06, 0.03, 0.06, 0.02].forEach((v, i) => expect(adj[i]).toBeCloseTo(v, 12));
  });
  it('keeps the adjusted values monotone (a larger p never gets a smaller adjusted p) and caps at 1', () => {
    // sorted 0.01 (x3 = 0.03), 0.012 (x2 = 0.024 -> raised to 0.03), 0.9 (x1 -> 0.9); 0.5 x 4 -> 1
    const adj = adjustPValues([0.9, 0.012, 0.01], 'holm');
    expect(adj[0]).toBeCloseTo(0.9, 12);
    expect(adj[1]).toBeCloseTo(0.03, 12);
    expect(adj[2]).toBeCloseTo(0.03, 12);
    expect(adjustPValues([0.5, 0.5, 0.5, 0.6], 'holm')).toEqual([1, 1, 1, 1]);
  });
  it('gives tied p-values the same adjusted value', () => {
    const adj = adjustPValues([0.01, 0.02, 0.01], 'holm');
    expect(adj[0]).toBeCloseTo(0.03, 12);
    expect(adj[2]).toBeCloseTo(0.03, 12);
    expect(adj[1]).toBeCloseTo(0.03, 12); // 0.02 x 1 = 0.02, raised to the running 0.03
  });
  it('is Bonferroni for the smallest p and 20 metrics: 0.0079 (5 vs 5 runs at best) x 20 > 0.05', () => {
    const p = [2 / 252, ...Array.from({ length: 19 }, () => 1)];
    expect(adjustPValues(p, 'holm')[0]).toBeCloseTo(40 / 252, 12);
  });
});

describe('Benjamini-Hochberg step-up', () => {
  it('multiplies the rank-k p by m / k and takes the minimum from the top down', () => {
    // m = 4; sorted 0.01 (x4 = 0.04), 0.02 (x2 = 0.04), 0.03 (x4/3 = 0.04), 0.2 (x1 = 0.2)
    const adj = adjustPValues([0.2, 0.03, 0.01, 0.02], 'bh');
    expect(adj[0]).toBeCloseTo(0.2, 12);
    expect(adj[1]).toBeCloseTo(0.04, 12);
    expect(adj[2]).toBeCloseTo(0.04, 12);
    expect(adj[3]).toBeCloseTo(0.04, 12);
  });
  it('steps up: a large p at a high rank lifts nothing, a small p at a high rank pulls the smaller ones down', () => {
    // sorted 0.04 (x3 = 0.12), 0.045 (x1.5 = 0.0675), 0.046 (x1 = 0.046): cumulative minimum from the top -> all 0.046
    const adj = adjustPValues([0.046, 0.04, 0.045], 'bh');
    for (const a of adj) expect(a).toBeCloseTo(0.046, 12);
    // Holm on the same set rejects nothing at 0.05: 0.04 x 3 = 0.12.
    expect(Math.min(...adjustPValues([0.046, 0.04, 0.045], 'holm'))).toBeCloseTo(0.12, 12);
  });
  it('gives tied p-values the same adjusted value and never exceeds 1', () => {
    const adj = adjustPValues([0.02, 0.02, 0.5, 0.9], 'bh');
    expect(adj[0]).toBeCloseTo(0.04, 12); // rank 2: 0.02 x 4/2
    expect(adj[1]).toBeCloseTo(0.04, 12);
    expect(adj[2]).toBeCloseTo(2 / 3, 12);
    expect(adj[3]).toBeCloseTo(0.9, 12);
    expect(Math.max(...adjustPValues([0.9, 0.95, 0.99], 'bh'))).toBeLessThanOrEqual(1);
  });
});

describe('every method', () => {
  it('a single metric is unchanged', () => {
    for (const method of ['holm', 'bh', 'none'] as const) expect(adjustPValues([0.037], method)).toEqual([0.037]);
  });
  it('none returns the raw p-values; an empty family is empty; a non-p-value is refused', () => {
    expect(adjustPValues([0.2, 0.01], 'none')).toEqual([0.2, 0.01]);
    expect(adjustPValues([], 'holm')).toEqual([]);
    expect(() => adjustPValues([1.2], 'bh')).toThrow(RangeError);
    expect(() => adjustPValues([Number.NaN], 'holm')).toThrow(RangeError);
  });
  it('never lowers a p-value', () => {
    const p = [0.3, 0.001, 0.04, 0.04, 0.7, 0.012];
    for (const method of ['holm', 'bh'] as const) adjustPValues(p, method).forEach((a, i) => expect(a).toBeGreaterThanOrEqual(p[i]!));
  });
});

describe("Tarone's family for discrete tests", () => {
  it('keeps the K metrics that can reach alpha / K, K the smallest that works', () => {
    // K = 1: 3 can reach 0.05 (> 1); K = 2: 0.0079 and 0.001 reach 0.025 (2 <= 2) -> those two.
    expect(taroneFamily([0.0079, 1, 0.03, 0.001, 0.44], 0.05)).toEqual([true, false, false, true, false]);
    expect(taroneFamily([1, 1], 0.05)).toEqual([false, false]);
    expect(taroneFamily([0.01], 0.05)).toEqual([true]);
    // Eight metrics at 2/252: none can reach 0.05 / 7, so the family is empty (the diff then keeps them all).
    expect(taroneFamily(Array.from({ length: 8 }, () => 2 / 252), 0.05).some(Boolean)).toBe(false);
  });
  it('the smallest attainable p given the ties: 1 for constant runs, 2/252 without ties', () => {
    expect(minAttainablePValueGivenTies([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])).toBe(1);
    expect(minAttainablePValueGivenTies([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])).toBeCloseTo(2 / 252, 12);
    // 3,3,4,3,3 twice: eight 3s and two 4s; the extreme split puts both 4s on one side: C(8,3)/C(10,5) = 56/252, doubled.
    expect(minAttainablePValueGivenTies([3, 3, 4, 3, 3], [3, 3, 4, 3, 3])).toBeCloseTo(112 / 252, 12);
  });
});
