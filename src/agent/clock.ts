import { performance } from 'node:perf_hooks';

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Converts a performance-timeline time (ms since this process's time origin) to epoch ms. */
export function timelineToEpochMs(t: number): number {
  return performance.timeOrigin + t;
}
