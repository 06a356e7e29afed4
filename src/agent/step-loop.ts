import { performance } from 'node:perf_hooks';
import type { ScenarioDefinition } from '../scenario/define.js';
import type { RunContext } from '../scenario/context.js';

export type LoopEnd = 'duration' | 'steps' | 'stopped';

export interface LoopOptions {
  durationMs?: number;
  maxSteps?: number;
  /** Ascending step counts at which to pause for the parent (0 is handled before the loop). */
  checkpoints?: number[];
  isStopRequested(): boolean;
  onCheckpoint(index: number, steps: number): Promise<void>;
}

/**
 * Runs step() back to back, yielding to the event loop every few milliseconds so the
 * agent's sampling timer and the IPC channel keep running while the scenario works. A
 * step that returns a promise is awaited; a synchronous one costs no promise at all.
 */
const SLICE_MS = 10;

export async function runStepLoop(
  def: ScenarioDefinition,
  state: unknown,
  ctx: RunContext,
  opts: LoopOptions,
): Promise<LoopEnd> {
  const start = performance.now();
  const deadline = opts.durationMs !== undefined ? start + opts.durationMs : Infinity;
  const maxSteps = opts.maxSteps ?? Infinity;
  const checkpoints = (opts.checkpoints ?? []).filter((c) => c > 0);
  let nextCheckpoint = 0;
  for (;;) {
    const sliceEnd = performance.now() + SLICE_MS;
    for (;;) {
      if (opts.isStopRequested()) return 'stopped';
      if (ctx.steps >= maxSteps) return 'steps';
      const now = performance.now();
      if (now >= deadline) return 'duration';
      if (nextCheckpoint < checkpoints.length && ctx.steps === checkpoints[nextCheckpoint]) break;
      const r = def.step(state, ctx) as unknown;
      if (r !== undefined && typeof (r as PromiseLike<void>).then === 'function') await r;
      ctx.steps++;
      if (now >= sliceEnd) break;
    }
    if (nextCheckpoint < checkpoints.length && ctx.steps === checkpoints[nextCheckpoint]) {
      await opts.onCheckpoint(nextCheckpoint + 1, ctx.steps);
      nextCheckpoint++;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
