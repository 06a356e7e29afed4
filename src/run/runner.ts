import { fork, spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { AGENT_ENV, type AgentConfig, type ChildMessage, type ParentMessage } from '../samples/protocol.js';
import type { ExitInfo, RunStatus } from '../baseline/schema.js';
import { classifyExit, type StopCause } from './exit-classifier.js';
import { startExternalSampler, type ExternalSampler } from './external-sampler.js';
import { JsonlWriter } from './jsonl-writer.js';
import { addRecord, emptyRunData, SAMPLES_SCHEMA, type RunData, type RunHeader, type SampleRecord } from '../samples/run-data.js';
import { StderrTail } from './stderr-tail.js';

/**
 * Runs one measured child and collects everything it reports. Scenario mode forks
 * memkit's agent under --expose-gc; command mode spawns the user's command with the agent
 * preloaded through NODE_OPTIONS (a non-Node command gets RSS/CPU sampling only). Every
 * record is appended to the run's .jsonl file as it arrives. Stopping escalates as vitest
 * does: a polite request, then SIGTERM, then SIGKILL.
 */

const CHILD_MAIN = fileURLToPath(new URL('../agent/child-main.js', import.meta.url));
const PRELOAD = new URL('../agent/preload.js', import.meta.url).href;

/** How long a stop request may take before SIGTERM, and SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;
const TERM_GRACE_MS = 3000;

export type RunTarget = { kind: 'scenario'; agent: AgentConfig } | { kind: 'command'; argv: string[]; intervalMs: number };

export interface RunSpec {
  target: RunTarget;
  /** Extra Node/V8 flags for the child (--node-arg), after --expose-gc. */
  nodeArgs: string[];
  /** External (RSS/CPU) sampling interval. */
  intervalMs: number;
  /** Command mode: SIGTERM the program after this long. */
  durationMs?: number;
  /** Hard limit for the whole child; then it is stopped and the run counts as crashed. */
  timeoutMs?: number;
  samplesPath: string;
  header: Pick<RunHeader, 'runId' | 'index' | 'target' | 'settings'>;
  /** Child stdout/stderr, for the command layer to print around its spinner. */
  onOutput?(chunk: Buffer, stream: 'stdout' | 'stderr'): void;
  /** Every record as it arrives (after it was written to the .jsonl file). */
  onRecord?(record: SampleRecord, control: RunControl): void;
}

export interface RunControl {
  readonly pid: number;
  readonly samplesPath: string;
  send(message: ParentMessage): void;
  /** Ask the child to stop; escalates to SIGTERM and SIGKILL if it does not. */
  stop(cause: StopCause): void;
  readonly data: RunData;
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

function isNodeBinary(cmd: string): boolean {
  return cmd === process.execPath || /^node(js)?(\.exe)?$/.test(basename(cmd));
}

function spawnChild(spec: RunSpec): ChildProcess {
  const { target } = spec;
  if (target.kind === 'scenario') {
    return fork(CHILD_MAIN, [], {
      execArgv: ['--expose-gc', ...spec.nodeArgs],
      env: { ...process.env, [AGENT_ENV]: JSON.stringify(target.agent) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
  }
  const [cmd, ...args] = target.argv;
  if (!cmd) throw new UsageError('no command given after --');
  const agent: AgentConfig = { mode: 'preload', intervalMs: target.intervalMs };
  const preload = `--import=${JSON.stringify(PRELOAD)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [AGENT_ENV]: JSON.stringify(agent),
    NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
  };
  // Node flags go on a node command line directly: NODE_OPTIONS refuses many V8 flags.
  const finalArgs = isNodeBinary(cmd) ? [...spec.nodeArgs, ...args] : args;
  if (!isNodeBinary(cmd) && spec.nodeArgs.length) {
    env.NODE_OPTIONS = [env.NODE_OPTIONS, ...spec.nodeArgs].join(' ');
  }
  return spawn(cmd, finalArgs, { env, stdio: ['inherit', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
}

export function startRun(spec: RunSpec): RunHandle {
  const data = emptyRunData();
  const writer = new JsonlWriter(spec.samplesPath);
  const tail = new StderrTail();
  const startedAtMs = Date.now();
  const header: RunHeader = { type: 'run', schema: SAMPLES_SCHEMA, startedAtMs, ...spec.header };
  const record = (r: SampleRecord): void => {
    writer.write(r);
    addRecord(data, r);
    spec.onRecord?.(r, control);
  };

  let child: ChildProcess;
  try {
    child = spawnChild(spec);
  } catch (err) {
    writer.close();
    throw err;
  }
  const isCommand = spec.target.kind === 'command';

  let stopCause: StopCause | null = null;
  let exited = false;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(fn, ms);
    t.unref();
    timers.push(t);
  };
  const kill = (signal: NodeJS.Signals): void => {
    if (!exited) child.kill(signal);
  };

  const control: RunControl = {
    get pid() {
      return child.pid ?? -1;
    },
    samplesPath: spec.samplesPath,
    data,
    send(message) {
      if (child.connected) child.send(message);
    },
    stop(cause) {
      if (exited) return;
      const first = stopCause === null;
      // A user's second Ctrl-C does not wait for the grace periods.
      if (!first && (cause === 'sigint' || cause === 'sigterm')) {
        kill('SIGKILL');
        return;
      }
      if (!first) return;
      stopCause = cause;
      if (isCommand) {
        kill('SIGTERM');
        later(TERM_GRACE_MS + STOP_GRACE_MS, () => kill('SIGKILL'));
      } else {
        control.send({ type: 'stop' });
        later(STOP_GRACE_MS, () => kill('SIGTERM'));
        later(STOP_GRACE_MS + TERM_GRACE_MS, () => kill('SIGKILL'));
      }
    },
  };

  record(header);

  let sampler: ExternalSampler | undefined;
  let sampledPid = -1;
  const sample = (pid: number): void => {
    if (pid === sampledPid || pid <= 0) return;
    void sampler?.stop();
    sampledPid = pid;
    sampler = startExternalSampler(pid, spec.intervalMs, (s) =>
      record({ type: 'proc', tMs: s.tMs, rssBytes: s.rssBytes, cpuPercent: s.cpuPercent, cpuMs: s.cpuMs, pid }),
    );
  };

  child.stdout?.on('data', (chunk: Buffer) => spec.onOutput?.(chunk, 'stdout'));
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk);
    spec.onOutput?.(chunk, 'stderr');
  });
  child.on('message', (m: ChildMessage) => {
    if (!m || typeof m !== 'object' || typeof m.type !== 'string') return;
    if (m.type === 'tick') {
      if (Array.isArray(m.batches)) for (const b of m.batches) if (b && typeof b.type === 'string') record(b);
      return;
    }
    record(m);
    // A command wrapped in a shell reports from the Node process inside it: measure that one.
    if (m.type === 'hello' && m.pid !== child.pid) sample(m.pid);
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
      const cls = classifyExit({
        code: exitInfo.code,
        signal: exitInfo.signal as NodeJS.Signals | null,
        stopCause,
        sawDone: data.done !== undefined,
        error: data.error,
        stderrTail: tail.text(),
        heapSizeLimitBytes: data.hello?.heapSizeLimitBytes,
        nodeFlags: data.hello?.execArgv ?? spec.nodeArgs,
        timeoutMs: spec.timeoutMs,
        command: isCommand,
      });
      const endedAtMs = Date.now();
      record({ type: 'end', tMs: endedAtMs, status: cls.status, statusReason: cls.reason, exit: exitInfo });
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
        instrumented: data.hello !== undefined,
        samplesPath: spec.samplesPath,
      });
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        writer.close();
        for (const t of timers) clearTimeout(t);
        const cmd = isCommand ? (spec.target as { argv: string[] }).argv[0] : 'node';
        reject(
          err.code === 'ENOENT'
            ? new UsageError(`cannot run '${cmd}': command not found`)
            : err.code === 'EACCES'
              ? new UsageError(`cannot run '${cmd}': permission denied`)
              : err,
        );
      }
    });
    child.on('exit', (code, signal) => {
      exited = true;
      exitInfo = { code, signal };
      // A grandchild that inherited the pipes can hold them open long after the child is
      // gone; the run is over anyway.
      const t = setTimeout(() => {
        closed = true;
        void finish();
      }, 2000);
      t.unref();
      void finish();
    });
    // 'close' comes after the stdio streams and the IPC channel have delivered everything.
    child.on('close', () => {
      closed = true;
      void finish();
    });
  });

  if (child.pid !== undefined) sample(child.pid);
  if (spec.timeoutMs !== undefined) later(spec.timeoutMs, () => control.stop('timeout'));
  if (isCommand && spec.durationMs !== undefined) later(spec.durationMs, () => control.stop('duration'));
  return { control, result };
}
