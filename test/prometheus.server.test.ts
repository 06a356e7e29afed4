import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readJson, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { freePort, requirePrometheusBinary, startPrometheus, type PrometheusServer } from './helpers/prometheus-server.js';

/**
 * End to end against a real Prometheus server: it scrapes `memkit mem-stress --repeat 2`
 * and `memkit gc-profile` (run side by side) every second, and what its query API returns
 * for each run must equal that run's figures in the baseline memkit wrote (`values[i]` of
 * gc.count.*, ops.count, custom.*).
 *
 * Prometheus only starts scraping ~5 s after it starts (its target discovery is throttled),
 * so it is started together with memkit, not before; memkit keeps serving after its runs
 * until a scrape has read the final values (--prometheus-linger).
 */

const { bin, skip } = requirePrometheusBinary('prometheus');
const tmp = tempDir();
let prometheus: PrometheusServer | undefined;
const KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;

interface Measured {
  result: CliResult;
  baseline: any;
}
const measured: Record<'stress' | 'profile', Measured> = {} as never;

async function measure(port: number, args: string[], out: string): Promise<Measured & { exitedAt: number }> {
  const result = await runCli([...args, '--no-progress', '--prometheus', `127.0.0.1:${port}`, '--out', out]);
  return { result, baseline: result.code === 0 ? readJson(out) : undefined, exitedAt: Date.now() };
}

beforeAll(async () => {
  if (skip) return;
  const [stressPort, profilePort] = [await freePort(), await freePort()];
  const started = startPrometheus({ bin: bin!, targets: [`127.0.0.1:${stressPort}`, `127.0.0.1:${profilePort}`], scrapeIntervalS: 1 });
  // A fixed amount of work (--duration only a cap), so the counts compared below are not
  // zeros however slowly a busy machine runs it: a step allocates the same either way.
  const runs = Promise.all([
    measure(stressPort, [
      'mem-stress', '--scenario', 'lru-cache', '--variant', 'unstable-key', '--signals', '10000', '--duration', '60s',
      '--checkpoint-every', '250ms', '--repeat', '2',
    ], join(tmp.path, 'stress.json')),
    measure(profilePort, ['gc-profile', '--scenario', 'lru-cache', '--variant', 'unstable-key', '--steps', '15000', '--duration', '60s'], join(tmp.path, 'profile.json')),
  ]);
  prometheus = await started;
  const [stress, profile] = await runs;
  measured.stress = stress;
  measured.profile = profile;
  // The last successful scrape is in the database once a later one has failed (memkit is gone).
  const exitedAt = Math.max(stress.exitedAt, profile.exitedAt);
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    const targets = await prometheus.targets();
    if (targets.length === 2 && targets.every((t) => t.health === 'down' && Date.parse(t.lastScrape) > exitedAt)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  tmp.cleanup();
});

/** Each run's value of a metric, keyed "<run>/<label by>", from Prometheus (last sample before memkit exited). */
async function perRun(promql: string, by: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of await prometheus!.query(`last_over_time(${promql}[5m])`)) {
    out[`${s.metric.run}/${s.metric[by] ?? ''}`] = Number(s.value[1]);
  }
  return out;
}

/** The baseline's per-run values of gc.count.<kind>, keyed like perRun(). */
function baselineGcCounts(baseline: any): Record<string, number> {
  const want: Record<string, number> = {};
  for (const kind of KINDS) baseline.metrics[`gc.count.${kind}`].values.forEach((v: number, i: number) => (want[`${i + 1}/${kind}`] = v));
  return want;
}

describe.skipIf(skip)('a real Prometheus server scraping memkit', () => {
  it('both commands complete, and a scrape read their final values', () => {
    for (const { result } of Object.values(measured)) {
      expect(result.code, result.stderr.slice(-2000)).toBe(0);
      expect(result.stderr).toMatch(/memkit: Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
      expect(result.stderr).not.toMatch(/no Prometheus scrape read the final values/);
    }
  });

  it('mem-stress --repeat 2: memkit_gc_collections_total equals gc.count.<kind> of each run', async () => {
    const { baseline } = measured.stress;
    const got = await perRun(`memkit_gc_collections_total{run_id="${baseline.runId}"}`, 'kind');
    const want = baselineGcCounts(baseline);
    expect(Object.keys(want)).toHaveLength(8);
    expect(got).toEqual(want);
    // Not a comparison of zeros: the before variant collects plenty.
    expect(want['1/minor']).toBeGreaterThan(5);
    expect(want['2/minor']).toBeGreaterThan(5);
    // ...and memkit's forced GCs (checkpoints every 250 ms here) were there to be left out.
    expect(baseline.extra.runs[0].gcCheckpointCount).toBeGreaterThan(2);
  });

  it('gc-profile: memkit_gc_collections_total and the pause histogram equal gc.count.<kind>', async () => {
    const { baseline } = measured.profile;
    const want = baselineGcCounts(baseline);
    expect(await perRun(`memkit_gc_collections_total{run_id="${baseline.runId}"}`, 'kind')).toEqual(want);
    expect(await perRun(`memkit_gc_pause_seconds_count{run_id="${baseline.runId}"}`, 'kind')).toEqual(want);
    expect(want['1/minor']).toBeGreaterThan(5);
  });

  it('steps, step latencies and scenario counters equal ops.count and custom.<name> of each run', async () => {
    const { baseline } = measured.stress;
    const sel = `run_id="${baseline.runId}"`;
    const steps = await perRun(`memkit_steps_total{${sel}}`, 'none');
    expect([steps['1/'], steps['2/']]).toEqual(baseline.metrics['ops.count'].values);
    // Every step has its latency in the histogram, warm-up included.
    const latencies = await perRun(`memkit_step_latency_seconds_count{${sel}}`, 'none');
    expect([latencies['1/'], latencies['2/']]).toEqual(baseline.metrics['ops.count'].values);
    const misses = await perRun(`memkit_custom_counter_total{${sel},name="cache.miss"}`, 'name');
    expect([misses['1/cache.miss'], misses['2/cache.miss']]).toEqual(baseline.metrics['custom.cache.miss'].values);
    expect(misses['1/cache.miss']).toBeGreaterThan(1000);
    // A gauge describes a live child: run 1's went away when run 2 began (Prometheus may
    // have scraped it while run 1 went on), so only the last run's final value is certain.
    const ratio = await perRun(`memkit_cache_hit_ratio{${sel},cache="cache"}`, 'cache');
    expect(ratio['2/cache']).toBe(baseline.metrics['custom.cache.hit_ratio'].values[1]);
  });

  it('carries the run labels', async () => {
    const [s] = await prometheus!.query(`last_over_time(memkit_run_ended{command="mem-stress",run="2"}[5m])`);
    expect(s!.metric).toMatchObject({
      job: 'memkit', command: 'mem-stress', scenario: 'lru-cache', variant: 'unstable-key',
      target: 'lru-cache-unstable-key', run_id: measured.stress.baseline.runId, status: 'complete',
    });
  });
});
