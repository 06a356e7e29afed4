import type { GcBatch, GcHeapSource } from '../samples/protocol.js';

/**
 * Records every GC event of this process for the agent: kind, flags, start, pause, and
 * heap used before and after (allocation between GCs is derived from these in the
 * parent). Two implementations, chosen once per process:
 *  - memkit's gc-hooks addon (native/gc-hooks), which records all of it from V8's GC
 *    callbacks into a ring, allocating nothing on the JS heap;
 *  - where the addon is not built (or MEMKIT_GC_HOOKS=0): PerformanceObserver('gc') for
 *    kind/flags/pause, zipped with v8.GCProfiler for the heap figures. It costs more per
 *    GC and its per-GC entry objects change how V8 sizes a busy young generation; the
 *    baseline's environment.gcHeapSource says which one measured.
 * createGcRecorder (create-gc-recorder.ts) chooses; this module is only the contract both
 * implement, so neither implementation imports the module that imports it.
 */
export interface GcRecorder {
  readonly heapSource: GcHeapSource;
  /** Events whose heap figures could not be matched or were lost (never seen so far). */
  readonly desync: number;
  /** Moves the events recorded so far into the outgoing batch (at every sampling tick). */
  collect(): void;
  /**
   * Forces a full GC (or several) as a memkit checkpoint and returns the live heap right
   * after it. Its events are tagged as checkpoints so metrics can leave them out.
   */
  forceCheckpointGc(gc: () => void, times?: number): number;
  /** The events collected since the last call, or undefined when there are none. */
  takeBatch(): GcBatch | undefined;
  /** Collects everything up to now (the observer delivers a tick late: this waits for it). */
  drain(): Promise<void>;
  /** Synchronous best effort for process 'exit', where no tick is left to wait for. */
  drainSync(): void;
  stop(): void;
}
