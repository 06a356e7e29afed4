import { existsSync } from 'node:fs';
import { isZombie, ProcessTreeReader, readProcStat, type ProcessStat } from './process-tree.js';

/**
 * Stopping a user's command means stopping every process of it: `npm start` exits on SIGTERM
 * and leaves `node app.js` running, reparented to pid 1 (docs/process-tree.md F7). So a stop
 * signal goes to each live process of the tree, read from /proc, the deepest first and the
 * root last: each process is asked to stop before its parent, which would otherwise exit
 * first and orphan it (taking it out of the tree we can walk).
 *
 * This is what a terminal's signal to the foreground process group does, done by hand: the
 * command is not spawned `detached` into a group of its own, because a process group that is
 * not the terminal's foreground group gets SIGTTIN when it reads the TTY (and SIGTTOU on some
 * writes), so an interactive program under memkit would stop itself at its first read.
 *
 * The races, and what covers them:
 * - a process exits between the walk and its signal (ESRCH, or EPERM for a pid that went to
 *   someone else's process): skipped, it is stopped already;
 * - its pid is reused meanwhile: each process is read again just before its signal and
 *   signalled only if its start time (pid + start ticks name one process) is unchanged;
 * - a process forks between the walk and the signal: the tree is walked once more after the
 *   signals and the processes new to it are signalled too. What this still misses is a child
 *   forked after the walk by a process that exited at our signal before the second walk
 *   (reparented away from the tree); a process group would not miss it, see above why not.
 */

/** One process, as one process: pids are reused, (pid, start ticks) are not. */
export interface SignalledProcess {
  pid: number;
  startTicks: number;
}

export interface TreeSignalDeps {
  /** The tree rooted at a pid, parents before children; undefined once the root is gone. */
  readTree(rootPid: number): readonly ProcessStat[] | undefined;
  /** A process's stat now (undefined when gone). */
  readStat(pid: number): Pick<ProcessStat, 'startTicks' | 'state'> | undefined;
  /** process.kill: throws ESRCH/EPERM when the process is not ours to signal any more. */
  kill(pid: number, signal: NodeJS.Signals): void;
}

const liveDeps: TreeSignalDeps = {
  // 0: every thread's children file on every walk (a worker thread may have forked).
  readTree: (rootPid) => new ProcessTreeReader(rootPid, 0).read(Date.now()),
  readStat: (pid) => readProcStat(pid),
  kill: (pid, signal) => process.kill(pid, signal),
};

const key = (p: SignalledProcess): string => `${p.pid}:${p.startTicks}`;

/**
 * Sends `signal` to every live process of the tree rooted at `rootPid`, children before their
 * parents and the root last, then to the processes that appeared in the tree meanwhile.
 * Returns the processes signalled, in order. Nothing happens when the root is gone already.
 * Without /proc (not Linux) the tree cannot be read: the root alone is signalled.
 */
export function signalTree(rootPid: number, signal: NodeJS.Signals, deps: TreeSignalDeps = liveDeps): SignalledProcess[] {
  if (deps === liveDeps && !hasProc()) return signalRootOnly(rootPid, signal);
  const signalled: SignalledProcess[] = [];
  const seen = new Set<string>();
  const signalAll = (tree: readonly ProcessStat[]): void => {
    // The walk lists parents before children: backwards, every child comes before its parent.
    for (let i = tree.length - 1; i >= 0; i--) {
      const p = tree[i]!;
      const id = key(p);
      if (seen.has(id)) continue;
      seen.add(id);
      // A zombie has exited: nothing to stop, and its pid cannot be reused until it is reaped.
      if (isZombie(p)) continue;
      if (sendIfSame(p, signal, deps)) signalled.push({ pid: p.pid, startTicks: p.startTicks });
    }
  };
  const first = deps.readTree(rootPid);
  if (!first) return signalled;
  signalAll(first);
  // Forked between the walk and the signals: from the root if it is still there, else from
  // each signalled process still alive (its subtree has not been reparented yet).
  const again = deps.readTree(rootPid);
  if (again) signalAll(again);
  else for (const p of signalled.slice()) if (deps.readStat(p.pid)?.startTicks === p.startTicks) signalAll(deps.readTree(p.pid) ?? []);
  return signalled;
}

let procReadable: boolean | undefined;
function hasProc(): boolean {
  procReadable ??= process.platform === 'linux' && existsSync('/proc/self/task');
  return procReadable;
}

function signalRootOnly(rootPid: number, signal: NodeJS.Signals): SignalledProcess[] {
  try {
    process.kill(rootPid, signal);
    return [{ pid: rootPid, startTicks: -1 }];
  } catch {
    return []; // ESRCH: it has exited
  }
}

/** Signals the process if the pid still names the one we walked; false when it is gone. */
function sendIfSame(p: ProcessStat, signal: NodeJS.Signals, deps: TreeSignalDeps): boolean {
  const now = deps.readStat(p.pid);
  if (!now || now.startTicks !== p.startTicks || now.state === 'Z' || now.state === 'X') return false;
  try {
    deps.kill(p.pid, signal);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw err;
  }
}
