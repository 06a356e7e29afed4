import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, ROOT } from './helpers/cli.js';

/**
 * memkit's gc-hooks addon against Node's v8.GCProfiler on the same GCs of one process:
 * the same events, in the same order, with the same heap figures. `npm ci` builds the
 * addon; a missing build fails here rather than silently measuring the costlier way.
 */
const ADDON = join(ROOT, 'native', 'gc-hooks', 'build', 'Release', 'memkit_gc_hooks.node');

describe('gc-hooks addon', () => {
  it('is built', () => {
    expect(existsSync(ADDON)).toBe(true);
  });

  it('records every GC with the heap figures GCProfiler reports, and stops when uninstalled', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', join(FIXTURES, 'apps', 'gc-hooks-vs-profiler.cjs'), ADDON], { encoding: 'utf8' });
    const { fromHooks, fromProfiler, afterUninstall, capacity } = JSON.parse(out);
    expect(capacity).toBe(1024);
    expect(fromProfiler.length).toBeGreaterThan(10);
    expect(fromProfiler.some((r: { type: number }) => r.type === 4)).toBe(true);
    // The addon was installed first, so it saw every GC the profiler saw (and none after
    // the profiler stopped except what uninstall cut off).
    expect(fromHooks).toEqual(fromProfiler);
    expect(afterUninstall).toBe(fromHooks.length);
  });
});
