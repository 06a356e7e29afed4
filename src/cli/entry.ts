import { commandWord } from './command-word.js';

/**
 * What bin/memkit.js runs, bundled into one CommonJS file at build time (scripts/bundle-cli.mjs):
 * `memkit diff`, the command CI runs on every commit, starts from that one file (a single
 * read and compile instead of ~45 module resolutions); every other command line goes to
 * the full CLI in dist/ (./main.js stays outside the bundle), unchanged.
 */
export async function main(argv: string[]): Promise<void> {
  if (commandWord(argv) !== 'diff') return (await import('./main.js')).main(argv);
  const [{ runProgram }, { registerDiff }] = await Promise.all([import('./program.js'), import('../commands/diff.js')]);
  await runProgram(argv, [registerDiff]);
}
