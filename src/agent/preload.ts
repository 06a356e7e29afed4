import { startGcRecording } from './start-gc-recording.js';
import { AGENT_ENV, type AgentConfig } from '../samples/protocol.js';

/**
 * Loaded into a user's own Node program with `--import` (through NODE_OPTIONS), so
 * `memkit gc-profile -- node app.js` needs no change to the app. GC recording starts
 * first, from modules that need nothing but Node built-ins: every GC from here on is
 * counted, memkit's own loading included, so the totals equal V8's --trace-gc. The rest
 * of the agent is imported after: an ESM import fetches a module's whole graph before it
 * runs any of it, and V8 ran a scavenge during those reads (one in every run, seen with
 * --trace-gc), which the agent loaded in one piece never saw.
 * A Node process started further down (a grandchild) finds no channel and stays silent.
 */

const raw = process.env[AGENT_ENV];
if (raw) delete process.env[AGENT_ENV];
if (raw && typeof process.send === 'function' && process.connected) {
  const config = JSON.parse(raw) as AgentConfig;
  const sources = startGcRecording();
  const [{ createGcRecorder }, { startCommandAgent }] = await Promise.all([
    import('./create-gc-recorder.js'),
    import('./command-agent.js'),
  ]);
  startCommandAgent(config, createGcRecorder(sources));
}
