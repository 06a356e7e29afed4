import { registerDiff } from '../commands/diff.js';
import { runProgram } from './program.js';

/**
 * `memkit diff`, the command CI runs on every commit, as its own entry: bundled into one
 * CommonJS file at build time (scripts/bundle-cli.mjs), which bin/memkit.js runs for a
 * diff command line; every other command line goes to the full CLI (main.ts).
 */
export function main(argv: string[]): Promise<void> {
  return runProgram(argv, [registerDiff]);
}
