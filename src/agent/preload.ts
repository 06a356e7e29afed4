import { installGcHooks, loadGcHooks } from './gc-hooks-addon.js';
import type { startGcObserverSources } from './gc-observer-sources.js';
import type { GcSources } from './start-gc-recording.js';
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
  let sources: GcSources | Error;
  try {
    const addon = loadGcHooks();
    // Without the addon, the observer's modules are loaded (inside this file) only now.
    const observer = addon ? undefined : (require('./gc-observer-sources.js') as { startGcObserverSources: typeof startGcObserverSources });
    sources = addon ? { kind: 'hooks', hooks: installGcHooks(addon) } : { kind: 'observer', observer: observer!.startGcObserverSources() };
  } catch (err) {
    sources = err instanceof Error ? err : new Error(String(err));
  }
  const agent = require('./tree-agent.cjs') as { startTreeAgent: typeof startTreeAgent };
  agent.startTreeAgent(sources, rawConfig, channelPath);
}
