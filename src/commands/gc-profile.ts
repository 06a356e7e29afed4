import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { UsageError } from '../cli/errors.js';

export function registerGcProfile(program: Command): void {
  program
    .command('gc-profile')
    .description('run a scenario (or -- node app.js) and record every GC event, heap and RSS; write a baseline')
    .action(
      action(async () => {
        throw new UsageError('gc-profile: not built yet');
      }),
    );
}
