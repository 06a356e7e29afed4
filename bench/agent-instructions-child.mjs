// The child of bench/agent-instructions.mjs, three ways:
//  - calibrateMs: the scenario's steps per second at full speed, bare;
//  - steps: its step loop for a fixed number of steps, bare (checkpoints every
//    `tickEverySteps` steps, the loop turns a run has);
//  - ticks: memkit's agent (a real Collector: gc-hooks recorder, memory sample, progress,
//    IPC batch to the parent) ticking `ticks` times in a row, with a loop turn every 10 ticks
//    so the IPC writes complete. Its garbage is collected within the run, so the GCs a tick
//    causes count too. Not part of memkit.
import { performance } from 'node:perf_hooks';
import { loadScenario, resolveVariantAndParams } from '../dist/src/scenario/loader.js';
import { RunContext } from '../dist/src/scenario/context.js';
import { runStepLoop } from '../dist/src/agent/step-loop.js';
import { Collector, progressOf } from '../dist/src/agent/collector.js';
import { Channel } from '../dist/src/agent/channel.js';

const cfg = JSON.parse(process.env.MEMKIT_INSTRUCTIONS_CHILD);
const { definition } = await loadScenario(cfg.scenario);
const { variant, params } = resolveVariantAndParams(definition, cfg.variant, {});
const ctx = new RunContext(variant, params);
const channel = new Channel();
let collector;
if (cfg.ticks !== undefined) {
  // As child-main.ts sets it up; its timer never fires, the ticks are called here.
  collector = new Collector(channel, { mode: 'scenario', intervalMs: 1e9 }, () => progressOf(ctx));
  collector.start({ unrefTimer: true });
}
const state = await definition.setup(ctx);
const loop = { isStopRequested: () => false, onCheckpoint: async () => {} };

if (cfg.calibrateMs) {
  // Full speed, bare: steps per interval. A first run warms the JIT up.
  await runStepLoop(definition, state, ctx, { ...loop, durationMs: cfg.calibrateMs });
  const steps0 = ctx.steps;
  const t0 = performance.now();
  await runStepLoop(definition, state, ctx, { ...loop, durationMs: cfg.calibrateMs });
  const stepsPerSec = ((ctx.steps - steps0) * 1000) / (performance.now() - t0);
  process.send({ type: 'calibrated', stepsPerSec }, () => process.exit(0));
} else if (cfg.ticks !== undefined) {
  // A few steps first, so progress carries the scenario's counters.
  await runStepLoop(definition, state, ctx, { ...loop, maxSteps: 1 });
  for (let i = 0; i < cfg.ticks; i++) {
    collector.tick();
    if (i % 10 === 9) await new Promise((r) => setImmediate(r));
  }
  await collector.finish({ steps: ctx.steps, reason: 'steps' });
  process.send({ type: 'ran', steps: ctx.steps, ticks: cfg.ticks }, () => process.exit(0));
} else {
  const checkpoints = [];
  for (let s = cfg.tickEverySteps; s <= cfg.steps; s += cfg.tickEverySteps) checkpoints.push(s);
  await runStepLoop(definition, state, ctx, { ...loop, maxSteps: cfg.steps, checkpoints });
  process.send({ type: 'ran', steps: ctx.steps, ticks: 0 }, () => process.exit(0));
}
