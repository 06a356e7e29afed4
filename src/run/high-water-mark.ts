import { readFileSync } from 'node:fs';

/**
 * The kernel's high-water mark of a process's RSS (VmHWM in /proc/<pid>/status): the true
 * peak, which no sampling interval can miss. Linux only; undefined elsewhere or once the
 * process is gone.
 */
export function readRssHighWaterMarkBytes(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
