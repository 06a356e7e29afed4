import { existsSync } from 'node:fs';
import pidusage from 'pidusage';
import { isZombie, ProcessTreeReader, readProcArgv, treeCpuMs, type ProcessStat } from './process-tree.js';

/**
 * Samples the measured child from outside (RSS and CPU, as the kernel accounts them) at a
 * fixed interval, until it is gone or `stop()` is called.
 *
 * On Linux it reads the whole process tree rooted at the child from /proc each interval
 * (process-tree.ts), so a wrapper (npm, sh), a cluster's workers and a program's own children
 * are all in the figures: the sample is the tree's sum, and each process is reported too. A
 * process that exited keeps the samples it had. Elsewhere (no /proc) pidusage reads the child
 * alone.
 *
 * pidusage's quirks, handled here: it keeps an open /proc/<pid>/stat handle per pid
 * and closes it only when its history entry expires (clear() just forgets it), so we
 * give it a short maxage instead of calling clear(); maxage 0 makes it recurse forever;
 * once the process has exited it rejects with ESRCH/ENOENT, which ends sampling.
 */

export interface ExternalSample {
  /** Epoch milliseconds when the sample was read. */
  tMs: number;
  rssBytes: number;
  /** CPU use since the previous sample, percent of one core. */
  cpuPercent: number;
  /** User + system CPU time used since the process started. */
  cpuMs: number;
}

/** A process of the tree, the first time it is seen (or after an exec changed its name). */
export interface ProcessIdentity {
  pid: number;
  ppid: number;
  comm: string;
  argv: string[];
  startTicks: number;
}

/** The tree behind one sample: each live process, and who appeared or left since the last. */
export interface TreeReading {
  pid: number[];
  rssBytes: number[];
  /** Each process's own CPU time. */
  cpuMs: number[];
  started: ProcessIdentity[];
  gone: number[];
}

export interface ExternalSampler {
  /** Stops sampling; resolves when no read is in flight. */
  stop(): Promise<void>;
  /** The highest RSS seen so far (0 before the first sample). */
  readonly peakRssBytes: number;
  readonly sampleCount: number;
  /** true when samples cover the child's descendants (Linux), false for the child alone. */
  readonly coversTree: boolean;
}

export type OnExternalSample = (s: ExternalSample, tree?: TreeReading) => void;

export function startExternalSampler(pid: number, intervalMs: number, onSample: OnExternalSample, onGone?: () => void): ExternalSampler {
  return process.platform === 'linux' && existsSync('/proc/self/task')
    ? startTreeSampler(pid, intervalMs, onSample, onGone)
    : startPidusageSampler(pid, intervalMs, onSample, onGone);
}

function startTreeSampler(rootPid: number, intervalMs: number, onSample: OnExternalSample, onGone?: () => void): ExternalSampler {
  let stopped = false;
  let peak = 0;
  let count = 0;
  const reader = new ProcessTreeReader(rootPid, FULL_WALK_EVERY_MS);
  const startedMs = nowMs();
  let lastMs = startedMs;
  let lastCpuMs = 0;
  /** Live processes by pid, with what they were announced with. */
  let known = new Map<number, Announced>();

  const end = (): void => {
    stopped = true;
    clearInterval(timer);
  };

  const tick = (): void => {
    if (stopped) return;
    try {
      sampleOnce();
    } catch {
      // A sampler that cannot read is of no use and must not throw into the run.
      end();
      onGone?.();
    }
  };

  const sampleOnce = (): void => {
    const tMs = nowMs();
    const tree = reader.read(tMs);
    // A root that has exited but not been reaped (a zombie) holds nothing, and its children
    // are handed to init: the tree is gone.
    if (!tree || isZombie(tree[0]!)) {
      end();
      onGone?.();
      return;
    }
    // A root without a memory map is between fork and exec (the first tick runs right after
    // the spawn: ending here left a busy CI run with no sample at all) or is exiting: nothing
    // to record this tick, and the next one tells which.
    if (tree[0]!.rssBytes === 0) return;
    const reading: TreeReading = { pid: [], rssBytes: [], cpuMs: [], started: [], gone: [] };
    const now = new Map<number, Announced>();
    let rssBytes = 0;
    for (const p of tree) {
      if (isZombie(p)) continue;
      if (p.rssBytes === 0) {
        // No memory map: the process is exiting (or in the middle of an exec). It holds no
        // memory and its command line reads empty: no row, and not gone until it is.
        const before = known.get(p.pid);
        if (before?.startTicks === p.startTicks) now.set(p.pid, before);
        continue;
      }
      rssBytes += p.rssBytes;
      reading.pid.push(p.pid);
      reading.rssBytes.push(p.rssBytes);
      reading.cpuMs.push(p.cpuMs);
      let before = known.get(p.pid);
      if (before && before.startTicks !== p.startTicks) {
        reading.gone.push(p.pid); // the pid was reused between two samples
        before = undefined;
      }
      const parent = now.get(p.ppid); // parents come first in the tree
      if (!before) {
        before = announce(p, parent, reading);
      } else if (before.comm !== p.comm || before.forkChecks > 0) {
        // A fork seen before its exec shows its parent's command line; node execing node
        // keeps the name, so such a copy is re-read for a while until its own shows.
        const argv = readProcArgv(p.pid);
        // An empty one now is the process exiting (or mid-exec): nothing new to say yet.
        if (before.comm !== p.comm || (argv.length > 0 && !sameArgv(argv, before.argv))) {
          before = announce(p, parent, reading, argv);
        } else {
          before.forkChecks--;
        }
      }
      now.set(p.pid, before);
    }
    for (const pid of known.keys()) if (!now.has(pid)) reading.gone.push(pid);
    known = now;
    // Never backwards: a child reaped between reading its parent and itself is missing once.
    const cpuMs = Math.max(lastCpuMs, treeCpuMs(tree));
    const cpuPercent = tMs > lastMs ? ((cpuMs - lastCpuMs) / (tMs - lastMs)) * 100 : 0;
    lastMs = tMs;
    lastCpuMs = cpuMs;
    count++;
    if (rssBytes > peak) peak = rssBytes;
    onSample({ tMs, rssBytes, cpuPercent, cpuMs }, reading);
  };

  const timer = setInterval(tick, intervalMs);
  tick();

  return {
    stop() {
      end();
      return Promise.resolve();
    },
    get peakRssBytes() {
      return peak;
    },
    get sampleCount() {
      return count;
    },
    coversTree: true,
  };
}

/**
 * How often every thread of every process is asked for its children (process-tree.ts): at the
 * default 100 ms interval, every sample; at 10 ms, one in ten, which cuts a sample's cost about
 * threefold (a Node process has 7+ threads).
 */
const FULL_WALK_EVERY_MS = 100;

interface Announced {
  startTicks: number;
  comm: string;
  argv: string[];
  /** Samples left in which to re-read the command line of a copy of its parent. */
  forkChecks: number;
}

/** How many samples a process showing its parent's (or no) command line is re-read (an exec may follow). */
const FORK_CHECKS = 50;

function announce(p: ProcessStat, parent: Announced | undefined, reading: TreeReading, argv = readProcArgv(p.pid)): Announced {
  reading.started.push({ pid: p.pid, ppid: p.ppid, comm: p.comm, argv, startTicks: p.startTicks });
  // An empty command line is an exec caught half-way.
  const copy = argv.length === 0 || (parent !== undefined && parent.comm === p.comm && sameArgv(parent.argv, argv));
  return { startTicks: p.startTicks, comm: p.comm, argv, forkChecks: copy ? FORK_CHECKS : 0 };
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Epoch milliseconds on the agent's clock (performance.timeOrigin + now), so both sides share one axis. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function startPidusageSampler(pid: number, intervalMs: number, onSample: OnExternalSample, onGone?: () => void): ExternalSampler {
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let peak = 0;
  let count = 0;
  const maxage = Math.max(1000, intervalMs * 5);

  const tick = (): void => {
    if (stopped || inFlight) return; // a slow read skips a tick rather than piling up
    inFlight = pidusage(pid, { maxage })
      .then((s) => {
        if (stopped) return;
        // A process that has exited but not been reaped yet (a zombie) reads as RSS 0: it
        // is gone, and a zero must not become the run's "end" RSS.
        if (s.memory === 0) throw Object.assign(new Error('process exited'), { code: 'ESRCH' });
        count++;
        if (s.memory > peak) peak = s.memory;
        onSample({ tMs: s.timestamp, rssBytes: s.memory, cpuPercent: s.cpu, cpuMs: s.ctime });
      })
      .catch((err: NodeJS.ErrnoException) => {
        // ESRCH/ENOENT: the process exited between two ticks; anything else also ends it,
        // since a sampler that cannot read is of no use and must not throw into the run.
        if (!stopped) {
          stopped = true;
          clearInterval(timer);
          onGone?.();
        }
        void err;
      })
      .finally(() => {
        inFlight = undefined;
      });
  };

  const timer = setInterval(tick, intervalMs);
  tick();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
    get peakRssBytes() {
      return peak;
    },
    get sampleCount() {
      return count;
    },
    coversTree: false,
  };
}
