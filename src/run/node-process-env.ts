import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { isZombie, readProcStat } from './process-tree.js';

/**
 * Whether a process of the tree is Node, and whether memkit's agent could load in it: read
 * from /proc/<pid>/exe and /proc/<pid>/environ, which only exist while it lives (F4). A
 * process's environ is its environment as exec gave it, so it shows what its parent passed:
 * no NODE_OPTIONS (`env: {}`), or one that no longer --requires memkit's preload.
 */

/** What the registry reads of a live process; injected so tests can fake a tree. */
export interface ProcReader {
  /** /proc/<pid>/exe's target: 'denied' for another user's process, 'gone' once it exited. */
  exe(pid: number): string | 'denied' | 'gone';
  /** /proc/<pid>/environ's entries, same failure words. */
  environ(pid: number): string[] | 'denied' | 'gone';
  /** The process (pid, startTicks) is still alive (a zombie is not). */
  alive(pid: number, startTicks: number | undefined): boolean;
}

/** node, nodejs, node20 — and "(deleted)" once the binary was upgraded under a running process. */
export function isNodeExe(path: string): boolean {
  return /^(node|nodejs)(\d+(\.\d+)*)?$/.test(basename(path.replace(/ \(deleted\)$/, '')));
}

/** python, python3, python3.11 (a version manager's shim is a shell script: it execs the real one). */
export function isPythonExe(path: string): boolean {
  return /^python(\d+(\.\d+)*)?$/.test(basename(path.replace(/ \(deleted\)$/, '')));
}

/**
 * Why memkit's Python agent (a sitecustomize on PYTHONPATH) would not load in a Python
 * process, from its environment and command line; undefined when it should have.
 */
export function pythonAgentBlocked(env: readonly string[], argv: readonly string[], isMemkitSite: (path: string) => boolean): string | undefined {
  // Options before the script or -c/-m: -I (isolated) and -E ignore PYTHONPATH, -S skips site.
  for (const a of argv.slice(1)) {
    if (!a.startsWith('-') || a === '-c' || a === '-m' || a === '-') break;
    if (/^-[a-zA-Z]+$/.test(a) && /[IE]/.test(a)) return `started with ${a} (Python ignores PYTHONPATH, where memkit's agent is)`;
    if (/^-[a-zA-Z]+$/.test(a) && a.includes('S')) return `started with ${a} (no site, so no sitecustomize: memkit's agent did not load)`;
  }
  const path = env.find((e) => e.startsWith('PYTHONPATH='))?.slice('PYTHONPATH='.length);
  if (path === undefined) return "its environment dropped PYTHONPATH (started with a custom env): memkit's Python agent did not load";
  if (!path.split(':').some(isMemkitSite)) return "its PYTHONPATH does not hold memkit's agent folder (replaced by its parent)";
  if (!env.some((e) => e.startsWith('MEMKIT_CHANNEL='))) return "its environment dropped MEMKIT_CHANNEL: memkit's Python agent had nowhere to report";
  return undefined;
}

export function looksLikeNode(comm: string, argv: readonly string[]): boolean {
  return isNodeExe(comm) || (argv[0] !== undefined && isNodeExe(argv[0]));
}

/**
 * The paths NODE_OPTIONS preloads (--require / -r / --import), split as Node splits it:
 * on spaces, with double quotes grouping and backslash escaping inside them.
 */
export function preloadsOf(nodeOptions: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < nodeOptions.length; i++) {
    const c = nodeOptions[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < nodeOptions.length) word += nodeOptions[++i];
      else if (c === '"') quoted = false;
      else word += c;
    } else if (c === '"') {
      quoted = started = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  const paths: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const eq = /^(--require|-r|--import)=(.*)$/.exec(w);
    if (eq) paths.push(eq[2]!);
    else if ((w === '--require' || w === '-r' || w === '--import') && i + 1 < words.length) paths.push(words[++i]!);
  }
  return paths;
}

function procError(err: unknown): 'denied' | 'gone' {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'denied' : 'gone';
}

/** The real /proc. */
export const linuxProcReader: ProcReader = {
  exe(pid) {
    try {
      return readlinkSync(`/proc/${pid}/exe`);
    } catch (err) {
      return procError(err);
    }
  },
  environ(pid) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch (err) {
      return procError(err);
    }
    // A process that has exited (a zombie) has no memory left to show: empty, not "no env".
    if (text === '') {
      const s = readProcStat(pid);
      if (!s || isZombie(s)) return 'gone';
      return [];
    }
    return Buffer.from(text, 'latin1').toString('utf8').split('\0').filter((e) => e !== '');
  },
  alive(pid, startTicks) {
    const s = readProcStat(pid);
    return s !== undefined && !isZombie(s) && (startTicks === undefined || s.startTicks === startTicks);
  },
};
