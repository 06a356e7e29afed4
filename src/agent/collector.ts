import v8 from 'node:v8';
import type { AgentChannel } from './channel.js';
import { nowMs } from './clock.js';
import { createGcRecorder } from './create-gc-recorder.js';
import type { GcRecorder } from './gc-recorder.js';
import { MemorySampler } from './memory-sampler.js';
import type { LatencyRecorder } from './latency-recorder.js';
import type { AgentConfig, AgentIdentity, DoneMessage, ProgressMessage, TickBundle } from '../samples/protocol.js';
import type { RunContext } from '../scenario/context.js';

/**
 * Everything the agent measures, sent to the parent at every tick: memory samples, GC
 * events and (for scenarios) progress. Nothing here computes a statistic.
 */
export class Collector {
  readonly gc: GcRecorder;
  private readonly memory = new MemorySampler();
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    readonly channel: AgentChannel,
    private readonly config: AgentConfig,
    private readonly progress?: () => ProgressMessage,
    private readonly latency?: LatencyRecorder,
    /** A recorder already running (the preload starts one before the agent loads). */
    gc?: GcRecorder,
  ) {
    this.gc = gc ?? createGcRecorder();
  }

  /** `identity`: who this agent is in a command's process tree (agent-identity.ts). */
  start(opts: { unrefTimer: boolean; identity?: AgentIdentity }): void {
    const limit = (process as unknown as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
    this.channel.send({
      type: 'hello',
      pid: process.pid,
      tMs: nowMs(),
      node: process.version,
      v8: process.versions.v8,
      execArgv: process.execArgv,
      heapSizeLimitBytes: v8.getHeapStatistics().heap_size_limit,
      // Node reports "no limit" as a huge number (2^64 on Linux), not as undefined.
      constrainedMemoryBytes: limit !== undefined && limit > 0 && limit < 2 ** 62 ? limit : null,
      mode: this.config.mode,
      gcHeapSource: this.gc.heapSource,
      ...opts.identity,
    });
    this.memory.sample();
    this.timer = setInterval(() => this.tick(), this.config.intervalMs);
    if (opts.unrefTimer) this.timer.unref();
  }

  tick(): void {
    if (this.finished) return;
    this.memory.sample();
    this.gc.collect();
    this.sendBatches();
  }

  /**
   * Sends the latencies and the counters as they are now, on their own: at the end of
   * warm-up, so the figures after it start exactly there (a tick-old progress message
   * would count up to 100 ms of warm-up as steady state).
   */
  flushLatency(): void {
    const bundle = bundleOf(this.latency?.takeBatch(), this.progress?.());
    if (bundle) this.channel.send(bundle);
  }

  private sendBatches(): void {
    const bundle = bundleOf(this.latency?.takeBatch(), this.memory.takeBatch(), this.gc.takeBatch(), this.progress?.());
    if (bundle) this.channel.send(bundle);
  }

  /**
   * Before a program's exit ('beforeExit', when the loop can still turn): drains the GC
   * observer, whose entries arrive a tick late and which an 'exit' handler can no longer
   * wait for, and sends what is in. Not the last word: `finishSync` on 'exit' sends that.
   */
  async flushBeforeExit(): Promise<void> {
    if (this.finished) return;
    await this.gc.drain();
    if (this.finished) return;
    this.memory.sample();
    this.sendBatches();
  }

  /**
   * The last word: drains the GC observer (its entries arrive a tick late), sends every
   * batch and `done`, and resolves once all of it has left the process.
   */
  async finish(done: Omit<DoneMessage, 'type' | 'tMs' | 'gcDesync'>, opts: { keepRecordingGc?: boolean } = {}): Promise<void> {
    if (this.finished) return;
    clearInterval(this.timer);
    await this.gc.drain();
    this.memory.sample();
    this.sendBatches();
    this.finished = true;
    this.channel.send({ type: 'done', tMs: nowMs(), gcDesync: this.gc.desync, ...done });
    if (!opts.keepRecordingGc) this.gc.stop();
    await this.channel.flushed();
  }

  /**
   * For the process 'exit' event of a preloaded program: synchronous, best effort. After
   * a `finish` that kept recording GCs (on 'beforeExit': the loop can still turn, and V8
   * ran a scavenge task there), it sends the GCs since, so none of the process's is lost.
   */
  finishSync(end: { exitCode?: number } = {}): void {
    const lostMessages = (): { lostMessages?: number } => (this.channel.lost ? { lostMessages: this.channel.lost } : {});
    if (this.finished) {
      this.gc.drainSync();
      const late = this.gc.takeBatch();
      if (late) this.channel.sendSync({ type: 'tick', batches: [late] });
      this.gc.stop();
      return;
    }
    this.finished = true;
    clearInterval(this.timer);
    this.gc.drainSync();
    this.memory.sample();
    const bundle = bundleOf(this.memory.takeBatch(), this.gc.takeBatch());
    if (bundle) this.channel.sendSync(bundle);
    this.channel.sendSync({ type: 'done', tMs: nowMs(), steps: 0, reason: 'exit', gcDesync: this.gc.desync, ...end, ...lostMessages() });
  }
}

/** The batches that have something in them, as one message (none when all are empty). */
function bundleOf(...batches: Array<TickBundle['batches'][number] | undefined>): TickBundle | undefined {
  const present = batches.filter((b) => b !== undefined);
  return present.length ? { type: 'tick', batches: present } : undefined;
}

/**
 * A scenario's progress as of now: a copy of its counters, so later steps cannot change
 * what was sent. The phases are copied by hand: structuredClone cost ~20 µs a tick here.
 */
export function progressOf(ctx: RunContext): ProgressMessage {
  const phases: ProgressMessage['phases'] = {};
  for (const name in ctx.phases) {
    const p = ctx.phases[name]!;
    phases[name] = { count: p.count, totalMs: p.totalMs };
  }
  return { type: 'progress', tMs: nowMs(), steps: ctx.steps, counters: { ...ctx.counters }, gauges: { ...ctx.gauges }, phases };
}
