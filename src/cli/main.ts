import { Command, CommanderError } from 'commander';
import { ExitCode, formatFatal } from './errors.js';
import { memkitVersion } from './version.js';
import { registerGcProfile } from '../commands/gc-profile.js';
import { registerMemStress } from '../commands/mem-stress.js';
import { registerMemSnapshot } from '../commands/mem-snapshot.js';
import { registerSimilarityBuild } from '../commands/similarity-build.js';
import { registerDiff } from '../commands/diff.js';
import { registerBaseline } from '../commands/baseline.js';
import { registerReport } from '../commands/report.js';

/**
 * The CLI entry. Each command module registers its options and loads the modules that
 * do the work only inside its action, so `memkit --help` and `memkit diff` stay fast.
 */
const COMMANDS: Array<(program: Command) => void> = [
  registerGcProfile,
  registerMemStress,
  registerMemSnapshot,
  registerSimilarityBuild,
  registerDiff,
  registerBaseline,
  registerReport,
];

export async function main(argv: string[]): Promise<void> {
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
  for (const register of COMMANDS) register(program);
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
