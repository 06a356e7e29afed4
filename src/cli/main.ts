import { createRequire } from 'node:module';
import type { Command as CommandType, CommanderError as CommanderErrorType } from 'commander';

// commander is CommonJS: required directly, it skips the ESM loader's scan of its source
// for named exports, a few milliseconds of every memkit start.
const { Command, CommanderError } = createRequire(import.meta.url)('commander') as {
  Command: typeof CommandType;
  CommanderError: typeof CommanderErrorType;
};
type Command = CommandType;
import { ExitCode, formatFatal } from '../core/errors.js';
import { memkitVersion } from '../core/version.js';
type Register = (program: Command) => void;

/**
 * The CLI entry. Commands are registered lazily: `memkit diff ...` imports diff's module
 * only (each command module keeps its own top-level imports light and loads its work
 * inside its action), so the commands CI runs on every commit start fast; `--help` and
 * an unknown command load them all.
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

/**
 * `memkit --help | head` closes the pipe early: that is the reader's choice, not an error.
 * Installed once per process (tests call main() many times in one process).
 */
let stdoutGuarded = false;
function ignoreClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/** The command a command line names (after memkit's own options), if it is one of ours. */
function commandNamed(argv: string[]): string | undefined {
  const args = argv.slice(2).filter((a) => a !== '--debug');
  const first = args[0] === 'help' ? args[1] : args[0];
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

export async function main(argv: string[]): Promise<void> {
  ignoreClosedStdout();
  const program = new Command('memkit')
    .description('Memory profiling and stress testing for Node.js programs')
    .version(memkitVersion(), '-V, --version')
    .option('--debug', 'print stack traces for errors')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      outputError: (str, write) => write(str.replace(/^error: /, 'memkit: error: ')),
    })
    .exitOverride();
  const named = commandNamed(argv);
  const loaders = named ? [COMMANDS[named]!] : Object.values(COMMANDS);
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      process.exitCode = ok ? ExitCode.Ok : ExitCode.Usage;
      return;
    }
    process.stderr.write(formatFatal(err, argv.includes('--debug')) + '\n');
    process.exitCode = ExitCode.Internal;
  }
}
