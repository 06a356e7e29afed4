import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError, describeFsError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { findBaselineProblem } from './validate.js';
import type { Baseline, BaselineKind, BaselineOf } from './schema.js';

/** The one place baselines are read and written. */

/** Reads and validates a baseline; any problem is a UsageError naming the file (exit 2). */
export function readBaseline(path: string): Baseline {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('dir'), { code: 'EISDIR' });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(describeFsError(err, path) ?? `${path}: cannot read (${(err as Error).message})`);
  }
  return parseBaseline(text, path);
}

export function parseBaseline(text: string, path: string): Baseline {
  if (text.trim() === '') throw new UsageError(`${path}: empty file, not a memkit baseline`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: ${describeJsonError(text, err as Error)}`);
  }
  const problem = findBaselineProblem(doc);
  if (problem) throw new UsageError(`${path}: ${problem}`);
  return doc as Baseline;
}

/** Truncated files are the common case (a killed writer, a partial download): say so. */
function describeJsonError(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  const pos = m ? Number(m[1]) : undefined;
  if (/Unexpected end of JSON input|Unterminated/.test(err.message) || (pos !== undefined && pos >= text.trimEnd().length - 1)) {
    return `truncated JSON (the file ends at byte ${Buffer.byteLength(text)} before the document does)`;
  }
  // V8 quotes the whole input in some messages ("Unexpected token 'o', "{..." is not
  // valid JSON"): keep the first clause only, so the line stays one short line.
  const what = err.message.split(/, "|\n/)[0]!.replace(/ in JSON at position \d+.*$/, '');
  return `malformed JSON${pos !== undefined ? ` at byte ${pos}` : ''} (${what})`;
}

/**
 * Reads every baseline named by a list of paths and globs (quoted globs are expanded here,
 * so `--base 'reports/base-*.json'` works in any shell). A glob that matches nothing is
 * bad input, as is a missing file; the result is in a stable order (sorted per pattern).
 */
export async function readBaselines(patterns: readonly string[], what: string): Promise<Array<{ path: string; baseline: Baseline }>> {
  const paths: string[] = [];
  for (const pattern of patterns) {
    if (!hasGlobChars(pattern)) {
      paths.push(pattern);
      continue;
    }
    // Loaded only for globs: diff's cold start stays free of it for plain paths.
    const { glob } = await import('tinyglobby');
    // Paths come back the way the pattern was written: absolute for an absolute pattern.
    const found = (await glob(pattern, { onlyFiles: true, expandDirectories: false, absolute: isAbsolute(pattern) })).sort();
    if (found.length === 0) throw new UsageError(`${what}: no file matches '${pattern}'`);
    paths.push(...found);
  }
  const seen = new Set<string>();
  const unique = paths.filter((p) => !seen.has(resolve(p)) && seen.add(resolve(p)));
  return unique.map((path) => ({ path, baseline: readBaseline(path) }));
}

function hasGlobChars(pattern: string): boolean {
  return /[*?[\]{}]/.test(pattern);
}

/**
 * "Accept this run as the new baseline": the current file, validated, written over the
 * baseline atomically (a reader never sees half a file). Sample files are referenced
 * relative to the baseline's folder, so those references are rewritten when the copy
 * lands in another folder.
 */
export function acceptBaseline(currentPath: string, basePath: string): Baseline {
  const current = readBaseline(currentPath);
  const fromDir = dirname(resolve(currentPath));
  const toDir = dirname(resolve(basePath));
  const copy: Baseline = {
    ...current,
    runs: current.runs.map((run) => {
      if (!run.samplesFile || isAbsolute(run.samplesFile) || fromDir === toDir) return run;
      return { ...run, samplesFile: relative(toDir, resolve(fromDir, run.samplesFile)) };
    }),
  };
  writeBaseline(basePath, copy);
  return copy;
}

/**
 * Writes a baseline atomically, creating its folder. A folder that cannot be created
 * is bad input (exit 2), not a crash.
 */
export function writeBaseline(path: string, baseline: Baseline | BaselineOf<BaselineKind>): void {
  ensureParentDir(path);
  writeFileAtomic(path, JSON.stringify(baseline, null, 2) + '\n');
}

export function ensureParentDir(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const why = describeFsError(err, dir) ?? (err as Error).message;
    throw new UsageError(`cannot create the folder for ${path}: ${why}`);
  }
}
