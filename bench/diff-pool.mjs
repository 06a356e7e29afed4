#!/usr/bin/env node
// How often does `memkit diff` call a regression, with a confidence interval small enough
// to check a 1 % target? Measures each target N times once (one run per file, kept under
// .bench/diff-pool/<pool>/ and reused), then forms thousands of disjoint k-versus-k splits
// by seeded random draws from the pools and diffs each pair: same-versus-same splits give
// the false-alarm rate, base-versus-injected splits the power.
//
//   node bench/diff-pool.mjs                    (make bench-diff) measure what is missing, then the table
//   N=40 JOBS=2 node bench/diff-pool.mjs        runs per pool; runs measured at once (shared machine: 2)
//   SPLITS=2000 POWER_SPLITS=500 RUNS=3,5,10,15 SEED=17 node bench/diff-pool.mjs
//   POOLS=lru-same,lru-unstable node bench/diff-pool.mjs   only these pools (and the rows they make)
//   MEASURE_ONLY=1 / NO_MEASURE=1               only build the pools / only diff the pools there are
//   MARKDOWN=file.md                            also write the table as markdown
//
// Runs are `memkit gc-profile --repeat 1` of a fixed amount of work, as docs/ci.md's workflow
// runs them: scenarios with `--steps` (and `--duration` as a cap, which only the slow
// unstable-key variant reaches), a command until it exits. Fixed-duration runs were the
// first version of these pools: a run's work then followed the machine's load (small-objects
// did 63 % more or fewer steps from one run to the next), and every size and count with it. Each side of a
// split is its k files given to the diff together (`--base f1 ... --current g1 ...`): diff
// pools the files' per-run values, exactly as it does one `--repeat k` file's.
//
// The diff runs in this process through the CLI's own entry (dist/src/cli/diff-entry.js,
// the code `bin/memkit.js diff` bundles), with the argv CI would give it, so the benchmark
// measures whatever rule is built; the first VERIFY splits are also run as
// `node bin/memkit.js diff` and must exit with the same code. `--no-config`: the defaults.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededUniform as rng } from '../test/fixtures/seeded-random.mjs';

const N = Number(process.env.N ?? 40);
const JOBS = Number(process.env.JOBS ?? 2);
const SPLITS = Number(process.env.SPLITS ?? 2000);
const POWER_SPLITS = Number(process.env.POWER_SPLITS ?? 500);
const RUNS = (process.env.RUNS ?? '3,5,10,15').split(',').map(Number);
const SEED = Number(process.env.SEED ?? 17);
const VERIFY = Number(process.env.VERIFY ?? 6);
const CAP = process.env.DURATION ?? '5s';
const root = resolve('.bench/diff-pool');
const bin = resolve('bin/memkit.js');
const app = resolve('bench/diff-pool-app.cjs');

// small-objects: `chunk` is the items rebuilt per step, each item the same ~64 small
// objects, so chunk 44 and 48 are +10 % and +20 % allocation per step. items=2000 (not
// 20 000) keeps a run's setup to a fraction of a second and its heap to ~50 MB.
const SO = ['--scenario', 'small-objects', '--variant', 'objects', '--param', 'items=2000', '--steps', '300'];
const LRU = ['--scenario', 'lru-cache', '--steps', '8000000'];
const POOLS = {
  'lru-same': { args: [...LRU, '--variant', 'stable-key'], what: 'lru-cache stable-key' },
  'lru-unstable': { args: [...LRU, '--variant', 'unstable-key'], what: 'lru-cache unstable-key' },
  'so-base': { args: [...SO, '--param', 'chunk=40'], what: 'small-objects chunk=40' },
  'so-plus10': { args: [...SO, '--param', 'chunk=44'], what: 'small-objects chunk=44 (+10 % allocation per step)' },
  'so-plus20': { args: [...SO, '--param', 'chunk=48'], what: 'small-objects chunk=48 (+20 % allocation per step)' },
  'cmd-base': { command: { ALLOC_OBJECTS: '1000' }, what: 'command bench/diff-pool-app.cjs ALLOC_OBJECTS=1000' },
  'cmd-plus10': { command: { ALLOC_OBJECTS: '1100' }, what: 'command, ALLOC_OBJECTS=1100 (+10 %)' },
  'cmd-plus20': { command: { ALLOC_OBJECTS: '1200' }, what: 'command, ALLOC_OBJECTS=1200 (+20 %)' },
  // The same with allocation sites measured (--alloc-sites): every site above 1 % of the
  // sampled bytes joins the compared metrics, which is what the correction must absorb.
  'so-base-sites': { args: [...SO, '--param', 'chunk=40'], sites: true, what: 'small-objects chunk=40, --alloc-sites' },
  'so-plus20-sites': { args: [...SO, '--param', 'chunk=48'], sites: true, what: 'small-objects chunk=48, --alloc-sites' },
  'cmd-base-sites': { command: { ALLOC_OBJECTS: '1000' }, sites: true, what: 'command ALLOC_OBJECTS=1000, --alloc-sites' },
  'cmd-plus20-sites': { command: { ALLOC_OBJECTS: '1200' }, sites: true, what: 'command ALLOC_OBJECTS=1200, --alloc-sites' },
};
// Rows of the table: [label, base pool, current pool]; same pool twice = false alarms.
const ROWS = [
  ['same vs same: lru-cache stable-key', 'lru-same', 'lru-same'],
  ['same vs same: small-objects', 'so-base', 'so-base'],
  ['same vs same: command', 'cmd-base', 'cmd-base'],
  ['injected: lru-cache unstable-key', 'lru-same', 'lru-unstable'],
  ['injected: small-objects +10 % alloc/step', 'so-base', 'so-plus10'],
  ['injected: small-objects +20 % alloc/step', 'so-base', 'so-plus20'],
  ['injected: command +10 % alloc', 'cmd-base', 'cmd-plus10'],
  ['injected: command +20 % alloc', 'cmd-base', 'cmd-plus20'],
  ['same vs same, with sites: small-objects', 'so-base-sites', 'so-base-sites'],
  ['same vs same, with sites: command', 'cmd-base-sites', 'cmd-base-sites'],
  ['injected, with sites: small-objects +20 % alloc/step', 'so-base-sites', 'so-plus20-sites'],
  ['injected, with sites: command +20 % alloc', 'cmd-base-sites', 'cmd-plus20-sites'],
];
const wanted = process.env.POOLS ? new Set(process.env.POOLS.split(',')) : new Set(Object.keys(POOLS));
for (const p of wanted) if (!POOLS[p]) throw new Error(`POOLS: unknown pool ${p} (one of ${Object.keys(POOLS).join(', ')})`);

const runFile = (pool, i) => join(root, pool, `run-${String(i).padStart(3, '0')}.json`);

function profileArgs(pool, out) {
  const p = POOLS[pool];
  const common = ['gc-profile', '--repeat', '1', '--out', out, '--no-progress', ...(p.sites ? ['--alloc-sites'] : [])];
  if (p.command) return [bin, ...common, '--', process.execPath, app];
  return [bin, ...common, ...p.args, '--duration', CAP];
}

function measureOne(pool, i) {
  const out = runFile(pool, i);
  return new Promise((done, fail) => {
    const env = { ...process.env, ...(POOLS[pool].command ?? {}) };
    const child = spawn(process.execPath, profileArgs(pool, out), { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`${pool} run ${i}: gc-profile exited ${code}: ${err.trim().split('\n').pop()}`))));
  });
}

async function measurePools() {
  // Interleaved by run index: a drift of the shared machine's load hits every pool alike.
  const todo = [];
  for (let i = 0; i < N; i++) for (const pool of wanted) if (!existsSync(runFile(pool, i))) todo.push([pool, i]);
  for (const pool of wanted) mkdirSync(join(root, pool), { recursive: true });
  if (todo.length === 0) return;
  const t0 = Date.now();
  let done = 0;
  const worker = async () => {
    while (todo.length > 0) {
      const [pool, i] = todo.shift();
      await measureOne(pool, i);
      done++;
      process.stderr.write(`\rmeasured ${done} runs, ${todo.length} to go (${((Date.now() - t0) / 1000).toFixed(0)} s)   `);
    }
  };
  await Promise.all(Array.from({ length: JOBS }, worker));
  process.stderr.write('\n');
}

function poolFiles(pool) {
  if (!existsSync(join(root, pool))) return [];
  return readdirSync(join(root, pool))
    .filter((f) => /^run-\d+\.json$/.test(f))
    .sort()
    .map((f) => join(root, pool, f));
}


/** k distinct items of `list` (a partial Fisher-Yates shuffle). */
function draw(list, k, rand) {
  const a = [...list];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k);
}

/** One split: k base and k current runs, no run on both sides. */
function split(basePool, currentPool, k, rand) {
  if (basePool === currentPool) {
    const picked = draw(poolFiles(basePool), 2 * k, rand);
    return { base: picked.slice(0, k), current: picked.slice(k) };
  }
  return { base: draw(poolFiles(basePool), k, rand), current: draw(poolFiles(currentPool), k, rand) };
}

const diffArgs = (s) => ['diff', '--no-config', '--format', 'json', ...(process.env.DIFF_ARGS ? process.env.DIFF_ARGS.split(' ') : []), '--base', ...s.base, '--current', ...s.current];

const { main: diffMain } = await import(pathToFileURL(resolve('dist/src/cli/diff-entry.js')).href);

/** The CLI's diff, in this process: its exit code and the metrics its JSON says regressed. */
async function diffInProcess(s) {
  const out = [];
  const write = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = (chunk) => (out.push(String(chunk)), true);
  process.stderr.write = () => true;
  process.exitCode = undefined;
  try {
    await diffMain([process.execPath, bin, ...diffArgs(s)]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  if (code !== 0 && code !== 1) throw new Error(`diff exited ${code} on ${s.base[0]} ... vs ${s.current[0]} ...`);
  return { code, regressed: regressedMetrics(out.join('')) };
}

function regressedMetrics(json) {
  try {
    const doc = JSON.parse(json);
    return (doc.metrics ?? []).filter((m) => m.verdict === 'regressed' && m.gating !== false).map((m) => m.name);
  } catch {
    return [];
  }
}

/** Wilson score interval for x of n at 95 %. */
function wilson(x, n) {
  const z = 1.959964;
  const p = x / n;
  const den = 1 + (z * z) / n;
  const mid = (p + (z * z) / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / den;
  return [Math.max(0, mid - half), Math.min(1, mid + half)];
}

const pct = (x) => `${(100 * x).toFixed(x < 0.1 && x > 0 ? 2 : 1)} %`;

if (process.env.NO_MEASURE !== '1') await measurePools();
if (process.env.MEASURE_ONLY === '1') process.exit(0);

const rows = ROWS.filter(([, b, c]) => wanted.has(b) && wanted.has(c));
const results = [];
let verified = 0;
const t0 = Date.now();
for (const [label, basePool, currentPool] of rows) {
  const same = basePool === currentPool;
  const have = Math.min(poolFiles(basePool).length, poolFiles(currentPool).length);
  for (const k of RUNS) {
    if ((same ? 2 * k : k) > have) {
      results.push({ label, k, skipped: `pool has ${have} runs` });
      continue;
    }
    // A seed per cell: re-running one row or one k draws the same splits.
    const rand = rng(SEED * 1_000_003 + k * 7919 + [...label].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 0));
    const n = same ? SPLITS : POWER_SPLITS;
    let hits = 0;
    const byMetric = new Map();
    for (let i = 0; i < n; i++) {
      const s = split(basePool, currentPool, k, rand);
      const r = await diffInProcess(s);
      if (verified < VERIFY && i < 2) {
        const cli = spawnSync(process.execPath, [bin, ...diffArgs(s)], { encoding: 'utf8' });
        if (cli.status !== r.code) throw new Error(`in-process diff said ${r.code}, \`memkit diff\` exited ${cli.status}: ${diffArgs(s).join(' ')}`);
        verified++;
      }
      if (r.code === 1) hits++;
      for (const m of r.regressed) byMetric.set(m, (byMetric.get(m) ?? 0) + 1);
    }
    results.push({ label, k, hits, n, ci: wilson(hits, n), byMetric });
    process.stderr.write(`\r${label}, ${k} per side: ${hits}/${n} (${((Date.now() - t0) / 1000).toFixed(0)} s)          `);
  }
}
process.stderr.write('\n');

const cell = (r) => (r.skipped ? `– (${r.skipped})` : `${pct(r.hits / r.n)} [${pct(r.ci[0])}, ${pct(r.ci[1])}]`);
const top = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, c]) => `${name} ${c}`)
    .join(', ') || '–';
const sizes = rows.map(([, b, c]) => Math.min(poolFiles(b).length, poolFiles(c).length));
const lines = [];
lines.push(
  `Rate of diffs that exit 1 (a regression), 95 % Wilson interval; ${SPLITS} same-vs-same / ${POWER_SPLITS} injected splits per cell, ` +
    `seed ${SEED}, pools of ${Math.min(...sizes)}–${Math.max(...sizes)} runs of \`gc-profile --repeat 1\` (scenarios: \`--steps\`, capped at \`--duration ${CAP}\`).`,
);
lines.push('');
lines.push(`| diff | ${RUNS.map((k) => `${k} runs per side`).join(' | ')} |`);
lines.push(`|---|${RUNS.map(() => '---').join('|')}|`);
for (const [label] of rows) lines.push(`| ${label} | ${RUNS.map((k) => cell(results.find((r) => r.label === label && r.k === k))).join(' | ')} |`);
lines.push('');
lines.push('Metrics named as regressed (number of splits), at 5 runs per side or the first k measured:');
lines.push('');
for (const [label] of rows) {
  const r = results.find((x) => x.label === label && x.k === 5 && !x.skipped) ?? results.find((x) => x.label === label && !x.skipped);
  if (r) lines.push(`- ${label} (${r.k} per side): ${top(r.byMetric)}`);
}
const table = lines.join('\n');
console.log(table);
console.log(`\n(${verified} splits checked against \`node bin/memkit.js diff\`: same exit code; diffs took ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
if (process.env.MARKDOWN) writeFileSync(process.env.MARKDOWN, `${table}\n`);
