import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { ExitCode, UsageError } from '../core/errors.js';

/**
 * `memkit baseline accept CURRENT BASE`: "this change is intended", the current run
 * becomes the baseline. The copy is validated first and written atomically, so a CI job
 * killed halfway leaves the old baseline intact.
 */
export function registerBaseline(program: Command): void {
  const baseline = program
    .command('baseline')
    .description('manage baseline files')
    // Without a subcommand (or with an unknown one) this is bad usage, not a help request.
    .argument('[subcommand]')
    .action(
      action(async (sub: string | undefined) => {
        throw new UsageError(sub ? `baseline: unknown subcommand '${sub}' (expected: accept)` : 'baseline: missing subcommand (expected: accept CURRENT BASE)');
      }),
    );
  baseline
    .command('accept')
    .description('copy a current run over the baseline (validated, atomic)')
    .argument('<current>', 'the run to accept')
    .argument('<base>', 'the baseline file to replace (created if missing)')
    .option('--allow-partial', 'accept an interrupted or crashed run')
    .action(
      action(async (current: string, base: string, opts: { allowPartial?: boolean }) => {
        const io = await import('../baseline/io.js');
        const run = io.readBaseline(current);
        if (run.status !== 'complete' && !opts.allowPartial) {
          throw new UsageError(`${current}: the run is ${run.status}; a partial run makes a misleading baseline (pass --allow-partial to accept it anyway)`);
        }
        io.acceptBaseline(current, base);
        process.stderr.write(`memkit: baseline ${base} <- ${current} (${run.kind}, ${run.runs.length} run(s), ${run.status})\n`);
        return ExitCode.Ok;
      }),
    );
}
