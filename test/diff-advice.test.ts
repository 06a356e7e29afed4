import { describe, expect, it } from 'vitest';
import { detectableChanges } from '../src/analyze/diff-advice.js';
import { thresholdTest } from '../src/analyze/threshold-test.js';
import { seededNormal } from './fixtures/seeded-random.mjs';

/*
 * The advice "n runs per side detect a change of >= d" claims about 80 % power for the
 * exact one-sided threshold test. Checked here against that very test on simulated
 * normal runs (seeded), at the noise the advice itself estimated.
 */

const threshold = { relative: 0.1, bad: 'increase' as const, source: 'test' };
const BASE = [98, 101, 100, 103, 99];
const CURRENT = [100, 97, 102, 101, 100];

describe('detectable change (the advice)', () => {
  it('at the size it prints, the exact test on normal runs of that noise has about 80 % power (n and 2n runs)', () => {
    const family = 4;
    const level = 0.025 / family;
    const [advice] = detectableChanges([{ name: 'gc.pause.p95_ms', gating: true, threshold, base: { n: 5, median: 100, values: BASE }, current: { n: 5, median: 100, values: CURRENT } }], 0.025, family);
    expect(advice!.noise).toBeGreaterThan(0);
    for (const at of advice!.at) {
      const n = at.runsPerSide;
      const rng = seededNormal(17 + n);
      let hits = 0;
      const sims = 4000;
      for (let i = 0; i < sims; i++) {
        const base = Array.from({ length: n }, () => 100 + advice!.noise * rng());
        const current = Array.from({ length: n }, () => 100 + at.absolute! + advice!.noise * rng());
        if (thresholdTest(base, current, threshold).regression.pValue <= level) hits++;
      }
      // About 80 %: 79-83 % in simulation, up to ~92 % where only all runs of one side above the other is significant
      // (5 runs, 4 metrics: the normal approximation of the count is conservative there). The asymptotic formula this
      // replaced promised 80 % where the test had ~40 %, and would fail the lower bound.
      expect(hits / sims).toBeGreaterThan(0.75);
      expect(hits / sims).toBeLessThan(0.95);
    }
  });

  it('says when no change of any size can be detected, and from how many runs it can', () => {
    // 20 deciding metrics at 0.025: each test at 0.00125; 5 runs per side reach 1/252 = 0.004 at best, 6 runs 1/924.
    const [advice] = detectableChanges([{ name: 'm', gating: true, threshold, base: { n: 5, median: 100, values: BASE }, current: { n: 5, median: 100, values: CURRENT } }], 0.025, 20);
    expect(advice!.at[0]).toEqual({ runsPerSide: 5, absolute: null, relative: null });
    expect(advice!.at[1]!.absolute).not.toBeNull();
    expect(advice!.minRunsPerSide).toBe(6);
  });
});
