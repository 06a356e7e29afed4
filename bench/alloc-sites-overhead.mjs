#!/usr/bin/env node
// --alloc-sites: what V8's sampling heap profiler costs, and how accurate it is, as a
// function of --alloc-interval (issue 15's benchmark). It drives the CLI only
// (node bin/memkit.js gc-profile ...) and reads the baselines it writes.
//
// 1. Overhead at the default interval (512 KiB), interleaved as bench/agent-overhead.mjs's
//    processes mode does: per round, one run with --alloc-sites and one without, the order
//    alternating so a trend in machine speed cancels; the figure is the median of the
//    per-pair throughput ratios, with a distribution-free interval (order statistics) and the
//    range. Targets: the scenarios lru-cache, small-objects and backpressure (their
//    ops.rate_per_s) and a command, bench/alloc-sites-app.cjs (a JSON request-handler loop
//    that times its own loop, start-up left out; its row is the 512 KiB column of part 2).
// 2. Accuracy and cost per interval. Per round and interval (the order rotating each round,
//    a run without sites among them): the command's throughput against that round's run
//    without sites, and test/fixtures/alloc/ab-command.js (allocA allocates exactly 3x what
//    allocB does a call; --max-inlined-bytecode-size=0 as in its test) giving: the A/B
//    ratio of the sites' allocated bytes; the sites' sum against the GC-derived
//    alloc.rate_bytes_per_s (both per second of the run's window, as the test reads them);
//    and the run-to-run coefficient of variation of allocA's and allocB's
//    alloc.site.<key>.bytes, the metric `memkit diff` tests for a command.
// 3. Instructions (valgrind's callgrind; perf has no hardware counters on this machine):
//    the command at a fixed amount of work, OPS1 and OPS2 requests, with and without
//    --alloc-sites; the difference of the two sizes cancels start-up (loading node:inspector,
//    the final read), leaving instructions per request. A second opinion on part 1, which
//    wall time on a shared 2-core machine cannot resolve below ~1 %.
//
//   node bench/alloc-sites-overhead.mjs            (make bench-alloc)
// Knobs (environment): ROUNDS=5 (part 1 pairs per scenario), ACC_ROUNDS=3 (part 2 rounds),
// SECONDS=2 (length of each scenario / command run), INTERVALS=32,64,128,256,512,1024 (KiB),
// AB_CALLS=1000000, OPS1=10000 OPS2=50000 (part 3's command), INSTR_TARGETS=app (add
// scenarios: app,lru-cache; STEPS1=2000 STEPS2=10000), PARTS=overhead,accuracy,instructions,
// QUICK=1 (2 rounds each, intervals 64,512, no instructions: ~1 min).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { medianWithCi } from '../dist/src/analyze/median-ci.js';

const env = process.env;
const quick = env.QUICK === '1';
const ROUNDS = Number(env.ROUNDS ?? (quick ? 2 : 5));
const ACC_ROUNDS = Number(env.ACC_ROUNDS ?? (quick ? 2 : 3));
const SECONDS = Number(env.SECONDS ?? 2);
const INTERVALS_KIB = (env.INTERVALS ?? (quick ? '64,512' : '32,64,128,256,512,1024')).split(',').map(Number);
const AB_CALLS = env.AB_CALLS ?? '1000000';
const OPS1 = Number(env.OPS1 ?? 10000);
const OPS2 = Number(env.OPS2 ?? 50000);
const STEPS1 = Number(env.STEPS1 ?? 2000);
const STEPS2 = Number(env.STEPS2 ?? 10000);
// Under callgrind a scenario's run is slow (lru-cache: ~50 s for 3000 steps on this loaded
// machine), so by default only the command: INSTR_TARGETS=app,lru-cache,backpressure adds them.
const INSTR_TARGETS = (env.INSTR_TARGETS ?? 'app').split(',');
const SCENARIO_CMD = 'bench/alloc-sites-scenario-cmd.mjs';
const hasValgrind = spawnSync('valgrind', ['--version']).status === 0;
const PARTS = new Set((env.PARTS ?? (quick ? 'overhead,accuracy' : 'overhead,accuracy,instructions')).split(','));
if (!INTERVALS_KIB.includes(512)) INTERVALS_KIB.push(512); // part 1's command row
const SCENARIOS = ['lru-cache', 'small-objects', 'backpressure'];
// small-objects' default pool (20000 items) takes ~10 s to build here; 4000 keeps its
// allocation pattern (a rolling replacement of small objects) at a fifth of the setup.
const SCENARIO_PARAMS = { 'small-objects': ['--param', 'items=4000'] };
const APP = 'bench/alloc-sites-app.cjs';
const AB = 'test/fixtures/alloc/ab-command.js';
const KEY_A = `allocA@${AB}`;
const KEY_B = `allocB@${AB}`;

const dir = mkdtempSync(join(tmpdir(), 'memkit-alloc-bench-'));
const t0 = Date.now();
let seq = 0;

/** One `memkit gc-profile` run: its baseline, and its samples file's records when asked. */
function gcProfile(args, extraEnv = {}, { samples = false } = {}) {
  const out = join(dir, `b${seq++}.json`);
  const r = spawnSync(process.execPath, ['bin/memkit.js', 'gc-profile', '--out', out, '--no-progress', ...args], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`memkit gc-profile ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const baseline = JSON.parse(readFileSync(out, 'utf8'));
  const jsonl = out.replace(/\.json$/, '.jsonl');
  const records = samples ? readFileSync(jsonl, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l)) : undefined;
  rmSync(out);
  rmSync(jsonl, { force: true });
  return { baseline, records };
}

/**
 * The child's CPU milliseconds over the step window (mark measure-start to done), from the
 * samples file's outside readings of its /proc CPU time (every 100 ms, 10 ms ticks),
 * interpolated at the window's ends: setup's CPU (seconds for small-objects) left out.
 */
function windowCpuMs(records) {
  const start = records.find((x) => x.type === 'mark' && x.label === 'measure-start')?.tMs;
  const end = records.find((x) => x.type === 'done')?.tMs;
  const proc = records.filter((x) => x.type === 'proc');
  const at = (t) => {
    const i = proc.findIndex((p) => p.tMs >= t);
    if (i <= 0) return proc[Math.max(0, i === -1 ? proc.length - 1 : 0)].cpuMs;
    const [a, b] = [proc[i - 1], proc[i]];
    return a.cpuMs + ((b.cpuMs - a.cpuMs) * (t - a.tMs)) / (b.tMs - a.tMs);
  };
  return at(end) - at(start);
}
const sitesArgs = (kib) => (kib === undefined ? [] : ['--alloc-sites', '--alloc-interval', `${kib}KiB`]);

/** A scenario's steps per second of wall time and per CPU second of its step window. */
function scenarioRate(name, kib) {
  const { baseline: b, records } = gcProfile(['--scenario', name, ...(SCENARIO_PARAMS[name] ?? []), '--duration', `${SECONDS}s`, ...sitesArgs(kib)], {}, { samples: true });
  return { wall: b.metrics['ops.rate_per_s'].value, cpu: (b.metrics['ops.count'].value / windowCpuMs(records)) * 1000 };
}

/** The command's requests per second of its own loop, wall and CPU (start-up left out). */
function appRate(kib) {
  const rateFile = join(dir, 'rate.json');
  gcProfile([...sitesArgs(kib), '--', process.execPath, APP], { SECONDS: String(SECONDS), RATE_FILE: rateFile });
  const r = JSON.parse(readFileSync(rateFile, 'utf8'));
  return { wall: r.opsPerSec, cpu: r.opsPerCpuSec };
}

function abRun(kib) {
  const { baseline: b } = gcProfile([...sitesArgs(kib), '--', process.execPath, '--max-inlined-bytecode-size=0', AB], { AB_CALLS });
  const run = b.extra.allocSites.runs[0];
  const site = (key) => run.top.find((s) => s.key === key)?.allocBytes ?? 0;
  return {
    a: site(KEY_A),
    b: site(KEY_B),
    metricA: b.metrics[`alloc.site.${KEY_A}.bytes`]?.value ?? 0,
    metricB: b.metrics[`alloc.site.${KEY_B}.bytes`]?.value ?? 0,
    sumVsGc: run.sampledBytes / run.seconds / b.metrics['alloc.rate_bytes_per_s'].value,
    samples: run.sampledBytes / (kib * 1024),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cv = (xs) => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
  return sd / mean;
};
const pct = (x, digits = 2) => `${(x * 100).toFixed(digits)}%`;
const lossPct = (ratio) => pct(1 - ratio);
/** "loss 0.84% (ratio 0.9916 [0.98, 1.00] 90%; range 0.97-1.01, 5 pairs)" */
function ratioSummary(ratios) {
  const ci = medianWithCi(ratios, 0.9);
  const interval = ci.low === undefined ? '' : ` [${ci.low.toFixed(4)}, ${ci.high.toFixed(4)}] ${(ci.level * 100).toFixed(0)}%`;
  const lo = Math.min(...ratios);
  const hi = Math.max(...ratios);
  return `${ci.median.toFixed(4)}${interval}; range ${lo.toFixed(4)}-${hi.toFixed(4)}, ${ratios.length} pairs`;
}

console.log(`memkit --alloc-sites cost and accuracy (${new Date().toISOString()}, node ${process.version}, load ${(await import('node:os')).loadavg()[0].toFixed(1)})`);

// Part 2 first when both run: part 1's command row comes from it.
const perInterval = new Map(INTERVALS_KIB.map((k) => [k, { ratios: [], cpuRatios: [], ab: [] }]));
if (PARTS.has('accuracy') || PARTS.has('overhead')) {
  const onlyDefault = !PARTS.has('accuracy');
  const kibs = onlyDefault ? [512] : INTERVALS_KIB;
  const rounds = onlyDefault ? ROUNDS : ACC_ROUNDS;
  for (let r = 0; r < rounds; r++) {
    // Rotate the order (bare first in one round, last in another) so no arm always runs
    // right after the machine's quiet or busy moment.
    const arms = [undefined, ...kibs];
    const shift = r % arms.length;
    const order = [...arms.slice(shift), ...arms.slice(0, shift)];
    const rate = new Map();
    for (const kib of order) rate.set(kib, appRate(kib));
    for (const kib of kibs) {
      perInterval.get(kib).ratios.push(rate.get(kib).wall / rate.get(undefined).wall);
      perInterval.get(kib).cpuRatios.push(rate.get(kib).cpu / rate.get(undefined).cpu);
    }
    if (!onlyDefault) for (const kib of order) if (kib !== undefined) perInterval.get(kib).ab.push(abRun(kib));
    process.stderr.write(`  round ${r + 1}/${rounds} of the command sweep (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
}

if (PARTS.has('overhead')) {
  console.log(`\n1. Overhead at the default interval (512 KiB): throughput with --alloc-sites / without, ${SECONDS} s runs, interleaved pairs.`);
  console.log('   Per wall second, and per CPU second of the measured process (the work the sampler adds, whatever else the machine runs)');
  console.log(`   ${'target'.padEnd(44)} ${'without'.padStart(8)} ${'with'.padStart(8)}   wall: loss, ratio median [~90 % interval]; range        CPU: loss, ratio median [~90 % interval]; range`);
  const row = (label, bare, sites, ratios, cpuRatios) =>
    console.log(
      `   ${label.padEnd(44)} ${bare.padStart(8)} ${sites.padStart(8)}   ${`${lossPct(median(ratios)).padStart(7)}  ${ratioSummary(ratios)}`.padEnd(62)}  ${lossPct(median(cpuRatios)).padStart(7)}  ${ratioSummary(cpuRatios)}`,
    );
  for (const name of SCENARIOS) {
    const bare = [];
    const sites = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? [512, undefined] : [undefined, 512];
      const rate = new Map(order.map((kib) => [kib, scenarioRate(name, kib)]));
      bare.push(rate.get(undefined));
      sites.push(rate.get(512));
    }
    const ratios = sites.map((s, i) => s.wall / bare[i].wall);
    const cpuRatios = sites.map((s, i) => s.cpu / bare[i].cpu);
    const params = (SCENARIO_PARAMS[name] ?? []).filter((_, i) => i % 2).join(' ');
    row(`scenario ${name}${params ? ` ${params}` : ''} (steps/s)`, median(bare.map((x) => x.wall)).toFixed(0), median(sites.map((x) => x.wall)).toFixed(0), ratios, cpuRatios);
    process.stderr.write(`  ${name} done (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  const app = perInterval.get(512);
  row(`command ${APP} (requests/s)`, '', '', app.ratios, app.cpuRatios);
}

if (PARTS.has('accuracy')) {
  console.log(`\n2. Accuracy and cost per --alloc-interval: ${AB} (AB_CALLS=${AB_CALLS}; allocA allocates 3x allocB), ${ACC_ROUNDS} runs each;`);
  console.log(`   overhead on ${APP} against a run without sites in the same round`);
  console.log('   interval   samples/run   A/B median [min-max]    sites sum / GC-derived [min-max]   CV of .bytes A / B    loss per wall s [min-max]   loss per CPU s [min-max]');
  for (const kib of INTERVALS_KIB) {
    const { ratios, cpuRatios, ab } = perInterval.get(kib);
    const loss = (xs) => `${lossPct(median(xs))} [${lossPct(Math.max(...xs))}, ${lossPct(Math.min(...xs))}]`;
    const abr = ab.map((x) => x.a / x.b);
    const sum = ab.map((x) => x.sumVsGc);
    const range = (xs, f) => `${f(median(xs))} [${f(Math.min(...xs))}-${f(Math.max(...xs))}]`;
    const label = kib >= 1024 ? `${kib / 1024} MiB` : `${kib} KiB`;
    console.log(
      `   ${label.padEnd(8)} ${median(ab.map((x) => x.samples)).toFixed(0).padStart(13)}   ${range(abr, (x) => x.toFixed(3)).padEnd(22)}  ${range(sum, (x) => x.toFixed(3)).padEnd(33)}  ${`${pct(cv(ab.map((x) => x.metricA)), 1)} / ${pct(cv(ab.map((x) => x.metricB)), 1)}`.padEnd(20)}  ${loss(ratios).padEnd(26)}  ${loss(cpuRatios)}`,
    );
  }
}

if (PARTS.has('instructions')) {
  if (!hasValgrind) console.log('\n3. Instructions: skipped (no valgrind)');
  else {
    /** Instructions (callgrind's Ir, every process) of a target doing `n` units of work under memkit's agent. */
    const instructions = (target, n, kib) => {
      const cg = join(dir, 'cg');
      rmSync(cg, { recursive: true, force: true });
      mkdirSync(cg);
      const valgrind = ['valgrind', '--tool=callgrind', `--callgrind-out-file=${join(cg, 'cg.%p.out')}`, process.execPath];
      if (target === 'app') gcProfile([...sitesArgs(kib), '--', ...valgrind, APP], { OPS: String(n) });
      else gcProfile([...sitesArgs(kib), '--', ...valgrind, SCENARIO_CMD], { SCENARIO: target, STEPS: String(n) });
      return readdirSync(cg).reduce((s, f) => s + Number(/^totals: (\d+)/m.exec(readFileSync(join(cg, f), 'utf8'))?.[1] ?? 0), 0);
    };
    const fmt = (n) => Math.round(n).toLocaleString('en-US');
    console.log(`\n3. Instructions (callgrind) under memkit's agent, with and without --alloc-sites at 512 KiB, two amounts of work each;`);
    console.log('   the difference of the two amounts cancels start-up (loading node:inspector, the final read)');
    for (const target of INSTR_TARGETS) {
      const [n1, n2] = target === 'app' ? [OPS1, OPS2] : [STEPS1, STEPS2];
      const ir = {};
      for (const kib of [undefined, 512]) for (const n of [n1, n2]) ir[`${kib}-${n}`] = instructions(target, n, kib);
      const perUnit = (kib) => (ir[`${kib}-${n2}`] - ir[`${kib}-${n1}`]) / (n2 - n1);
      const fixed = (kib) => ir[`${kib}-${n1}`] - perUnit(kib) * n1;
      const label = target === 'app' ? `command ${APP} (${n1} and ${n2} requests)` : `scenario ${target} (${n1} and ${n2} steps)`;
      console.log(
        `   ${label}: ${fmt(perUnit(undefined))} instructions per unit without, ${fmt(perUnit(512))} with: ${pct(perUnit(512) / perUnit(undefined) - 1)}; start-up and final read ${fmt(fixed(512) - fixed(undefined))}`,
      );
      process.stderr.write(`  instructions of ${target} done (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  }
}

rmSync(dir, { recursive: true, force: true });
console.log(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
