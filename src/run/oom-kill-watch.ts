import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';

/**
 * Whether the kernel's OOM killer ended a process of the measured tree. A SIGKILL alone
 * does not say who sent it; the kernel does: every OOM kill (a memory cgroup's limit, or
 * the whole machine out of memory) adds one to `oom_kill` in the killed task's memory cgroup
 * (cgroup v1 `memory.oom_control`, v2 `memory.events`). A process's cgroup can only be read
 * from /proc/<pid>/cgroup while it lives, so it is read when the process is first seen (and
 * again on exec: a shell may move itself into a cgroup before it execs the program), with
 * the cgroup's count then; when the process ends by SIGKILL, a count that rose since says
 * the kernel killed it. The kernel log's "Killed process <pid>" line confirms it per pid
 * where /dev/kmsg is readable (root): there, a rise without that line (another process of
 * the same cgroup was killed) is no evidence.
 */

/** Reads a file whole; undefined when it is absent or unreadable. Injected so tests can fake /proc and /sys. */
export interface CgroupFs {
  read(path: string): string | undefined;
}

export const linuxCgroupFs: CgroupFs = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

export interface MemoryCgroupMount {
  version: 1 | 2;
  /** The cgroup this mount shows at its mount point ('/' unless a sub-tree is bind-mounted, as in containers). */
  root: string;
  mountPoint: string;
}

/** The memory controller's mounts in /proc/self/mountinfo: v1 `cgroup` with the memory option, v2 `cgroup2`. */
export function memoryCgroupMounts(mountinfo: string): MemoryCgroupMount[] {
  const out: MemoryCgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point options [optional fields…] - fstype source super-options
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fstype, , superOptions = ''] = right.split(' ');
    if (f.length < 5) continue;
    const root = unescapeMountPath(f[3]!);
    const mountPoint = unescapeMountPath(f[4]!);
    if (fstype === 'cgroup' && superOptions.split(',').includes('memory')) out.push({ version: 1, root, mountPoint });
    else if (fstype === 'cgroup2') out.push({ version: 2, root, mountPoint });
  }
  return out;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes (\040). */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * A process's memory cgroup from /proc/<pid>/cgroup ("4:memory:/mkoom", v2 "0::/user.slice"):
 * the v1 memory hierarchy's when there is one (on a hybrid system the memory controller is
 * there, not in the unified tree), else the unified one.
 */
export function memoryCgroupOf(procCgroup: string): { version: 1 | 2; path: string } | undefined {
  let unified: string | undefined;
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[2]!.split(',').includes('memory')) return { version: 1, path: m[3]! };
    if (m[1] === '0' && m[2] === '') unified = m[3]!;
  }
  return unified === undefined ? undefined : { version: 2, path: unified };
}

/** `oom_kill N` of memory.oom_control (v1) or memory.events (v2); undefined when the kernel does not count it. */
export function oomKillCount(text: string): number | undefined {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** v1 writes "no limit" as a page-rounded 2^63; v2 as "max". */
const V1_UNLIMITED_BYTES = 2 ** 60;

/** memory.limit_in_bytes (v1) or memory.max (v2), in bytes; undefined when there is no limit. */
export function memoryLimitBytes(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n >= V1_UNLIMITED_BYTES ? undefined : n;
}

/** Where a process was seen, and the cgroup's OOM kills then. */
export interface CgroupSighting {
  version: 1 | 2;
  /** As /proc/<pid>/cgroup names it ("/mkoom"). */
  path: string;
  /** Its directory under the mount point. */
  dir: string;
  /** The mount point: the limit is looked for from dir up to here. */
  mountPoint: string;
  oomKillsAtSight: number;
}

export interface OomKillEvidence {
  /** The cgroup as /proc/<pid>/cgroup named it. */
  cgroup: string;
  /** How much its oom_kill count rose while the process was in it. */
  oomKillsAdded: number;
  /** The smallest memory limit on the cgroup or its ancestors; undefined when none. */
  limitBytes?: number;
  /** The kernel log named this pid in a "Killed process" line. */
  kernelLogConfirms?: boolean;
}

export class OomKillWatch {
  private mounts: MemoryCgroupMount[] | undefined;

  constructor(
    private readonly fs: CgroupFs = linuxCgroupFs,
    private readonly kernelLog: (pid: number) => boolean | undefined = killedInKernelLog,
  ) {}

  /**
   * Reads the process's memory cgroup and its OOM count, unless it is still in the cgroup of
   * `previous` (the count must be the one from before, so a kill since still shows).
   * Undefined (with `previous` kept by the caller) when it cannot be read: the process is
   * gone, or there is no memory cgroup, or the kernel counts no OOM kills.
   */
  sight(pid: number, previous?: CgroupSighting): CgroupSighting | undefined {
    const text = this.fs.read(`/proc/${pid}/cgroup`);
    const cg = text === undefined ? undefined : memoryCgroupOf(text);
    if (!cg) return previous;
    if (previous && previous.version === cg.version && previous.path === cg.path) return previous;
    this.mounts ??= memoryCgroupMounts(this.fs.read('/proc/self/mountinfo') ?? '');
    const mount = this.mounts.find((m) => m.version === cg.version && (m.root === '/' || cg.path === m.root || cg.path.startsWith(`${m.root}/`)));
    if (!mount) return previous;
    const rel = mount.root === '/' ? cg.path : cg.path.slice(mount.root.length);
    const dir = `${mount.mountPoint}${rel === '/' ? '' : rel}`;
    const count = this.countIn(dir, cg.version);
    if (count === undefined) return previous;
    return { version: cg.version, path: cg.path, dir, mountPoint: mount.mountPoint, oomKillsAtSight: count };
  }

  /** The kernel's evidence that it OOM-killed the process seen in `seen`; undefined when the count did not rise. */
  evidence(pid: number, seen: CgroupSighting | undefined): OomKillEvidence | undefined {
    if (!seen) return undefined;
    const now = this.countIn(seen.dir, seen.version);
    if (now === undefined || now <= seen.oomKillsAtSight) return undefined;
    // Readable, the kernel log decides: another process of the same cgroup may have been the one killed.
    const confirmed = this.kernelLog(pid);
    if (confirmed === false) return undefined;
    const limitBytes = this.limitOf(seen);
    return {
      cgroup: seen.path,
      oomKillsAdded: now - seen.oomKillsAtSight,
      ...(limitBytes !== undefined ? { limitBytes } : {}),
      ...(confirmed ? { kernelLogConfirms: true } : {}),
    };
  }

  private countIn(dir: string, version: 1 | 2): number | undefined {
    const text = this.fs.read(`${dir}/${version === 1 ? 'memory.oom_control' : 'memory.events'}`);
    return text === undefined ? undefined : oomKillCount(text);
  }

  /** A limit on an ancestor binds the cgroup too: the smallest one up to the mount point. */
  private limitOf(seen: CgroupSighting): number | undefined {
    let smallest: number | undefined;
    for (let dir = seen.dir; dir.startsWith(seen.mountPoint); dir = dir.slice(0, dir.lastIndexOf('/'))) {
      const text = this.fs.read(`${dir}/${seen.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'}`);
      const limit = text === undefined ? undefined : memoryLimitBytes(text);
      if (limit !== undefined && (smallest === undefined || limit < smallest)) smallest = limit;
      if (dir === seen.mountPoint) break;
    }
    return smallest;
  }
}

/** "killed by the kernel OOM killer (memory cgroup /mkoom: oom_kill +1; limit 128 MiB)". */
export function oomKillReason(e: OomKillEvidence): string {
  const limit = e.limitBytes !== undefined ? `limit ${Math.round(e.limitBytes / 2 ** 20)} MiB` : 'no memory limit';
  const log = e.kernelLogConfirms ? '; the kernel log names this pid' : '';
  return `killed by the kernel OOM killer (memory cgroup ${e.cgroup}: oom_kill +${e.oomKillsAdded}; ${limit}${log})`;
}

/** The kernel log's "Killed process <pid> (" line, as the OOM killer writes it. */
export function kmsgNamesKilledPid(record: string, pid: number): boolean {
  return record.includes(`Killed process ${pid} (`);
}

/** Records read from /dev/kmsg at most: the ring buffer holds a few thousand; this bounds the time spent. */
const KMSG_MAX_RECORDS = 20_000;

/**
 * Whether /dev/kmsg holds an OOM kill of this pid; undefined when it cannot be read (not
 * root, dmesg_restrict). Opened non-blocking, so reading past the last record ends with
 * EAGAIN instead of waiting for the next one. A pid reused since an old kill could match:
 * this only confirms what the cgroup's count already said. A ring buffer that wrapped since
 * the kill loses the line: the SIGKILL then keeps its honest wording.
 */
export function killedInKernelLog(pid: number): boolean | undefined {
  let fd: number;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const buf = Buffer.alloc(8192); // a record is at most 1 KiB of text plus its dictionary
  let found = false;
  try {
    for (let i = 0; i < KMSG_MAX_RECORDS; i++) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        // EPIPE: a record was overwritten while reading; the next read goes on from the next one.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') continue;
        break; // EAGAIN: past the last record
      }
      if (n <= 0) break;
      if (kmsgNamesKilledPid(buf.toString('utf8', 0, n), pid)) found = true;
    }
  } finally {
    closeSync(fd);
  }
  return found;
}
