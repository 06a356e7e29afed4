import type { Command } from 'commander';
import type { TargetOptions } from '../../profile/target.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/** What to measure: a scenario (--scenario/--variant/--param) or a command after `--`. */

export type TargetRaw = Raw<'scenario' | 'variant' | 'param'>;

export function addTargetOptions(cmd: Command): Command {
  addFlag(cmd, FLAGS.scenario);
  addFlag(cmd, FLAGS.variant);
  return addFlag(cmd, FLAGS.param);
}

export function parseTargetOptions(raw: TargetRaw, command: string[]): TargetOptions {
  return { scenario: raw.scenario, variant: raw.variant, params: raw.param, command };
}
