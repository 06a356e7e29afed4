import { statSync } from 'node:fs';
import { UsageError, describeFsError } from '../core/errors.js';
import { analyzeSnapshot, type AnalyzedSnapshot } from '../heap/analyze-snapshot.js';
import type { PageOwnershipRule } from '../heap/dominators.js';
import type { HeapGraph } from '../heap/heap-graph.js';
import { loadHeapGraph } from '../heap/load-snapshot.js';
import type { ParseProgress } from '../heap/parse-snapshot.js';
import { HeapSnapshotError } from '../heap/snapshot-error.js';

/**
 * Opening a .heapsnapshot file named on the command line: a bad path or a file that is no
 * snapshot becomes one UsageError naming the file (exit 2), and what the engine is doing
 * is reported as a line of text for the command's spinner. `label` prefixes those lines
 * when a view reads several files ("2/3 ").
 */

export type StatusListener = (text: string) => void;

export interface OpenOptions {
  label?: string;
  onStatus?: StatusListener;
}

/** The graph alone: enough for views that match objects by id (compare, the leak finder's BASE and TARGET). */
export async function openSnapshotGraph(path: string, o: OpenOptions = {}): Promise<HeapGraph> {
  return asUsageErrors(path, () => loadHeapGraph(path, { onProgress: (p) => o.onStatus?.(parseLine(o.label ?? '', path, p)) }));
}

/** The graph and its dominator tree: for views that need retained sizes. */
export async function analyzeSnapshotFile(path: string, rule: PageOwnershipRule, o: OpenOptions = {}): Promise<AnalyzedSnapshot> {
  const label = o.label ?? '';
  return asUsageErrors(path, () =>
    analyzeSnapshot(path, {
      rule,
      onStep: (s) => o.onStatus?.(s.step === 'parse' ? parseLine(label, path, s.progress) : `${label}${path}: dominator tree and retained sizes`),
    }),
  );
}

function checkReadable(path: string): void {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, expected a .heapsnapshot file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(describeFsError(err, path) ?? `${path}: cannot read (${(err as Error).message})`);
  }
}

async function asUsageErrors<T>(path: string, work: () => Promise<T>): Promise<T> {
  checkReadable(path);
  try {
    return await work();
  } catch (err) {
    if (err instanceof HeapSnapshotError) throw new UsageError(err.message);
    const fsProblem = describeFsError(err, path);
    if (fsProblem) throw new UsageError(fsProblem);
    throw err;
  }
}

function parseLine(label: string, path: string, p: ParseProgress): string {
  const pct = p.totalBytes > 0 ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 100;
  return `${label}parsing ${path}: ${pct}%${p.section.startsWith('(') ? '' : ` (${p.section})`}`;
}
