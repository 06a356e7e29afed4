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
    const { fromHooks, fromObserver } = out() as { fromHooks: HookRecord[]; fromObserver: ObservedRecord[] };
    expect(fromHooks.length).toBe(fromObserver.length);
    // Forced collections carry V8's "forced" flag (4) in both.
    expect(fromHooks.some((r) => (r.flags & 4) !== 0)).toBe(true);
    for (let i = 0; i < fromHooks.length; i++) {
      const h = fromHooks[i]!;
      const o = fromObserver[i]!;
      const why = `GC #${i}: hooks ${JSON.stringify(h)} vs observer ${JSON.stringify(o)}`;
      expect(h.type, why).toBe(o.type);
      expect(h.flags, why).toBe(o.flags);
      // Both read uv_hrtime in their own prologue/epilogue callbacks, microseconds apart.
      expect(Math.abs(h.startMs - o.startMs), why).toBeLessThan(0.2);
      expect(Math.abs(h.pauseMs - o.pauseMs), why).toBeLessThan(0.2);
      expect(h.pauseMs, why).toBeGreaterThan(0);
    }
  });
});
