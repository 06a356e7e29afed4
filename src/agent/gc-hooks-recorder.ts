import v8 from 'node:v8';
import { GcSource } from '../samples/protocol.js';
import { hrtimeNsToEpochMs } from './clock.js';
import type { GcRecorder } from './gc-recorder.js';
import { GcBatchQueue } from './gc-batch.js';
import { RING_CAPACITY, RING_FIELDS, RING_HEADER, type GcHooksAddon, type InstalledGcHooks } from './gc-hooks-addon.js';

/**
 * GC events from memkit's gc-hooks addon: the addon writes each GC into a ring of doubles
 * from V8's callbacks; this reads the new records at every tick. Nothing per GC reaches
 * the JS heap until the read, which allocates only the outgoing batch's numbers.
 */
export class GcHooksRecorder extends GcBatchQueue implements GcRecorder {
  readonly heapSource = 'gc-hooks' as const;
  desync = 0;
  private ring: Float64Array | undefined;
  /** Ring records read so far. */
  private read = 0;
  /** Ring index ranges [from, to) of memkit's forced GCs not read yet. */
  private checkpoints: number[] = [];

  private hooks: GcHooksAddon | undefined;

  /** Takes over hooks already recording (the records in the ring so far are read too). */
  constructor(installed: InstalledGcHooks) {
    super();
    this.hooks = installed.addon;
    this.ring = installed.ring;
  }

  collect(): void {
    const ring = this.ring;
    if (!ring) return;
    const committed = ring[0]!;
    let from = this.read;
    if (committed - from > RING_CAPACITY) {
      // Overwritten before they were read (a step blocked the loop for thousands of
      // GCs): those events are lost, and counted.
      this.desync += committed - RING_CAPACITY - from;
      from = committed - RING_CAPACITY;
    }
    const o = this.out;
    for (let i = from; i < committed; i++) {
      const r = RING_HEADER + (i % RING_CAPACITY) * RING_FIELDS;
      o.kind.push(ring[r]!);
      o.flags.push(ring[r + 1]!);
      o.tMs.push(hrtimeNsToEpochMs(ring[r + 2]!));
      o.pauseMs.push(ring[r + 3]! / 1e6);
      o.usedBefore.push(ring[r + 4]!);
      o.usedAfter.push(ring[r + 5]!);
      o.totalAfter.push(ring[r + 6]!);
      o.src.push(this.isCheckpoint(i) ? GcSource.Checkpoint : GcSource.Program);
    }
    this.read = committed;
    // Every range was taken from the counter before this read: all of it is read now.
    this.checkpoints = [];
  }

  private isCheckpoint(index: number): boolean {
    const c = this.checkpoints;
    for (let k = 0; k < c.length; k += 2) if (index >= c[k]! && index < c[k + 1]!) return true;
    return false;
  }

  forceCheckpointGc(gc: () => void, times = 1): number {
    const ring = this.ring;
    const from = ring ? ring[0]! : 0;
    for (let i = 0; i < times; i++) gc();
    if (!ring) return v8.getHeapStatistics().used_heap_size;
    const to = ring[0]!;
    this.checkpoints.push(from, to);
    // The last record of the forced collection holds the heap after it.
    return to > from ? ring[RING_HEADER + ((to - 1) % RING_CAPACITY) * RING_FIELDS + 5]! : v8.getHeapStatistics().used_heap_size;
  }

  async drain(): Promise<void> {
    this.collect();
  }

  drainSync(): void {
    this.collect();
  }

  stop(): void {
    this.hooks?.uninstall();
    this.hooks = undefined;
    this.ring = undefined;
  }
}
