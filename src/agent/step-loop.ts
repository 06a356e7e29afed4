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
 * keep running.
 *
 * The loop must not allocate: whatever it allocates is blamed on the scenario. In Node 20
 * every clock read (performance.now(), process.hrtime()) allocates a heap number, so:
 *  - without latency recording the clock is read only every `checkEvery` steps, a count
 *    adapted so reads come about every millisecond, whatever a step costs;
 *  - with latency recording one read per step: a step's end is the next step's start
 *    (closed loop) and intended starts are computed (open loop);
 *  - waiting for an open-loop step's due time sleeps on a futex (Atomics.wait) and spins
 *    the last fraction of a millisecond on a calibrated busy loop, not on the clock.
 *
 * Open loop (ratePerSec): step i is due at start + i/rate, and its latency runs from that
 * intended start, so a stall shows up as the latency of every step it delayed instead of
 * being hidden (coordinated omission). memkit's own forced-GC checkpoints shift the
 * schedule by their duration: they are the measurement's doing, not the program's.
 */
const SLICE_MS = 10;
const CHECK_TARGET_MS = 1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const spinCell = new Float64Array(1);
let spinsPerMs = 0;

/** Busy-waits about `ms` without reading the clock (calibrated once, on first use). */
function spin(ms: number): void {
  if (spinsPerMs === 0) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 2) {
      for (let i = 0; i < 1000; i++) spinCell[0]! += 1;
      n += 1000;
    }
    spinsPerMs = n / (performance.now() - t0);
  }
  const n = Math.floor(ms * spinsPerMs);
  for (let i = 0; i < n; i++) spinCell[0]! += 1;
}

/** Waits until `until` (performance.now() time) and returns the time after the wait. */
function waitUntil(until: number, now: number): number {
  const gap = until - now;
  if (gap > 0.3) {
    Atomics.wait(sleeper, 0, 0, gap - 0.2);
    now = performance.now();
  }
  if (until > now) spin(until - now);
  return Math.max(until, performance.now());
}

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
  // Read the clock at every step only when something needs a per-step time.
  const perStepClock = latency !== undefined || periodMs > 0;
  let checkEvery = 1;
  let sinceCheck = 0;
  let nextCheckpoint = 0;
  let warmupPending = opts.warmup !== undefined;
  const warmupEndMs = start + (opts.warmup?.ms ?? 0);
  const warmupSteps = opts.warmup?.steps ?? 0;
  const gcEvery = opts.gcCheckpointEveryMs ?? 0;
  let nextGcCheckpoint = warmupPending || gcEvery <= 0 ? Infinity : start + gcEvery;
  let scheduleShiftMs = 0;
  let now = performance.now();

  for (;;) {
    let sliceEnd = now + SLICE_MS;
    for (;;) {
      if (opts.isStopRequested()) return 'stopped';
      // A checkpoint at the last step still fires: it comes before the step limit.
      if (nextCheckpoint < checkpoints.length && ctx.steps === checkpoints[nextCheckpoint]) break;
      if (ctx.steps >= maxSteps) return 'steps';
      if (now >= deadline) return 'duration';
      if (warmupPending && now >= warmupEndMs && ctx.steps >= warmupSteps) {
        warmupPending = false;
        const t0 = now;
        opts.onWarmupEnd?.();
        now = performance.now();
        scheduleShiftMs += now - t0;
        sliceEnd += now - t0;
        if (gcEvery > 0) nextGcCheckpoint = now + gcEvery;
      }
      if (now >= nextGcCheckpoint) {
        const t0 = now;
        opts.onGcCheckpoint?.();
        now = performance.now();
        scheduleShiftMs += now - t0;
        sliceEnd += now - t0;
        nextGcCheckpoint = now + gcEvery;
      }
      let intended = now;
      if (periodMs > 0) {
        intended = start + scheduleShiftMs + ctx.steps * periodMs;
        if (intended > now) {
          // Ahead of schedule: a wait ending within this slice is done here; a longer
          // one ends the slice and sleeps on a timer below.
          if (intended >= sliceEnd) break;
          now = waitUntil(intended, now);
        }
      }
      const r = def.step(state, ctx) as unknown;
      if (r !== undefined && typeof (r as PromiseLike<void>).then === 'function') await r;
      ctx.steps++;
      if (perStepClock) {
        const end = performance.now();
        if (latency) latency.record(end - intended);
        now = end;
      } else if (++sinceCheck >= checkEvery) {
        const t = performance.now();
        const perCheck = t - now;
        // Aim at one clock read per ~1 ms: double the stride while reads come faster.
        if (perCheck < CHECK_TARGET_MS / 2) checkEvery *= 2;
        else if (perCheck > CHECK_TARGET_MS * 2 && checkEvery > 1) checkEvery = Math.max(1, checkEvery >> 1);
        sinceCheck = 0;
        now = t;
      }
      if (now >= sliceEnd) break;
    }
    if (nextCheckpoint < checkpoints.length && ctx.steps === checkpoints[nextCheckpoint]) {
      await opts.onCheckpoint(nextCheckpoint + 1, ctx.steps);
      nextCheckpoint++;
    }
    // One turn of the event loop per slice (the agent's timer and IPC run there). When the
    // next step is further away than that, sleep on a timer for most of the gap; timers
    // fire up to ~1 ms late, so the rest is left to waitUntil.
    const wait = periodMs > 0 ? start + scheduleShiftMs + ctx.steps * periodMs - performance.now() : 0;
    if (wait > 2) await new Promise<void>((resolve) => setTimeout(resolve, wait - 1.5));
    else await new Promise<void>((resolve) => setImmediate(resolve));
    now = performance.now();
    sinceCheck = 0;
  }
}
