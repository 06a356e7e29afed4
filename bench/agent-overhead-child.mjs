// The child of bench/agent-overhead.mjs: one scenario in one process, its step loop run
// in phases of equal length, alternately with memkit's agent collecting (a real
// Collector: gc-hooks recorder, memory samples and progress every interval, IPC batches)
// and without it, in ABBA order. Both arms share the process, its JIT state and heap,
// so the ratio of their throughputs is the agent's cost alone, not the ±4 % by which
// two processes of the same code differ here. Not part of memkit: bench only.
import { performance } from 'node:perf_hooks';
import { loadScenario, resolveVariantAndParams } from '../dist/src/scenario/loader.js';
import { RunContext } from '../dist/src/scenario/context.js';
import { runStepLoop } from '../dist/src/agent/step-loop.js';
import { Collector, progressOf } from '../dist/src/agent/collector.js';
import { Channel } from '../dist/src/agent/channel.js';

const cfg = JSON.parse(process.env.MEMKIT_OVERHEAD_CHILD);
const { definition } = await loadScenario(cfg.scenario);
const { variant, params } = resolveVariantAndParams(definition, cfg.variant, {});
const ctx = new RunContext(variant, params);
const state = await definition.setup(ctx);
const channel = new Channel();
const ABBA = [true, false, false, true];

const phases = [];
let tickMs = 0;
for (let i = 0; i < cfg.phases; i++) {
  // --control: both arms bare, the same schedule (the bench's noise floor).
  const agent = ABBA[i % 4] && !cfg.control;
  let collector;
  if (agent) {
    // As child-main.ts sets it up for a scenario run.
    collector = new Collector(channel, { mode: 'scenario', intervalMs: cfg.intervalMs }, () => progressOf(ctx));
    // The agent's own time: each sampling tick, timed from inside (the GC callbacks add
    // ~1 µs per GC on top, inside the pauses; see native/gc-hooks).
    const tick = collector.tick;
    collector.tick = function timedTick() {
      const t = performance.now();
      tick.call(this);
      tickMs += performance.now() - t;
    };
    collector.start({ unrefTimer: false });
  }
  tickMs = 0;
  const steps0 = ctx.steps;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runStepLoop(definition, state, ctx, { durationMs: cfg.phaseMs, isStopRequested: () => false, onCheckpoint: async () => {} });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (collector) await collector.finish({ steps: ctx.steps, reason: 'duration' });
  phases.push({ agent: ABBA[i % 4], steps: ctx.steps - steps0, ms, cpuMs: (cpu.user + cpu.system) / 1000, tickMs });
}
process.send({ type: 'overhead-phases', phases }, () => process.exit(0));
