import { commandWord } from './command-word.js';
import { runProgram, type Register } from './program.js';

/**
 * The full CLI. Commands are registered lazily: `memkit gc-profile ...` imports that
 * command's module only (each command module keeps its own top-level imports light and
 * loads its work inside its action); `--help` and an unknown command load them all.
 * (bin/memkit.js sends `memkit diff` to its bundled entry, diff-entry.ts, instead.)
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  'gc-profile': async () => (await import('../commands/gc-profile.js')).registerGcProfile,
  'mem-stress': async () => (await import('../commands/mem-stress.js')).registerMemStress,
  'mem-snapshot': async () => (await import('../commands/mem-snapshot.js')).registerMemSnapshot,
  'similarity-build': async () => (await import('../commands/similarity-build.js')).registerSimilarityBuild,
  diff: async () => (await import('../commands/diff.js')).registerDiff,
  baseline: async () => (await import('../commands/baseline.js')).registerBaseline,
  report: async () => (await import('../commands/report.js')).registerReport,
};

export async function main(argv: string[]): Promise<void> {
  const word = commandWord(argv);
  const named = word !== undefined && Object.hasOwn(COMMANDS, word) ? word : undefined;
  const loaders = named ? [COMMANDS[named]!] : Object.values(COMMANDS);
  await runProgram(argv, await Promise.all(loaders.map((load) => load())));
}
