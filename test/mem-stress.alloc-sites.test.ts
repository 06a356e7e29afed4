import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, readJson, runCli, tempDir } from './helpers/cli.js';

/*
 * Issue 15's leak sites: mem-stress --alloc-sites reads the in-use view right after each
 * of memkit's forced-GC checkpoints, and the sites whose in-use bytes climb are the leak
 * verdict's evidence. leak-sites.cjs: remember() keeps every unit's 4 KB payload, churn()
 * allocates four times as much and keeps nothing; `clean` keeps the last 200 payloads.
 */

const FIXTURE = join(FIXTURES, 'alloc', 'leak-sites.cjs');
const REMEMBER = 'remember@test/fixtures/alloc/leak-sites.cjs';

const tmp = tempDir('memkit-leak-sites-');
afterAll(() => tmp.cleanup());
const baselines: Record<string, any> = {};

async function soak(label: string, duration: string, clean: boolean): Promise<void> {
  const out = join(tmp.path, `${label}.json`);
  // 64 KiB: ~30 samples per MB held, so a few MB of growth is well sampled.
  const r = await runCli([
    'mem-stress', '--alloc-sites', '--alloc-interval', '64KiB', '--duration', duration, '--warmup', '1s', '--checkpoint-every', '250ms', '--no-progress', '--out', out,
    '--', process.execPath, '--max-inlined-bytecode-size=0', FIXTURE, ...(clean ? ['clean'] : []),
  ]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`mem-stress ${label}: ${r.stderr}`);
  baselines[label] = readJson(out);
}

beforeAll(async () => {
  await Promise.all(
    (['leak', 'clean'] as const).map(async (label) => {
      await soak(label, '5s', label === 'clean');
      // A machine so busy that too few checkpoints were taken: once more, twice as long.
      if (/forced-GC checkpoints after warm-up/.test(baselines[label].extra.leak.reason)) await soak(label, '10s', label === 'clean');
    }),
  );
}, 120_000);

describe('mem-stress --alloc-sites: where the leak was allocated', () => {
  it('the leaking function is the top growing site, named in the verdict; the churning one is not', () => {
    const b = baselines.leak;
    expect(b.extra.leak.verdict).toBe('leak');
    const sites = b.extra.runs[0].leak.sites as Array<{ key: string; slopeBytesPerMin: number; growthBytes: number }>;
    expect(sites[0]!.key).toBe(REMEMBER);
    expect(sites.map((s) => s.key)).not.toContain('churn@test/fixtures/alloc/leak-sites.cjs');
    expect(b.extra.leak.reason).toMatch(/growing in use: remember \(test\/fixtures\/alloc\/leak-sites\.cjs:7\) \+[\d.]+ MB\/min/);
    // The site's sampled climb against the live memory's (V8 heap + external after each GC), whose growth is that payload.
    const ratio = sites[0]!.slopeBytesPerMin / b.extra.runs[0].leak.liveSlopeBytesPerMin;
    expect(ratio).toBeGreaterThan(0.65);
    expect(ratio).toBeLessThan(1.35);
  });

  it('the in-use view is in the baseline: per site at the end, and its total', () => {
    const b = baselines.leak;
    expect(b.extra.allocSites.views).toEqual(['allocated', 'inuse']);
    expect(b.extra.allocSites.runs[0].topInuse[0].key).toBe(REMEMBER);
    expect(b.metrics[`alloc.site.${REMEMBER}.inuse_bytes`].value).toBeGreaterThan(0);
    expect(b.metrics['alloc.sites.inuse_bytes'].value).toBeGreaterThanOrEqual(b.metrics[`alloc.site.${REMEMBER}.inuse_bytes`].value);
  });

  it('the same program done right: no leak, and no growing site', () => {
    const b = baselines.clean;
    expect(b.extra.leak.verdict).toBe('no leak');
    expect(b.extra.runs[0].leak.sites).toEqual([]);
  });
});
