import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryCgroupMounts } from '../../src/run/oom-kill-watch.js';

export interface MemoryCgroup {
  /** As /proc/<pid>/cgroup names it ("/memkit-test-oom-123"). */
  path: string;
  /** Writing a pid here moves that process in. */
  procsFile: string;
  remove(): void;
}

/**
 * A fresh memory cgroup with a limit (v1 memory hierarchy, or v2 with the memory controller
 * enabled at the mount's root), or why one cannot be made here (not root, read-only
 * cgroupfs, no memory controller): the tests that need a real OOM kill skip with it.
 */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup | string {
  let mountinfo: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return 'no /proc/self/mountinfo (not Linux)';
  }
  const mount = memoryCgroupMounts(mountinfo).find((m) => m.root === '/');
  if (!mount) return 'no memory cgroup mounted';
  const path = `/${name}-${process.pid}`;
  const dir = join(mount.mountPoint, path);
  try {
    if (mount.version === 2 && !readFileSync(join(mount.mountPoint, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory')) {
      return 'cgroup v2 without the memory controller enabled at its root';
    }
    mkdirSync(dir);
  } catch (err) {
    return `cannot create a memory cgroup under ${mount.mountPoint} (${(err as NodeJS.ErrnoException).code ?? err})`;
  }
  try {
    writeFileSync(join(dir, mount.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'), String(limitBytes));
    // No swap for the cgroup where the kernel allows it: else the program pages out instead of being killed.
    const swap = join(dir, mount.version === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max');
    if (existsSync(swap)) writeFileSync(swap, mount.version === 1 ? String(limitBytes) : '0');
  } catch (err) {
    rmdirSync(dir);
    return `cannot set a memory cgroup's limit (${(err as NodeJS.ErrnoException).code ?? err})`;
  }
  return {
    path,
    procsFile: join(dir, 'cgroup.procs'),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // still holds a process (a run that failed): the kernel removes nothing in use
      }
    },
  };
}
