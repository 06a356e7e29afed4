import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { GcKind, GcSource, type GcBatch, type LatencyBatch, type MemBatch, type ProgressMessage } from '../src/samples/protocol.js';
import { gcStats } from '../src/analyze/gc-stats.js';
import { bucketOf } from '../src/samples/log-buckets.js';
import { measuredWindow } from '../src/analyze/window.js';
import { UsageError } from '../src/core/errors.js';
import { startMetricsExporter, type MetricsExporter } from '../src/prometheus/exporter.js';
import { parseListenAddress } from '../src/prometheus/listen-address.js';
import { addRecord, emptyRunData, type SampleRecord } from '../src/samples/run-data.js';
import { parseExposition, pick, valueOf, type Sample } from './helpers/prometheus-server.js';

/**
 * The exporter fed with recorded sequences of run records, read back over HTTP from
 * /metrics on an ephemeral loopback port. GC counts are checked against the figure the
 * baseline computes from the same records (gcStats over measuredWindow), and by hand.
 */

const exporters: MetricsExporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.close()));
});

async function exporter(labels: Record<string, string> = { command: 'gc-profile', run_id: 'r1' }): Promise<MetricsExporter> {
  const e = await startMetricsExporter({ listen: '127.0.0.1:0', labels });
  exporters.push(e);
  return e;
}

async function scrape(e: MetricsExporter): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(e.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

// ---- records, as the agent and the runner produce them --------------------------------

const header = (t: number): SampleRecord => ({ type: 'run', schema: 'memkit.samples/1', runId: 'r1', index: 0, startedAtMs: t, target: {}, settings: {} });
const hello = (t: number, mode: 'scenario' | 'preload' = 'scenario'): SampleRecord => ({
  type: 'hello', pid: 4242, tMs: t, node: 'v20.20.2', v8: '11.3', execArgv: ['--expose-gc'], heapSizeLimitBytes: 4e9, constrainedMemoryBytes: null, mode,
});
const mark = (label: 'setup-done' | 'measure-start' | 'measure-end' | 'gc-checkpoint', t: number, heap?: number): SampleRecord => ({
  type: 'mark', label, tMs: t, steps: 0, ...(heap !== undefined ? { heapUsedAfterGcBytes: heap } : {}),
});
type Gc = [tMs: number, kind: number, pauseMs: number, src?: number, usedBefore?: number, usedAfter?: number];
const gc = (...events: Gc[]): GcBatch => ({
  type: 'gc',
  tMs: events.map((e) => e[0]),
  kind: events.map((e) => e[1]),
  pauseMs: events.map((e) => e[2]),
  flags: events.map(() => 0),
  usedBefore: events.map((e) => e[4] ?? -1),
  usedAfter: events.map((e) => e[5] ?? -1),
  totalAfter: events.map(() => -1),
  src: events.map((e) => e[3] ?? GcSource.Program),
});
const mem = (...samples: Array<[tMs: number, heapUsed: number]>): MemBatch => ({
  type: 'mem',
  tMs: samples.map((s) => s[0]),
  rss: samples.map(() => 50e6),
  heapUsed: samples.map((s) => s[1]),
  heapTotal: samples.map(() => 64e6),
  external: samples.map(() => 1e6),
  arrayBuffers: samples.map(() => 1e5),
});
const done = (t: number): SampleRecord => ({ type: 'done', tMs: t, steps: 0, reason: 'duration', gcDesync: 0 });
const end = (t: number, status: 'complete' | 'crashed' = 'complete'): SampleRecord => ({ type: 'end', tMs: t, status, exit: { code: 0, signal: null } });
const { Scavenge, MinorMarkCompact, MarkCompact, IncrementalMarking, ProcessWeakCallbacks } = GcKind;
const Checkpoint = GcSource.Checkpoint;

/** The baseline's figures for the same records. */
function baselineCounts(records: SampleRecord[]): Record<string, number> {
  const data = emptyRunData();
  for (const r of records) addRecord(data, r);
  const s = gcStats(data.gc, measuredWindow(data));
  return Object.fromEntries(Object.entries(s.byKind).map(([k, v]) => [k, v.count]));
}

function counts(samples: Sample[], run = '1'): Record<string, number> {
  return Object.fromEntries(pick(samples, 'memkit_gc_collections_total', { run }).map((s) => [s.labels.kind!, s.value]));
}

/** A scenario run: setup GCs, a late batch, memkit's checkpoints, teardown after the window. */
const scenarioRun: SampleRecord[][] = [
  [header(1000), hello(1000)],
  [gc([1100, Scavenge, 0.5], [1200, MarkCompact, 3])], // setup: not in the window
  [mark('setup-done', 1300), mark('measure-start', 1400, 5e6), mark('gc-checkpoint', 1650, 5e6)],
  [
    gc(
      [1350, Scavenge, 0.4], // a setup GC delivered after the mark: still not in the window
      [1395, MarkCompact, 9, Checkpoint], // memkit's start checkpoint
      [1500, Scavenge, 0.05],
      [1600, Scavenge, 0.3],
      [1650, MarkCompact, 6, Checkpoint], // a periodic GC checkpoint (mem-stress) inside the window
      [1700, MarkCompact, 70],
      [1750, IncrementalMarking, 2],
      [1800, ProcessWeakCallbacks, 0.01],
      [1900, MinorMarkCompact, 2],
    ),
  ],
  [mark('measure-end', 2000, 6e6)],
  [gc([1990, Scavenge, 0.2], [2001, MarkCompact, 8, Checkpoint], [2100, Scavenge, 0.1])], // late one in; end checkpoint and teardown out
  [done(2200), end(2300)],
];

describe('memkit_gc_collections_total counts what the baseline counts', () => {
  it('a scenario run: only the program’s GCs inside the measured window, live and at the end', async () => {
    const e = await exporter();
    e.newRun({ run: '1' });
    const seen: Array<Record<string, number>> = [];
    for (const step of scenarioRun) {
      for (const r of step) e.onRecord(r);
      seen.push(counts((await scrape(e)).samples));
    }
    const zero = { minor: 0, major: 0, incremental: 0, weakcb: 0 };
    expect(seen[0]).toEqual(zero); // every kind exists from the start
    expect(seen[1]).toEqual(zero); // setup GCs wait for the window's start...
    expect(seen[2]).toEqual(zero); // ...and are dropped once it is known
    expect(seen[3]).toEqual({ minor: 3, major: 1, incremental: 1, weakcb: 1 }); // live, mid-run
    const final = { minor: 4, major: 1, incremental: 1, weakcb: 1 };
    expect(seen[6]).toEqual(final);
    expect(final).toEqual(baselineCounts(scenarioRun.flat()));
  });

  it('a child killed during setup: the baseline falls back to the whole life, so do the counters', async () => {
    const records = [header(1000), hello(1000), gc([1100, Scavenge, 1], [1200, MarkCompact, 5], [1250, MarkCompact, 4, Checkpoint]), end(1500, 'crashed')];
    const e = await exporter();
    for (const r of records.slice(0, 3)) e.onRecord(r);
    expect(counts((await scrape(e)).samples)).toEqual({ minor: 0, major: 0, incremental: 0, weakcb: 0 });
    e.onRecord(records[3]!);
    const { samples } = await scrape(e);
    expect(counts(samples)).toEqual({ minor: 1, major: 1, incremental: 0, weakcb: 0 });
    expect(counts(samples)).toEqual(baselineCounts(records));
    expect(valueOf(samples, 'memkit_run_ended', { status: 'crashed' })).toBe(1);
  });

  it('a preloaded command: the window opens at the agent’s measure-start', async () => {
    const records = [
      header(1000), hello(1000, 'preload'), mark('measure-start', 1001),
      gc([1000.5, Scavenge, 1], [1100, Scavenge, 1], [1200, MarkCompact, 3]),
      mark('measure-end', 1300), gc([1301, Scavenge, 1]), done(1302), end(1400),
    ];
    const e = await exporter();
    for (const r of records) e.onRecord(r);
    const { samples } = await scrape(e);
    expect(counts(samples)).toEqual({ minor: 1, major: 1, incremental: 0, weakcb: 0 });
    expect(counts(samples)).toEqual(baselineCounts(records));
  });

  it('the GC pause histogram holds the same events, in seconds', async () => {
    const e = await exporter();
    for (const r of scenarioRun.flat()) e.onRecord(r);
    const { samples } = await scrape(e);
    const minor = { run: '1', kind: 'minor' };
    // Minor pauses in the window: 0.05, 0.3, 2 (minor mark-compact), 0.2 ms.
    expect(valueOf(samples, 'memkit_gc_pause_seconds_bucket', { ...minor, le: '0.0001' })).toBe(1);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_bucket', { ...minor, le: '0.00025' })).toBe(2);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_bucket', { ...minor, le: '0.0005' })).toBe(3);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_bucket', { ...minor, le: '0.001' })).toBe(3);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_bucket', { ...minor, le: '0.0025' })).toBe(4);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_bucket', { ...minor, le: '+Inf' })).toBe(4);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_count', minor)).toBe(4);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_sum', minor)).toBeCloseTo(0.00255, 12);
    const major = { run: '1', kind: 'major' };
    expect(valueOf(samples, 'memkit_gc_pause_seconds_bucket', { ...major, le: '0.05' })).toBe(0);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_bucket', { ...major, le: '0.1' })).toBe(1);
    expect(valueOf(samples, 'memkit_gc_pause_seconds_count', major)).toBe(1);
  });
});

describe('the other metrics', () => {
  it('step latencies: exact count and sum, each log bucket in the bound above its midpoint', async () => {
    const e = await exporter();
    const ns = [20_000, 20_000, 20_000, 3e6, 3e6, 7e9, 30e9]; // 20 µs ×3, 3 ms ×2, 7 s, 30 s
    const byBucket = new Map<number, number>();
    for (const v of ns) byBucket.set(bucketOf(v), (byBucket.get(bucketOf(v)) ?? 0) + 1);
    const idx = [...byBucket.keys()].sort((a, b) => a - b);
    const sumMs = ns.reduce((a, b) => a + b, 0) / 1e6;
    const batch: LatencyBatch = { type: 'latency', tMs: 1500, idx, count: idx.map((i) => byBucket.get(i)!), n: ns.length, sumMs, maxMs: 30e3 };
    for (const r of [header(1000), hello(1000), mark('measure-start', 1100), batch]) e.onRecord(r);
    const { samples } = await scrape(e);
    const bucket = (le: string) => valueOf(samples, 'memkit_step_latency_seconds_bucket', { run: '1', le });
    expect(bucket('0.00001')).toBe(0);
    expect(bucket('0.000025')).toBe(3);
    expect(bucket('0.0025')).toBe(3);
    expect(bucket('0.005')).toBe(5);
    expect(bucket('5')).toBe(5);
    expect(bucket('10')).toBe(6);
    expect(bucket('+Inf')).toBe(7);
    expect(valueOf(samples, 'memkit_step_latency_seconds_count', { run: '1' })).toBe(7);
    expect(valueOf(samples, 'memkit_step_latency_seconds_sum', { run: '1' })).toBeCloseTo(37.00606, 9);
    // A second batch adds up.
    e.onRecord({ ...batch, tMs: 2500 });
    expect(valueOf((await scrape(e)).samples, 'memkit_step_latency_seconds_count', { run: '1' })).toBe(14);
  });

  it('scenario counters, gauges, hit ratio and phases follow the child’s cumulative totals', async () => {
    const e = await exporter();
    const progress = (steps: number, hit: number, miss: number, writeMs: number): ProgressMessage => ({
      type: 'progress', tMs: 1000 + steps, steps, counters: { 'cache.hit': hit, 'cache.miss': miss }, gauges: { 'cache.entries': 50 }, phases: { write: { count: steps, totalMs: writeMs } },
    });
    for (const r of [header(1000), hello(1000), mark('measure-start', 1100), progress(100, 60, 40, 250)]) e.onRecord(r);
    let { samples } = await scrape(e);
    expect(valueOf(samples, 'memkit_cache_hit_ratio', { cache: 'cache' })).toBeCloseTo(0.6, 12);
    e.onRecord(progress(1000, 880, 120, 2500));
    ({ samples } = await scrape(e));
    expect(valueOf(samples, 'memkit_steps_total')).toBe(1000);
    expect(valueOf(samples, 'memkit_custom_counter_total', { name: 'cache.hit' })).toBe(880);
    expect(valueOf(samples, 'memkit_custom_counter_total', { name: 'cache.miss' })).toBe(120);
    expect(valueOf(samples, 'memkit_custom_gauge', { name: 'cache.entries' })).toBe(50);
    expect(valueOf(samples, 'memkit_cache_hit_ratio', { cache: 'cache' })).toBeCloseTo(0.88, 12);
    expect(valueOf(samples, 'memkit_phase_seconds_total', { phase: 'write' })).toBeCloseTo(2.5, 12);
    // No hit ratio is made up for counters that do not form a pair.
    expect(pick(samples, 'memkit_cache_hit_ratio')).toHaveLength(1);
  });

  it('memory gauges, CPU, live memory and the allocation rate of the last minute', async () => {
    const e = await exporter();
    const MB = 1e6;
    const records: SampleRecord[] = [
      header(0), hello(0), { ...mark('measure-start', 1000, 10 * MB), externalAfterGcBytes: 2 * MB },
      mem([1000, 10 * MB], [2000, 30 * MB]),
      // GCs: heap 30 → 12 MB at 2.5 s, then grows to 40 MB and drops to 10 MB at 4 s.
      gc([2500, Scavenge, 1, GcSource.Program, 30 * MB, 12 * MB], [4000, Scavenge, 1, GcSource.Program, 40 * MB, 10 * MB]),
      mem([3000, 20 * MB], [5000, 15 * MB]),
      { type: 'proc', tMs: 5000, rssBytes: 77 * MB, cpuPercent: 50, cpuMs: 1500, pid: 4242 },
    ];
    for (const r of records) e.onRecord(r);
    const { samples } = await scrape(e);
    expect(valueOf(samples, 'memkit_heap_used_bytes')).toBe(15 * MB);
    expect(valueOf(samples, 'memkit_heap_total_bytes')).toBe(64 * MB);
    expect(valueOf(samples, 'memkit_external_memory_bytes')).toBe(1 * MB);
    expect(valueOf(samples, 'memkit_process_resident_memory_bytes')).toBe(77 * MB);
    expect(valueOf(samples, 'memkit_process_cpu_seconds_total')).toBe(1.5);
    expect(valueOf(samples, 'memkit_live_memory_bytes', { area: 'heap' })).toBe(10 * MB);
    expect(valueOf(samples, 'memkit_live_memory_bytes', { area: 'external' })).toBe(2 * MB);
    // Allocated from 1 s to 5 s: (30 - 10) + (40 - 12) + (15 - 10) = 53 MB in 4 s.
    expect(valueOf(samples, 'memkit_allocation_rate_bytes_per_second')).toBeCloseTo((53 * MB) / 4, 3);
    // A minute later only the last minute counts: 20 MB allocated between 65 and 125 s.
    for (const r of [mem([65_000, 10 * MB]), mem([125_000, 30 * MB])]) e.onRecord(r);
    expect(valueOf((await scrape(e)).samples, 'memkit_allocation_rate_bytes_per_second')).toBeCloseTo((20 * MB) / 60, 3);
  });

  it('escapes label values: run labels and scenario counter names with quotes, backslashes, newlines', async () => {
    const scenario = 'C:\\scen "x"\nnext';
    const e = await exporter({ command: 'gc-profile', scenario, run_id: 'r"1' });
    const counter = 'odd "name"\\with\nnewline';
    e.onRecord(hello(1000));
    e.onRecord({ type: 'progress', tMs: 1100, steps: 3, counters: { [counter]: 7 }, gauges: {}, phases: {} });
    const { text, samples } = await scrape(e);
    expect(text).toContain('name="odd \\"name\\"\\\\with\\nnewline"');
    expect(text).toContain('scenario="C:\\\\scen \\"x\\"\\nnext"');
    expect(text).toContain('run_id="r\\"1"');
    const s = pick(samples, 'memkit_custom_counter_total', { name: counter });
    expect(s).toHaveLength(1);
    expect(s[0]!.value).toBe(7);
    expect(s[0]!.labels).toMatchObject({ scenario, run_id: 'r"1', command: 'gc-profile', run: '1' });
  });

  it('--repeat: each run has its own series; finished runs keep their totals, not their gauges', async () => {
    const e = await exporter();
    e.newRun({ run: '1' });
    for (const r of scenarioRun.flat()) e.onRecord(r);
    e.onRecord(mem([2250, 5e6]));
    e.newRun({ run: '2' });
    e.onRecord(header(3000));
    e.onRecord(hello(3000));
    e.onRecord(mark('measure-start', 3100));
    e.onRecord(gc([3200, MarkCompact, 1]));
    const { samples } = await scrape(e);
    expect(counts(samples, '1')).toEqual({ minor: 4, major: 1, incremental: 1, weakcb: 1 });
    expect(counts(samples, '2')).toEqual({ minor: 0, major: 1, incremental: 0, weakcb: 0 });
    expect(pick(samples, 'memkit_heap_used_bytes', { run: '1' })).toHaveLength(0);
    expect(pick(samples, 'memkit_run_info', { run: '1' })).toHaveLength(0);
    expect(pick(samples, 'memkit_run_info', { run: '2' })).toHaveLength(1);
    expect(valueOf(samples, 'memkit_run_ended', { run: '1', status: 'complete' })).toBe(1);
  });

  it('serves nothing of memkit’s own process and answers only /metrics', async () => {
    const e = await exporter();
    const { samples } = await scrape(e);
    expect(samples.every((s) => s.name.startsWith('memkit_'))).toBe(true);
    expect((await fetch(e.url.replace('/metrics', '/nope'))).status).toBe(404);
    expect((await fetch(e.url, { method: 'POST' })).status).toBe(405);
  });
});

describe('lifecycle', () => {
  it('waits for a scrape that began after the run ended, or gives up after the linger time', async () => {
    const e = await exporter();
    e.onRecord(hello(1000));
    await scrape(e); // mid-run: not the final values
    expect(await e.waitForFinalScrape(50)).toBe(false);
    e.onRecord(end(2000));
    expect((await fetch(e.url, { method: 'HEAD' })).status).toBe(200); // reads no values
    expect(await e.waitForFinalScrape(50)).toBe(false);
    const waiting = e.waitForFinalScrape(10_000);
    await scrape(e);
    expect(await waiting).toBe(true);
  });

  it('a port in use or an address that is not this machine’s is a UsageError naming the flag', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const err = await startMetricsExporter({ listen: `127.0.0.1:${port}`, labels: {} }).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(`--prometheus: 127.0.0.1:${port} is already in use (choose another port, or :0 for any free one)`);
    } finally {
      busy.close();
    }
    const far = await startMetricsExporter({ listen: '192.0.2.1:0', labels: {} }).catch((x: unknown) => x);
    expect(far).toBeInstanceOf(UsageError);
    expect((far as Error).message).toBe('--prometheus: 192.0.2.1 is not an address of this machine');
  });

  it('parses host:port, loopback by default', () => {
    expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464, loopback: true });
    expect(parseListenAddress(':9100')).toEqual({ host: '127.0.0.1', port: 9100, loopback: true });
    expect(parseListenAddress(true)).toEqual({ host: '127.0.0.1', port: 9464, loopback: true });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0, loopback: true });
    expect(parseListenAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464, loopback: true });
    expect(parseListenAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464, loopback: false });
    expect(parseListenAddress('metrics.example.org:80').loopback).toBe(false);
    for (const bad of ['', 'localhost', '127.0.0.1:', '1.2.3:80', '999.1.1.1:80', '::1:9464', '[nope]:1', 'a b:1', '127.0.0.1:70000', '127.0.0.1:-1']) {
      expect(() => parseListenAddress(bad), bad).toThrow(UsageError);
    }
    expect(() => parseListenAddress('127.0.0.1:70000')).toThrow("--prometheus: '127.0.0.1:70000' has a port above 65535 (use host:port, e.g. 127.0.0.1:9464 or :9464)");
  });
});
