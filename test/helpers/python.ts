import { execFileSync } from 'node:child_process';

/** The machine's python3, by its real path (a pyenv shim would add a tree of shells), or undefined: the Python tests then skip. */
export function findPython(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A fixture's own figures: its "GROUND-TRUTH genN collections=… collected=… uncollectable=… | …" line, from gc.get_stats(). */
export function groundTruth(output: string): Array<{ collections: number; collected: number; uncollectable: number }> {
  const line = output.split('\n').find((l) => l.startsWith('GROUND-TRUTH '));
  if (!line) throw new Error(`no GROUND-TRUTH line in:\n${output}`);
  return line
    .slice('GROUND-TRUTH '.length)
    .split(' | ')
    .map((part) => {
      const m = /^gen(\d) collections=(\d+) collected=(\d+) uncollectable=(\d+)$/.exec(part);
      if (!m) throw new Error(`bad ground-truth part: ${part}`);
      return { collections: Number(m[2]), collected: Number(m[3]), uncollectable: Number(m[4]) };
    });
}
