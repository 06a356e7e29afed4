import { Channel } from './channel.js';
import { nowMs } from './clock.js';
import { Collector, progressOf } from './collector.js';
import { getGc } from './expose-gc.js';
import { AGENT_ENV, type AgentConfig, type ChildMessage, type ParentMessage } from '../samples/protocol.js';
import { runStepLoop } from './step-loop.js';
import { startAllocReporter } from './alloc-sampler.js';
import { LatencyRecorder } from './latency-recorder.js';
import { RunContext } from '../scenario/context.js';
import { loadScenario } from '../scenario/loader.js';

/**
 * Entry of the measured child in scenario mode: load the scenario, set it up, bracket the
 * step loop with memkit's forced-GC checkpoints (the measured window), tear down, and
 * send everything to the parent before exiting.
 */

const config = JSON.parse(process.env[AGENT_ENV] ?? 'null') as AgentConfig | null;
delete process.env[AGENT_ENV]; // the scenario's own child processes are not ours to measure
const channel = new Channel();

if (!config || !Channel.available() || !config.scenario) {
  process.stderr.write('memkit agent: started without memkit (no IPC channel or configuration)\n');
  process.exit(2);
}

let stopRequested = false;
let resumeWaiter: (() => void) | undefined;
channel.onMessage((m: ParentMessage) => {
  if (m.type === 'stop') {
    stopRequested = true;
    resumeWaiter?.();
  } else if (m.type === 'resume') {
    resumeWaiter?.();
  } else if (m.type === 'heap-snapshot') {
    // Asked for at a checkpoint, while the loop waits: the writer (and node:inspector)
    // is loaded only by runs that take snapshots.
    void import('./heap-snapshot-writer.js')
      .then(({ takeHeapSnapshot }) => takeHeapSnapshot(m.path))
      .then((r) => channel.send({ type: 'heap-snapshot-done', path: m.path, bytes: r.bytes, durationMs: r.durationMs }))
      .catch((err: unknown) => fail('agent', err));
  }
});

function fail(phase: Extract<ChildMessage, { type: 'error' }>['phase'], err: unknown, usage = false): never {
  const e = err instanceof Error ? err : new Error(String(err));
  channel.sendSync({ type: 'error', phase, message: e.message, stack: e.stack, usage });
  collector?.finishSync();
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
}

let collector: Collector | undefined;
const { scenario } = config;

process.on('uncaughtException', (err) => fail('step', err));
// Ctrl-C in a terminal signals the whole process group: memkit decides, and sends 'stop'.
process.on('SIGINT', () => {});
// memkit itself is gone (killed): nobody is listening any more, stop at once.
process.on('disconnect', () => {
  stopRequested = true;
  resumeWaiter?.();
});
process.on('unhandledRejection', (err) => fail('step', err));

async function main(cfg: AgentConfig, sc: NonNullable<AgentConfig['scenario']>): Promise<void> {
  let loaded;
  try {
    loaded = await loadScenario(sc.file);
  } catch (err) {
    fail('load', err, true);
  }
  const def = loaded.definition;
  const runCtx = new RunContext(sc.variant, sc.params);
  const gc = getGc();
  const latency = cfg.recordLatency ? new LatencyRecorder() : undefined;
  if (!cfg.bare) {
    collector = new Collector(channel, cfg, () => progressOf(runCtx), latency);
    collector.start({ unrefTimer: false });
  }

  let state: unknown;
  try {
    state = await def.setup(runCtx);
  } catch (err) {
    fail('setup', err);
  }
  channel.send({ type: 'mark', label: 'setup-done', tMs: nowMs(), steps: 0 });

  const checkpoint = async (index: number, steps: number): Promise<void> => {
    await collector?.gc.drain();
    channel.send({ type: 'checkpoint', index, steps, tMs: nowMs() });
    await new Promise<void>((resolve) => (resumeWaiter = resolve));
    resumeWaiter = undefined;
  };
  if (cfg.checkpoints?.includes(0)) await checkpoint(0, 0);

  // Bare mode (the overhead benchmark's reference) starts from the same clean heap.
  const gcTimes = cfg.settledCheckpoints ? 2 : 1;
  const heapStart = collector ? collector.gc.forceCheckpointGc(gc, gcTimes) : (gc(), undefined);
  const externalStart = heapStart !== undefined ? process.memoryUsage().external : undefined;
  const startMark = {
    tMs: nowMs(), steps: 0, heapUsedAfterGcBytes: heapStart, externalAfterGcBytes: externalStart, rssBytes: process.memoryUsage.rss(),
  };
  channel.send({ type: 'mark', label: 'measure-start', ...startMark });
  // --alloc-sites: from the window's start (after memkit's GC), read at each forced-GC
  // checkpoint and at its end.
  const allocSites = cfg.allocSites ? startAllocReporter(cfg.allocSites, (r) => channel.send(r), () => runCtx.steps) : undefined;
  // No warm-up asked for (or a zero one): it ends where the window starts.
  const warmupAsked = cfg.warmupMs !== undefined || cfg.warmupSteps !== undefined;
  const warmupZero = !cfg.warmupMs && !cfg.warmupSteps;
  if (warmupAsked && warmupZero) channel.send({ type: 'mark', label: 'warmup-end', ...startMark });

  // A forced GC and the live memory right after it: the leak verdict's evidence.
  const gcMark = (label: 'warmup-end' | 'gc-checkpoint'): void => {
    if (!collector) return;
    const heap = collector.gc.forceCheckpointGc(gc, gcTimes);
    const external = process.memoryUsage().external;
    channel.send({
      type: 'mark', label, tMs: nowMs(), steps: runCtx.steps,
      heapUsedAfterGcBytes: heap, externalAfterGcBytes: external, rssBytes: process.memoryUsage.rss(),
    });
    allocSites?.checkpoint(runCtx.steps);
  };
  const tracksWarmup = warmupAsked && !warmupZero;
  const reason = await runStepLoop(def, state, runCtx, {
    durationMs: cfg.durationMs,
    maxSteps: cfg.maxSteps,
    checkpoints: cfg.checkpoints,
    isStopRequested: () => stopRequested,
    onCheckpoint: checkpoint,
    ratePerSec: cfg.ratePerSec,
    latency,
    warmup: tracksWarmup ? { ms: cfg.warmupMs ?? 0, steps: cfg.warmupSteps ?? 0 } : undefined,
    onWarmupEnd: () => {
      // Latencies so far belong to the warm-up: send them before the mark that ends it.
      collector?.flushLatency();
      gcMark('warmup-end');
    },
    gcCheckpointEveryMs: cfg.gcCheckpointEveryMs,
    onGcCheckpoint: () => gcMark('gc-checkpoint'),
  });

  const endMs = nowMs();
  // The program's RSS at the window's end, before memkit's GC can give pages back.
  const rssEnd = process.memoryUsage.rss();
  collector?.flushLatency();
  const heapEnd = collector && reason !== 'stopped' ? collector.gc.forceCheckpointGc(gc, gcTimes) : undefined;
  const externalEnd = heapEnd !== undefined ? process.memoryUsage().external : undefined;
  // After memkit's GC: the in-use view is what is really alive (a Ctrl-C'd run, with no GC,
  // still counts the garbage not yet collected). What this GC allocated is memkit's own.
  allocSites?.finish((r) => channel.send(r), runCtx.steps);
  channel.send({
    type: 'mark', label: 'measure-end', tMs: endMs, steps: runCtx.steps,
    heapUsedAfterGcBytes: heapEnd, externalAfterGcBytes: externalEnd, rssBytes: rssEnd,
  });

  try {
    await def.teardown?.(state, runCtx);
  } catch (err) {
    fail('teardown', err);
  }
  if (collector) {
    await collector.finish({ steps: runCtx.steps, reason });
  } else {
    channel.send({ type: 'done', tMs: nowMs(), steps: runCtx.steps, reason, gcDesync: 0 });
    await channel.flushed();
  }
  process.exit(0);
}

main(config, scenario!).catch((err) => fail('agent', err));
