import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseProcessSelection, type ProcessSelection } from '../../analyze/process-selector.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/**
 * --process: which processes of a command's tree the top-level metrics describe. `all` by
 * default: a wrapper's figures alone (npm's, for `npm start`) are the silent wrong answer,
 * `largest` can pick another process from run to run, and `all` is what the machine paid.
 */

export type ProcessRaw = Raw<'process'>;

export function addProcessOption(cmd: Command): Command {
  return addFlag(cmd, FLAGS.process, { defaultValue: 'all' });
}

/** A scenario is one process: only `all` makes sense for it. */
export function parseProcessOption(raw: ProcessRaw, isCommand: boolean): ProcessSelection {
  const selection = parseProcessSelection(raw.process ?? 'all');
  if (!isCommand && selection.kind !== 'all') throw new UsageError('--process: a scenario runs in one process; --process applies to a command (after --)');
  return selection;
}
