import { bucketOf } from '../samples/log-buckets.js';
import type { LatencyBatch } from '../samples/protocol.js';
import { nowMs } from './clock.js';

/**
 * Counts step latencies into log-linear buckets between flushes: a preallocated dense
 * array and a list of the buckets touched, so recording a step allocates nothing and a
 * flush sends only the non-empty buckets.
 */
const MAX_BUCKETS = 4096; // covers latencies beyond 2^44 ns (4.9 hours)

export class LatencyRecorder {
  private readonly counts = new Float64Array(MAX_BUCKETS);
  private readonly touched = new Int32Array(MAX_BUCKETS);
  private nTouched = 0;
  private n = 0;
  private sumMs = 0;
  private maxMs = 0;

  record(ms: number): void {
    let b = bucketOf(ms * 1e6);
    if (b >= MAX_BUCKETS) b = MAX_BUCKETS - 1;
    if (this.counts[b] === 0) this.touched[this.nTouched++] = b;
    this.counts[b]!++;
    this.n++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  takeBatch(): LatencyBatch | undefined {
    if (this.n === 0) return undefined;
    const idx = Array.from(this.touched.subarray(0, this.nTouched)).sort((a, b) => a - b);
    const count = idx.map((i) => this.counts[i]!);
    for (const i of idx) this.counts[i] = 0;
    const batch: LatencyBatch = { type: 'latency', tMs: nowMs(), idx, count, n: this.n, sumMs: this.sumMs, maxMs: this.maxMs };
    this.nTouched = 0;
    this.n = 0;
    this.sumMs = 0;
    this.maxMs = 0;
    return batch;
  }
}
