import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { SweepKnob, SweepSetting, SweepSpec } from '../../profile/gc-sweep.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/**
 * --sweep KNOB=V1|V2|…: the settings of a GC tuning sweep, parsed once into typed settings.
 *   gc.threshold=700,10,10|7000,10,10   gc.set_threshold's 1 to 3 integers (Python)
 *   gc.freeze=off|on                    gc.freeze() at the program's first line (Python)
 *   node-arg=--max-semi-space-size=1|16 Node flags; a value without a leading "-" is the
 *                                       previous flag's new value
 */

export type SweepRaw = Raw<'sweep'>;

export function addSweepOption(cmd: Command): Command {
  return addFlag(cmd, FLAGS.sweep);
}

const KNOBS: readonly SweepKnob[] = ['gc.threshold', 'gc.freeze', 'node-arg'];

export function parseSweepOption(raw: SweepRaw, hasCommand: boolean): SweepSpec | undefined {
  if (raw.sweep === undefined) return undefined;
  const text = raw.sweep;
  const eq = text.indexOf('=');
  const knob = text.slice(0, Math.max(eq, 0)).trim() as SweepKnob;
  if (eq < 0 || !KNOBS.includes(knob)) {
    throw new UsageError(`--sweep ${text}: write KNOB=VALUE|VALUE…, KNOB one of ${KNOBS.join(', ')} (e.g. 'gc.threshold=700,10,10|7000,10,10')`);
  }
  const values = text.slice(eq + 1).split('|').map((v) => v.trim());
  if (values.length < 2 || values.some((v) => v === '')) {
    throw new UsageError(`--sweep ${text}: give at least two non-empty settings separated by | (the first is the one the others are compared with)`);
  }
  if (knob !== 'node-arg' && !hasCommand) {
    throw new UsageError(`--sweep ${knob}: a Python setting, applied by memkit's Python agent: give a Python command after -- (e.g. -- python app.py)`);
  }
  const settings = knob === 'gc.threshold' ? values.map(thresholdSetting) : knob === 'gc.freeze' ? values.map(freezeSetting) : nodeArgSettings(values);
  const labels = settings.map((s) => s.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new UsageError(`--sweep ${text}: ${twice} is given twice`);
  return { knob, settings };
}

function thresholdSetting(value: string): SweepSetting {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length > 3 || !parts.every((p) => /^\d{1,9}$/.test(p))) {
    throw new UsageError(`--sweep gc.threshold: ${value} is not 1 to 3 non-negative integers separated by commas (gc.set_threshold's arguments, e.g. 700,10,10)`);
  }
  const threshold = parts.map(Number);
  return { label: threshold.join(','), nodeArgs: [], pythonGc: { threshold } };
}

function freezeSetting(value: string): SweepSetting {
  if (value !== 'on' && value !== 'off') throw new UsageError(`--sweep gc.freeze: ${value} is neither on nor off`);
  return { label: value, nodeArgs: [], pythonGc: { freeze: value === 'on' } };
}

/** `--max-semi-space-size=1|16` → [--max-semi-space-size=1], [--max-semi-space-size=16]. */
function nodeArgSettings(values: string[]): SweepSetting[] {
  let previousName: string | undefined;
  return values.map((value) => {
    const flags = value.split(/\s+/).map((word) => {
      if (word.startsWith('-')) {
        previousName = word.split('=')[0];
        return word;
      }
      if (previousName === undefined) {
        throw new UsageError(`--sweep node-arg: ${word} is not a node flag (start the first setting with the flag, e.g. --max-semi-space-size=1|16)`);
      }
      return `${previousName}=${word}`;
    });
    return { label: flags.join(' '), nodeArgs: flags };
  });
}
