import { formatClock, formatRate } from '../../units/format.js';

/**
 * Progress lines of similarity-build. On a non-TTY they are the seed's log lines,
 * "Progress: 25000/500000 items (5.0%)", one per 5 % step; on a TTY the same text with
 * the rate and the time left, shown by a spinner.
 */

export function progressLine(done: number, total: number): string {
  const pct = total > 0 ? (100 * done) / total : 100;
  return `Progress: ${done}/${total} items (${pct.toFixed(1)}%)`;
}

export function progressLineTty(done: number, total: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? formatClock(((total - done) / rate) * 1000) : '?';
  return `${progressLine(done, total)} · ${formatRate(rate, 'items/s')} · ETA ${eta}`;
}

/** The seed's first log line. */
export function startLine(total: number, microBatch: number, k: number, workers: number): string {
  return `Computing similarity in micro-batches (total=${total}, micro_batch_size=${microBatch}, top_k=${k}, workers=${workers})`;
}

/** Which 5 % step `done` has reached (non-TTY lines are printed once per step). */
export function progressStep(done: number, total: number, stepPercent = 5): number {
  return total > 0 ? Math.floor((done * 100) / total / stepPercent) : 0;
}

