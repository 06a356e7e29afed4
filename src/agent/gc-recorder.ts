import { createRequire } from 'node:module';
import { PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';
import { GcKind, GcSource, type GcBatch, type GcHeapSource } from './protocol.js';
import { timelineToEpochMs } from './clock.js';

/**
 * Records every GC event of this process from two sources V8 feeds from the same GC
 * prologue/epilogue callbacks:
 *  - PerformanceObserver('gc'): kind, flags, start time and pause of each GC, delivered
 *    asynchronously (after a setImmediate), so `drain()` must wait a tick before the last
 *    ones are in;
 *  - heap used before and after each GC (allocation between GCs is derived from these in
 *    the parent), from memkit's gc-hooks addon (native/gc-hooks: two GetHeapStatistics
 *    calls per GC written into a ring this class reads without allocating) or, where the
 *    addon is not built or MEMKIT_GC_HOOKS=0, from v8.GCProfiler. GCProfiler accumulates
 *    in native memory until stopped, so it is rotated at every flush: the next profiler is
 *    started BEFORE the previous one is stopped, because stop() allocates the result (and
 *    may GC) after it has detached. Its cost is why the addon exists: a stopped
 *    GCProfiler keeps its callbacks (and keeps formatting JSON at every GC) until a
 *    mark-compact collects it, so on a program with many scavenges between major GCs the
 *    rotated profilers pile up and slow every GC.
 * Both streams are in GC order and are zipped one to one; a kind mismatch (never seen)
 * is counted in `desync` and that event is sent without byte figures.
 */

const PROFILER_TYPES: Record<string, number> = {
  Scavenge: GcKind.Scavenge,
  MinorMarkCompact: GcKind.MinorMarkCompact,
  MarkSweepCompact: GcKind.MarkCompact,
  IncrementalMarking: GcKind.IncrementalMarking,
  ProcessWeakCallbacks: GcKind.ProcessWeakCallbacks,
};

interface ProfilerRecord {
  gcType: string;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number; totalHeapSize: number } };
}

interface GcProfilerLike {
  start(): void;
  stop(): { statistics: ProfilerRecord[] } | undefined;
}

interface GcHooksAddon {
  install(ring: Float64Array): void;
  uninstall(): void;
}

const RING_HEADER = 2;
const RING_FIELDS = 4;
/** Records the ring holds between two reads (a read is due every sampling tick). */
const RING_CAPACITY = 16_384;

function loadGcHooks(): GcHooksAddon | undefined {
  if (process.env.MEMKIT_GC_HOOKS === '0') return undefined;
  try {
    const require = createRequire(import.meta.url);
    return require('../../../native/gc-hooks/build/Release/memkit_gc_hooks.node') as GcHooksAddon;
  } catch {
    return undefined; // not built (or another Node ABI): GCProfiler instead
  }
}

export class GcRecorder {
  // Observer side, parallel arrays (start is on the performance timeline).
  private obsStart: number[] = [];
  private obsKind: number[] = [];
  private obsFlags: number[] = [];
  private obsPause: number[] = [];
  // Profiler side.
  private profKind: number[] = [];
  private profBefore: number[] = [];
  private profAfter: number[] = [];
  private profTotal: number[] = [];
  /** Performance-timeline windows of memkit's own forced GCs. */
  private checkpointWindows: number[] = [];
  private out: GcBatch = emptyBatch();
  private observer: PerformanceObserver;
  private profiler: GcProfilerLike | undefined;
  private hooks: GcHooksAddon | undefined;
  private ring: Float64Array | undefined;
  /** Ring records read so far. */
  private ringRead = 0;
  /** Where the byte figures come from. */
  readonly heapSource: GcHeapSource;
  /** Events whose two sources disagreed on the kind. */
  desync = 0;
  /** Every event paired so far, by kind (program and checkpoint alike). */
  readonly totalByKind: Record<number, number> = {};

  constructor() {
    this.observer = new PerformanceObserver((list) => this.onEntries(list.getEntries()));
    this.observer.observe({ entryTypes: ['gc'] });
    this.hooks = loadGcHooks();
    if (this.hooks) {
      this.ring = new Float64Array(RING_HEADER + RING_FIELDS * RING_CAPACITY);
      this.hooks.install(this.ring);
      this.heapSource = 'gc-hooks';
      return;
    }
    const Profiler = (v8 as unknown as { GCProfiler?: new () => GcProfilerLike }).GCProfiler;
    if (Profiler) {
      this.profiler = new Profiler();
      this.profiler.start();
      this.heapSource = 'gc-profiler';
    } else {
      this.heapSource = 'none';
    }
  }

  /** Whether byte figures are coming (observer entries then wait for them). */
  private get hasHeapSource(): boolean {
    return this.heapSource !== 'none';
  }

  private onEntries(entries: PerformanceEntry[]): void {
    for (const e of entries) {
      const detail = (e as PerformanceEntry & { detail?: { kind: number; flags: number } }).detail;
      this.obsStart.push(e.startTime);
      this.obsKind.push(detail?.kind ?? 0);
      this.obsFlags.push(detail?.flags ?? 0);
      this.obsPause.push(e.duration);
    }
  }

  /** Moves the per-GC heap records so far (addon ring or profiler) into the queue (see the class comment). */
  rotate(): void {
    if (this.ring) {
      this.readRing(this.ring);
      return;
    }
    if (!this.profiler) return;
    const Profiler = (v8 as unknown as { GCProfiler: new () => GcProfilerLike }).GCProfiler;
    const next = new Profiler();
    next.start();
    const data = this.profiler.stop();
    this.profiler = next;
    if (!data) return;
    for (const s of data.statistics) {
      this.profKind.push(PROFILER_TYPES[s.gcType] ?? 0);
      this.profBefore.push(s.beforeGC.heapStatistics.usedHeapSize);
      this.profAfter.push(s.afterGC.heapStatistics.usedHeapSize);
      this.profTotal.push(s.afterGC.heapStatistics.totalHeapSize);
    }
  }

  /** Moves the addon's records since the last read into the queue. */
  private readRing(ring: Float64Array): void {
    const committed = ring[0]!;
    let from = this.ringRead;
    if (committed - from > RING_CAPACITY) {
      // Overwritten before they were read (a step blocked the loop for thousands of
      // GCs): those events go out without byte figures, counted as desync.
      from = committed - RING_CAPACITY;
    }
    for (let i = from; i < committed; i++) {
      const o = RING_HEADER + (i % RING_CAPACITY) * RING_FIELDS;
      this.profKind.push(ring[o]!);
      this.profBefore.push(ring[o + 1]!);
      this.profAfter.push(ring[o + 2]!);
      this.profTotal.push(ring[o + 3]!);
    }
    this.ringRead = committed;
  }

  /**
   * Forces a full GC (or several) as a memkit checkpoint and returns the live heap right
   * after it. Its events are tagged as checkpoints so metrics can leave them out.
   */
  forceCheckpointGc(gc: () => void, times = 1): number {
    this.rotate();
    const t0 = performance.now();
    for (let i = 0; i < times; i++) gc();
    const t1 = performance.now();
    this.checkpointWindows.push(t0, t1);
    const queued = this.profAfter.length;
    this.rotate();
    // The last record of the forced collection holds the heap after it.
    const after = this.profAfter.length > queued ? this.profAfter[this.profAfter.length - 1]! : v8.getHeapStatistics().used_heap_size;
    return after;
  }

  /**
   * Pairs what both sources have delivered into the outgoing batch. Observer entries wait
   * for their profiler record, except at the end (`final`), when every entry goes out.
   */
  pair(final = false): void {
    const n = this.hasHeapSource && !final ? Math.min(this.obsKind.length, this.profKind.length) : this.obsKind.length;
    if (n === 0) return;
    const o = this.out;
    let p = 0; // index into the profiler queue
    for (let i = 0; i < n; i++) {
      const kind = this.obsKind[i]!;
      let before = -1;
      let after = -1;
      let total = -1;
      const match = this.findProfilerRecord(kind, p);
      if (match >= 0) {
        this.desync += match - p;
        before = this.profBefore[match]!;
        after = this.profAfter[match]!;
        total = this.profTotal[match]!;
        p = match + 1;
      } else if (this.hasHeapSource) {
        this.desync++;
      }
      const start = this.obsStart[i]!;
      o.tMs.push(timelineToEpochMs(start));
      o.kind.push(kind);
      o.pauseMs.push(this.obsPause[i]!);
      o.flags.push(this.obsFlags[i]!);
      o.usedBefore.push(before);
      o.usedAfter.push(after);
      o.totalAfter.push(total);
      o.src.push(this.inCheckpoint(start) ? GcSource.Checkpoint : GcSource.Program);
      this.totalByKind[kind] = (this.totalByKind[kind] ?? 0) + 1;
    }
    this.obsStart.splice(0, n);
    this.obsKind.splice(0, n);
    this.obsFlags.splice(0, n);
    this.obsPause.splice(0, n);
    this.profKind.splice(0, p);
    this.profBefore.splice(0, p);
    this.profAfter.splice(0, p);
    this.profTotal.splice(0, p);
  }

  /** The profiler record for the next observed GC: at `from`, or a few further on if one was lost. */
  private findProfilerRecord(kind: number, from: number): number {
    const end = Math.min(this.profKind.length, from + 4);
    for (let j = from; j < end; j++) if (this.profKind[j] === kind) return j;
    return -1;
  }

  private inCheckpoint(start: number): boolean {
    const w = this.checkpointWindows;
    for (let i = w.length - 2; i >= 0; i -= 2) {
      if (start >= w[i]! && start <= w[i + 1]!) return true;
    }
    return false;
  }

  /** The events paired since the last call, or undefined when there are none. */
  takeBatch(): GcBatch | undefined {
    if (this.out.tMs.length === 0) return undefined;
    const batch = this.out;
    this.out = emptyBatch();
    return batch;
  }

  /** Collects everything up to now, waiting for the observer's asynchronous delivery. */
  async drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.onEntries(this.observer.takeRecords());
    this.rotate();
    this.pair(true);
  }

  /** Synchronous best effort for process 'exit', where no tick is left to wait for. */
  drainSync(): void {
    this.onEntries(this.observer.takeRecords());
    this.rotate();
    this.pair(true);
  }

  stop(): void {
    this.observer.disconnect();
    this.hooks?.uninstall();
    this.hooks = undefined;
    this.ring = undefined;
    this.profiler?.stop();
    this.profiler = undefined;
  }
}

function emptyBatch(): GcBatch {
  return { type: 'gc', tMs: [], kind: [], pauseMs: [], flags: [], usedBefore: [], usedAfter: [], totalAfter: [], src: [] };
}
