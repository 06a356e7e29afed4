// A static import (not createRequire) so that the bundled entry inlines commander: a
// CommonJS package loaded at run time costs its module resolutions and reads.
import { Command, CommanderError } from 'commander';
import { ExitCode, formatFatal } from '../core/errors.js';
import { memkitVersion } from '../core/version.js';

export type Register = (program: Command) => void;

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

/**
 * memkit's root program with the given commands registered, run on argv: one place for
 * the root options, the error wording and the exit codes, whichever entry (the full CLI
 * or diff's bundled fast path) chose the commands.
 */
export async function runProgram(argv: string[], registers: Register[]): Promise<void> {
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
  for (const register of registers) register(program);
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
