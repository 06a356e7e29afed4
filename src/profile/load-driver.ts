import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { ExitCode } from '../core/errors.js';
import { startHttpLoad, type HttpLoad, type HttpLoadSettings } from '../load/http-load.js';
import type { SampleRecord } from '../samples/run-data.js';
import type { RunControl, RunOutcome } from '../run/runner.js';
import { signalTree } from '../run/tree-signal.js';
import type { CompanionFactory, RunCompanion } from './session.js';

/**
 * The parent side of mem-stress's load for a service (`-- node server.js`): once the
 * program is ready it starts the built-in HTTP load (--http) and/or the user's own load
 * generator (--load), runs them for the window (--duration counts the load's time, not the
 * program's start-up), stops them, then stops the program (SIGTERM to its tree, as at the
 * end of any --duration). Its records go through the run's own record function, so they
 * land in the .jsonl and at the top level of the run's data, beside the agents' isolates.
 *
 * Ready: the first URL (--http, else --ready-url) accepts TCP connections, polled every
 * 50 ms; with neither, the first agent's hello. A program that exits first, or is not
 * ready within --listen-timeout, ends the series with a LoadStartError (exit 3, one line).
 */

export interface LoadPlan {
  http?: Omit<HttpLoadSettings, 'intervalMs' | 'maxRequests'>;
  /** --load: a shell command line run beside the program; not measured. */
  command?: string;
  /** Where readiness is polled (the first --http URL, or --ready-url). */
  readyUrl?: URL;
  listenTimeoutMs: number;
  /** The load's time; without it the window ends after maxRequests (--signals). */
  durationMs?: number;
  maxRequests?: number;
  intervalMs: number;
}

/** The program never became ready: exit 3 with one line (not a crash report: nothing was measured under load). */
export class LoadStartError extends Error {
  readonly exitCode = ExitCode.ChildCrashed;
  constructor(message: string) {
    super(message);
    this.name = 'LoadStartError';
  }
}

const POLL_MS = 50;
/** SIGTERM, then SIGKILL after this long: the user's load generator is not ours to wait for. */
const LOAD_COMMAND_GRACE_MS = 3000;

export function loadDriver(plan: LoadPlan): CompanionFactory {
  return (_index, control, print) => startLoadDriver(plan, control, print);
}

function startLoadDriver(plan: LoadPlan, control: RunControl, print: (chunk: string | Buffer) => void): RunCompanion {
  let state: 'waiting' | 'loading' | 'stopping' | 'ended' = 'waiting';
  let failure: string | undefined;
  let http: HttpLoad | undefined;
  let loadCommand: ChildProcess | undefined;
  let loadCommandExited: Promise<void> = Promise.resolve();
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void): void => void timers.push(setTimeout(fn, ms));
  const where = plan.readyUrl ? `${plan.readyUrl.hostname}:${portOf(plan.readyUrl)}` : undefined;

  const begin = (): void => {
    if (state !== 'waiting') return;
    state = 'loading';
    for (const t of timers.splice(0)) clearTimeout(t);
    if (plan.http) {
      http = startHttpLoad({ ...plan.http, intervalMs: plan.intervalMs, maxRequests: plan.maxRequests }, (r) => control.record(r as SampleRecord));
      if (plan.maxRequests !== undefined) void http.allEnded.then(finishWindow);
    }
    if (plan.command !== undefined) startLoadCommand(plan.command);
    if (plan.durationMs !== undefined) later(plan.durationMs, () => void finishWindow());
  };

  const startLoadCommand = (line: string): void => {
    const child = spawn('/bin/sh', ['-c', line], { stdio: ['ignore', 'pipe', 'pipe'] });
    loadCommand = child;
    child.stdout.on('data', print);
    child.stderr.on('data', print);
    loadCommandExited = new Promise((resolve) => {
      child.on('error', (err) => {
        print(`memkit: --load: cannot run '${line}': ${err.message}\n`);
        resolve();
      });
      child.on('exit', (code, signal) => {
        if (state === 'loading') print(`memkit: --load command ended on its own (${signal ?? `code ${code}`}); the window goes on\n`);
        resolve();
      });
    });
  };
  const stopLoadCommand = async (): Promise<void> => {
    const child = loadCommand;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    signalTree(child.pid, 'SIGTERM');
    const kill = setTimeout(() => child.pid !== undefined && signalTree(child.pid, 'SIGKILL'), LOAD_COMMAND_GRACE_MS);
    await loadCommandExited;
    clearTimeout(kill);
  };

  /** The end of the window: the load first (its last records still land in the run), then the program. */
  const finishWindow = async (): Promise<void> => {
    if (state !== 'loading') return;
    state = 'stopping';
    await Promise.all([http?.stop(), stopLoadCommand()]);
    control.stop('duration');
  };

  // Readiness.
  if (plan.readyUrl) {
    const host = plan.readyUrl.hostname.replace(/^\[|\]$/g, '');
    const port = portOf(plan.readyUrl);
    const attempt = (): void => {
      if (state !== 'waiting') return;
      const socket = connect({ host, port });
      socket.setTimeout(1000);
      socket.once('connect', () => {
        socket.destroy();
        begin();
      });
      const retry = (): void => {
        socket.destroy();
        if (state === 'waiting') later(POLL_MS, attempt);
      };
      socket.once('error', retry);
      socket.once('timeout', retry);
    };
    attempt();
  }
  later(plan.listenTimeoutMs, () => {
    if (state !== 'waiting') return;
    const what = where ? `did not accept connections on ${where}` : 'did not start (no memkit agent said hello from it)';
    failure = `the program ${what} within ${Math.round(plan.listenTimeoutMs / 100) / 10} s (--listen-timeout); memkit stopped it`;
    state = 'stopping';
    control.stop('parent');
  });

  return {
    onRecord(record) {
      if (!plan.readyUrl && record.type === 'hello') begin();
    },
    async end(outcome: RunOutcome) {
      const was = state;
      state = 'ended';
      for (const t of timers.splice(0)) clearTimeout(t);
      await Promise.all([http?.abort(), stopLoadCommand()]);
      if (was === 'waiting' && outcome.status !== 'interrupted') {
        const how = outcome.exit.signal ? `was killed by ${outcome.exit.signal}` : `exited with code ${outcome.exit.code}`;
        const ready = where ? `accepted connections on ${where}` : 'started';
        failure = `the program ${how} before it ${ready}${tailText(outcome.stderrTail)}`;
      }
      if (failure) throw new LoadStartError(failure);
    },
  };
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** The last lines of the program's stderr, on the one line of the error. */
function tailText(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(-4);
  if (lines.length === 0) return ' (it wrote nothing on stderr)';
  const text = lines.join(' | ');
  return `; its stderr ended with: ${text.length > 400 ? `…${text.slice(-400)}` : text}`;
}
