import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, ROOT } from './helpers/cli.js';

/**
 * memkit's gc-hooks addon against Node's own accounts of the same GCs of one process:
 * v8.GCProfiler (heap used before/after) and PerformanceObserver('gc') (kind, flags,
 * start, pause). `npm ci` builds the addon; a missing build fails here rather than
 * silently measuring the costlier way.
 */
const ADDON = join(ROOT, 'native', 'gc-hooks', 'build', 'Release', 'memkit_gc_hooks.node');

interface HookRecord { type: number; flags: number; startMs: number; pauseMs: number; before: number; after: number; total: number }
interface ObservedRecord { type: number; flags: number; startMs: number; pauseMs: number }

describe('gc-hooks addon', () => {
  it('is built', () => {
    expect(existsSync(ADDON)).toBe(true);
  });

  const out = () => JSON.parse(execFileSync(process.execPath, ['--expose-gc', join(FIXTURES, 'apps', 'gc-hooks-vs-profiler.cjs'), ADDON], { encoding: 'utf8' }));

  it('records every GC with the heap figures GCProfiler reports, and stops when uninstalled', () => {
    const { fromHooks, fromProfiler, afterUninstall, capacity } = out();
    expect(capacity).toBe(1024);
    expect(fromProfiler.length).toBeGreaterThan(10);
    expect(fromProfiler.some((r: { type: number }) => r.type === 4)).toBe(true);
    // The addon was installed first, so it saw every GC the profiler saw (and none after
    // the profiler stopped except what uninstall cut off).
    expect(fromHooks.map(({ type, before, after, total }: HookRecord) => ({ type, before, after, total }))).toEqual(fromProfiler);
    expect(afterUninstall).toBe(fromHooks.length);
  });

  it("gives each GC the kind, flags, start and pause of Node's own GC entry", () => {
    const { fromHooks, fromObserver, installedMs, stoppedMs, offsetUncertaintyMs } = out() as {
      fromHooks: HookRecord[];
      fromObserver: ObservedRecord[];
      installedMs: number;
      stoppedMs: number;
      offsetUncertaintyMs: number;
    };
    expect(fromHooks.length).toBe(fromObserver.length);
    // Forced collections carry V8's "forced" flag (4) in both.
    expect(fromHooks.some((r) => (r.flags & 4) !== 0)).toBe(true);
    // The addon's times are put on the observer's timeline with an offset known to within
    // offsetUncertaintyMs (they may read late by up to that), plus float rounding.
    const ROUNDING_MS = 1e-6;
    const late = offsetUncertaintyMs + ROUNDING_MS;
    expect(offsetUncertaintyMs).toBeLessThan(0.05);
    const startGapsMs = new Map<number, number[]>();
    const endGapsMs = new Map<number, number[]>();
    for (let i = 0; i < fromHooks.length; i++) {
      const h = fromHooks[i]!;
      const o = fromObserver[i]!;
      const why = `GC #${i}: hooks ${JSON.stringify(h)} vs observer ${JSON.stringify(o)}`;
      expect(h.type, why).toBe(o.type);
      expect(h.flags, why).toBe(o.flags);
      expect(h.pauseMs, why).toBeGreaterThan(0);
      // Both read uv_hrtime in their own GC callbacks, and V8 calls callbacks in the order
      // they were added: the addon's (installed first) before Node's, in the prologue and
      // in the epilogue, with the collection itself between the prologues and the
      // epilogues. That order holds however long the process is preempted between two
      // callbacks, so each GC is checked against it exactly:
      //   previous GC's end <= hooks start <= observer start <= hooks end <= observer end.
      const hEndMs = h.startMs + h.pauseMs;
      const oEndMs = o.startMs + o.pauseMs;
      const previousEndMs = i === 0 ? installedMs : fromObserver[i - 1]!.startMs + fromObserver[i - 1]!.pauseMs;
      expect(previousEndMs, why).toBeLessThanOrEqual(h.startMs + ROUNDING_MS);
      expect(h.startMs - late, why).toBeLessThanOrEqual(o.startMs);
      expect(o.startMs, why).toBeLessThanOrEqual(hEndMs + ROUNDING_MS);
      expect(hEndMs - late, why).toBeLessThanOrEqual(oEndMs);
      if (i === fromHooks.length - 1) expect(oEndMs, why).toBeLessThanOrEqual(stoppedMs);
      startGapsMs.set(h.type, [...(startGapsMs.get(h.type) ?? []), o.startMs - h.startMs]);
      endGapsMs.set(h.type, [...(endGapsMs.get(h.type) ?? []), oEndMs - hEndMs]);
    }
    // Between the two readings run only the callbacks in between (GCProfiler's, Node's),
    // microseconds — unless the process was preempted there, which a busy machine does to
    // a few GCs, never to most. The lower median of each kind of GC must agree to well
    // under a millisecond: a clock off by a constant, or a kind of GC timed from the wrong
    // callback, moves every GC of that kind.
    const lowerMedian = (xs: number[]): number => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1]!;
    for (const [type, gaps] of startGapsMs) expect(lowerMedian(gaps), `start gaps of GC type ${type}: ${gaps}`).toBeLessThan(0.2);
    for (const [type, gaps] of endGapsMs) expect(lowerMedian(gaps), `end gaps of GC type ${type}: ${gaps}`).toBeLessThan(0.2);
  });
});
