import type { ChildProcess } from 'node:child_process';
import { UsageError } from '../core/errors.js';
import type { ExitInfo, RunStatus } from '../samples/protocol.js';
import { addRecord, emptyRunData, mainIsolateOf, SAMPLES_SCHEMA, type RunData, type RunHeader, type SampleRecord } from '../samples/run-data.js';
import type { ChildKind, RunControl } from './child-kind.js';
import { classifyExit, classifyTree, type ExitFacts, type StopCause } from './exit-classifier.js';
import { ProcessRegistry } from './process-registry.js';
import { StderrFatalScanner } from './stderr-fatal.js';
import { startExternalSampler, type ExternalSampler } from './external-sampler.js';
import { JsonlWriter } from './jsonl-writer.js';
import { allocSourceMapRecord } from './alloc-source-maps.js';
import { StderrTail } from './stderr-tail.js';
import { AgentChannelServer } from './agent-channel.js';
import { ProcessTreeReader } from './process-tree.js';
import { signalTree } from './tree-signal.js';
import { TreeMemoryGuard } from './tree-memory-guard.js';

/**
 * The one child runtime: starts a child of any kind (child-kind.ts), samples the RSS and
 * CPU of its whole process tree from outside, appends every record to the run's .jsonl file as it arrives (one
 * dialect for every kind, read back by samples/run-data.ts), keeps the tail of its stderr,
 * stops it on request with escalation as vitest does (a polite request, then SIGTERM, then
 * SIGKILL), and classifies how it ended in one place (exit-classifier.ts).
 */

/** How long a stop request may take before SIGTERM, and SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;
const TERM_GRACE_MS = 3000;
/**
 * A grandchild that inherited the pipes can hold them open long after the child is gone;
 * the run is over anyway.
 */
const PIPE_CLOSE_WAIT_MS = 2000;
/** How much longer a Node program still starting (no agent hello yet) gets when its --duration runs out. */
const STARTUP_GRACE_MS = 15_000;

export interface ChildRunOptions {
  /** External (RSS/CPU) sampling interval. */
  intervalMs: number;
  /** Stop the child this long after it started; the run still counts as complete. */
  durationMs?: number;
  /** Hard limit for the whole child; then it is stopped and the run counts as crashed. */
  timeoutMs?: number;
  samplesPath: string;
  header: Pick<RunHeader, 'runId' | 'index' | 'target' | 'settings'>;
  /** Child stdout/stderr, for the command layer to print around its spinner. */
  onOutput?(chunk: Buffer, stream: 'stdout' | 'stderr'): void;
  /** Every record as it arrives (after it was written to the .jsonl file). */
  onRecord?(record: SampleRecord, control: RunControl): void;
  /** A command: kill the tree when its RSS reaches this (run/tree-memory-guard.ts). */
  memoryLimitBytes?: number;
}

export interface RunOutcome {
  status: RunStatus;
  statusReason?: string;
  exit: ExitInfo;
  pid: number;
  startedAtMs: number;
  endedAtMs: number;
  data: RunData;
  stderrTail: string;
  /** The agent reported from inside the child. */
  instrumented: boolean;
  samplesPath: string;
}

export interface RunHandle {
  control: RunControl;
  result: Promise<RunOutcome>;
}

export function startChild(kind: ChildKind, options: ChildRunOptions): RunHandle {
  const data = emptyRunData();
  const writer = new JsonlWriter(options.samplesPath);
  const tail = new StderrTail();
  const startedAtMs = Date.now();
  const header: RunHeader = { type: 'run', schema: SAMPLES_SCHEMA, startedAtMs, ...options.header };
  // A command's tree: who is in it and how each ended (read from /proc as soon as a
  // process is seen, while it lives), and V8's fatal blocks on the stderr they share.
  const registry = kind.agentSocket ? new ProcessRegistry() : undefined;
  const fatal = kind.agentSocket ? new StderrFatalScanner() : undefined;
  const record = (r: SampleRecord): void => {
    writer.write(r);
    addRecord(data, r);
    registry?.add(r);
    guard?.onRecord(r);
    options.onRecord?.(r, control);
  };

  // A command's agents, one per process and thread, connect to the run's socket; each
  // record they send is tagged with its connection's agentId.
  let firstHelloSeen = false;
  const fromAgent = (message: { type: string }, agentId?: number): void => {
    if (message.type === 'hello' && !firstHelloSeen) {
      firstHelloSeen = true;
      if (options.durationMs !== undefined) armDuration(options.durationMs);
    }
    for (const r of kind.recordsOf(message)) record(agentId === undefined ? r : ({ ...r, agentId } as SampleRecord));
    kind.onMessage?.(message, control, record);
  };
  let finishedRecording = false;
  const channel = kind.agentSocket
    ? new AgentChannelServer({
        message: (m, agentId) => {
          if (!finishedRecording) fromAgent(m, agentId);
        },
        closed: (agentId) => {
          if (finishedRecording) return;
          const isolate = data.isolates.get(agentId);
          if (isolate && !isolate.done) record({ type: 'agent-lost', tMs: Date.now(), agentId });
          connectionsClosed();
        },
      })
    : undefined;
  let connectionsClosed = (): void => {};

  let child: ChildProcess;
  try {
    child = kind.spawn({ channelPath: channel?.path });
  } catch (err) {
    channel?.close();
    writer.close();
    throw err;
  }

  let stopCause: StopCause | null = null;
  let stopDetail: string | undefined;
  let exited = false;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(fn, ms);
    t.unref();
    timers.push(t);
  };
  const kill = (signal: NodeJS.Signals): void => {
    if (exited) return;
    // A command's stop reaches every process of its tree (npm exits on SIGTERM and orphans the app).
    if (kind.isCommand && child.pid !== undefined) signalTree(child.pid, signal);
    else child.kill(signal);
  };

  const control: RunControl = {
    get pid() {
      return child.pid ?? -1;
    },
    samplesPath: options.samplesPath,
    data,
    record(r) {
      if (!finishedRecording) record(r);
    },
    send(message) {
      if (child.connected) child.send(message);
    },
    sendToAgent(agentId, message) {
      channel?.send(agentId, message);
    },
    stop(cause, detail) {
      if (exited) return;
      const first = stopCause === null;
      // A user's second Ctrl-C does not wait for the grace periods.
      if (!first && (cause === 'sigint' || cause === 'sigterm')) {
        kill('SIGKILL');
        return;
      }
      if (!first) return;
      stopCause = cause;
      stopDetail = detail;
      // A memory limit, like a container's, does not wait.
      if (cause === 'memory-limit') kill('SIGKILL');
      else if (kind.politeStop === 'signal') {
        kill('SIGTERM');
        later(TERM_GRACE_MS + STOP_GRACE_MS, () => kill('SIGKILL'));
      } else {
        control.send({ type: 'stop' });
        later(STOP_GRACE_MS, () => kill('SIGTERM'));
        later(STOP_GRACE_MS + TERM_GRACE_MS, () => kill('SIGKILL'));
      }
    },
  };

  // A command's evidence near a memory limit: V8's (snapshot paths for the addon) and --memory-limit's.
  const guard = kind.agentSocket
    ? new TreeMemoryGuard({
        stem: options.samplesPath.replace(/\.jsonl$/, ''),
        memoryLimitBytes: options.memoryLimitBytes,
        data,
        record,
        sendToAgent: (agentId, message) => control.sendToAgent(agentId, message),
        stop: (cause, detail) => control.stop(cause, detail),
      })
    : undefined;
  record(header);

  let sampler: ExternalSampler | undefined;
  let sampledPid = -1;
  const sample = (pid: number): void => {
    if (pid === sampledPid || pid <= 0) return;
    void sampler?.stop();
    sampledPid = pid;
    sampler = startExternalSampler(pid, options.intervalMs, (s, tree) => {
      if (tree) {
        for (const gone of tree.gone) record({ type: 'proc-gone', tMs: s.tMs, pid: gone });
        for (const p of tree.started) record({ type: 'proc-info', tMs: s.tMs, ...p });
        record({ type: 'proc-tree', tMs: s.tMs, pid: tree.pid, rssBytes: tree.rssBytes, cpuMs: tree.cpuMs });
      }
      record({ type: 'proc', tMs: s.tMs, rssBytes: s.rssBytes, cpuPercent: s.cpuPercent, cpuMs: s.cpuMs, pid });
    });
  };

  child.stdout?.on('data', (chunk: Buffer) => options.onOutput?.(chunk, 'stdout'));
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk);
    if (fatal && registry) for (const f of fatal.push(chunk)) registry.addStderrFatal(f);
    options.onOutput?.(chunk, 'stderr');
  });
  // --duration (a command) is the program's time, counted from the first agent's hello: on a
  // busy machine Node with the agent preloaded took 1.4-2.7 s to start, and a duration
  // counted from the spawn stopped it before its first line. Without an agent it counts from
  // the spawn. A Node process of the tree still starting when it runs out (no hello yet: the
  // app `npm start` is launching) is waited for, up to STARTUP_GRACE_MS, so it is not stopped
  // before it ran at all.
  const helloPids = (): Set<number> => new Set([...data.isolates.values()].map((i) => i.hello?.pid ?? -1));
  const nodeStarting = (pid: number): boolean => {
    const greeted = kind.agentSocket ? helloPids() : new Set<number>();
    return new ProcessTreeReader(pid, 0).read(Date.now())?.some((p) => p.comm === 'node' && p.state !== 'Z' && !greeted.has(p.pid)) ?? false;
  };
  let durationTimer: NodeJS.Timeout | undefined;
  let graceEndsAtMs: number | undefined;
  const armDuration = (ms: number): void => {
    if (durationTimer) clearTimeout(durationTimer);
    durationTimer = setTimeout(() => {
      const waitingForStart = (kind.agentSocket || !firstHelloSeen) && child.pid !== undefined && nodeStarting(child.pid);
      if (waitingForStart && (graceEndsAtMs ??= Date.now() + STARTUP_GRACE_MS) > Date.now()) {
        armDuration(100);
        return;
      }
      control.stop('duration');
    }, ms);
    durationTimer.unref();
    timers.push(durationTimer);
  };

  child.on('message', (m: { type?: unknown; pid?: unknown }) => {
    if (!m || typeof m !== 'object' || typeof m.type !== 'string') return;
    fromAgent(m as { type: string });
    // A command wrapped in a shell reports from the Node process inside it. Where the sampler
    // sees the whole tree (Linux) the shell's tree already holds it, and the shell counts
    // too; elsewhere measure the Node process rather than the shell.
    if (m.type === 'hello' && typeof m.pid === 'number' && m.pid !== child.pid && !sampler?.coversTree) sample(m.pid);
  });

  /**
   * The root has exited and its pipes are closed; its descendants' agents may still be
   * writing their last lines. Wait for their connections to close — not longer than a
   * daemon left running would make anyone wait.
   */
  const agentsDone = (): Promise<void> =>
    new Promise((resolve) => {
      if (!channel || channel.openConnections === 0) return resolve();
      const t = setTimeout(resolve, PIPE_CLOSE_WAIT_MS);
      connectionsClosed = () => {
        if (channel.openConnections === 0) {
          clearTimeout(t);
          resolve();
        }
      };
    });

  const result = new Promise<RunOutcome>((resolve, reject) => {
    let exitInfo: ExitInfo | undefined;
    let closed = false;
    let finished = false;
    const finish = async (): Promise<void> => {
      if (!exitInfo || !closed || finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      await sampler?.stop();
      await agentsDone();
      finishedRecording = true;
      guard?.finish();
      channel?.close();
      // A process left running after the root (a daemon, an app that ignored SIGTERM while
      // npm died) may hold the pipes it inherited: memkit is done reading them.
      child.stdout?.destroy();
      child.stderr?.destroy();
      const rootPid = child.pid ?? -1;
      const rootIsolate = mainIsolateOf(data, rootPid);
      const rootHello = data.hello ?? rootIsolate?.hello;
      const facts: ExitFacts = {
        code: exitInfo.code,
        signal: exitInfo.signal as NodeJS.Signals | null,
        stopCause,
        ...(stopDetail !== undefined ? { stopDetail } : {}),
        sawDone: kind.finished(data, rootPid),
        error: data.error ?? rootIsolate?.error,
        stderrTail: tail.text(),
        heapSizeLimitBytes: rootHello?.heapSizeLimitBytes,
        nodeFlags: rootHello?.execArgv ?? kind.nodeFlags,
        timeoutMs: options.timeoutMs,
        command: kind.isCommand,
      };
      let cls: { status: RunStatus; reason?: string; notes?: string[] };
      if (registry && fatal) {
        for (const f of fatal.end()) registry.addStderrFatal(f);
        const tree = registry.settle({ pid: rootPid, exit: exitInfo, tMs: Date.now(), argv: kind.argv });
        for (const r of [...tree.ends, ...tree.unreached]) record(r);
        cls = classifyTree({ root: facts, rootPid, ends: tree.ends, unattributed: tree.unattributed, describe: (e) => registry.describe(e) });
      } else {
        cls = classifyExit(facts);
      }
      const endedAtMs = Date.now();
      // Read while the scripts' maps are most likely where the program left them.
      const sourceMap = allocSourceMapRecord(data, endedAtMs);
      if (sourceMap) record(sourceMap);
      const notes = cls.notes?.length ? { notes: cls.notes } : {};
      record({ type: 'end', tMs: endedAtMs, status: cls.status, statusReason: cls.reason, exit: exitInfo, ...notes });
      writer.close();
      resolve({
        status: cls.status,
        statusReason: cls.reason,
        exit: exitInfo,
        pid: data.hello?.pid ?? child.pid ?? -1,
        startedAtMs,
        endedAtMs,
        data,
        stderrTail: tail.text(),
        instrumented: data.hello !== undefined || data.isolates.size > 0,
        samplesPath: options.samplesPath,
      });
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        channel?.close();
        writer.close();
        for (const t of timers) clearTimeout(t);
        reject(
          err.code === 'ENOENT'
            ? new UsageError(`cannot run '${kind.program}': command not found`)
            : err.code === 'EACCES'
              ? new UsageError(`cannot run '${kind.program}': permission denied`)
              : err,
        );
      }
    });
    child.on('exit', (code, signal) => {
      exited = true;
      exitInfo = { code, signal };
      const t = setTimeout(() => {
        closed = true;
        void finish();
      }, PIPE_CLOSE_WAIT_MS);
      t.unref();
      void finish();
    });
    // 'close' comes after the stdio streams and the IPC channel have delivered everything.
    child.on('close', () => {
      closed = true;
      void finish();
    });
  });

  if (child.pid !== undefined) {
    sample(child.pid);
    kind.onStart?.(control);
  }
  if (options.timeoutMs !== undefined) later(options.timeoutMs, () => control.stop('timeout'));
  if (options.durationMs !== undefined) armDuration(options.durationMs);
  return { control, result };
}
