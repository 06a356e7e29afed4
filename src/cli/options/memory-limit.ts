import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseBytes } from '../../units/parse.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/**
 * --memory-limit SIZE: memkit watches a command's tree's RSS as a container's memory limit
 * would (run/tree-memory-guard.ts). Only a command: a scenario is memkit's own child, and
 * --node-arg=--max-old-space-size bounds its heap already.
 */

export type MemoryLimitRaw = Raw<'memoryLimit'>;

/** Below this the tree cannot even start: Node with memkit's agent takes ~45 MB of RSS. */
const MIN_LIMIT_BYTES = 16 * 2 ** 20;

export function addMemoryLimitOption(cmd: Command): Command {
  return addFlag(cmd, FLAGS.memoryLimit);
}

export function parseMemoryLimit(raw: MemoryLimitRaw, isCommand: boolean): number | undefined {
  if (raw.memoryLimit === undefined) return undefined;
  const bytes = parseBytes(raw.memoryLimit, { what: '--memory-limit', allowZero: false });
  if (!isCommand) throw new UsageError('--memory-limit: applies to a command (after --); bound a scenario with --node-arg=--max-old-space-size=N');
  if (bytes < MIN_LIMIT_BYTES) throw new UsageError(`--memory-limit: ${raw.memoryLimit} is less than a Node process needs to start (at least 16MiB)`);
  return bytes;
}
