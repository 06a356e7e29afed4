import type { ErrorMessage, RunStatus } from '../samples/protocol.js';
import type { ProcessEndRecord } from '../samples/run-data.js';
import { lastPythonTraceback } from '../samples/python-traceback.js';

/**
 * How a measured child ended, in one line a person can act on. Order matters: an
 * out-of-heap crash is named as such even when memkit was also stopping the child.
 */

/**
 * 'last-snapshot': mem-snapshot ended a command after its last --at snapshot;
 * 'memory-limit': the tree's RSS reached --memory-limit and memkit killed it.
 */
export type StopCause = 'sigint' | 'sigterm' | 'timeout' | 'duration' | 'parent' | 'last-snapshot' | 'memory-limit';

export interface ExitFacts {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why memkit itself asked the child to stop, if it did. */
  stopCause: StopCause | null;
  /** The figures behind stopCause ('memory-limit': the tree's RSS and the limit). */
  stopDetail?: string;
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
  if (f.stopCause === 'memory-limit') {
    // As a container's OOM kill: the run did not end on its own terms.
    const detail = f.stopDetail ? ` (${f.stopDetail})` : '';
    return { status: 'crashed', reason: `the command reached --memory-limit${detail}: memkit killed its processes with SIGKILL, as a container's OOM killer would` };
  }
  if (f.stopCause === 'timeout') {
    const s = f.timeoutMs !== undefined ? ` of ${Math.round(f.timeoutMs / 1000)} s` : '';
    return { status: 'crashed', reason: `the child did not finish within the timeout${s} and was killed` };
  }
  if (f.error?.phase === 'uncaught') {
    const what = f.error.origin === 'unhandledRejection' ? 'had an unhandled promise rejection' : 'threw an uncaught exception';
    return { status: 'crashed', reason: `the program ${what}: ${f.error.message.split('\n')[0]}` };
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
    if (f.stopCause === 'last-snapshot') return { status: 'complete', reason: 'stopped after its last heap snapshot (--at)' };
  }
  const python = pythonExceptionReason(f, true);
  if (python) return { status: 'crashed', reason: python };
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

/**
 * A command's whole tree (docs/process-tree.md 3.4, Q4). The root decides as classifyExit
 * does; in addition a descendant or worker thread that ran out of heap, died on an uncaught
 * error or was killed by a crash signal makes the run crashed, named with its pid and
 * command line. A descendant ended by SIGTERM, SIGINT, SIGHUP or SIGKILL, or one that exited
 * non-zero on its own, is named in the notes only: its parent may have meant it (cluster
 * restarts, a supervisor's kill timeout), so the kernel OOM killer's SIGKILL of a child is a
 * note too.
 */
export interface TreeExitFacts {
  /** The root's facts, as classifyExit takes them (stderrTail: the tree's shared stderr). */
  root: ExitFacts;
  rootPid: number;
  /** process-end of every process and thread of the tree (run/process-registry.ts). */
  ends: readonly ProcessEndRecord[];
  /** Fatal ends on stderr no process could be matched to. */
  unattributed?: readonly { kind: string; message: string }[];
  /** "pid 3615 (cluster worker 1: node cluster.js)"; the pid (and thread) when absent. */
  describe?(end: ProcessEndRecord): string;
}

export interface TreeExitClass extends ExitClass {
  /** Descendants' ends worth a line that did not make the run crashed, and crashes past the first. */
  notes: string[];
}

/** Signals a process dies of when it (or V8) crashed, never as a request to stop. */
const CRASH_SIGNALS = new Set(['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP', 'SIGSYS']);
/** What memkit sends when it stops a tree. */
const STOP_SIGNALS = new Set(['SIGTERM', 'SIGINT', 'SIGKILL']);

/**
 * A Python program's uncaught exception: exit code 1 and a traceback ending the stderr tail
 * (Python's agent sends no error of its own: the parent reads what the program printed).
 * `theRootsOwn`: nothing else in the tree could have printed it.
 */
function pythonExceptionReason(f: ExitFacts, theRootsOwn: boolean): string | undefined {
  const traceback = f.command && f.code === 1 && f.stopCause === null ? lastPythonTraceback(f.stderrTail) : undefined;
  if (!traceback) return undefined;
  return theRootsOwn
    ? `the program raised an uncaught exception (exit code 1): ${traceback.exception}`
    : `the program exited with code 1; the tree's stderr ends with a Python traceback: ${traceback.exception}`;
}

export function classifyTree(f: TreeExitFacts): TreeExitClass {
  const isRoot = (e: ProcessEndRecord): boolean => e.pid === f.rootPid && e.threadId === undefined;
  const rootEnd = f.ends.find(isRoot);
  // One stderr for the whole tree: its out-of-heap text is the root's only when the
  // registry said so (without a registry, as before: no other process was known).
  const stderrIsRoots = rootEnd === undefined || rootEnd.cause === 'oom';
  const root = classifyExit(stderrIsRoots ? f.root : { ...f.root, stderrTail: '' });
  const name = (e: ProcessEndRecord): string =>
    f.describe?.(e) ?? (e.threadId !== undefined ? `worker thread ${e.threadId} of pid ${e.pid}` : `pid ${e.pid}`);

  const crashes: string[] = [];
  const notes: string[] = [];
  if (rootEnd?.cause === 'uncaught' && !f.root.error && f.root.stopCause === null && root.status === 'crashed') {
    // The root's own agent saw the error the exit code alone does not say.
    root.reason = `the program ended on an uncaught error: ${rootEnd.reason ?? ''}`.trimEnd();
  }
  if (!stderrIsRoots && root.status === 'crashed' && !f.root.error && rootEnd?.cause !== 'uncaught') {
    const python = pythonExceptionReason(f.root, f.ends.every(isRoot));
    if (python) root.reason = python;
  }
  if (isKernelOomKill(rootEnd) && root.status === 'crashed' && f.root.stopCause === null) {
    // The kernel's count said who sent the SIGKILL: no longer a guess.
    root.reason = `the program was ${rootEnd?.reason ?? 'killed by the kernel OOM killer'}`;
  }
  if (rootEnd?.cause === 'oom' && rootEnd.nearHeapLimit && root.status === 'crashed') {
    // The root's own figures, written from V8's near-heap-limit callback before it died.
    root.reason = describeEnd(rootEnd, name(rootEnd))!.text;
  }
  for (const e of [...f.ends].sort((a, b) => a.tMs - b.tMs)) {
    if (isRoot(e)) continue;
    const line = describeEnd(e, name(e));
    if (!line) continue;
    // memkit stopping the tree (--duration, Ctrl-C, --timeout) signals every process itself.
    if (f.root.stopCause !== null && e.cause === 'signal' && STOP_SIGNALS.has(e.signal ?? '')) continue;
    (line.crash ? crashes : notes).push(line.text);
  }
  for (const u of f.unattributed ?? []) {
    const what = u.kind === 'fatal' ? `hit a V8 fatal error: ${u.message}` : 'ran out of V8 heap memory';
    crashes.push(`a process of the command ${what} (memkit could not tell which one)`);
  }
  if (crashes.length === 0) return { ...root, notes };
  const first = `${crashes[0]}${crashes.length > 1 ? `, and ${crashes.length - 1} more` : ''}`;
  const reason = root.reason ? `${first}; ${root.reason}` : first;
  return { status: 'crashed', reason, notes: [...crashes.slice(1), ...notes] };
}

/**
 * The registry's 'oom' with a SIGKILL: the kernel OOM killer, named from the memory cgroup's
 * count (V8's out-of-heap ends by abort, or a worker's exit, never by SIGKILL).
 */
export function isKernelOomKill(e: ProcessEndRecord | undefined): boolean {
  return e?.cause === 'oom' && e.signal === 'SIGKILL';
}

function describeEnd(e: ProcessEndRecord, who: string): { crash: boolean; text: string } | undefined {
  switch (e.cause) {
    case 'oom': {
      // Out of memory is what memkit measures: a kill the kernel made for it is a crash.
      if (isKernelOomKill(e)) return { crash: true, text: `${who} was ${e.reason ?? 'killed by the kernel OOM killer'}` };
      const limits = e.reason?.includes('resourceLimits') ? 'its resourceLimits' : undefined;
      const figures = [limits, e.nearHeapLimit ? nearLimitFigures(e.nearHeapLimit) : undefined].filter(Boolean).join(', ');
      return { crash: true, text: `${who} ran out of V8 heap memory${figures ? ` (${figures})` : ''}` };
    }
    case 'uncaught':
      return { crash: true, text: `${who} ended on an uncaught error${e.reason ? `: ${e.reason}` : ''}` };
    case 'signal':
      if (e.signal === null || CRASH_SIGNALS.has(e.signal)) {
        const how = e.signal ? `was killed by ${e.signal}` : 'crashed';
        return { crash: true, text: `${who} ${how}${e.reason ? ` (${e.reason})` : ''}` };
      }
      return {
        crash: false,
        text: `${who} was killed by ${e.signal}${e.signal === 'SIGKILL' ? ' (by its parent, or the kernel OOM killer)' : ''}`,
      };
    case 'exit':
      return e.code !== null && e.code !== 0 ? { crash: false, text: `${who} exited with code ${e.code}` } : undefined;
    case 'lost':
      return { crash: false, text: `${who}: memkit's agent lost its connection before the end; how it ended is not known` };
    case 'running':
      return { crash: false, text: `${who} was still running when the command ended` };
  }
}

const MB = 1e6;

/** "limit 64 MB, near-limit at 61 MB, growing: old_space 52 MB", from the addon's record. */
export function nearLimitFigures(n: NonNullable<ProcessEndRecord['nearHeapLimit']>): string {
  const mb = (b: number): string => `${Math.round(b / MB)} MB`;
  const parts = [`limit ${mb(n.limitBytes)}`, `near-limit at ${mb(n.usedHeapBytes)}`];
  if (n.growing) parts.push(`growing: ${n.growing}`);
  if (n.snapshotPath) parts.push(`heap snapshot ${n.snapshotPath}`);
  return parts.join(', ');
}
