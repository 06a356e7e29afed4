import type { GcBatch } from '../samples/protocol.js';

export function emptyGcBatch(): GcBatch {
  return { type: 'gc', tMs: [], kind: [], pauseMs: [], flags: [], usedBefore: [], usedAfter: [], totalAfter: [], src: [] };
}

/** The outgoing GC batch both recorders fill between two sampling ticks. */
export abstract class GcBatchQueue {
  protected out: GcBatch = emptyGcBatch();

  /** The events collected since the last call, or undefined when there are none. */
  takeBatch(): GcBatch | undefined {
    if (this.out.tMs.length === 0) return undefined;
    const batch = this.out;
    this.out = emptyGcBatch();
    return batch;
  }
}
