import { isMainThread } from 'node:worker_threads';
import type { AgentChannel } from './channel.js';
import { nowMs } from './clock.js';
import { Collector } from './collector.js';
import type { GcRecorder } from './gc-recorder.js';
import { onProgramStart } from './program-start.js';
import type { AgentConfig, AgentIdentity, MarkMessage } from '../samples/protocol.js';
import { watchDescendants } from './descendant-watch.js';
import { commandCheckpoints } from './command-checkpoints.js';
import { answerParentRequests } from './command-snapshots.js';
import { startAllocReporter } from './alloc-sampler.js';
import { getGc } from './expose-gc.js';

/**
 * The agent inside each process and worker thread of a user's command (preload.ts starts
 * it). It observes only: the program's exit is its own, so the channel and the sampling
 * timer are unref'd, and the last batches and `done` go out synchronously on 'exit' (the
 * socket takes a direct write: socket-channel.ts), after every GC of the process's life
 * but those of other 'exit' handlers. Every GC is counted; those before the program's own code
 * (`program-start`, else the end of the preload, `measure-start`) are Node's and memkit's
 * start-up, shown apart.
 */
export function startCommandAgent(config: AgentConfig, gc: GcRecorder, channel: AgentChannel, identity: AgentIdentity): void {
  const collector = new Collector(channel, config, undefined, undefined, gc);
  channel.unref();
  collector.start({ unrefTimer: true, identity });
  answerParentRequests(channel, collector);
  // A program has no steps; its window is the agent's lifetime, its edges read here.
  const mark = (label: 'measure-start' | 'measure-end' | 'program-start'): MarkMessage =>
    ({ type: 'mark', label, tMs: nowMs(), steps: 0, rssBytes: process.memoryUsage.rss() });
  channel.send(mark('measure-start'));
  // --alloc-sites: the program's allocations from here on, read at its exit (and periodically, for a crash).
  const allocSites = config.allocSites ? startAllocReporter(config.allocSites, (r) => channel.send(r), () => 0) : undefined;
  // mem-stress: forced-GC readings for the leak verdict (command-checkpoints.ts).
  const checkpoints = commandCheckpoints(config, gc);
  checkpoints?.start((m) => {
    channel.send(m);
    allocSites?.checkpoint(0); // right after the checkpoint's GC: what is really alive
  });
  onProgramStart(() => channel.send(mark('program-start')));
  watchDescendants((m) => channel.send(m));
  let finishing = false;
  // The window's end, then (with --alloc-sites) the last profile read after a GC of
  // memkit's, tagged as such and past the window: the in-use view is then what is really
  // alive, not the garbage of the program's last moments.
  const finishAllocSites = (): void => {
    const end = mark('measure-end');
    if (allocSites) {
      gc.forceCheckpointGc(getGc(), 1);
      allocSites.finish((r) => channel.sendSync(r), 0);
    }
    channel.sendSync(end);
  };
  process.on('uncaughtExceptionMonitor', (err: unknown, origin: string) => {
    const message = err instanceof Error ? err.message : String(err);
    channel.sendSync({ type: 'error', phase: 'uncaught', origin, message: message.split('\n')[0] ?? '' });
  });
  const exitCodeNow = (): number | undefined => {
    const code = process.exitCode;
    return typeof code === 'number' ? code : typeof code === 'string' && code !== '' ? Number(code) : undefined;
  };
  if (isMainThread) {
    // memkit was killed (its end of the socket closed without a word): the program it
    // started does not outlive it, as a terminal's programs do not outlive its hangup.
    channel.onParentGone?.(() => process.kill(process.pid, 'SIGTERM'));
    // memkit ends a program at the end of --duration with SIGTERM. If the program has no
    // handler of its own it would die without an 'exit' event: save the last batches, then
    // let the signal do what it would have done. (Signals reach only a process's main thread.)
    const onSigterm = (): void => {
      if (process.listenerCount('SIGTERM') > 1) return; // the program shuts down its own way
      process.removeListener('SIGTERM', onSigterm);
      if (!finishing) finishAllocSites();
      finishing = true;
      checkpoints?.stop();
      collector.finishSync();
      process.kill(process.pid, 'SIGTERM');
    };
    process.on('SIGTERM', onSigterm);
    // The fallback GC observer's last entries arrive a tick after their GC: collect them
    // while the loop can still turn. Once: the drain itself turns the loop, and so brings
    // 'beforeExit' back; GCs after it are read at 'exit' as far as they can be.
    let flushed = false;
    process.on('beforeExit', () => {
      if (finishing || flushed) return;
      flushed = true;
      void collector.flushBeforeExit();
    });
  }
  process.on('exit', (code: number) => {
    if (finishing) return;
    finishing = true;
    checkpoints?.stop();
    finishAllocSites();
    collector.finishSync({ exitCode: typeof code === 'number' ? code : exitCodeNow() });
  });
}
