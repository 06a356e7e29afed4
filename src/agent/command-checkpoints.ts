import { nowMs } from './clock.js';
import { getGc } from './expose-gc.js';
import type { GcRecorder } from './gc-recorder.js';
import type { AgentConfig, MarkMessage } from '../samples/protocol.js';

/**
 * memkit's forced-GC checkpoints inside a process (or worker thread) of a user's command,
 * for mem-stress's leak verdict: the live memory (V8 heap + external) right after a full
 * GC, read where the heap lives. A reading at the window's start, one at the end of the
 * warm-up, then one every `gcCheckpointEveryMs` (marks 'gc-checkpoint' and 'warmup-end'). Only when asked for
 * (gc-profile does not ask, and its process then sees no GC of memkit's).
 *
 * Worker threads take them too: a worker's heap is an isolate of its own, which no GC of
 * the main thread collects or reads, so a leak held by a worker would otherwise go unseen.
 * Each isolate pauses only itself, on its own timer.
 *
 * The GCs are tagged as memkit's (GcSource.Checkpoint in the gc batch), so the program's
 * counts and pauses leave them out. Two GCs, as scenario mode does with settledCheckpoints:
 * after one, V8 still counts the external memory of the Buffers it just freed.
 */

export interface CommandCheckpoints {
  /**
   * Takes the first reading now (a 'gc-checkpoint' mark at the window's start), then starts
   * the warm-up and checkpoint timers; `send` gets each mark.
   */
  start(send: (mark: MarkMessage) => void): void;
  stop(): void;
}

export type CheckpointConfig = Pick<AgentConfig, 'gcCheckpointEveryMs' | 'settledCheckpoints' | 'warmupMs'>;

/** undefined when the run asks for no checkpoints (gc-profile). */
export function commandCheckpoints(config: CheckpointConfig, recorder: GcRecorder): CommandCheckpoints | undefined {
  const everyMs = config.gcCheckpointEveryMs;
  if (everyMs === undefined || !(everyMs > 0)) return undefined;
  const gc = getGc();
  const times = config.settledCheckpoints ? 2 : 1;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    start(send) {
      const mark = (label: 'warmup-end' | 'gc-checkpoint'): void => {
        if (stopped) return;
        const heap = recorder.forceCheckpointGc(gc, times);
        const external = process.memoryUsage().external;
        send({ type: 'mark', label, tMs: nowMs(), steps: 0, heapUsedAfterGcBytes: heap, externalAfterGcBytes: external, rssBytes: process.memoryUsage.rss() });
      };
      // Apart from measure-start, whose figures stay gc-profile's (the lead isolate's
      // reading there would stand for a whole tree's heap at the window's start).
      mark('gc-checkpoint');
      // The next timer from the end of this checkpoint: a slow GC does not stack them up.
      const every = (): void => {
        timer = setTimeout(() => {
          mark('gc-checkpoint');
          if (!stopped) every();
        }, everyMs);
        timer.unref(); // the program's exit is its own
      };
      timer = setTimeout(() => {
        mark('warmup-end');
        if (!stopped) every();
      }, config.warmupMs ?? 0);
      timer.unref();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
