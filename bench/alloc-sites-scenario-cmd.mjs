// A built-in scenario as a plain command, for bench/alloc-sites-overhead.mjs's instruction
// counts: `memkit gc-profile [--alloc-sites] -- valgrind node this.mjs` (a scenario run has no
// place to put valgrind; a command does, and memkit's agent and sampler come in through
// NODE_OPTIONS as in any command). SCENARIO, STEPS: a fixed amount of work. Not part of memkit.
import { loadScenario, resolveVariantAndParams } from '../dist/src/scenario/loader.js';
import { RunContext } from '../dist/src/scenario/context.js';
import { runStepLoop } from '../dist/src/agent/step-loop.js';

const { definition } = await loadScenario(process.env.SCENARIO);
const { variant, params } = resolveVariantAndParams(definition, undefined, JSON.parse(process.env.PARAMS ?? '{}'));
const ctx = new RunContext(variant, params);
const state = await definition.setup(ctx);
await runStepLoop(definition, state, ctx, { isStopRequested: () => false, onCheckpoint: async () => {}, maxSteps: Number(process.env.STEPS) });
if (ctx.steps !== Number(process.env.STEPS)) throw new Error(`ran ${ctx.steps} steps`);
