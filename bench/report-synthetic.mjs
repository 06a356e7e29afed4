// A synthetic measured run, written exactly as memkit's runner writes a real one: a
// JSON-lines samples file with one batch per 100 ms tick (mem, gc, progress, latency from
// the agent; proc from the outside sampler), marks for setup, warm-up and periodic GC
// checkpoints, and the baseline beside it, whose metrics are computed by memkit's own
// analysis from the same records (folded with the reducer readRunData uses).
//
// Realistic shapes from seeded random walks: RSS and live heap wander and creep up, the
// heap saw-tooths under an allocation rate that drifts, GCs come a few per second by kind
// (mostly scavenges, some incremental marking, weak callbacks and mark-compacts) with
// log-normal pauses and rare long ones, step latencies log-normal with GC-induced tails.
//
// Used by bench/report-size.mjs (a 24 h run) and by the report tests (a few seconds).
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { once } from 'node:events';
import { addRecord, emptyRunData } from '../dist/src/samples/run-data.js';
import { analyzeRun } from '../dist/src/analyze/run-metrics.js';
import { aggregateRuns } from '../dist/src/analyze/aggregate.js';
import { bucketOf } from '../dist/src/samples/log-buckets.js';
import { summarizeBuckets } from '../dist/src/analyze/latency-stats.js';
import { seededRandom } from '../dist/src/scenario/random.js';

/** memkit's seeded generator (what scenarios use), with normal and log-normal draws on top. */
function prng(seed) {
  const next = seededRandom(seed);
  const normal = () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal, logNormal: (median, sigma) => median * Math.exp(sigma * normal()) };
}

/**
 * Writes `<dir>/<name>.jsonl` and `<dir>/<name>.json`; resolves to their paths and counts.
 * opts: durationMs, intervalMs (100), gcPerSecond (3), stepsPerSecond (400),
 * warmupMs, checkpointEveryMs, seed, scenario/variant/params (strings go into the page
 * as they are, for escaping tests), counters (names), kind ('mem-stress' | 'gc-profile').
 */
export async function writeSyntheticRun(dir, name, opts = {}) {
  const o = {
    durationMs: 20_000,
    intervalMs: 100,
    gcPerSecond: 3,
    stepsPerSecond: 400,
    warmupMs: undefined,
    checkpointEveryMs: undefined,
    seed: 7,
    scenario: 'synthetic-service',
    variant: 'default',
    params: { signals: 50000 },
    counters: ['cache.hit', 'cache.miss'],
    kind: 'mem-stress',
    latency: true,
    startMs: Date.UTC(2026, 0, 5, 9, 0, 0),
    ...opts,
  };
  o.warmupMs ??= Math.min(600_000, o.durationMs / 10);
  o.checkpointEveryMs ??= Math.max(o.durationMs / 8, 1000);
  mkdirSync(dir, { recursive: true });
  const samplesPath = join(dir, `${name}.jsonl`);
  const baselinePath = join(dir, `${name}.json`);
  const out = createWriteStream(samplesPath);
  const data = emptyRunData();
  let lines = 0;
  const emit = async (record) => {
    addRecord(data, record);
    lines++;
    if (!out.write(JSON.stringify(record) + '\n')) await once(out, 'drain');
  };
  const r = prng(o.seed);
  const pid = 4242;
  const target = { type: 'scenario', scenario: o.scenario, file: '/synthetic/scenario.js', builtin: false, variant: o.variant, params: o.params };
  const settings = { durationMs: o.durationMs, maxSteps: null, intervalMs: o.intervalMs, repeat: 1, timeoutMs: null };
  const t0 = o.startMs;
  await emit({ type: 'run', schema: 'memkit.samples/1', startedAtMs: t0, runId: name, index: 0, target, settings });
  const setupMs = 1500;
  await emit({ type: 'hello', pid, tMs: t0 + 40, node: 'v20.20.2', v8: '11.3.244.8-node.38', execArgv: ['--expose-gc'], heapSizeLimitBytes: 4345298944, constrainedMemoryBytes: null, mode: 'scenario' });

  // State of the simulated process.
  let live = 8e6; // live heap: what a full GC keeps
  let tenured = 0; // promoted garbage, which only a full GC frees
  let young = 0; // allocated since the last GC
  let allocRate = 12e6; // bytes per second
  let heapTotal = 24e6;
  let external = 1.5e6;
  let rssExtra = 38e6; // code, stacks, malloc arenas
  let steps = 0;
  let stepRate = o.stepsPerSecond;
  let cpuMs = 0;
  const counters = Object.fromEntries(o.counters.map((c) => [c, 0]));
  let nextGc = t0 + setupMs / 2;
  let lastT = t0;
  let recentGcPauseMs = 0;

  const start = t0 + setupMs;
  const end = start + o.durationMs;
  await emit({ type: 'mark', label: 'setup-done', tMs: start - 20, steps: 0 });
  const gcBatch = () => ({ type: 'gc', tMs: [], kind: [], pauseMs: [], flags: [], usedBefore: [], usedAfter: [], totalAfter: [], src: [] });
  const pushGc = (b, t, kind, pauseMs, src) => {
    const before = live + tenured + young;
    if (kind === 4) tenured = 0;
    if (kind === 1) tenured += young * 0.04;
    young = 0;
    heapTotal = Math.max(heapTotal, (live + tenured) * 1.6 + 8e6);
    b.tMs.push(t);
    b.kind.push(kind);
    b.pauseMs.push(pauseMs);
    b.flags.push(0);
    b.usedBefore.push(Math.round(before));
    b.usedAfter.push(Math.round(live + tenured));
    b.totalAfter.push(Math.round(heapTotal));
    b.src.push(src);
    recentGcPauseMs += pauseMs;
  };
  // memkit's start checkpoint: a forced full GC, then the window opens.
  {
    const b = gcBatch();
    pushGc(b, start - 10, 4, 6 + 2 * r.next(), 1);
    await emit(b);
  }
  await emit({ type: 'mark', label: 'measure-start', tMs: start, steps: 0, heapUsedAfterGcBytes: Math.round(live) });

  let warmupMarked = false;
  let nextCheckpoint = start + o.checkpointEveryMs;
  const latencyCounts = new Map();
  for (let t = t0 + 60; t <= end; t += o.intervalMs) {
    const dt = o.intervalMs / 1000;
    // Random walks, mean-reverting so a day stays within a plausible range.
    allocRate = Math.max(1e6, allocRate + (12e6 - allocRate) * 0.002 + 3e5 * r.normal());
    stepRate = Math.max(10, stepRate + (o.stepsPerSecond - stepRate) * 0.01 + 4 * r.normal());
    live = Math.max(4e6, live + 2e3 * r.normal() + 40 * dt); // a slow creep: ~3.5 MB a day
    external = Math.max(2e5, external + 2e3 * r.normal());
    rssExtra = Math.max(20e6, rssExtra + (38e6 - rssExtra) * 0.001 + 3e4 * r.normal() + (r.next() < 1e-4 ? 4e6 : 0));

    // GCs in this tick: scavenges when young space fills, plus the other kinds now and then.
    const b = gcBatch();
    recentGcPauseMs = 0;
    while (nextGc <= t) {
      young += (allocRate * (nextGc - lastT)) / 1000;
      lastT = nextGc;
      const u = r.next();
      let kind = 1;
      let pause = r.logNormal(0.9, 0.5);
      if (u < 0.03) {
        kind = 4;
        pause = r.logNormal(12, 0.5) * (r.next() < 0.05 ? 5 : 1);
      } else if (u < 0.07) {
        kind = 8;
        pause = r.logNormal(1.8, 0.6);
      } else if (u < 0.1) {
        kind = 16;
        pause = r.logNormal(0.08, 0.4);
      } else if (r.next() < 0.001) {
        pause *= 30; // a rare long scavenge (promotion storm)
      }
      pushGc(b, nextGc, kind, Math.round(pause * 1e4) / 1e4, 0);
      nextGc += (1000 / o.gcPerSecond) * (0.5 + r.next());
    }
    young += (allocRate * (t - lastT)) / 1000;
    lastT = t;
    if (t >= start && t <= end && t >= nextCheckpoint) {
      pushGc(b, t - 1, 4, 8 + 4 * r.next(), 1);
      nextCheckpoint += o.checkpointEveryMs;
      if (b.tMs.length) await emit(b);
      await emit({ type: 'mark', label: 'gc-checkpoint', tMs: t, steps, heapUsedAfterGcBytes: Math.round(live) });
    } else if (b.tMs.length) {
      await emit(b);
    }

    const heapUsed = Math.round(live + tenured + young);
    heapTotal = Math.max(heapTotal * 0.9995, heapUsed * 1.15);
    const rss = Math.round(heapTotal + external + rssExtra);
    await emit({ type: 'mem', tMs: [t], rss: [rss], heapUsed: [heapUsed], heapTotal: [Math.round(heapTotal)], external: [Math.round(external)], arrayBuffers: [Math.round(external * 0.4)] });
    cpuMs += o.intervalMs * (0.4 + 0.2 * r.next());
    await emit({ type: 'proc', tMs: Math.round(t + 37), rssBytes: rss + Math.round(8192 * r.normal()), cpuPercent: 50 + 10 * r.normal(), cpuMs: Math.round(cpuMs), pid });

    if (t >= start) {
      const n = Math.max(0, Math.round(stepRate * dt + r.normal()));
      steps += n;
      counters[o.counters[0]] += Math.round(n * 0.9);
      if (o.counters[1]) counters[o.counters[1]] += n - Math.round(n * 0.9);
      if (!warmupMarked && t - start >= o.warmupMs) {
        warmupMarked = true;
        await emit({ type: 'mark', label: 'warmup-end', tMs: t, steps });
      }
      await emit({ type: 'progress', tMs: t, steps, counters: { ...counters }, gauges: { 'queue.depth': Math.round(20 + 5 * r.normal()) }, phases: {} });
      if (o.latency && n > 0) {
        latencyCounts.clear();
        let sumMs = 0;
        let maxMs = 0;
        for (let i = 0; i < n; i++) {
          // A step that waits behind a GC pause takes part of it.
          const ms = r.logNormal(0.8, 0.45) + (r.next() < 0.05 ? recentGcPauseMs * r.next() : 0);
          sumMs += ms;
          if (ms > maxMs) maxMs = ms;
          const k = bucketOf(ms * 1e6);
          latencyCounts.set(k, (latencyCounts.get(k) ?? 0) + 1);
        }
        const idx = [...latencyCounts.keys()].sort((a, b) => a - b);
        await emit({ type: 'latency', tMs: t, idx, count: idx.map((k) => latencyCounts.get(k)), n, sumMs, maxMs });
      }
    }
  }
  {
    const b = gcBatch();
    pushGc(b, end + 5, 4, 7 + 3 * r.next(), 1);
    await emit({ type: 'mark', label: 'measure-end', tMs: end, steps, heapUsedAfterGcBytes: Math.round(live) });
    await emit(b);
  }
  await emit({ type: 'done', tMs: end + 20, steps, reason: 'duration', gcDesync: 0 });
  await emit({ type: 'end', tMs: end + 60, status: 'complete', exit: { code: 0, signal: null } });
  out.end();
  await once(out, 'finish');

  // The baseline, from memkit's own analysis of exactly these records.
  const analysis = analyzeRun(data);
  const metrics = { ...analysis.metrics };
  if (o.latency && data.latency.afterWarmup.length) {
    let sum = 0;
    for (const s of data.latency.sumMs) sum += s;
    const lat = summarizeBuckets(data.latency.afterWarmup, sum, data.latency.afterWarmupMaxMs);
    metrics['latency.p50_ms'] = lat.p50Ms;
    metrics['latency.p95_ms'] = lat.p95Ms;
    metrics['latency.p99_ms'] = lat.p99Ms;
    metrics['latency.max_ms'] = lat.maxMs;
  }
  const gc = analysis.gc;
  const baseline = {
    schema: 'memkit.baseline/1',
    kind: o.kind,
    runId: name,
    status: 'complete',
    createdAt: new Date(end + 100).toISOString(),
    startedAt: new Date(t0).toISOString(),
    durationMs: analysis.window.endMs - analysis.window.startMs,
    tool: { name: 'memkit', version: '0.1.0' },
    command: { argv: [o.kind, '--scenario', o.scenario, '--variant', o.variant, '--duration', `${o.durationMs / 1000}s`], cwd: '/synthetic' },
    target,
    environment: {
      node: 'v20.20.2', v8: '11.3.244.8-node.38', platform: 'linux', arch: 'x64', cpuModel: 'Synthetic CPU @ 3.0GHz',
      cpuCount: 2, totalMemoryBytes: 25e9, hostname: 'synthetic', nodeFlags: ['--expose-gc'],
    },
    settings,
    runs: [{ index: 0, status: 'complete', startedAt: new Date(t0).toISOString(), durationMs: analysis.window.endMs - analysis.window.startMs, pid, exit: { code: 0, signal: null }, samplesFile: relative(dirname(baselinePath), samplesPath) }],
    metrics: aggregateRuns([metrics]),
    notes: ['synthetic run written by bench/report-synthetic.mjs'],
    extra: {
      runs: [{ gcByKind: gc.byKind, gcLifetimeCounts: gc.lifetimeCounts, gcCheckpointCount: gc.checkpointCount, gcDesync: 0, heapBasis: analysis.memory.heapUsed?.basis, heapSlopeBasis: analysis.memory.heapUsed?.slopeBasis }],
    },
  };
  const { writeFileSync } = await import('node:fs');
  writeFileSync(baselinePath, JSON.stringify(baseline, null, 2) + '\n');
  return {
    baselinePath,
    samplesPath,
    lines,
    counts: { mem: data.mem.tMs.length, proc: data.proc.tMs.length, gc: data.gc.tMs.length, latency: data.latency.tMs.length, progress: data.progressSeries.tMs.length },
    baseline,
  };
}
