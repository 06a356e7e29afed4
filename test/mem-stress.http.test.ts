import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';
import { freePort } from './helpers/free-port.js';

/** mem-stress --http / --load against a plain node:http service (test/fixtures/http/server.cjs). */

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const SERVER = join(FIXTURES, 'http', 'server.cjs');

/** Pids whose command line holds `marker` (a process memkit should have stopped). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('mem-stress --http -- node server.js', () => {
  it('counts every request once: the client\'s count equals the server\'s own, and latency and throughput are in the baseline', async () => {
    const port = await freePort();
    const countFile = join(tmp.path, 'answered.txt');
    const out = join(tmp.path, 'clean.json');
    const r = await runCli(
      ['mem-stress', '--no-progress', '--http', `http://127.0.0.1:${port}/clean`, '--http', `http://127.0.0.1:${port}/other`,
        '--rate', '200', '--duration', '3s', '--out', out, '--', 'node', SERVER],
      { env: { PORT: String(port), COUNT_FILE: countFile } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning/); // loopback: no warning
    const b = readJson(out);
    const answered = Number(readFileSync(countFile, 'utf8'));
    expect(answered).toBeGreaterThan(100);
    // No request lost or counted twice: the driver waits for those in flight before the SIGTERM.
    expect(b.metrics['http.requests.count'].value).toBe(answered);
    expect(b.metrics['http.responses.count'].value).toBe(answered);
    for (const kind of ['status', 'timeout', 'reset', 'refused', 'other']) expect(b.metrics[`http.errors.${kind}`].value, kind).toBe(0);
    expect(b.metrics['latency.p99_ms'].value).toBeGreaterThan(0);
    expect(b.metrics['latency.p50_ms'].value).toBeLessThanOrEqual(b.metrics['latency.p99_ms'].value);
    expect(b.metrics['ops.rate_per_s'].value).toBeGreaterThan(0);
    expect(b.metrics['custom.http.responses']).toBeUndefined();
    // The load's records are the parent's: untagged, at the run's top level of the .jsonl.
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const load = records.filter((x) => x.type === 'latency' || x.type === 'progress');
    expect(load.length).toBeGreaterThan(2);
    expect(load.every((x) => x.agentId === undefined)).toBe(true);
    const latencyCount = records.filter((x) => x.type === 'latency').reduce((n, x) => n + x.n, 0);
    expect(latencyCount).toBe(answered);
    expect(records.filter((x) => x.type === 'hello').every((x) => typeof x.agentId === 'number')).toBe(true);
  });

  it('shows a service that stalls 200 ms once a second in p99: latency from the intended send time (open loop)', async () => {
    const port = await freePort();
    const out = join(tmp.path, 'stall.json');
    // One connection: while the service stalls, the requests due wait in memkit's queue,
    // unsent. A closed-loop count (or a clock started at the actual send) would time only the
    // one request caught in the stall; from the intended time, every request it delayed
    // counts: ~5% of them wait over 150 ms, so p99 is over 150 ms. CPU hogs only add latency.
    const r = await runCli(
      ['mem-stress', '--no-progress', '--http', `http://127.0.0.1:${port}/`, '--rate', '200', '--connections', '1',
        '--duration', '4s', '--out', out, '--', 'node', SERVER],
      { env: { PORT: String(port), STALL_MS: '200', STALL_EVERY_MS: '1000' } },
    );
    expect(r.code, r.stderr).toBe(0);
    const b = readJson(out);
    expect(b.metrics['latency.p99_ms'].value).toBeGreaterThanOrEqual(150);
    expect(b.metrics['latency.max_ms'].value).toBeGreaterThanOrEqual(180);
    expect(b.metrics['http.errors.timeout'].value).toBe(0);
  });

  it('a service that never listens: exit 3 and one line once --listen-timeout runs out, and the program is stopped', async () => {
    const port = await freePort();
    const marker = join(tmp.path, 'never-listens-copy.cjs');
    writeFileSync(marker, readFileSync(join(FIXTURES, 'http', 'never-listens.cjs')));
    const r = await runCli(['mem-stress', '--no-progress', '--http', `http://127.0.0.1:${port}/`, '--rate', '50', '--listen-timeout', '1s',
      '--duration', '5s', '--out', join(tmp.path, 'never.json'), '--', 'node', marker]);
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`memkit: error: the program did not accept connections on 127.0.0.1:${port} within 1 s (--listen-timeout); memkit stopped it`);
    expect(processesWith(marker)).toEqual([]);
    expect(existsSync(join(tmp.path, 'never.json'))).toBe(false); // nothing measured under load
  });

  it('a service that exits at start: exit 3, its stderr tail in the one line', async () => {
    const port = await freePort();
    const r = await runCli(['mem-stress', '--no-progress', '--http', `http://127.0.0.1:${port}/`, '--rate', '50',
      '--out', join(tmp.path, 'dies.json'), '--', 'node', join(FIXTURES, 'http', 'exits-at-start.cjs')]);
    expect(r.code).toBe(3);
    const last = r.stderr.trim().split('\n').at(-1);
    expect(last).toBe(
      `memkit: error: the program exited with code 1 before it accepted connections on 127.0.0.1:${port}; ` +
        'its stderr ended with: loading config.json | Error: missing DATABASE_URL in config.json',
    );
  });

  it('--load runs the user\'s own generator beside the program for the window, its output on stderr, then stops it', async () => {
    const port = await freePort();
    const countFile = join(tmp.path, 'load-answered.txt');
    const sentFile = join(tmp.path, 'load-sent.txt');
    const loader = join(tmp.path, 'loader.cjs');
    writeFileSync(
      loader,
      `let sent = 0;
let failed = 0;
const fs = require('node:fs');
console.log('loader up');
const hit = () => fetch('http://127.0.0.1:${port}/').then(() => sent++, () => failed++);
hit();
setInterval(hit, 20);
process.on('SIGTERM', () => { fs.writeFileSync(${JSON.stringify(sentFile)}, JSON.stringify({ sent, failed })); process.exit(0); });`,
    );
    const out = join(tmp.path, 'load.json');
    const r = await runCli(['mem-stress', '--no-progress', '--load', `node ${loader}`, '--ready-url', `http://127.0.0.1:${port}/`,
      '--duration', '4s', '--out', out, '--', 'node', SERVER], { env: { PORT: String(port), COUNT_FILE: countFile } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('loader up'); // its stdout goes to memkit's stderr
    expect(r.stdout).not.toContain('loader up');
    // Written on memkit's SIGTERM at the end of the window; it started once the service
    // listened, so none of its requests was refused.
    const { sent, failed } = JSON.parse(readFileSync(sentFile, 'utf8'));
    expect(failed).toBe(0);
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(Number(readFileSync(countFile, 'utf8'))).toBeGreaterThanOrEqual(sent);
    const b = readJson(out);
    expect(b.status).toBe('complete');
    expect(b.metrics['http.requests.count']).toBeUndefined(); // the user's generator is not measured
  });

  it('bad load flags: one line, exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--http', 'http://127.0.0.1:1/', '--', 'node', SERVER], /--http needs --rate N/],
      [['--http', 'http://127.0.0.1:1/', '--rate', '10', '--scenario', 'lru-cache'], /--http loads a program: give it after --/],
      [['--http', 'nonsense', '--rate', '10', '--', 'node', SERVER], /--http: 'nonsense' is not a URL/],
      [['--http-file', join(tmp.path, 'none.json'), '--rate', '10', '--', 'node', SERVER], /--http-file .*none\.json: no such file/],
      [['--connections', '3', '--', 'node', SERVER], /--connections needs --http/],
      [['--rate', '100', '--duration', '1s', '--', 'node', SERVER], /--rate needs --http/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['mem-stress', '--no-progress', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
