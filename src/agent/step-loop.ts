import { performance } from 'node:perf_hooks';
import type { ScenarioDefinition } from '../scenario/define.js';
import type { RunContext } from '../scenario/context.js';
import type { LatencyRecorder } from './latency-recorder.js';

export type LoopEnd = 'duration' | 'steps' | 'stopped';

export interface LoopOptions {
  durationMs?: number;
  maxSteps?: number;
  /** Ascending step counts at which to pause for the parent (0 is handled before the loop). */
  checkpoints?: number[];
  isStopRequested(): boolean;
  onCheckpoint(index: number, steps: number): Promise<void>;
  /** Open loop: steps are due at this rate; otherwise back to back (closed loop). */
  ratePerSec?: number;
  latency?: LatencyRecorder;
  /** Warm-up ends once both are reached; then onWarmupEnd runs (synchronously). */
  warmup?: { ms: number; steps: number };
  onWarmupEnd?(): void;
  /** After warm-up, a forced-GC checkpoint this often (synchronous callback). */
  gcCheckpointEveryMs?: number;
  onGcCheckpoint?(): void;
}

/**
 * Runs step() until the duration, the step count or a stop request ends it, yielding to
 * the event loop every few milliseconds so the agent's sampling timer and the IPC channel
 * keep running. A synchronous step costs no promise.
 *
 * Open loop (ratePerSec): step i is due at start + i/rate, and its latency runs from that
 * intended start, so a stall shows up as the latency of every step it delayed instead of
 * being hidden (coordinated omission). memkit's own forced-GC checkpoints shift the
 * schedule by their duration: they are the measurement's doing, not the program's.
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
  const periodMs = opts.ratePerSec ? 1000 / opts.ratePerSec : 0;
  const latency = opts.latency;
  let nextCheckpoint = 0;
  let warmupPending = opts.warmup !== undefined;
  const warmupEndMs = start + (opts.warmup?.ms ?? 0);
  const warmupSteps = opts.warmup?.steps ?? 0;
  const gcEvery = opts.gcCheckpointEveryMs ?? 0;
  let nextGcCheckpoint = warmupPending || gcEvery <= 0 ? Infinity : start + gcEvery;
  let scheduleShiftMs = 0;
  let now = performance.now();

  for (;;) {
    const sliceEnd = now + SLICE_MS;
    for (;;) {
      if (opts.isStopRequested()) return 'stopped';
      if (ctx.steps >= maxSteps) return 'steps';
      if (now >= deadline) return 'duration';
      if (nextCheckpoint < checkpoints.length && ctx.steps === checkpoints[nextCheckpoint]) break;
      if (warmupPending && now >= warmupEndMs && ctx.steps >= warmupSteps) {
        warmupPending = false;
        const t0 = now;
        opts.onWarmupEnd?.();
        now = performance.now();
        scheduleShiftMs += now - t0;
        if (gcEvery > 0) nextGcCheckpoint = now + gcEvery;
      }
      if (now >= nextGcCheckpoint) {
        const t0 = now;
        opts.onGcCheckpoint?.();
        now = performance.now();
        scheduleShiftMs += now - t0;
        nextGcCheckpoint = now + gcEvery;
      }
      let intended = now;
      if (periodMs > 0) {
        intended = start + scheduleShiftMs + ctx.steps * periodMs;
        if (intended > now) break; // ahead of schedule: wait outside the hot loop
      }
      const r = def.step(state, ctx) as unknown;
      if (r !== undefined && typeof (r as PromiseLike<void>).then === 'function') await r;
      ctx.steps++;
      const end = performance.now();
      if (latency) latency.record(end - intended);
      now = end;
      if (now >= sliceEnd) break;
    }
    if (nextCheckpoint < checkpoints.length && ctx.steps === checkpoints[nextCheckpoint]) {
      await opts.onCheckpoint(nextCheckpoint + 1, ctx.steps);
      nextCheckpoint++;
    }
    const wait = periodMs > 0 ? start + scheduleShiftMs + ctx.steps * periodMs - performance.now() : 0;
    // A timer for waits long enough to be worth one (timers fire late by up to ~1 ms),
    // otherwise just let the event loop turn once.
    if (wait > 2) await new Promise<void>((resolve) => setTimeout(resolve, Math.min(wait - 1, SLICE_MS)));
    else await new Promise<void>((resolve) => setImmediate(resolve));
    now = performance.now();
  }
}
