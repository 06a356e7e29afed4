import { readFileSync } from 'node:fs';

/** VmRSS of a live process as the kernel reports it, in bytes (undefined once it is gone). */
export function vmRss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
