import { Channel } from './channel.js';
import { nowMs } from './clock.js';
import { Collector } from './collector.js';
import type { GcRecorder } from './gc-recorder.js';
import { onProgramStart } from './program-start.js';
import type { AgentConfig, MarkMessage } from '../samples/protocol.js';

/**
 * The agent inside a user's own program (preload.ts starts it). It observes only: the
 * program's exit is its own, so the IPC channel and the sampling timer are unref'd, and
 * the last batches go out on 'beforeExit' (or synchronously on 'exit' after process.exit()).
 * Every GC is counted; those before the program's own code (`program-start`, else the
 * end of the preload, `measure-start`) are Node's and memkit's start-up, shown apart.
 */
export function startCommandAgent(config: AgentConfig, gc: GcRecorder): void {
  const channel = new Channel();
  const collector = new Collector(channel, config, undefined, undefined, gc);
  channel.unref();
  collector.start({ unrefTimer: true });
  // A program has no steps; its window is the agent's lifetime, its edges read here.
  const mark = (label: 'measure-start' | 'measure-end' | 'program-start'): MarkMessage =>
    ({ type: 'mark', label, tMs: nowMs(), steps: 0, rssBytes: process.memoryUsage.rss() });
  channel.send(mark('measure-start'));
  onProgramStart(() => channel.send(mark('program-start')));
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
    // GC recording stays on until 'exit' (finishSync sends what came after).
    void collector.finish({ steps: 0, reason: 'exit' }, { keepRecordingGc: true });
  });
  process.on('exit', () => {
    if (!finishing) channel.sendSync(mark('measure-end'));
    collector.finishSync();
  });
}
