import { installGcHooks, loadGcHooks, type InstalledGcHooks } from './gc-hooks-addon.js';
import type { startTreeAgent } from './tree-agent.js';

/**
 * memkit's agent in a user's own command, loaded with `--require` through NODE_OPTIONS, so
 * it runs in every Node process the command starts, at any depth (npm, sh, cluster and fork
 * pass NODE_OPTIONS on), and in every worker thread (an `--import` preload skips `eval`
 * workers: docs/process-tree.md F2). Built into two CommonJS files (scripts/bundle-cli.mjs):
 * this one, which only starts the gc-hooks addon, and tree-agent.cjs, the rest of the agent.
 * Every GC from the install on is counted, memkit's own start-up included, so the totals
 * equal V8's --trace-gc; in a worker thread, even compiling the whole agent in one file
 * before the install cost a scavenge the agent never saw.
 * Its configuration stays in the environment: children and workers inherit it.
 */
const rawConfig = process.env.MEMKIT_AGENT;
const channelPath = process.env.MEMKIT_CHANNEL;
if (rawConfig && channelPath) {
  let hooks: InstalledGcHooks | Error | undefined;
  try {
    const addon = loadGcHooks();
    hooks = addon ? installGcHooks(addon) : undefined;
  } catch (err) {
    hooks = err instanceof Error ? err : new Error(String(err));
  }
  const agent = require('./tree-agent.cjs') as { startTreeAgent: typeof startTreeAgent };
  agent.startTreeAgent(hooks, rawConfig, channelPath);
}
