import type { LatencyBatch } from '../samples/protocol.js';
import { bucketValueNs } from '../samples/log-buckets.js';

/**
 * `memkit_step_latency_seconds`: the agent's step latencies arrive already counted into
 * log-linear buckets (src/analyze/log-buckets.ts), so this is a Prometheus histogram
 * built from bucket counts rather than from single observations, registered in the
 * prom-client Registry as a metric of its own (prom-client's Histogram takes one value at
 * a time and would re-derive the sum from bucket midpoints).
 *
 * `_count` (every step, from the bucket counts) and `_sum` (the batches' exact sums) are
 * exact. Each log bucket is counted
 * whole in the first `le` bound at or above its midpoint — the value memkit's own
 * `latency.p95_ms` reports for it — so `histogram_quantile()` and the baseline agree to the
 * log buckets' resolution (< 0.8 %), and no step is ever split or lost.
 */

/**
 * Seconds, 1-2.5-5 steps from 1 µs (a cache lookup step takes ~10 µs) to 10 s. Seed 000's
 * "P95 ≤ 5.5 ms" falls between the 5 and 10 ms bounds: histogram_quantile() interpolates
 * there, memkit's own latency.p95_ms is the exact figure for --assert.
 */
export const STEP_LATENCY_BOUNDS_SECONDS: readonly number[] = [
  0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
  0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

interface Series {
  labels: Record<string, string>;
  /** Per bound, not cumulative; the last slot is +Inf. */
  counts: number[];
  count: number;
  sumSeconds: number;
}

/** The shape prom-client's Registry reads from any registered metric. */
interface MetricValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export class BucketedLatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private series = new Map<string, Series>();
  private readonly slotCache = new Map<number, number>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly boundsSeconds: readonly number[] = STEP_LATENCY_BOUNDS_SECONDS,
  ) {}

  /** The bound slot a log bucket is counted in (bounds.length = +Inf). */
  slotOf(logBucket: number): number {
    let slot = this.slotCache.get(logBucket);
    if (slot === undefined) {
      const seconds = bucketValueNs(logBucket) / 1e9;
      slot = this.boundsSeconds.findIndex((b) => seconds <= b);
      if (slot < 0) slot = this.boundsSeconds.length;
      this.slotCache.set(logBucket, slot);
    }
    return slot;
  }

  private seriesFor(labels: Record<string, string>): Series {
    const key = JSON.stringify(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: new Array<number>(this.boundsSeconds.length + 1).fill(0), count: 0, sumSeconds: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  /** Makes the series exist at zero, so a rate() sees it from its first scrape. */
  zero(labels: Record<string, string>): void {
    this.seriesFor(labels);
  }

  add(labels: Record<string, string>, batch: Pick<LatencyBatch, 'idx' | 'count' | 'sumMs'>): void {
    const s = this.seriesFor(labels);
    for (let i = 0; i < batch.idx.length; i++) {
      const c = batch.count[i]!;
      s.counts[this.slotOf(batch.idx[i]!)]! += c;
      s.count += c;
    }
    s.sumSeconds += batch.sumMs / 1000;
  }

  remove(labels: Record<string, string>): void {
    this.series.delete(JSON.stringify(labels));
  }

  reset(): void {
    this.series.clear();
  }

  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.boundsSeconds.length; i++) {
        cumulative += s.counts[i]!;
        const le = i < this.boundsSeconds.length ? String(this.boundsSeconds[i]) : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sumSeconds });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
