import { fork } from 'node:child_process';
import type { JobChildMessage, JobPhaseMessage } from '../samples/protocol.js';
import type { SampleRecord } from '../samples/run-data.js';
import type { ChildKind } from './child-kind.js';
import { readRssHighWaterMarkBytes } from './high-water-mark.js';

/**
 * A computation memkit runs measured (similarity-build's top-K): a Node module that is
 * handed its job over IPC, names each phase as it ends, and reports progress. It has no
 * agent inside; the runtime samples it from outside like any child. When it says it is
 * done it waits, so the kernel's high-water mark of its RSS is read (and recorded) while
 * the process still exists; then it is told to exit. Stopped by SIGTERM: a computation
 * has no step to finish.
 */

export interface JobChildSpec<Job> {
  /** The child's entry module (a file path). */
  entry: string;
  job: Job;
  /** Extra Node/V8 flags, after --expose-gc. */
  nodeArgs?: string[];
  onProgress?(done: number, total: number): void;
  onPhase?(phase: JobPhaseMessage): void;
}

export function jobChild<Job>(spec: JobChildSpec<Job>): ChildKind {
  const nodeArgs = spec.nodeArgs ?? [];
  return {
    isCommand: false,
    program: 'node',
    nodeFlags: nodeArgs,
    politeStop: 'signal',
    spawn: () =>
      fork(spec.entry, [], {
        execArgv: ['--expose-gc', ...nodeArgs],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      }),
    // Progress is for the command's display: at ten messages a second it would only
    // repeat what the phases and the outside samples already say.
    recordsOf: (m) => (m.type === 'job-progress' ? [] : [m as SampleRecord]),
    finished: (data) => data.jobDone !== undefined,
    onStart: (control) => control.send({ type: 'job', job: spec.job }),
    onMessage(message, control, record) {
      const m = message as JobChildMessage;
      if (m.type === 'job-progress') spec.onProgress?.(m.done, m.total);
      else if (m.type === 'job-phase') spec.onPhase?.(m);
      else if (m.type === 'job-done') {
        const rssBytes = readRssHighWaterMarkBytes(control.pid);
        if (rssBytes !== undefined) record({ type: 'rss-hwm', tMs: Date.now(), pid: control.pid, rssBytes });
        control.send({ type: 'exit' });
      }
    },
  };
}
