import type { MemBatch } from '../samples/protocol.js';
import { nowMs } from './clock.js';

/** process.memoryUsage() at each tick, kept in columns until the next flush. */
export class MemorySampler {
  private batch: MemBatch = emptyBatch();

  sample(): void {
    const m = process.memoryUsage();
    const b = this.batch;
    b.tMs.push(nowMs());
    b.rss.push(m.rss);
    b.heapUsed.push(m.heapUsed);
    b.heapTotal.push(m.heapTotal);
    b.external.push(m.external);
    b.arrayBuffers.push(m.arrayBuffers);
  }

  takeBatch(): MemBatch | undefined {
    if (this.batch.tMs.length === 0) return undefined;
    const out = this.batch;
    this.batch = emptyBatch();
    return out;
  }
}

function emptyBatch(): MemBatch {
  return { type: 'mem', tMs: [], rss: [], heapUsed: [], heapTotal: [], external: [], arrayBuffers: [] };
}
