#!/usr/bin/env node
// The seed's W4 figure on a real service (issue 14): an express app whose response cache is
// keyed wrongly (volatile data in the key: it only grows) and rightly (by symbol), each
// soaked by `memkit mem-stress --http … --rate N -- node bench/w4-app.cjs` for the same
// time, one after the other; RSS growth, live-memory slope, p95 latency and the verdict
// side by side. Default 10 minutes each, as the issue asks.
//
//   node bench/soak-w4.mjs [--minutes 10] [--rate 300]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '300' } } });
const minutes = Number(values.minutes);
const dir = mkdtempSync(join(tmpdir(), 'memkit-w4-'));

/** A free loopback port (the app binds it right after; a race is possible but harmless here). */
function freePort() {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

const rows = [];
try {
  for (const key of ['volatile', 'stable']) {
    const port = await freePort();
    const requests = join(dir, `${key}-requests.json`);
    writeFileSync(requests, JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ method: 'GET', url: `http://127.0.0.1:${port}/quote/SYM${i}` }))));
    const out = join(dir, `${key}.json`);
    const args = [
      resolve('bin/memkit.js'), 'mem-stress', '--no-progress', '--duration', `${minutes * 60}s`, '--warmup', `${Math.max(5, minutes * 6)}s`,
      '--http-file', requests, '--rate', values.rate, '--out', out, '--', process.execPath, resolve('bench/w4-app.cjs'),
    ];
    process.stderr.write(`${key} key: ${minutes} min at ${values.rate} req/s…\n`);
    const r = spawnSync(process.execPath, args, { env: { ...process.env, W4_KEY: key, PORT: String(port) }, encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${key}: memkit exited ${r.status}: ${r.stderr.slice(-800)}`);
    const b = JSON.parse(readFileSync(out, 'utf8'));
    const m = (name) => b.metrics[name]?.value;
    rows.push({
      key,
      rssGrowthMb: m('rss.growth_bytes') / 2 ** 20,
      liveSlopeMbPerMin: m('live.slope_bytes_per_min') / 2 ** 20,
      p95Ms: m('latency.p95_ms'),
      rate: m('ops.rate_per_s'),
      verdict: b.extra.leak?.verdict,
    });
  }
  const fmt = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  console.log(`W4 on express ${JSON.parse(readFileSync('node_modules/express/package.json', 'utf8')).version}, ${minutes} min each at ${values.rate} req/s:`);
  console.log('cache key   RSS growth  live slope    p95 latency  responses/s  verdict');
  for (const r of rows) {
    console.log(`${r.key.padEnd(10)}  ${fmt(r.rssGrowthMb).padStart(7)} MB  ${fmt(r.liveSlopeMbPerMin, 2).padStart(7)} MB/min  ${fmt(r.p95Ms, 2).padStart(8)} ms  ${fmt(r.rate, 0).padStart(11)}  ${r.verdict}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
