import type { GcBatch, MemBatch } from '../samples/protocol.js';
import { allocationInWindow } from '../analyze/alloc-rate.js';
import type { Window } from '../analyze/window.js';
import type { GcColumns, MemColumns } from '../samples/run-data.js';

/**
 * The allocation rate of the last minute, for `memkit_allocation_rate_bytes_per_second`:
 * a live figure for dashboards ("allocations/sec" in seed 000's panel), computed at scrape
 * time by the baseline's own estimator (`allocationInWindow`) over the recent GC events and
 * heap samples kept here. The baseline's `alloc.rate_bytes_per_s` is the same estimator
 * over the whole window; a long run's average would hide a change in hour 20.
 *
 * Only a little more than the last window of samples is kept, so a day-long run costs no
 * more than a minute's worth of memory.
 */

export const RECENT_ALLOCATION_WINDOW_MS = 60_000;

const GC_KEYS = ['tMs', 'kind', 'pauseMs', 'flags', 'usedBefore', 'usedAfter', 'totalAfter', 'src'] as const;
const MEM_KEYS = ['tMs', 'rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const;

export class RecentAllocation {
  private gc: GcColumns = { tMs: [], kind: [], pauseMs: [], flags: [], usedBefore: [], usedAfter: [], totalAfter: [], src: [] };
  private mem: MemColumns = { tMs: [], rss: [], heapUsed: [], heapTotal: [], external: [], arrayBuffers: [] };

  constructor(private readonly windowMs = RECENT_ALLOCATION_WINDOW_MS) {}

  addGc(b: GcBatch): void {
    for (const k of GC_KEYS) for (const v of b[k]) this.gc[k].push(v);
  }

  addMem(b: MemBatch): void {
    for (const k of MEM_KEYS) for (const v of b[k]) this.mem[k].push(v);
    this.trim();
  }

  /**
   * Bytes per second over the last `windowMs` of the measured window (clipped to its
   * start and end), or undefined before there is a stretch to measure.
   */
  ratePerSecond(measured: Window, startHeapUsed?: number): number | undefined {
    const lastSample = this.mem.tMs[this.mem.tMs.length - 1];
    if (lastSample === undefined) return undefined;
    const endMs = Math.min(lastSample, measured.endMs);
    const startMs = Math.max(measured.startMs, endMs - this.windowMs);
    if (endMs <= startMs) return undefined;
    // The heap after memkit's start checkpoint is exact where the window begins there.
    const edges = startMs === measured.startMs ? { startHeapUsed } : {};
    return allocationInWindow(this.gc, this.mem, { startMs, endMs }, edges).ratePerSecond;
  }

  /** Drops what is older than two windows, in chunks so the splice cost stays amortised. */
  private trim(): void {
    const last = this.mem.tMs[this.mem.tMs.length - 1];
    if (last === undefined) return;
    const horizon = last - 2 * this.windowMs;
    dropBefore(this.mem, MEM_KEYS, horizon);
    dropBefore(this.gc, GC_KEYS, horizon);
  }
}

function dropBefore<K extends string>(cols: Record<K, number[]> & { tMs: number[] }, keys: readonly K[], horizon: number): void {
  const t = cols.tMs;
  if (t.length < 256 || t[0]! >= horizon) return;
  let n = 0;
  while (n < t.length && t[n]! < horizon) n++;
  if (n < 128) return;
  for (const k of keys) cols[k].splice(0, n);
}
