import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers/cli.js';

/**
 * Scenario mode: the lru-cache scenario in a child, three snapshots streamed by the child
 * at the agent's checkpoints, the leak finder run on them. unstable-key caches a fresh
 * entry every tick (the leak of seed 000); stable-key does not.
 */
const tmp = tempDir('memkit-mem-snapshot-scenario-');
afterAll(() => tmp.cleanup());

// Each case is fixed work (300 steps, three snapshots streamed and analysed), ~10 s on a
// quiet machine and several times that on a busy one: the limit only catches a hang.
const SNAPSHOT_RUN_TIMEOUT_MS = 180_000;

describe('mem-snapshot --scenario', () => {
  it('unstable-key: three snapshots, the growing caches named with their path, exit 1 past --fail-on-leak', async () => {
    const out = join(tmp.path, 'unstable');
    const r = await runCli(['mem-snapshot', '--scenario', 'lru-cache', '--variant', 'unstable-key', '--steps', '300', '--out-dir', out, '--fail-on-leak', '10KB', '--no-progress']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(1);
    const snaps = readdirSync(out).filter((f) => f.endsWith('.heapsnapshot')).sort();
    expect(snaps).toHaveLength(3);
    expect(snaps.map((f) => f.replace(/^.*\.(\w+)\.heapsnapshot$/, '$1')).sort()).toEqual(['setup', 'step300', 'step600']);
    expect(r.stderr).toMatch(/heap snapshot after 300 steps: .*step300\.heapsnapshot/);
    expect(r.stdout).toMatch(/Classes by retained size/);
    expect(r.stdout).toMatch(/still growing after TARGET/);
    expect(r.stdout).toMatch(/→ LruCache @\d+\n\s+\.(keys|values) → Array @\d+/);
    expect(r.stdout).toMatch(/FAIL: leaked .* > --fail-on-leak 10\.00 KB/);
    const summary = readdirSync(out).find((f) => f.endsWith('.summary.json'))!;
    const b = JSON.parse(readFileSync(join(out, summary), 'utf8'));
    expect(b.kind).toBe('heap-summary');
    expect(b.target).toMatchObject({ type: 'scenario', scenario: 'lru-cache', variant: 'unstable-key' });
    expect(b.metrics['heap.class.LruCache.count'].value).toBe(3);
    expect(b.extra.snapshots.map((s: { steps: number }) => s.steps)).toEqual([0, 300, 600]);
    expect(b.extra.leaks.leakedRetainedBytes).toBeGreaterThan(10_000);
  }, SNAPSHOT_RUN_TIMEOUT_MS);

  it('stable-key: no leak', async () => {
    const out = join(tmp.path, 'stable');
    const r = await runCli(['mem-snapshot', '--scenario', 'lru-cache', '--variant', 'stable-key', '--steps', '300', '--out-dir', out, '--fail-on-leak', '1KB', '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no leaks found/);
    expect(existsSync(out)).toBe(true);
  }, SNAPSHOT_RUN_TIMEOUT_MS);

  it('bad input is exit 2 before any child runs', async () => {
    for (const args of [['--scenario', 'no-such'], ['--scenario', 'lru-cache', '--steps', '0'], ['--scenario', 'lru-cache', '--variant', 'fast']]) {
      const r = await runCli(['mem-snapshot', ...args, '--out-dir', join(tmp.path, 'bad'), '--no-progress']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(tmp.path, 'bad'))).toBe(false);
    }
  });
});
