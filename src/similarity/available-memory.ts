import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

/**
 * Memory this machine can give a new process now: the cgroup limit minus usage when one
 * is set (containers, Kubernetes pods), else MemAvailable from /proc/meminfo, else
 * os.freemem(). The --compare guard refuses the old strategy past this.
 */
export function availableMemoryBytes(): number {
  const host = meminfoAvailable() ?? freemem();
  const limit = readNumber('/sys/fs/cgroup/memory.max');
  const usage = readNumber('/sys/fs/cgroup/memory.current');
  if (limit !== undefined && usage !== undefined) return Math.min(host, Math.max(0, limit - usage));
  return host;
}

function meminfoAvailable(): number | undefined {
  try {
    const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function readNumber(path: string): number | undefined {
  try {
    const v = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(v) ? v : undefined; // "max" → NaN → no limit
  } catch {
    return undefined;
  }
}
