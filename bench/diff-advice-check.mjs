#!/usr/bin/env node
// Does `memkit diff`'s advice ("with this noise, 5 runs per side detect a change of >= X %
// in M") hold? On the pools of bench/diff-pool.mjs (run that first), for each metric: draw
// disjoint k-versus-k splits of one pool (same code on both sides), read the advice the
// diff gives for M, then add a shift of exactly that size to the current side's runs of M
// and count how often the diff calls M regressed. The advice claims about 80 % power at
// the size it prints; this prints the power it actually has there (and at 0.5x and 1.5x).
// M is named with --metrics (a family of one), so the advice and the test use one level.
//
//   node bench/diff-advice-check.mjs            SPLITS=400 RUNS=5 SEED=17
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededUniform as rng } from '../test/fixtures/seeded-random.mjs';

const SPLITS = Number(process.env.SPLITS ?? 400);
const RUNS = Number(process.env.RUNS ?? 5);
const SEED = Number(process.env.SEED ?? 17);
const root = resolve('.bench/diff-pool');
const load = (m) => import(pathToFileURL(resolve('dist/src', m)).href);
const { diffSides } = await load('analyze/diff.js');
const { poolSide } = await load('analyze/diff-sides.js');

// [pool, metric]: metrics that decide by default, of different noise and tie patterns.
const CASES = [
  ['so-base', 'alloc.bytes_per_op'],
  ['so-base', 'gc.pause.p95_ms'],
  ['so-base', 'rss.growth_bytes'],
  ['so-base', 'gc.count.minor'],
  ['lru-same', 'gc.pause.p95_ms'],
  ['lru-same', 'alloc.bytes_per_op'],
  ['cmd-base', 'gc.pause.p95_ms'],
  ['cmd-base', 'heap.used.peak_bytes'],
  ['cmd-base', 'rss.end_bytes'],
];


const pools = new Map();
function pool(name) {
  if (!pools.has(name)) {
    const dir = join(root, name);
    const files = readdirSync(dir).filter((f) => /^run-\d+\.json$/.test(f)).sort();
    if (files.length < 2 * RUNS) throw new Error(`pool ${name} has ${files.length} runs; run node bench/diff-pool.mjs first`);
    pools.set(name, files.map((f) => ({ path: join(dir, f), baseline: JSON.parse(readFileSync(join(dir, f), 'utf8')) })));
  }
  return pools.get(name);
}

function drawSplit(runs, rand) {
  const a = [...runs];
  for (let i = 0; i < 2 * RUNS; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return { base: a.slice(0, RUNS), current: a.slice(RUNS, 2 * RUNS) };
}

/** The current runs with `by` added to metric `name` (a location shift, the model the advice assumes). */
function shifted(runs, name, by) {
  return runs.map((r) => {
    const baseline = structuredClone(r.baseline);
    const m = baseline.metrics[name];
    m.values = m.values.map((v) => v + by);
    m.value = m.values[0];
    return { path: r.path, baseline };
  });
}

const policy = (name) => ({ alpha: 0.05, thresholds: [], bounds: [], metrics: [name] });
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

console.log(`advice check: ${SPLITS} same-code splits of ${RUNS} vs ${RUNS} runs per row, seed ${SEED}; shift added to the current side = the advice's size x factor`);
console.log('| pool | metric | advice: detectable at 5 runs (median) | power at 0.5x | power at 1x (claim ~80 %) | power at 1.5x |');
console.log('|---|---|---|---|---|---|');
for (const [poolName, name] of CASES) {
  const runs = pool(poolName);
  const rand = rng(SEED * 7919 + [...poolName, ...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 0));
  const hits = [0, 0, 0];
  const sizes = [];
  const factors = [0.5, 1, 1.5];
  let counted = 0;
  for (let i = 0; i < SPLITS; i++) {
    const s = drawSplit(runs, rand);
    const base = poolSide('base', s.base);
    const same = diffSides(base, poolSide('current', s.current), policy(name));
    const advice = same.detectable.find((d) => d.name === name)?.at[0];
    if (!advice || advice.absolute === null) continue;
    counted++;
    sizes.push(advice.relative ?? Number.NaN);
    factors.forEach((f, k) => {
      const r = diffSides(base, poolSide('current', shifted(s.current, name, f * advice.absolute)), policy(name));
      if (r.metrics.find((m) => m.name === name).verdict === 'regressed') hits[k]++;
    });
  }
  const pct = (x) => `${((100 * x) / Math.max(1, counted)).toFixed(0)} %`;
  const size = sizes.length ? `${(100 * median(sizes)).toFixed(1)} %` : '–';
  console.log(`| ${poolName} | ${name} | ${size} | ${pct(hits[0])} | ${pct(hits[1])} | ${pct(hits[2])} |`);
}
