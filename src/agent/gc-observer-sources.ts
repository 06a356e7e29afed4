import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { GcHeapSource } from '../samples/protocol.js';

/**
 * The fallback recorder's two sources (see gc-observer-recorder.ts), started on their own
 * and with Node built-ins only, so the preload can start them before the rest of the
 * agent is loaded; the recorder adopts them with the entries that came in meanwhile.
 */

export interface GcProfilerLike {
  start(): void;
  stop(): { statistics: unknown[] } | undefined;
}

export interface GcObserverSources {
  observer: PerformanceObserver;
  /** v8.GCProfiler where this Node has one (the per-GC heap figures). */
  profiler: GcProfilerLike | undefined;
  heapSource: GcHeapSource;
  /** Routes the observer's entries to `sink` from now on, first those held so far. */
  deliverTo(sink: (entries: PerformanceEntry[]) => void): void;
}

export function gcProfilerClass(): (new () => GcProfilerLike) | undefined {
  return (v8 as unknown as { GCProfiler?: new () => GcProfilerLike }).GCProfiler;
}

export function startGcObserverSources(): GcObserverSources {
  let held: PerformanceEntry[] = [];
  let sink: ((entries: PerformanceEntry[]) => void) | undefined;
  const observer = new PerformanceObserver((list) => {
    if (sink) sink(list.getEntries());
    else held.push(...list.getEntries());
  });
  observer.observe({ entryTypes: ['gc'] });
  const Profiler = gcProfilerClass();
  const profiler = Profiler ? new Profiler() : undefined;
  profiler?.start();
  return {
    observer,
    profiler,
    heapSource: profiler ? 'gc-profiler' : 'none',
    deliverTo(to) {
      sink = to;
      if (held.length) to(held);
      held = [];
    },
  };
}
