import { threadId } from 'node:worker_threads';
import { agentIdentity } from './agent-identity.js';
import { isolateAddress } from './gc-hooks-addon.js';
import { startCommandAgent } from './command-agent.js';
import { createGcRecorder } from './create-gc-recorder.js';
import type { GcSources } from './start-gc-recording.js';
import { SocketChannel } from './socket-channel.js';
import type { AgentConfig } from '../samples/protocol.js';

/**
 * The rest of the agent in a process or worker thread of a user's command, once the
 * preload has started recording GCs. A preload that throws would kill the user's program:
 * any failure is reported on the channel, if it can be, and the program runs unmeasured.
 */
export function startTreeAgent(sources: GcSources | Error, rawConfig: string, channelPath: string): void {
  let channel: SocketChannel | undefined;
  try {
    if (sources instanceof Error) throw sources;
    const config = JSON.parse(rawConfig) as AgentConfig;
    channel = new SocketChannel(channelPath);
    const isolate = sources.kind === 'hooks' ? isolateAddress(sources.hooks.addon) : undefined;
    startCommandAgent(config, createGcRecorder(sources), channel, agentIdentity(isolate));
  } catch (err) {
    try {
      channel ??= new SocketChannel(channelPath);
      channel.sendSync({
        type: 'agent-error',
        tMs: Date.now(),
        pid: process.pid,
        threadId,
        message: `memkit's agent did not load: ${err instanceof Error ? err.message : String(err)}`,
      });
      channel.unref();
    } catch {
      // nothing more memkit can do from inside; the parent lists the process as not measured
    }
  }
}
