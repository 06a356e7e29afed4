#!/usr/bin/env node
// Seed 000's W1 table in Node terms: a soak of the lru-cache scenario, "before"
// (unstable-key) and "after" (stable-key), driven open loop at the same rate so that
// per-second figures compare, each for --duration (default 10 minutes).
//
//   node bench/soak-w1.mjs [--duration 600] [--rate 10000]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '600' }, rate: { type: 'string', default: '10000' } } });
const dir = mkdtempSync(join(tmpdir(), 'memkit-soak-'));
const bin = new URL('../bin/memkit.js', import.meta.url).pathname;

const run = (variant) => {
  const out = join(dir, `${variant}.json`);
  const args = ['mem-stress', '--scenario', 'lru-cache', '--variant', variant, '--duration', values.duration, '--rate', values.rate, '--warmup', '30s', '--no-progress', '--out', out];
  console.log(`$ memkit ${args.join(' ')}`);
  execFileSync(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(out, 'utf8'));
};

const before = run('unstable-key');
const after = run('stable-key');
const v = (b, name) => b.metrics[name]?.value;
const mb = (x) => `${(x / 1e6).toFixed(1)} MB`;
const pct = (a, b) => (a === 0 ? 'n/a' : `${(((b - a) / Math.abs(a)) * 100).toFixed(1)}%`);
const rows = [
  ['RSS growth (after warm-up)', mb(v(before, 'rss.growth_bytes')), mb(v(after, 'rss.growth_bytes')), pct(v(before, 'rss.growth_bytes'), v(after, 'rss.growth_bytes'))],
  ['live memory growth', mb(v(before, 'live.growth_bytes')), mb(v(after, 'live.growth_bytes')), pct(v(before, 'live.growth_bytes'), v(after, 'live.growth_bytes'))],
  ['allocation rate', `${mb(v(before, 'alloc.rate_bytes_per_s'))}/s`, `${mb(v(after, 'alloc.rate_bytes_per_s'))}/s`, pct(v(before, 'alloc.rate_bytes_per_s'), v(after, 'alloc.rate_bytes_per_s'))],
  ['MA cache hit ratio', `${(v(before, 'custom.ma.hit_ratio') * 100).toFixed(1)}%`, `${(v(after, 'custom.ma.hit_ratio') * 100).toFixed(1)}%`, ''],
  ['ATR cache hit ratio', `${(v(before, 'custom.atr.hit_ratio') * 100).toFixed(1)}%`, `${(v(after, 'custom.atr.hit_ratio') * 100).toFixed(1)}%`, ''],
  ['window cache hit ratio', `${(v(before, 'custom.window.hit_ratio') * 100).toFixed(1)}%`, `${(v(after, 'custom.window.hit_ratio') * 100).toFixed(1)}%`, ''],
  ['GC pause p95', `${v(before, 'gc.pause.p95_ms').toFixed(2)} ms`, `${v(after, 'gc.pause.p95_ms').toFixed(2)} ms`, pct(v(before, 'gc.pause.p95_ms'), v(after, 'gc.pause.p95_ms'))],
  ['step latency p95', `${v(before, 'latency.p95_ms').toFixed(3)} ms`, `${v(after, 'latency.p95_ms').toFixed(3)} ms`, pct(v(before, 'latency.p95_ms'), v(after, 'latency.p95_ms'))],
  ['throughput', `${v(before, 'ops.rate_per_s').toFixed(0)}/s`, `${v(after, 'ops.rate_per_s').toFixed(0)}/s`, ''],
  ['leak verdict', before.extra.leak.verdict, after.extra.leak.verdict, ''],
];
console.log(`\nlru-cache soak, ${values.duration} s each at ${values.rate} signals/s (seed 000, W1)`);
const w = [30, 18, 18, 10];
console.log(['metric', 'before (unstable-key)', 'after (stable-key)', 'change'].map((c, i) => c.padEnd(w[i])).join(' | '));
for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(w[i])).join(' | '));
rmSync(dir, { recursive: true, force: true });
