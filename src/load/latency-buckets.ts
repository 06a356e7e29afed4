import { bucketOf } from '../samples/log-buckets.js';
import type { LatencyBatch } from '../samples/protocol.js';

/**
 * Request latencies counted into the agent's log buckets (samples/log-buckets.ts) between
 * batches, so a parent-side load's `latency` records are read by the same reducer and
 * percentiles (analyze/latency-stats.ts) as a scenario step's. Only counts here; the
 * batch's exact n, sum and max travel beside the buckets.
 */
export class LatencyBuckets {
  private counts = new Map<number, number>();
  private n = 0;
  private sumMs = 0;
  private maxMs = 0;

  record(ms: number): void {
    const b = bucketOf(Math.max(0, ms) * 1e6);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.n++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The latencies since the last batch (undefined when there were none), and a fresh start. */
  takeBatch(tMs: number): LatencyBatch | undefined {
    if (this.n === 0) return undefined;
    const idx = [...this.counts.keys()].sort((a, b) => a - b);
    const batch: LatencyBatch = { type: 'latency', tMs, idx, count: idx.map((i) => this.counts.get(i)!), n: this.n, sumMs: this.sumMs, maxMs: this.maxMs };
    this.counts = new Map();
    this.n = 0;
    this.sumMs = 0;
    this.maxMs = 0;
    return batch;
  }
}
