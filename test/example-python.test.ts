import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, readJson, readJsonl, tempDir } from './helpers/cli.js';

/**
 * `make example-python` (examples/python/seed-table.mjs): seed 000's W1 before/after in
 * Python, each variant run once under `memkit gc-profile` on a small fixed amount of work.
 * The checks are the seed's claims that hold whatever the machine's load (counts and
 * memory, no clocks), read from memkit's baselines and the program's cache_info().
 */

const SCRIPT = join(ROOT, 'examples', 'python', 'seed-table.mjs');
const TICKS = 20_000;
const SYMBOLS = 8; // strategy.py's default
const tmp = tempDir();
afterAll(() => tmp.cleanup());

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import sys'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!hasPython())('example: seed 000 W1 in Python', () => {
  it("after beats before where the seed says it does: hit ratios, gen0 collections, RSS growth, net allocations", async () => {
    const out = join(tmp.path, 'example');
    const r = await run(['--ticks', String(TICKS), '--repeat', '1', '--out-dir', out]);
    expect(r.code, r.stderr).toBe(0);
    const before = readJson(join(out, 'before.json'));
    const after = readJson(join(out, 'after.json'));
    const [statsBefore] = readJsonl(join(out, 'before.stats.jsonl'));
    const [statsAfter] = readJsonl(join(out, 'after.stats.jsonl'));
    const v = (b: any, name: string): number => b.metrics[name].value;

    // Exact, from cache_info(): a key hashed from the prices never repeats (0 hits); a key
    // of symbol and window size misses once per symbol, then always hits.
    for (const cache of ['ma', 'atr', 'window']) {
      expect({ cache, ...statsBefore.caches[cache] }).toMatchObject({ cache, hits: 0, misses: TICKS, hitRatio: 0 });
      expect({ cache, ...statsAfter.caches[cache] }).toMatchObject({ cache, hits: TICKS - SYMBOLS, misses: SYMBOLS, currsize: SYMBOLS });
    }
    // Fewer young collections: before keeps a new container per tick alive in its caches.
    expect(v(before, 'gc.count.gen0')).toBeGreaterThan(2 * v(after, 'gc.count.gen0') + 5);
    // The seed's acceptance line, RSS growth < 5 MB: after meets it, before does not.
    expect(v(before, 'rss.growth_bytes')).toBeGreaterThan(5e6);
    expect(v(after, 'rss.growth_bytes')).toBeLessThan(5e6);
    // Net allocations (the program's sys.getallocatedblocks()): before keeps tens of thousands of blocks, after a few hundred at most.
    const kept = (s: any): number => s.allocatedBlocksEnd - s.allocatedBlocksStart;
    expect(kept(statsBefore)).toBeGreaterThan(TICKS);
    expect(kept(statsAfter)).toBeLessThan(kept(statsBefore) / 10);

    // The printed table carries memkit's figures as the baselines hold them.
    const table = readJson(join(out, 'table.json'));
    const row = (metric: string) => table.rows.find((x: any) => x.metric === metric);
    for (const metric of ['rss.growth_bytes', 'gc.count.gen0', 'gc.count.gen2', 'gc.pause.p95_ms']) {
      expect({ metric, before: row(metric).before, after: row(metric).after }).toEqual({ metric, before: v(before, metric), after: v(after, metric) });
    }
    expect(row('ma')).toMatchObject({ before: 0, after: (TICKS - SYMBOLS) / TICKS });
    expect(r.stdout).toMatch(/\| gen0 collections \| \d+ \| \d+ \| -\d+\.\d% \| improved/);
  });

  it('bad input: one line and exit 2', async () => {
    const r = await run(['--ticks', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['seed-table: --ticks must be a whole number >= 1, got 0']);
  });
});
