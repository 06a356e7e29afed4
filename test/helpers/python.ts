import { execFileSync } from 'node:child_process';

/** The machine's python3, by its real path (a pyenv shim would add a tree of shells), or undefined: the Python tests then skip. */
export function findPython(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
