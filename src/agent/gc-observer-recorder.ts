import { performance, type PerformanceEntry, type PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { GcKind, GcSource, type GcHeapSource } from '../samples/protocol.js';
import { timelineToEpochMs } from './clock.js';
import type { GcRecorder } from './gc-recorder.js';
import { GcBatchQueue } from './gc-batch.js';
import { gcProfilerClass, type GcObserverSources, type GcProfilerLike } from './gc-observer-sources.js';

/**
 * The fallback GC recorder (no gc-hooks addon), from two sources V8 feeds from the same
 * GC prologue/epilogue callbacks:
 *  - PerformanceObserver('gc'): kind, flags, start time and pause of each GC, delivered
 *    asynchronously (after a setImmediate), so `drain()` must wait a tick before the last
 *    ones are in;
 *  - heap used before and after each GC, from v8.GCProfiler. It accumulates in native
 *    memory until stopped, so it is rotated at every tick: the next profiler is started
 *    BEFORE the previous one is stopped, because stop() allocates the result (and may GC)
 *    after it has detached. A stopped GCProfiler keeps its callbacks (and keeps
 *    formatting JSON at every GC) until a mark-compact collects it, so on a program with
 *    many scavenges between major GCs the rotated profilers pile up and slow every GC:
 *    one reason the addon is preferred.
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

export class GcObserverRecorder extends GcBatchQueue implements GcRecorder {
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
  private observer: PerformanceObserver;
  private profiler: GcProfilerLike | undefined;
  /** Where the byte figures come from. */
  readonly heapSource: GcHeapSource;
  /** Events whose two sources disagreed on the kind. */
  desync = 0;

  /** Takes over sources already observing (startGcObserverSources). */
  constructor(sources: GcObserverSources) {
    super();
    this.observer = sources.observer;
    this.profiler = sources.profiler;
    this.heapSource = sources.heapSource;
    sources.deliverTo((entries) => this.onEntries(entries));
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

  collect(): void {
    this.rotate();
    this.pair();
  }

  /** Moves the profiler's records so far into the queue (see the class comment). */
  private rotate(): void {
    if (!this.profiler) return;
    const next = new (gcProfilerClass()!)();
    next.start();
    const data = this.profiler.stop();
    this.profiler = next;
    if (!data) return;
    for (const s of data.statistics as ProfilerRecord[]) {
      this.profKind.push(PROFILER_TYPES[s.gcType] ?? 0);
      this.profBefore.push(s.beforeGC.heapStatistics.usedHeapSize);
      this.profAfter.push(s.afterGC.heapStatistics.usedHeapSize);
      this.profTotal.push(s.afterGC.heapStatistics.totalHeapSize);
    }
  }

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
  private pair(final = false): void {
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

  async drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.onEntries(this.observer.takeRecords());
    this.rotate();
    this.pair(true);
  }

  drainSync(): void {
    this.onEntries(this.observer.takeRecords());
    this.rotate();
    this.pair(true);
  }

  stop(): void {
    this.observer.disconnect();
    this.profiler?.stop();
    this.profiler = undefined;
  }
}
