import { Channel } from './channel.js';
import { nowMs } from './clock.js';
import { Collector } from './collector.js';
import { AGENT_ENV, type AgentConfig, type MarkMessage } from '../samples/protocol.js';

/**
 * Loaded into a user's own Node program with `--import` (through NODE_OPTIONS), so
 * `memkit gc-profile -- node app.js` needs no change to the app. It observes only: the
 * program's exit is its own, so the IPC channel and the sampling timer are unref'd, and
 * the last batches go out on 'beforeExit' (or synchronously on 'exit' after process.exit()).
 * A Node process started further down (a grandchild) finds no channel and stays silent.
 */

const raw = process.env[AGENT_ENV];
if (raw && Channel.available()) {
  delete process.env[AGENT_ENV];
  const config = JSON.parse(raw) as AgentConfig;
  const channel = new Channel();
  const collector = new Collector(channel, config);
  channel.unref();
  collector.start({ unrefTimer: true });
  // A program has no steps; its window is the agent's lifetime, its edges read here.
  const mark = (label: 'measure-start' | 'measure-end'): MarkMessage =>
    ({ type: 'mark', label, tMs: nowMs(), steps: 0, rssBytes: process.memoryUsage.rss() });
  channel.send(mark('measure-start'));
  let finishing = false;
  // memkit ends a program at the end of --duration with SIGTERM. If the program has no
  // handler of its own it would die without an 'exit' event: save the last batches, then
  // let the signal do what it would have done.
  const onSigterm = (): void => {
    if (process.listenerCount('SIGTERM') > 1) return; // the program shuts down its own way
    process.removeListener('SIGTERM', onSigterm);
    if (!finishing) channel.sendSync(mark('measure-end'));
    finishing = true;
    collector.finishSync();
    process.kill(process.pid, 'SIGTERM');
  };
  process.on('SIGTERM', onSigterm);
  process.on('beforeExit', () => {
    if (finishing) return;
    finishing = true;
    channel.send(mark('measure-end'));
    void collector.finish({ steps: 0, reason: 'exit' });
  });
  process.on('exit', () => {
    if (!finishing) channel.sendSync(mark('measure-end'));
    collector.finishSync();
  });
} else if (raw) {
  delete process.env[AGENT_ENV];
}
