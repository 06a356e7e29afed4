import { mannWhitneyU } from './mann-whitney.js';
import type { Threshold } from './thresholds.js';

/**
 * The hypothesis a build fails on, tested directly: "the change is larger than the
 * threshold, in the bad direction". Per metric a one-sided Mann-Whitney test of
 * H0: shift <= tau against H1: shift > tau, where tau is the threshold as an amount in the
 * metric's unit (the larger of its relative part times |base median| and its absolute
 * part: a change must exceed every part). It is the ordinary rank test of the base runs
 * against the current runs moved back by tau — a non-inferiority test — and it is the
 * dual of the interval rule: its p is <= a level exactly when the one-sided bound at that
 * level of the Hodges-Lehmann shift lies beyond tau (ties aside). Correcting these
 * p-values across the metrics therefore corrects what actually fails the build, rather
 * than a "no change at all" hypothesis that a change inside the threshold would reject.
 *
 * One-sided because a build fails on a regression only: the regression's test and the
 * improvement's (the mirror test, kept apart: it never fails a build) are the two sides of
 * one two-sided interval, each at alpha / 2 (diff.ts, gateLevel). Its smallest p at 5 runs
 * per side is 1/252, and the correction divides that level, not a two-sided one.
 *
 * For identical code tau >= 0 makes the test conservative (p is never below the p of
 * "no change"), so the error bound of the correction holds a fortiori.
 */

export interface DirectedTest {
  /** One-sided p of "the change is beyond tau in this direction". */
  pValue: number;
  /**
   * The p the most extreme split of these pooled runs would give (all the largest on the
   * side this direction asks for): what Tarone's rule keeps the test in or out of the
   * family by. A function of the pooled values only, whatever side each run was on.
   */
  attainableP: number;
  /** The threshold as a shift in the metric's unit, from the observed base median. */
  tau: number;
}

export interface ThresholdTest {
  /** Change beyond the threshold in the bad direction (both directions for 'either'). */
  regression: DirectedTest;
  /** Change beyond it in the good direction; absent when any change is bad ('either'). */
  improvement?: DirectedTest;
}

export function thresholdTest(base: readonly number[], current: readonly number[], threshold: Threshold): ThresholdTest {
  const up = directed(base, current, threshold, 'up');
  const down = directed(base, current, threshold, 'down');
  switch (threshold.bad) {
    case 'increase':
      return { regression: up, improvement: down };
    case 'decrease':
      return { regression: down, improvement: up };
    case 'either':
      return { regression: eitherWay(up, down) };
  }
}

/** Either direction counts: the smaller one-sided p, doubled (Bonferroni over the two directions). */
function eitherWay(up: DirectedTest, down: DirectedTest): DirectedTest {
  const pick = up.pValue <= down.pValue ? up : down;
  return { pValue: Math.min(1, 2 * pick.pValue), attainableP: Math.min(1, 2 * Math.min(up.attainableP, down.attainableP)), tau: pick.tau };
}

type Direction = 'up' | 'down';

function directed(base: readonly number[], current: readonly number[], threshold: Threshold, direction: Direction): DirectedTest {
  const tau = shiftOf(threshold, median(base));
  const pValue = shiftedP(base, current, tau, direction);
  // The most extreme split: for 'up' the smallest runs as base, the largest as current.
  const pooled = [...base, ...current].sort((a, b) => a - b);
  const low = pooled.slice(0, base.length);
  const high = pooled.slice(base.length);
  const [xb, xc] = direction === 'up' ? [low, high] : [pooled.slice(current.length), pooled.slice(0, current.length)];
  const attainableP = shiftedP(xb, xc, shiftOf(threshold, median(xb)), direction);
  return { pValue, attainableP, tau };
}

/** p of "current - tau is above base" ('up') or "current + tau is below base" ('down'). */
function shiftedP(base: readonly number[], current: readonly number[], tau: number, direction: Direction): number {
  const moved = current.map((v) => (direction === 'up' ? v - tau : v + tau));
  const r = mannWhitneyU(base, moved);
  return direction === 'up' ? r.pFirstLess : r.pFirstGreater;
}

/**
 * The threshold as an amount: a change must exceed every part, so the larger part. From a
 * base median of 0 a relative part has no size; the absolute part (or any change) decides.
 */
export function shiftOf(threshold: Pick<Threshold, 'relative' | 'absolute'>, baseMedian: number): number {
  const relative = threshold.relative !== undefined ? threshold.relative * Math.abs(baseMedian) : 0;
  return Math.max(relative, threshold.absolute ?? 0);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
