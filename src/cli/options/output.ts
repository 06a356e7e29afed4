import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/** What a command writes and prints: the baseline file, JSON or tables, the HTML report, progress. */

export type OutputRaw = Raw<'out' | 'json' | 'html' | 'progress'>;

export interface OutputSettings {
  outPath?: string;
  json: boolean;
  htmlPath?: string;
  progress: boolean;
}

/** The outputs of a measuring command (gc-profile, mem-stress); `defaultOut` describes the file name it picks. */
export function addOutputOptions(cmd: Command, defaultOut: string): Command {
  addOutOption(cmd, defaultOut);
  addJsonOption(cmd);
  addFlag(cmd, FLAGS.html);
  return addProgressOption(cmd);
}

export function parseOutputOptions(raw: OutputRaw): OutputSettings {
  // Checked before anything runs: the report must not overwrite the baseline the run writes.
  if (raw.html !== undefined && raw.out !== undefined && resolve(raw.html) === resolve(raw.out)) {
    throw new UsageError(`--html ${raw.html}: that is the baseline's own file (--out); choose another`);
  }
  return { outPath: raw.out, json: raw.json === true, htmlPath: raw.html, progress: raw.progress };
}

export function addOutOption(cmd: Command, defaultNote: string): Command {
  return addFlag(cmd, FLAGS.out, { defaultNote });
}

export function addJsonOption(cmd: Command): Command {
  return addFlag(cmd, FLAGS.json);
}

export function addProgressOption(cmd: Command): Command {
  return addFlag(cmd, FLAGS.progress);
}

export function addLimitOption(cmd: Command, defaultValue: string): Command {
  return addFlag(cmd, FLAGS.limit, { defaultValue });
}
