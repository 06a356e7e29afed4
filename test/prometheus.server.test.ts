import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readJson, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { freePort, requirePrometheusBinary, startPrometheus, type PrometheusServer } from './helpers/prometheus-server.js';

/**
 * End to end against a real Prometheus server: it scrapes `memkit gc-profile --prometheus`
 * every second, and what its query API returns for each run must equal that run's figures
 * in the baseline memkit wrote (`values[i]` of gc.count.*, ops.count, custom.*.hit_ratio).
 *
 * Prometheus only starts scraping ~5 s after it starts (its target discovery is throttled),
 * so it is started together with memkit, not before; memkit keeps serving after its runs
 * until a scrape has read the final values (--prometheus-linger).
 */

const { bin, skip } = requirePrometheusBinary('prometheus');
const tmp = tempDir();
let prometheus: PrometheusServer | undefined;
let result: CliResult;
let baseline: any;
const KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;

beforeAll(async () => {
  if (skip) return;
  const port = await freePort();
  const out = join(tmp.path, 'lru.json');
  const started = startPrometheus({ bin: bin!, targets: [`127.0.0.1:${port}`], scrapeIntervalS: 1 });
  const run = runCli([
    'gc-profile', '--scenario', 'lru-cache', '--variant', 'unstable-key', '--duration', '2s', '--repeat', '2',
    '--no-progress', '--prometheus', `127.0.0.1:${port}`, '--out', out,
  ]);
  prometheus = await started;
  result = await run;
  const exitedAt = Date.now();
  baseline = result.code === 0 ? readJson(out) : undefined;
  // The last successful scrape is in the database once a later one has failed (memkit is gone).
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    const [target] = await prometheus.targets();
    if (target && target.health === 'down' && Date.parse(target.lastScrape) > exitedAt) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  tmp.cleanup();
});

/** Each run's value of a metric, from Prometheus (last sample before memkit exited). */
async function perRun(promql: string, by: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of await prometheus!.query(`last_over_time(${promql}[5m])`)) {
    out[`${s.metric.run}/${s.metric[by] ?? ''}`] = Number(s.value[1]);
  }
  return out;
}

describe.skipIf(skip)('a real Prometheus server scraping memkit gc-profile --repeat 2', () => {
  it('memkit completes and a scrape read its final values', () => {
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(result.stderr).toMatch(/memkit: Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(result.stderr).not.toMatch(/no Prometheus scrape read the final values/);
  });

  it('memkit_gc_collections_total equals the baseline’s gc.count.<kind> of each run', async () => {
    const got = await perRun(`memkit_gc_collections_total{run_id="${baseline.runId}"}`, 'kind');
    const want: Record<string, number> = {};
    for (const kind of KINDS) {
      const values: number[] = baseline.metrics[`gc.count.${kind}`].values;
      expect(values).toHaveLength(2);
      values.forEach((v, i) => (want[`${i + 1}/${kind}`] = v));
    }
    expect(got).toEqual(want);
    // Not a comparison of zeros: the before variant collects plenty.
    expect(want['1/minor']).toBeGreaterThan(10);
    expect(want['2/minor']).toBeGreaterThan(10);
  });

  it('the GC pause histogram counts the same events', async () => {
    const got = await perRun(`memkit_gc_pause_seconds_count{run_id="${baseline.runId}"}`, 'kind');
    for (const kind of KINDS) {
      baseline.metrics[`gc.count.${kind}`].values.forEach((v: number, i: number) => expect(got[`${i + 1}/${kind}`]).toBe(v));
    }
  });

  it('steps and scenario counters equal the baseline’s ops.count and custom.<name> of each run', async () => {
    const steps = await perRun(`memkit_steps_total{run_id="${baseline.runId}"}`, 'none');
    expect([steps['1/'], steps['2/']]).toEqual(baseline.metrics['ops.count'].values);
    const misses = await perRun(`memkit_custom_counter_total{run_id="${baseline.runId}",name="cache.miss"}`, 'name');
    expect([misses['1/cache.miss'], misses['2/cache.miss']]).toEqual(baseline.metrics['custom.cache.miss'].values);
    expect(misses['1/cache.miss']).toBeGreaterThan(1000);
    // A gauge describes a live child: only the last run's is still served at the end.
    const ratio = await perRun(`memkit_cache_hit_ratio{run_id="${baseline.runId}",cache="cache"}`, 'cache');
    expect(ratio['2/cache']).toBe(baseline.metrics['custom.cache.hit_ratio'].values[1]);
  });

  it('carries the run labels', async () => {
    const [s] = await prometheus!.query(`last_over_time(memkit_run_ended{run="2"}[5m])`);
    expect(s!.metric).toMatchObject({
      job: 'memkit', command: 'gc-profile', scenario: 'lru-cache', variant: 'unstable-key',
      target: 'lru-cache-unstable-key', run_id: baseline.runId, status: 'complete',
    });
  });
});
