import { subscribe } from 'node:diagnostics_channel';
import type { ChildProcess } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { nowMs } from './clock.js';
import type { DescendantMessage } from '../samples/protocol.js';

/**
 * Watches this process's own direct children and worker threads start and end, through
 * Node's diagnostics channels: how a descendant ended (an OOM's SIGABRT, a worker's
 * ERR_WORKER_OUT_OF_MEMORY) is known even when its own agent could say nothing, and one
 * that never said hello is noticed. Each level reports only its own descendants.
 * Observes without changing behaviour: a listener on a Worker's 'error' would swallow an
 * error the program lets crash it, so that one is read by wrapping the worker's `emit`.
 */
export function watchDescendants(send: (m: DescendantMessage) => void): void {
  subscribe('child_process', (message) => {
    const child = (message as { process?: ChildProcess }).process;
    if (!child || typeof child.once !== 'function') return;
    child.once('spawn', () => {
      if (child.pid === undefined) return;
      send({ type: 'child-spawn', tMs: nowMs(), pid: child.pid, file: child.spawnfile ?? '', argv: child.spawnargs ?? [] });
    });
    child.once('exit', (code, signal) => {
      if (child.pid === undefined) return;
      send({ type: 'child-exit', tMs: nowMs(), pid: child.pid, code, signal });
    });
  });
  subscribe('worker_threads', (message) => {
    const worker = (message as { worker?: Worker }).worker;
    if (!worker || typeof worker.once !== 'function') return;
    // threadId reads -1 once the worker has exited: keep it from 'online'.
    let threadId = worker.threadId;
    let failure: { code?: string; message?: string } | undefined;
    worker.once('online', () => {
      threadId = worker.threadId;
      send({ type: 'worker-start', tMs: nowMs(), threadId });
    });
    const emit = worker.emit;
    worker.emit = function (this: Worker, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error') {
        const err = args[0] as { code?: unknown; message?: unknown } | undefined;
        failure = {
          ...(typeof err?.code === 'string' ? { code: err.code } : {}),
          ...(typeof err?.message === 'string' ? { message: err.message.split('\n')[0]! } : {}),
        };
      }
      return emit.call(this, event, ...args);
    } as Worker['emit'];
    worker.once('exit', (code: number) => {
      send({
        type: 'worker-exit',
        tMs: nowMs(),
        threadId,
        code,
        ...(failure?.code ? { errorCode: failure.code } : {}),
        ...(failure?.message ? { errorMessage: failure.message } : {}),
      });
    });
  });
}
