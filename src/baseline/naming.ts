import { basename, dirname, join, relative } from 'node:path';

/**
 * Names of the files a run writes. A baseline `reports/gc-profile-lru-cache-stable-key-20261121-140501.json`
 * keeps its raw samples beside it: `...json` → `...jsonl` (or `....run2.jsonl` for the
 * second of several runs).
 */

export function timestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** A file-name-safe version of a label ("my.scenario.js" → "my.scenario"). */
export function slug(label: string): string {
  return label
    .replace(/\.(c|m)?js$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'run';
}

export function defaultBaselinePath(command: string, label: string, date: Date, dir = 'reports'): string {
  return join(dir, `${command}-${slug(label)}-${timestamp(date)}.json`);
}

export function samplesPathFor(baselinePath: string, runIndex: number, runCount: number): string {
  const stem = baselinePath.replace(/\.json$/i, '');
  return runCount > 1 ? `${stem}.run${runIndex + 1}.jsonl` : `${stem}.jsonl`;
}

/** How a baseline refers to its samples file: relative to the baseline's own folder. */
export function relativeToBaseline(baselinePath: string, file: string): string {
  const rel = relative(dirname(baselinePath), file);
  return rel === '' ? basename(file) : rel;
}
