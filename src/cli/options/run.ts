import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseCount, parseDurationMs } from '../../units/parse.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/**
 * How a measuring command runs its child: the sampling interval, repetitions, the
 * child's node flags and the time limit.
 */

export type RunRaw = Raw<'interval' | 'repeat' | 'nodeArg' | 'timeout'>;

export interface RunSettings {
  intervalMs: number;
  repeat: number;
  nodeArgs: string[];
}

export function addRunOptions(cmd: Command): Command {
  addIntervalOption(cmd, '100ms');
  addFlag(cmd, FLAGS.repeat, { defaultValue: '1' });
  addFlag(cmd, FLAGS.nodeArg);
  return addFlag(cmd, FLAGS.timeout);
}

export function parseRunOptions(raw: RunRaw): RunSettings {
  return {
    intervalMs: parseIntervalMs(raw.interval),
    repeat: parseCount(raw.repeat, { what: '--repeat', allowZero: false }),
    nodeArgs: raw.nodeArg,
  };
}

export function addIntervalOption(cmd: Command, defaultValue: string): Command {
  return addFlag(cmd, FLAGS.interval, { defaultValue });
}

export function parseIntervalMs(text: string): number {
  const intervalMs = parseDurationMs(text, { what: '--interval', defaultUnit: 'ms', allowZero: false });
  if (intervalMs < 10) throw new UsageError(`--interval: ${intervalMs} ms is too short to sample without disturbing the child (minimum 10ms)`);
  return intervalMs;
}

/** --duration: `defaultNote` says what happens without it, which differs by command. */
export function addDurationOption(cmd: Command, defaultNote: string): Command {
  return addFlag(cmd, FLAGS.duration, { defaultNote });
}

export function parseDurationOption(raw: Raw<'duration'>): number | undefined {
  return raw.duration !== undefined ? parseDurationMs(raw.duration, { what: '--duration', defaultUnit: 's', allowZero: false }) : undefined;
}

/** --timeout, or by default the duration × 1.5 + 60 s (none when the run has no duration). */
export function parseTimeoutMs(raw: Raw<'timeout'>, durationMs: number | undefined): number | undefined {
  if (raw.timeout !== undefined) return parseDurationMs(raw.timeout, { what: '--timeout', defaultUnit: 's', allowZero: false });
  return durationMs !== undefined ? durationMs * 1.5 + 60_000 : undefined;
}
