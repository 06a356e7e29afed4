import { describe, expect, it } from 'vitest';
import { erfc, mannWhitneyU, midRanks, minAttainablePValue, normalSf } from '../src/analyze/mann-whitney.js';
import { medianWithCi, orderStatisticCoverage } from '../src/analyze/median-ci.js';

/** Independent oracle: enumerate every split of the pooled sample (small n only); P(R <= r), P(R >= r). */
function bruteForceTails(x: number[], y: number[]): { less: number; greater: number } {
  const { ranks } = midRanks([...x, ...y]);
  const n = ranks.length;
  const observed = x.reduce((s, _, i) => s + ranks[i]!, 0);
  let total = 0;
  let below = 0;
  let above = 0;
  const visit = (start: number, left: number, sum: number): void => {
    if (left === 0) {
      total++;
      if (sum <= observed + 1e-9) below++;
      if (sum >= observed - 1e-9) above++;
      return;
    }
    for (let i = start; i <= n - left; i++) visit(i + 1, left - 1, sum + ranks[i]!);
  };
  visit(0, x.length, 0);
  return { less: below / total, greater: above / total };
}

function bruteForceTwoSidedP(x: number[], y: number[]): number {
  const { less, greater } = bruteForceTails(x, y);
  return Math.min(1, 2 * Math.min(less, greater));
}

describe('mannWhitneyU: exact p-values on hand-checkable samples', () => {
  it('3 vs 3, completely separated: U = 0, p = 2 / C(6,3) = 0.1', () => {
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    expect(r.u1).toBe(0);
    expect(r.u2).toBe(9);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(2 / 20, 15);
  });

  it('4 vs 4 separated: p = 2 / 70; 5 vs 5: p = 2 / 252 (the order does not matter)', () => {
    expect(mannWhitneyU([1, 2, 3, 4], [5, 6, 7, 8]).pValue).toBeCloseTo(2 / 70, 15);
    const r = mannWhitneyU([10, 9, 8, 7, 6], [1, 5, 2, 4, 3]);
    expect(r.u1).toBe(25);
    expect(r.pValue).toBeCloseTo(2 / 252, 15);
  });

  it('one overlap in 3 vs 3: U = 1, P(U <= 1) = 2/20, p = 0.2', () => {
    // rank sums <= 7 of three ranks out of 1..6: {1,2,3}=6, {1,2,4}=7 -> 2 of 20.
    const r = mannWhitneyU([1, 2, 4], [3, 5, 6]);
    expect(r.u1).toBe(1);
    expect(r.rankSum1).toBe(7);
    expect(r.pValue).toBeCloseTo(0.2, 15);
  });

  it('Hollander & Wolfe (1973), p. 69f (the example of R\'s ?wilcox.test): W = 35, one-sided p = 0.1272', () => {
    // Permeability constants of the human chorioamnion, term (x) vs 12-26 weeks (y).
    // R prints "W = 35, p-value = 0.1272" for alternative = "greater"; exactly 382/3003,
    // so the two-sided p is 764/3003 = 0.2544.
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyU(x, y);
    expect(r.u1).toBe(35);
    expect(r.pValue).toBeCloseTo(764 / 3003, 14);
    expect(r.pValue / 2).toBeCloseTo(0.1272, 4);
    // The one-sided p itself, as R prints it for alternative = "greater" (x tends larger).
    expect(r.pFirstGreater).toBeCloseTo(382 / 3003, 14);
    expect(r.pFirstLess).toBeCloseTo(bruteForceTails(x, y).less, 12);
  });

  it('the tortoise and the hare (Wikipedia, "Mann-Whitney U test"): U_T = 25, U_H = 11', () => {
    // Finishing order T H H H H H T T T T T H: tortoises at places 1,7,8,9,10,11.
    const r = mannWhitneyU([1, 7, 8, 9, 10, 11], [2, 3, 4, 5, 6, 12]);
    expect(r.u1).toBe(25);
    expect(r.u2).toBe(11);
    // P(U <= 11) = 143 / 924 for 6 vs 6, doubled.
    expect(r.pValue).toBeCloseTo(286 / 924, 14);
  });
});

describe('mannWhitneyU: ties, identical and all-equal samples', () => {
  it('ties use mid-ranks and the exact conditional distribution: [1,1,2] vs [2,3,3] gives p = 0.2', () => {
    // Pooled ranks 1.5 1.5 3.5 3.5 5.5 5.5; x sums to 6.5 (U = 0.5). Of the 20 splits only
    // {1.5, 1.5, 3.5} (2 ways) reaches <= 6.5, so p = 2 * 2/20. The normal approximation
    // would say 0.110, overstating the evidence at this size.
    const r = mannWhitneyU([1, 1, 2], [2, 3, 3]);
    expect(r.ties).toBe(true);
    expect(r.u1).toBe(0.5);
    expect(r.rankSum1).toBe(6.5);
    expect(r.pValue).toBeCloseTo(0.2, 15);
  });

  it('GC-count-like ties in 5 vs 5 agree with full enumeration', () => {
    const cases: Array<[number[], number[]]> = [
      [[3, 3, 4, 3, 3], [4, 4, 5, 4, 4]],
      [[3, 3, 3, 3, 3], [3, 3, 3, 3, 4]],
      [[0, 1, 1, 2, 2], [1, 2, 2, 3, 3]],
      [[7, 7, 8], [7, 8, 8, 9, 9, 9]],
    ];
    for (const [x, y] of cases) {
      const r = mannWhitneyU(x, y);
      expect(r.pValue).toBeCloseTo(bruteForceTwoSidedP(x, y), 12);
      const tails = bruteForceTails(x, y);
      expect(r.pFirstLess).toBeCloseTo(tails.less, 12);
      expect(r.pFirstGreater).toBeCloseTo(tails.greater, 12);
    }
  });

  it('one-sided p: 5 vs 5 separated is 1/252 in the direction of the separation and 1 in the other', () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.pFirstLess).toBeCloseTo(1 / 252, 15);
    expect(r.pFirstGreater).toBe(1);
    // One swap across the gap: rank sums 15 ({1,2,3,4,5}) and 16 ({1,2,3,4,6}) are at or below 16: 2 of 252.
    expect(mannWhitneyU([1, 2, 3, 4, 6], [5, 7, 8, 9, 10]).pFirstLess).toBeCloseTo(2 / 252, 15);
  });

  it('one-sided p above 50 values: the normal tail with the continuity correction towards the null', () => {
    const x = Array.from({ length: 30 }, (_, i) => i + 1);
    const y = Array.from({ length: 30 }, (_, i) => i + 31);
    const r = mannWhitneyU(x, y);
    const z = (450 - 0.5) / Math.sqrt((900 * 61) / 12);
    expect(r.pFirstLess).toBeCloseTo(normalSf(z), 14);
    expect(r.pFirstLess).toBeCloseTo(r.pValue / 2, 14);
    expect(r.pFirstGreater).toBeCloseTo(normalSf(-(450 + 0.5) / Math.sqrt((900 * 61) / 12)), 14);
  });

  it('identical samples: U = n1 n2 / 2 and p = 1', () => {
    const r = mannWhitneyU([5, 1, 4, 2, 3], [1, 2, 3, 4, 5]);
    expect(r.u1).toBe(12.5);
    expect(r.pValue).toBe(1);
  });

  it('all values equal: every split has the same rank sum, p = 1 (exact and normal)', () => {
    const exact = mannWhitneyU([7, 7, 7, 7], [7, 7, 7, 7]);
    expect(exact.u1).toBe(8);
    expect(exact.pValue).toBe(1);
    const normal = mannWhitneyU(new Array(30).fill(7), new Array(30).fill(7));
    expect(normal.method).toBe('normal');
    expect(normal.pValue).toBe(1);
  });

  it('two constant but different samples: the exact test still sees the separation', () => {
    const r = mannWhitneyU([3, 3, 3, 3], [4, 4, 4, 4]);
    expect(r.u1).toBe(0);
    expect(r.pValue).toBeCloseTo(2 / 70, 15);
  });
});

describe('mannWhitneyU: normal approximation above 50 values', () => {
  it('1..30 vs 31..60: z = (450 - 0.5) / sqrt(900 * 61 / 12), p = 2 * (1 - Phi(z))', () => {
    const x = Array.from({ length: 30 }, (_, i) => i + 1);
    const y = Array.from({ length: 30 }, (_, i) => i + 31);
    const r = mannWhitneyU(x, y);
    expect(r.method).toBe('normal');
    expect(r.u1).toBe(0);
    const z = 449.5 / Math.sqrt((900 * 61) / 12);
    expect(Math.abs(r.z!)).toBeCloseTo(z, 12);
    // scipy.stats.mannwhitneyu(x, y, method='asymptotic') (scipy 1.17) prints 3.019859359162157e-11.
    expect(r.pValue / 3.019859359162157e-11).toBeCloseTo(1, 9);
  });

  it('with ties the variance is corrected: [0]*15+[1]*15 vs [1]*15+[2]*15', () => {
    const x = [...new Array(15).fill(0), ...new Array(15).fill(1)];
    const y = [...new Array(15).fill(1), ...new Array(15).fill(2)];
    const r = mannWhitneyU(x, y);
    expect(r.u1).toBe(112.5);
    // sigma^2 = 900/12 * (61 - (3 * (15^3 - 15) + (30^3 - 30) - (15^3 - 15)) / (60 * 59)), by hand:
    const tie = 2 * (15 ** 3 - 15) + (30 ** 3 - 30);
    const sigma = Math.sqrt((900 / 12) * (61 - tie / (60 * 59)));
    const z = (450 - 112.5 - 0.5) / sigma;
    expect(r.pValue).toBeCloseTo(2 * normalSf(z), 15);
    // scipy 1.17, method='asymptotic': 5.8494350786872935e-08.
    expect(r.pValue / 5.8494350786872935e-8).toBeCloseTo(1, 9);
  });
});

describe('what the test can reach', () => {
  it('minimum attainable two-sided p: 3 vs 3 cannot reach 0.05, 4 vs 4 can', () => {
    expect(minAttainablePValue(3, 3)).toBeCloseTo(0.1, 15);
    expect(minAttainablePValue(4, 3)).toBeCloseTo(2 / 35, 15);
    expect(minAttainablePValue(4, 4)).toBeCloseTo(2 / 70, 15);
    expect(minAttainablePValue(1, 20)).toBeCloseTo(2 / 21, 15);
    expect(minAttainablePValue(1, 1)).toBe(1);
  });

  it("erfc matches reference values (CPython's math.erfc, 17 digits)", () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 15);
    expect(erfc(1)).toBeCloseTo(0.1572992070502851, 15);
    expect(erfc(2) / 0.004677734981047266).toBeCloseTo(1, 12);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 12);
    expect(erfc(-1)).toBeCloseTo(1.842700792949715, 15);
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 14);
  });
});

describe('median with a distribution-free confidence interval', () => {
  it('5 runs: only [min, max] is possible, at 1 - 2/32 = 93.75 %', () => {
    const ci = medianWithCi([12, 10, 11, 14, 13], 0.95);
    expect(ci).toEqual({ n: 5, median: 12, low: 10, high: 14, level: 0.9375 });
  });

  it('10 runs at 95 %: [x(2), x(9)] covers 1 - 2 * 11/1024', () => {
    const ci = medianWithCi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95);
    expect(ci.low).toBe(2);
    expect(ci.high).toBe(9);
    expect(ci.level).toBeCloseTo(1 - 22 / 1024, 15);
    expect(ci.median).toBe(5.5);
    expect(orderStatisticCoverage(10, 3)).toBeCloseTo(1 - 112 / 1024, 15);
  });

  it('one run: a median, no interval', () => {
    expect(medianWithCi([42], 0.95)).toEqual({ n: 1, median: 42 });
  });
});
