import { performance } from 'node:perf_hooks';

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Converts a performance-timeline time (ms since this process's time origin) to epoch ms. */
export function timelineToEpochMs(t: number): number {
  return performance.timeOrigin + t;
}

/**
 * performance.now() minus uv_hrtime() in ms: both read the same monotonic clock (the
 * timeline is uv_hrtime since the time origin), so the difference is fixed.
 */
let hrOffsetMs: number | undefined;
function hrtimeOffsetMs(): number {
  if (hrOffsetMs === undefined) {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const hr = Number(process.hrtime.bigint()) / 1e6;
      const d = performance.now() - hr;
      // now() is read after hrtime, so each difference is the offset plus a delay: keep the least.
      best = Math.min(best, d);
    }
    hrOffsetMs = best;
  }
  return hrOffsetMs;
}

/** Converts a uv_hrtime() reading (ns, as native code records it) to epoch ms. */
export function hrtimeNsToEpochMs(ns: number): number {
  return performance.timeOrigin + ns / 1e6 + hrtimeOffsetMs();
}
