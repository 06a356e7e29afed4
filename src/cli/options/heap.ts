import type { Command } from 'commander';
import type { PageOwnershipRule } from '../../heap/dominators.js';
import { UsageError } from '../../core/errors.js';
import { parseBytes } from '../../units/parse.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/** The heap engine's flags: which edges retain, and which leaks are listed and fail the build. */

const RULES: readonly PageOwnershipRule[] = ['devtools', 'memlab'];

export type DominatorsRaw = Raw<'dominators'>;

export function addDominatorsOption(cmd: Command): Command {
  return addFlag(cmd, FLAGS.dominators, { defaultValue: 'devtools' });
}

export function parseDominatorRule(raw: DominatorsRaw): PageOwnershipRule {
  const rule = RULES.find((r) => r === raw.dominators);
  if (rule === undefined) throw new UsageError(`--dominators: '${raw.dominators}' is not a rule (use devtools or memlab)`);
  return rule;
}

export type LeakFilterRaw = Raw<'minSize' | 'failOnLeak'>;

export interface LeakFilterSettings {
  minRetainedBytes: number;
  /** Exit 1 when the listed leaks retain more than this. */
  failOnBytes?: number;
}

export function addLeakFilterOptions(cmd: Command): Command {
  addFlag(cmd, FLAGS.failOnLeak);
  return addFlag(cmd, FLAGS.minSize, { defaultValue: '1KB' });
}

export function parseLeakFilterOptions(raw: LeakFilterRaw): LeakFilterSettings {
  return {
    minRetainedBytes: parseBytes(raw.minSize, { what: '--min-size' }),
    failOnBytes: raw.failOnLeak !== undefined ? parseBytes(raw.failOnLeak, { what: '--fail-on-leak' }) : undefined,
  };
}
