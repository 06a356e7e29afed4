/**
 * The open-loop schedule: request i is due at start + i / rate, whatever happened to the
 * requests before it. The generator sends every request that is due (late ones at once,
 * after a stall of memkit's own event loop) and times each from its intended send time,
 * so a stall of the program counts against every request it delayed, not only the one it
 * caught (no coordinated omission).
 */

/** When request `i` (0-based) is meant to be sent, in the start time's clock. */
export function intendedSendMs(startMs: number, ratePerSec: number, i: number): number {
  return startMs + (i * 1000) / ratePerSec;
}

/**
 * How many requests are due by `nowMs` (request 0 is due at the start), capped at `max`.
 * The tiny epsilon keeps i·(1000/rate) from landing a hair after `now` through rounding.
 */
export function dueCount(startMs: number, ratePerSec: number, nowMs: number, max = Infinity): number {
  if (nowMs < startMs) return 0;
  const due = Math.floor(((nowMs - startMs) * ratePerSec) / 1000 + 1e-9) + 1;
  return Math.min(due, max);
}
