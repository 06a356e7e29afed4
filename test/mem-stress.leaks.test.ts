import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES, readJson, runCli, tempDir } from './helpers/cli.js';

/**
 * Real leaking programs (an unbounded Map cache, listeners never removed, closures holding
 * Buffers in timers never cleared, promises that never settle) must be called leaks, and
 * the slope memkit measures must match the leak's known rate: the fixture keeps
 * `rate` × payload bytes per second.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const RATE = 500;

const cases: Array<[variant: string, bytesPerStep: number]> = [
  ['map-cache', 4096],
  ['listeners', 4096],
  ['timer-buffers', 16 * 1024],
  ['promises', 4096],
];

describe('mem-stress calls real leaks leaks', () => {
  it.concurrent.each(cases)('%s: verdict "leak", slope ≈ %d B × rate', async (variant, bytesPerStep) => {
    const out = join(tmp.path, `${variant}.json`);
    const r = await runCli([
      'mem-stress', '--scenario', join(FIXTURES, 'scenarios', 'leaks.js'), '--variant', variant, '--param', 'leak=true',
      '--rate', String(RATE), '--duration', '3s', '--warmup', '1s', '--no-progress', '--out', out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Leak verdict: leak\n\s+evidence: live memory .* grows steadily/);
    const b = readJson(out);
    expect(b.extra.leak.verdict).toBe('leak');
    const expectedPerMin = RATE * bytesPerStep * 60;
    const slope = b.metrics['live.slope_bytes_per_min'].value;
    // The achieved rate is the real one (a busy machine may fall a little behind).
    const achieved = b.metrics['ops.rate_per_s'].value / RATE;
    expect(slope / (expectedPerMin * achieved)).toBeGreaterThan(0.8);
    expect(slope / (expectedPerMin * achieved)).toBeLessThan(1.3);
  });
});
