import { UsageError } from '../core/errors.js';

/**
 * `--process`: which processes of a command's tree the run's top-level figures describe.
 * all = every process and thread (what the machine paid); main = the root process, or the
 * first Node process under a root that is not Node (`sh -c …`), with its worker threads;
 * largest = the process with the highest RSS peak; a number = that pid; anything else =
 * every process whose command line contains it. A process is always taken whole: its main
 * thread and all of its worker threads.
 */
export type ProcessSelection =
  | { kind: 'all' }
  | { kind: 'main' }
  | { kind: 'largest' }
  | { kind: 'pid'; pid: number }
  | { kind: 'pattern'; text: string };

export function parseProcessSelection(text: string): ProcessSelection {
  const t = text.trim();
  if (t === '') throw new UsageError('--process: expected all, main, largest, a pid or part of a command line');
  if (t === 'all' || t === 'main' || t === 'largest') return { kind: t };
  if (/^\d+$/.test(t)) return { kind: 'pid', pid: Number(t) };
  return { kind: 'pattern', text: t };
}

/** The selection as the user wrote it (and as baselines record it). */
export function selectionText(s: ProcessSelection): string {
  switch (s.kind) {
    case 'pid':
      return String(s.pid);
    case 'pattern':
      return s.text;
    default:
      return s.kind;
  }
}
