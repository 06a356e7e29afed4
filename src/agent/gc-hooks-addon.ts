import { createRequire } from 'node:module';

/**
 * memkit's gc-hooks addon (native/gc-hooks) and the ring it writes into. Node built-ins
 * only: the preload imports this before anything else of the agent, so the hooks are in
 * place before the rest of the agent's modules are fetched (the ESM loader's file reads
 * let V8 run a scavenge in between).
 */

export interface GcHooksAddon {
  install(ring: Float64Array): void;
  uninstall(): void;
  /**
   * This isolate's address as V8 prints it in --trace-gc's `[pid:0x…]` prefix. Missing
   * from an addon built before it existed (read it through `isolateAddress(addon)`).
   */
  isolateAddress?(): string;
  /**
   * Writes a `near-heap-limit` record to `fd` (a connected socket) when V8 is about to run
   * out of heap, raising the limit once; with a path, also a heap snapshot there if the heap
   * is then at most `maxHeapBytes`. Called again, it updates fd and path. Missing from an
   * addon built before it existed.
   */
  armNearHeapLimit?(fd: number, snapshotPath?: string, maxHeapBytes?: number): void;
  /**
   * --alloc-sites: starts V8's sampling heap profiler on this isolate, harvested at each GC
   * (native/gc-hooks/gc_hooks.cc); false when a sampler runs already. Missing from an addon
   * built before it existed.
   */
  allocStart?(intervalBytes: number, stackDepth: number): boolean;
  /** What is new since the previous read: see AllocRead in gc_hooks.cc. */
  allocRead?(inuse: boolean): NativeAllocRead | undefined;
  allocStop?(): void;
}

export interface NativeAllocRead {
  strings: string[];
  /** Per new frame: name, url (string indices), 0-based line, col, script id. */
  frames: Float64Array;
  /** Per new node: parent, frame. */
  nodes: Float64Array;
  /** (node, bytes, objects) allocated since the previous read. */
  allocated: Float64Array;
  /** (node, bytes, objects) alive now, when asked for. */
  inuse?: Float64Array;
  harvests: number;
  harvestMs: number;
}

/** The addon and the ring it is writing into, installed by `installGcHooks`. */
export interface InstalledGcHooks {
  addon: GcHooksAddon;
  ring: Float64Array;
}

/** Ring layout: see native/gc-hooks/gc_hooks.cc. */
export const RING_HEADER = 2;
export const RING_FIELDS = 7;
/** Records the ring holds between two reads (a read is due every sampling tick). */
export const RING_CAPACITY = 16_384;

/** The addon where it is built (and not turned off), else undefined. */
export function loadGcHooks(): GcHooksAddon | undefined {
  if (process.env.MEMKIT_GC_HOOKS === '0') return undefined;
  try {
    const require = createRequire(import.meta.url);
    return require('../../../native/gc-hooks/build/Release/memkit_gc_hooks.node') as GcHooksAddon;
  } catch {
    return undefined; // not built (or another Node ABI): the observer and GCProfiler instead
  }
}

/**
 * The `0x…` that names this isolate in --trace-gc's `[pid:0x…]` lines (one per process's
 * main thread and per worker thread), or undefined from an addon built before it had one.
 */
export function isolateAddress(addon: GcHooksAddon): string | undefined {
  return typeof addon.isolateAddress === 'function' ? addon.isolateAddress() : undefined;
}

/** Starts recording every GC of this isolate into a new ring. */
export function installGcHooks(addon: GcHooksAddon): InstalledGcHooks {
  const ring = new Float64Array(RING_HEADER + RING_FIELDS * RING_CAPACITY);
  addon.install(ring);
  return { addon, ring };
}
