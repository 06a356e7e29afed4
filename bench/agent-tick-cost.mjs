#!/usr/bin/env node
// The agent's sampling tick in isolation: how long one tick (memory sample, GC ring read,
// progress, the IPC message) takes the child when it comes, as it does in a run, after
// 20 ms of a scenario's steps — its code and data cold, not a tight loop's warm 10 µs.
// Prints the median and the 90th percentile per built-in variant, in wall time and in CPU
// time (process.cpuUsage: on-CPU time, kernel side of its system calls included, waits for
// the CPU left out, µs resolution), and the warm CPU time of a tick repeated in a tight
// loop: cold against warm is what cache misses cost. A tick's share of a run
// is this over the interval (100 ms by default); bench/agent-overhead.mjs measures the
// whole cost, of which this is the part that noise cannot blur. Not part of memkit.
//
//   node bench/agent-tick-cost.mjs [--ticks 200]
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const CASES = [
  ['lru-cache', 'stable-key'],
  ['lru-cache', 'unstable-key'],
  ['small-objects', 'objects'],
  ['small-objects', 'arena'],
];

if (!process.env.MEMKIT_TICK_CHILD) {
  const { values } = parseArgs({ options: { ticks: { type: 'string', default: '200' } } });
  console.log(`agent tick cost: ${values.ticks} ticks per variant, each after 20 ms of steps (child time, µs)`);
  console.log(`${'scenario'.padEnd(28)}${'median'.padStart(8)}${'p90'.padStart(8)}${'CPU median'.padStart(12)}${'CPU mean'.padStart(10)}${'CPU warm'.padStart(10)}`);
  for (const [name, variant] of CASES) {
    const r = await new Promise((resolve, reject) => {
      const child = fork(new URL(import.meta.url).pathname, [], {
        execArgv: ['--expose-gc'],
        serialization: 'json',
        env: { ...process.env, MEMKIT_TICK_CHILD: JSON.stringify({ name, variant, ticks: Number(values.ticks) }) },
      });
      let result;
      child.on('message', (m) => { if (m.type === 'tick-cost') result = m; });
      child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${name}/${variant}: child exited ${code}`))));
    });
    console.log(
      `${`${name}/${variant}`.padEnd(28)}${r.medianUs.toFixed(0).padStart(8)}${r.p90Us.toFixed(0).padStart(8)}${r.cpuMedianUs.toFixed(0).padStart(12)}${r.cpuMeanUs.toFixed(0).padStart(10)}${r.cpuWarmUs.toFixed(0).padStart(10)}`,
    );
  }
} else {
  const cfg = JSON.parse(process.env.MEMKIT_TICK_CHILD);
  const { loadScenario, resolveVariantAndParams } = await import('../dist/src/scenario/loader.js');
  const { RunContext } = await import('../dist/src/scenario/context.js');
  const { runStepLoop } = await import('../dist/src/agent/step-loop.js');
  const { Collector, progressOf } = await import('../dist/src/agent/collector.js');
  const { Channel } = await import('../dist/src/agent/channel.js');
  const { definition } = await loadScenario(cfg.name);
  const { variant, params } = resolveVariantAndParams(definition, cfg.variant, {});
  const ctx = new RunContext(variant, params);
  const state = await definition.setup(ctx);
  // As child-main.ts sets it up; its own timer never fires here, the ticks are called by hand.
  const collector = new Collector(new Channel(), { mode: 'scenario', intervalMs: 1e9 }, () => progressOf(ctx));
  collector.start({ unrefTimer: true });
  const us = [];
  const cpuUs = [];
  const cpuNowUs = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  for (let i = 0; i < cfg.ticks; i++) {
    await runStepLoop(definition, state, ctx, { durationMs: 20, isStopRequested: () => false, onCheckpoint: async () => {} });
    const c = cpuNowUs();
    const t = performance.now();
    collector.tick();
    us.push((performance.now() - t) * 1000);
    cpuUs.push(cpuNowUs() - c);
  }
  // Warm: ticks back to back (a loop turn every 10 so the IPC writes complete).
  const c0 = cpuNowUs();
  for (let i = 0; i < cfg.ticks; i++) {
    collector.tick();
    if (i % 10 === 9) await new Promise((r) => setImmediate(r));
  }
  const cpuWarmUs = (cpuNowUs() - c0) / cfg.ticks;
  // Let the sends go out before reporting (the parent ignores them).
  await collector.finish({ steps: ctx.steps, reason: 'duration' });
  const cpuMeanUs = cpuUs.reduce((a, b) => a + b, 0) / cpuUs.length;
  const at = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
  process.send(
    { type: 'tick-cost', medianUs: at(us, 0.5), p90Us: at(us, 0.9), cpuMedianUs: at(cpuUs, 0.5), cpuMeanUs, cpuWarmUs },
    () => process.exit(0),
  );
}
