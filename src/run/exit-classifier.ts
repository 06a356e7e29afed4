import type { ErrorMessage, RunStatus } from '../samples/protocol.js';

/**
 * How a measured child ended, in one line a person can act on. Order matters: an
 * out-of-heap crash is named as such even when memkit was also stopping the child.
 */

export type StopCause = 'sigint' | 'sigterm' | 'timeout' | 'duration' | 'parent';

export interface ExitFacts {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why memkit itself asked the child to stop, if it did. */
  stopCause: StopCause | null;
  /** The agent said its last word (the run ran to its end). */
  sawDone: boolean;
  error?: ErrorMessage;
  stderrTail: string;
  heapSizeLimitBytes?: number;
  /** The child's Node flags, to name a heap limit the user set. */
  nodeFlags?: string[];
  timeoutMs?: number;
  /** A command (not a scenario): memkit's agent may not be inside. */
  command: boolean;
}

export interface ExitClass {
  status: RunStatus;
  reason?: string;
}

const OOM_PATTERNS = [
  /JavaScript heap out of memory/,
  /Reached heap limit/,
  /Ineffective mark-compacts near heap limit/,
  /heap limit Allocation failed/,
  /Fatal JavaScript invalid size error/,
];

export function isOutOfHeap(stderr: string): boolean {
  return OOM_PATTERNS.some((p) => p.test(stderr));
}

export function classifyExit(f: ExitFacts): ExitClass {
  if (isOutOfHeap(f.stderrTail)) {
    const flag = f.nodeFlags?.find((a) => /^--max-old-space-size=/.test(a));
    const limit = f.heapSizeLimitBytes ? `V8 heap limit ${Math.round(f.heapSizeLimitBytes / 2 ** 20)} MiB` : '';
    const why = [flag, limit].filter(Boolean).join(', ');
    return { status: 'crashed', reason: `the child ran out of V8 heap memory${why ? ` (${why})` : ''}: JavaScript heap out of memory` };
  }
  if (f.stopCause === 'sigint' || f.stopCause === 'sigterm') {
    return { status: 'interrupted', reason: `interrupted by ${f.stopCause.toUpperCase()}` };
  }
  if (f.stopCause === 'timeout') {
    const s = f.timeoutMs !== undefined ? ` of ${Math.round(f.timeoutMs / 1000)} s` : '';
    return { status: 'crashed', reason: `the child did not finish within the timeout${s} and was killed` };
  }
  if (f.error) {
    const where = f.error.phase === 'agent' ? 'memkit agent' : f.error.phase === 'job' ? 'the measured job' : `scenario ${f.error.phase}()`;
    return { status: 'crashed', reason: `${where} threw: ${f.error.message.split('\n')[0]}` };
  }
  if (f.sawDone && f.code === 0) return { status: 'complete' };
  if (f.command) {
    if (f.code === 0) return { status: 'complete' };
    // memkit ended the program at the end of --duration: how it died is memkit's doing.
    if (f.stopCause === 'duration') return { status: 'complete', reason: 'stopped at the end of --duration' };
  }
  if (f.signal === 'SIGKILL') {
    return {
      status: 'crashed',
      reason: 'the child was killed by SIGKILL (the kernel OOM killer does this when a memory limit is reached)',
    };
  }
  if (f.signal) return { status: 'crashed', reason: `the child was killed by ${f.signal}` };
  if (f.code !== 0 && f.code !== null) return { status: 'crashed', reason: `the child exited with code ${f.code}` };
  return { status: 'crashed', reason: 'the child exited before finishing its run' };
}
