import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { dueCount, intendedSendMs } from '../src/load/schedule.js';
import { LatencyBuckets } from '../src/load/latency-buckets.js';
import { classifyRequestError, isErrorStatus } from '../src/load/error-kind.js';
import { isLoopbackHost, parseHttpUrl, readRequestFile } from '../src/load/requests.js';
import { httpLoadMetrics, stepsAt } from '../src/load/load-metrics.js';
import { addRecord, emptyRunData } from '../src/samples/run-data.js';
import { bucketBounds } from '../src/samples/log-buckets.js';
import { summarizeBuckets } from '../src/analyze/latency-stats.js';
import { parseLoadOptions, type LoadRaw } from '../src/cli/options/load.js';
import { tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('open-loop schedule', () => {
  it('sends request i at start + i/rate, and counts every request due by now (late ones included)', () => {
    expect(intendedSendMs(1000, 300, 0)).toBe(1000);
    expect(intendedSendMs(1000, 300, 3)).toBeCloseTo(1010, 9);
    expect(dueCount(1000, 300, 999)).toBe(0);
    expect(dueCount(1000, 300, 1000)).toBe(1);
    // 1/300 s steps: at exactly the 3rd step's time, 4 are due (0..3), not 3 by rounding.
    expect(dueCount(1000, 300, intendedSendMs(1000, 300, 3))).toBe(4);
    // A 200 ms stall of memkit's loop: every request it delayed is due at once.
    expect(dueCount(0, 1000, 200.5)).toBe(201);
    expect(dueCount(0, 1000, 10_000, 50)).toBe(50);
    // Over a long run the count never drifts: exactly rate × t + 1.
    expect(dueCount(0, 7, 3_600_000)).toBe(7 * 3600 + 1);
  });
});

describe('latency buckets (the agent\'s log buckets)', () => {
  it('keeps every latency once across batches, with exact n, sum and max, and percentiles within a bucket', () => {
    const b = new LatencyBuckets();
    const values: number[] = [];
    for (let i = 0; i < 5000; i++) values.push(((i * 7919) % 5000) / 25 + 0.05); // 0.05..200 ms, shuffled
    const dense: number[] = [];
    let n = 0;
    let sum = 0;
    let max = 0;
    values.forEach((v, i) => {
      b.record(v);
      if (i % 1234 === 0) {
        const batch = b.takeBatch(i)!;
        batch.idx.forEach((k, j) => (dense[k] = (dense[k] ?? 0) + batch.count[j]!));
        n += batch.n;
        sum += batch.sumMs;
        max = Math.max(max, batch.maxMs);
      }
    });
    const last = b.takeBatch(1)!;
    last.idx.forEach((k, j) => (dense[k] = (dense[k] ?? 0) + last.count[j]!));
    n += last.n;
    sum += last.sumMs;
    max = Math.max(max, last.maxMs);
    expect(b.takeBatch(2)).toBeUndefined();
    expect(n).toBe(values.length);
    expect(dense.reduce((a, c) => a + (c ?? 0), 0)).toBe(values.length);
    expect(sum).toBeCloseTo(values.reduce((a, v) => a + v, 0), 6);
    expect(max).toBe(Math.max(...values));
    const sorted = [...values].sort((a, c) => a - c);
    const s = summarizeBuckets(dense, sum, max);
    for (const [q, got] of [[0.5, s.p50Ms], [0.99, s.p99Ms]] as const) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      expect(Math.abs(got - exact) / exact).toBeLessThan(0.008);
    }
    // Each value sits in the bucket whose bounds hold it.
    const one = new LatencyBuckets();
    one.record(12.345);
    const { lowNs, highNs } = bucketBounds(one.takeBatch(0)!.idx[0]!);
    expect(lowNs).toBeLessThanOrEqual(12.345e6);
    expect(highNs).toBeGreaterThanOrEqual(12.345e6 - 1);
  });
});

describe('error kinds', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      if (req.url === '/reset') return void req.socket.destroy();
      res.statusCode = req.url === '/404' ? 404 : req.url === '/302' ? 302 : 200;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const outcome = async (origin: string, path: string, timeoutMs = 1000): Promise<string> => {
    // The generator's own settings: undici's headers and body timeouts.
    const pool = new Pool(origin, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    try {
      const res = await pool.request({ method: 'GET', path });
      await res.body.dump();
      return isErrorStatus(res.statusCode) ? 'status' : 'ok';
    } catch (err) {
      return classifyRequestError(err);
    } finally {
      await pool.destroy();
    }
  };

  it('classifies what undici really throws: status, timeout, reset, refused', async () => {
    const origin = `http://127.0.0.1:${port}`;
    expect(await outcome(origin, '/')).toBe('ok');
    expect(await outcome(origin, '/302')).toBe('ok');
    expect(await outcome(origin, '/404')).toBe('status');
    expect(await outcome(origin, '/slow', 100)).toBe('timeout');
    expect(await outcome(origin, '/reset')).toBe('reset');
    // A port nobody listens on: take one, close it.
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const free = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expect(await outcome(`http://127.0.0.1:${free}`, '/')).toBe('refused');
    expect(classifyRequestError(new Error('something else'))).toBe('other');
    expect(classifyRequestError(new DOMException('aborted', 'TimeoutError'))).toBe('timeout');
    expect(classifyRequestError(Object.assign(new Error('x'), { code: 'EPIPE' }))).toBe('reset');
    expect(isErrorStatus(199)).toBe(true);
    expect(isErrorStatus(399)).toBe(false);
    expect(isErrorStatus(500)).toBe(true);
  });
});

describe('requests', () => {
  it('reads a request file: paths on the first --http origin, urls, JSON bodies; bad entries are one line each', () => {
    const file = join(tmp.path, 'requests.json');
    writeFileSync(file, JSON.stringify([{ path: '/a?x=1' }, { method: 'post', url: 'http://127.0.0.1:9/b', body: { k: 1 }, headers: { 'X-Id': '7' } }]));
    const list = readRequestFile(file, new URL('http://127.0.0.1:8080/ignored'));
    expect(list).toEqual([
      { origin: 'http://127.0.0.1:8080', method: 'GET', path: '/a?x=1', headers: {} },
      { origin: 'http://127.0.0.1:9', method: 'POST', path: '/b', headers: { 'x-id': '7', 'content-type': 'application/json' }, body: '{"k":1}' },
    ]);
    writeFileSync(file, JSON.stringify([{ path: '/a' }]));
    expect(() => readRequestFile(file, undefined)).toThrow(/request 1: a path needs an origin/);
    writeFileSync(file, JSON.stringify([{ url: 'ftp://x/' }]));
    expect(() => readRequestFile(file, undefined)).toThrow(/not an http/);
    writeFileSync(file, '{');
    expect(() => readRequestFile(file, undefined)).toThrow(/not JSON/);
    expect(() => readRequestFile(join(tmp.path, 'missing.json'), undefined)).toThrow(/no such file/);
    expect(() => parseHttpUrl('localhost:3000')).toThrow(/not an http/);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('10.0.0.2')).toBe(false);
  });

  it('checks the load flags together: a command target, --rate for --http, the flags that need another', () => {
    const raw = (r: Partial<LoadRaw>): LoadRaw => ({ http: [], ...r }) as LoadRaw;
    const ctx = { hasCommand: true, ratePerSec: 100, durationMs: 5000, intervalMs: 100 };
    expect(parseLoadOptions(raw({}), { ...ctx, ratePerSec: undefined })).toEqual({ warnings: [] });
    expect(() => parseLoadOptions(raw({}), ctx)).toThrow(/--rate needs --http/);
    expect(parseLoadOptions(raw({}), { ...ctx, hasCommand: false })).toEqual({ warnings: [] });
    expect(() => parseLoadOptions(raw({ http: ['http://127.0.0.1:1/'] }), { ...ctx, hasCommand: false })).toThrow(/give it after --/);
    expect(() => parseLoadOptions(raw({ http: ['http://127.0.0.1:1/'] }), { ...ctx, ratePerSec: undefined })).toThrow(/needs --rate/);
    expect(() => parseLoadOptions(raw({ connections: '4' }), ctx)).toThrow(/--connections needs --http/);
    expect(() => parseLoadOptions(raw({ load: 'wrk x' }), ctx)).toThrow(/--rate sets --http/);
    const { plan, warnings } = parseLoadOptions(raw({ http: ['http://10.1.2.3:8080/x'], connections: '4', httpTimeout: '2s' }), ctx);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/10\.1\.2\.3.*not a loopback/);
    expect(plan?.http).toMatchObject({ ratePerSec: 100, connections: 4, timeoutMs: 2000 });
    expect(plan?.readyUrl?.port).toBe('8080');
    expect(plan?.listenTimeoutMs).toBe(30_000);
  });
});

describe('load figures', () => {
  it('rates responses over the load after warm-up, not over the program\'s start-up; errors over the whole load', () => {
    const data = emptyRunData();
    const progress = (tMs: number, responses: number, reset = 0) =>
      addRecord(data, {
        type: 'progress', tMs, steps: responses, gauges: {}, phases: {},
        counters: { 'http.requests.sent': responses + reset, 'http.responses': responses, 'http.errors.reset': reset },
      });
    progress(10_000, 0); // the load starts 10 s after the program (its start-up)
    progress(11_000, 100);
    progress(12_000, 200, 1);
    progress(14_000, 400, 1);
    expect(stepsAt(data.progressSeries, 11_500)).toBe(100);
    expect(stepsAt(data.progressSeries, 5_000)).toBe(0);
    const m = httpLoadMetrics({ 'custom.http.responses': 400, 'gc.count.minor': 3 }, data, 0);
    expect(m['ops.rate_per_s']).toBe(100); // 400 responses in the 4 s of load
    expect(m['http.requests.count']).toBe(401);
    expect(m['http.errors.reset']).toBe(1);
    expect(m['http.errors.timeout']).toBe(0);
    expect(m['custom.http.responses']).toBeUndefined();
    expect(m['gc.count.minor']).toBe(3);
    const afterWarmup = httpLoadMetrics({}, data, 12_000);
    expect(afterWarmup['ops.count']).toBe(200);
    expect(afterWarmup['ops.rate_per_s']).toBe(100);
  });
});
