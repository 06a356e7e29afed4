import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';

/**
 * The process tree rooted at one pid, read straight from Linux's /proc: for each process its
 * parent, name, RSS and CPU time, as the kernel accounts them. Built to be read every 10 ms:
 * plain synchronous reads into one reused buffer (a /proc file is generated on read, so it
 * never blocks on a disk), about 20 µs a file. A process that exits between being listed and
 * being read is simply not in the result.
 */

/** One live (or not yet reaped) process of the tree. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  /** The kernel's short name (stat's comm, 15 characters at most); changes at exec. */
  comm: string;
  /** Z (zombie: exited, not reaped yet) and X hold no memory. */
  state: string;
  rssBytes: number;
  /** The process's own user + system CPU time. */
  cpuMs: number;
  /** CPU time of its children that exited and were waited for (cutime + cstime). */
  reapedChildrenCpuMs: number;
  /** Start time in clock ticks since boot: with the pid, it names one process (pids are reused). */
  startTicks: number;
}

/**
 * USER_HZ, the unit of stat's CPU times: 100 on every Linux architecture Node runs on (the
 * kernel converts its internal HZ to it for userspace), so no `getconf CLK_TCK` child is needed.
 */
const TICKS_PER_SECOND = 100;

let buffer = Buffer.allocUnsafe(4096);

/** A /proc file's text, or undefined when the process (or the file) is gone. */
function readProcFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.toString('latin1', 0, length);
  } catch {
    return undefined; // ESRCH: it exited while we read
  } finally {
    closeSync(fd);
  }
}

let pageBytes: number | undefined;

/**
 * stat counts RSS in pages. Node does not expose the page size, but process.memoryUsage.rss()
 * is libuv's stat pages × getpagesize(): their ratio, read back to back and snapped to a power
 * of two (a few pages of drift between the two reads cannot move it), is the page size.
 */
function pageSizeBytes(): number {
  if (pageBytes !== undefined) return pageBytes;
  const own = readProcStat(process.pid, 4096);
  const rss = process.memoryUsage.rss();
  const pages = own ? own.rssBytes / 4096 : 0;
  pageBytes = pages > 0 ? 2 ** Math.round(Math.log2(rss / pages)) : 4096;
  return pageBytes;
}

/** Parses /proc/<pid>/stat; undefined once the process is gone. */
export function readProcStat(pid: number, pageSize = pageSizeBytes()): ProcessStat | undefined {
  const text = readProcFile(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // comm sits in parentheses and may itself hold spaces and parentheses: the last ')' ends it.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state) of proc(5); field n is f[n - 3].
  const ticksMs = 1000 / TICKS_PER_SECOND;
  return {
    pid,
    ppid: Number(f[1]),
    comm: text.slice(open + 1, close),
    state: f[0] ?? '?',
    cpuMs: (Number(f[11]) + Number(f[12])) * ticksMs,
    reapedChildrenCpuMs: (Number(f[13]) + Number(f[14])) * ticksMs,
    startTicks: Number(f[19]),
    rssBytes: Number(f[21]) * pageSize,
  };
}

/** The command line, NUL-separated in /proc/<pid>/cmdline; empty for a kernel thread or a zombie. */
export function readProcArgv(pid: number): string[] {
  const text = readProcFile(`/proc/${pid}/cmdline`);
  if (!text) return [];
  // latin1 keeps bytes as they are; decode them as the UTF-8 they almost always are.
  const argv = Buffer.from(text, 'latin1').toString('utf8').split('\0');
  if (argv[argv.length - 1] === '') argv.pop();
  return argv;
}

/** Kernels built without CONFIG_PROC_CHILDREN have no children files. */
let hasChildrenFiles: boolean | undefined;

/**
 * Reads the tree rooted at one pid, again and again. Every thread's children file is the
 * costly part (a Node process has 7+ threads), so it is read in full at most every
 * `fullWalkEveryMs`; in between, each process's main-thread children file (where Node's own
 * child_process spawns from) and the children already known are read. A child that a worker
 * thread spawns is thus found within `fullWalkEveryMs`; every other one at the first sample.
 */
export class ProcessTreeReader {
  private lastFullWalkMs = -Infinity;
  /** Each process's children at the last reading. */
  private childrenOf = new Map<number, number[]>();

  constructor(
    private readonly rootPid: number,
    private readonly fullWalkEveryMs: number,
  ) {}

  /**
   * Every process of the tree, parents before their children (so a child reaped during the
   * walk is never counted twice: see treeCpuMs). Undefined when the root itself is gone.
   * Zombies are included (their CPU time still counts until they are reaped).
   */
  read(nowMs: number): ProcessStat[] | undefined {
    hasChildrenFiles ??= existsSync(`/proc/${process.pid}/task/${process.pid}/children`);
    if (!hasChildrenFiles) return treeFromPpidScan(this.rootPid);
    const root = readProcStat(this.rootPid);
    if (!root) return undefined;
    const full = nowMs - this.lastFullWalkMs >= this.fullWalkEveryMs;
    if (full) this.lastFullWalkMs = nowMs;
    const childrenOf = new Map<number, number[]>();
    const out = [root];
    const seen = new Set([root.pid]);
    for (let i = 0; i < out.length; i++) {
      const parent = out[i]!.pid;
      const listed = full ? childrenFromTasks(parent) : childrenFromFile(`/proc/${parent}/task/${parent}/children`, []);
      if (!full) for (const pid of this.childrenOf.get(parent) ?? []) if (!listed.includes(pid)) listed.push(pid);
      const kept: number[] = [];
      for (const pid of listed) {
        if (seen.has(pid)) continue;
        const s = readProcStat(pid);
        // A known child may have exited and its pid gone to someone else, or been reparented.
        if (!s || s.ppid !== parent) continue;
        seen.add(pid);
        kept.push(pid);
        out.push(s);
      }
      childrenOf.set(parent, kept);
    }
    this.childrenOf = childrenOf;
    return out;
  }
}

function childrenFromFile(path: string, into: number[]): number[] {
  const text = readProcFile(path);
  if (text) for (const word of text.split(' ')) if (word !== '' && word !== '\n') into.push(Number(word));
  return into;
}

/**
 * A process's children from /proc/<pid>/task/<tid>/children: a child is listed under the
 * thread that forked it, so every thread's file is read (a worker thread may spawn too).
 */
function childrenFromTasks(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) childrenFromFile(`/proc/${pid}/task/${tid}/children`, out);
  return out;
}

/** The fallback: every process's stat, then the tree by ppid. */
function treeFromPpidScan(rootPid: number): ProcessStat[] | undefined {
  const byParent = new Map<number, ProcessStat[]>();
  let root: ProcessStat | undefined;
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const s = readProcStat(Number(name));
    if (!s) continue;
    if (s.pid === rootPid) root = s;
    const siblings = byParent.get(s.ppid);
    if (siblings) siblings.push(s);
    else byParent.set(s.ppid, [s]);
  }
  if (!root) return undefined;
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i]!.pid) ?? []));
  return out;
}

export function isZombie(s: ProcessStat): boolean {
  return s.state === 'Z' || s.state === 'X' || s.state === 'x';
}

/**
 * The tree's CPU time so far: each listed process's own time plus that of its children already
 * reaped (the kernel adds a reaped child's whole time, its own reaped children included, to its
 * parent's cutime/cstime). So a process that exited still counts, exactly, as long as a process
 * of the tree waited for it. Parents are read before children, so a child reaped mid-walk is
 * missing for one reading at worst, never counted twice; the sampler keeps the sum from going
 * back.
 */
export function treeCpuMs(tree: readonly ProcessStat[]): number {
  let sum = 0;
  for (const s of tree) sum += s.cpuMs + s.reapedChildrenCpuMs;
  return sum;
}
