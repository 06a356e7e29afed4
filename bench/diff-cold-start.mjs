#!/usr/bin/env node
// Cold start of `memkit diff a.json b.json` (the command CI runs on every commit) against
// `node -e 0`, measured interleaved in the same run so machine load hits both alike.
// Prints medians and their ratio; the targets are <= 1.5x (issue 12) and <= ~150 ms.
//
//   node bench/diff-cold-start.mjs [rounds]     (make bench-diff)
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeBaseline, writeFixture } from '../test/fixtures/baselines/builder.mjs';

const rounds = Number(process.argv[2] ?? process.env.ROUNDS ?? 30);
const dir = resolve('.bench/diff-cold-start');
mkdirSync(dir, { recursive: true });

// A realistic gc-profile baseline: every metric of the family, five runs each.
const names = [
  'rss.start_bytes', 'rss.end_bytes', 'rss.peak_bytes', 'rss.growth_bytes', 'heap.used.growth_bytes',
  'heap.used.slope_bytes_per_min', 'heap.used.peak_bytes', 'gc.count.minor', 'gc.count.major', 'gc.count.incremental',
  'gc.pause.p50_ms', 'gc.pause.p95_ms', 'gc.pause.p99_ms', 'gc.pause.max_ms', 'gc.pause.total_ms', 'gc.time_ratio',
  'alloc.rate_bytes_per_s', 'ops.rate_per_s', 'cpu.user_ms', 'duration_ms',
];
const runs = (seed, scale) => Array.from({ length: 5 }, (_, i) => Math.round(scale * (1 + 0.03 * Math.sin(seed + i)) * 100) / 100);
const metrics = (shift) => Object.fromEntries(names.map((n, i) => [n, runs(i + shift, (i + 1) * 1000)]));
const a = writeFixture(dir, 'a.json', makeBaseline({ metrics: metrics(0) }));
const b = writeFixture(dir, 'b.json', makeBaseline({ metrics: metrics(1) }));

const bin = resolve('bin/memkit.js');
function time(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Warm the file cache for both before measuring.
time(['-e', '0']);
time([bin, 'diff', a, b]);
// The default (table, through cli-table3) and the format CI uses for its job summary.
const variants = {
  'node -e 0': ['-e', '0'],
  'memkit diff a.json b.json': [bin, 'diff', a, b],
  'memkit diff --format markdown': [bin, 'diff', a, b, '--format', 'markdown'],
};
const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) for (const [k, args] of Object.entries(variants)) samples[k].push(time(args));
const reference = median(samples['node -e 0']);
console.log(`diff cold start (${rounds} interleaved rounds, ${names.length} metrics x 5 runs per side)`);
for (const [k, xs] of Object.entries(samples)) {
  const m = median(xs);
  const verdict = k === 'node -e 0' ? 'reference' : `${(m / reference).toFixed(2)}x node -e 0 (target <= 1.5x and <= ~150 ms: ${m / reference <= 1.5 && m <= 150 ? 'met' : 'MISSED'})`;
  console.log(`  ${k.padEnd(30)} median ${m.toFixed(1).padStart(6)} ms  ${verdict}`);
}
