import { describe, expect, it } from 'vitest';
import { mannWhitneyU } from '../src/analyze/mann-whitney.js';
import { hodgesLehmann } from '../src/analyze/hodges-lehmann.js';
import { shiftOf, thresholdTest } from '../src/analyze/threshold-test.js';
import type { Threshold } from '../src/analyze/thresholds.js';

/*
 * The test a build fails on: one-sided Mann-Whitney of "the change is beyond the threshold".
 */

const pause: Threshold = { relative: 0.25, absolute: 0.5, bad: 'increase', source: 'default (gc-pause)' };
const BASE = [10.0, 10.4, 9.8, 10.2, 9.9]; // median 10: tau = max(25 % of 10, 0.5) = 2.5
const up = (v: number[], by: number) => v.map((x) => x + by);

describe('thresholdTest', () => {
  it('tau is the larger part of the threshold, from the base median', () => {
    expect(shiftOf(pause, 10)).toBe(2.5);
    expect(shiftOf(pause, 1)).toBe(0.5); // the absolute floor
    expect(shiftOf({ relative: 0.1 }, -40)).toBe(4); // |base median|
    expect(shiftOf({ relative: 0.1 }, 0)).toBe(0); // no size: any change counts
  });

  it('+40 % with the runs separated even after moving back by tau: p = 1/252, the smallest 5 vs 5 can give', () => {
    const t = thresholdTest(BASE, up(BASE, 4), pause);
    expect(t.regression.tau).toBe(2.5);
    expect(t.regression.pValue).toBeCloseTo(1 / 252, 15);
    expect(t.regression.attainableP).toBeCloseTo(1 / 252, 15);
    expect(t.improvement!.pValue).toBe(1);
  });

  it('+20 %, inside the 25 % threshold: the medians differ (p = 2/252 for "no change") but "beyond the threshold" is not supported', () => {
    const cur = up(BASE, 2);
    expect(mannWhitneyU(BASE, cur).pValue).toBeCloseTo(2 / 252, 15);
    const t = thresholdTest(BASE, cur, pause);
    // cur - 2.5 = BASE - 0.5: every moved value is below its base counterpart; p of "above" is near 1.
    expect(t.regression.pValue).toBeGreaterThan(0.9);
    // The same runs could show a change beyond tau only if they were split otherwise: they cannot (range 0.6 + 2 < 2.5).
    expect(t.regression.attainableP).toBeGreaterThan(0.5);
  });

  it('is the dual of the interval rule: p <= alpha exactly when the one-sided (1 - alpha) bound clears tau', () => {
    // Moving the current runs by steps across the threshold, p <= 0.05 flips where the HL bound (90 % interval's low end) passes tau.
    for (let by = 2; by <= 4.5; by += 0.1) {
      const cur = [10.9, 11.6, 12.0, 13.1, 12.4].map((x) => x + by - 2);
      const t = thresholdTest(BASE, cur, pause);
      const hl = hodgesLehmann(BASE, cur, 0.9);
      expect(t.regression.pValue <= 0.05).toBe(hl.interval!.low > t.regression.tau);
    }
  });

  it('a decrease is bad for higher-is-better metrics: the mirror test', () => {
    const ratio: Threshold = { relative: 0.1, bad: 'decrease', source: 'default (custom)' };
    const base = [0.9, 0.91, 0.89, 0.9, 0.92];
    const t = thresholdTest(base, [0.5, 0.52, 0.49, 0.51, 0.5], ratio);
    expect(t.regression.pValue).toBeCloseTo(1 / 252, 15);
    expect(t.improvement!.pValue).toBe(1);
  });

  it("'either': both directions count, the smaller one-sided p doubled", () => {
    const either: Threshold = { relative: 0.1, bad: 'either', source: '--threshold' };
    const down = thresholdTest(BASE, up(BASE, -5), either);
    expect(down.regression.pValue).toBeCloseTo(2 / 252, 15);
    expect(down.improvement).toBeUndefined();
  });

  it('runs all equal can never clear a threshold: attainable p is 1 whatever the split', () => {
    const t = thresholdTest([3, 3, 3, 3, 3], [3, 3, 3, 3, 3], { relative: 0.1, absolute: 2, bad: 'increase', source: 'default (gc-count)' });
    expect(t.regression.pValue).toBe(1);
    expect(t.regression.attainableP).toBe(1);
  });
});
