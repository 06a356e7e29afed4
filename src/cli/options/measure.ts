import type { Command } from 'commander';
import { addOutputOptions, parseOutputOptions, type OutputRaw, type OutputSettings } from './output.js';
import { addPrometheusOptions, parsePrometheusOptions, type PrometheusRaw } from './prometheus.js';
import { addRunOptions, parseRunOptions, type RunRaw, type RunSettings } from './run.js';
import { parseTargetOptions, type TargetRaw } from './target.js';
import type { TargetOptions } from '../../profile/target.js';
import type { PrometheusSettings } from '../../prometheus/cli-options.js';

/**
 * The groups every measuring command (gc-profile, mem-stress) takes after its own flags,
 * in the order --help lists them: run, outputs, live metrics. The target group comes
 * first, before the command's own flags, and is added by the command.
 */

export type MeasureRaw = TargetRaw & RunRaw & OutputRaw & PrometheusRaw;

export interface MeasureSettings extends RunSettings, OutputSettings {
  target: TargetOptions;
  prometheus?: PrometheusSettings;
}

export function addMeasureOptions(cmd: Command, defaultOut: string): Command {
  addRunOptions(cmd);
  addOutputOptions(cmd, defaultOut);
  return addPrometheusOptions(cmd);
}

export function parseMeasureOptions(raw: MeasureRaw, command: string[]): MeasureSettings {
  return {
    target: parseTargetOptions(raw, command),
    ...parseRunOptions(raw),
    ...parseOutputOptions(raw),
    prometheus: parsePrometheusOptions(raw),
  };
}

/**
 * The parsed groups, split the way a measuring command hands them on: what the measuring
 * session takes (its settings) and what the command itself writes (JSON or tables, --html).
 */
export function splitMeasureSettings(m: MeasureSettings): {
  session: Pick<MeasureSettings, 'target' | 'intervalMs' | 'repeat' | 'nodeArgs' | 'outPath' | 'progress' | 'prometheus'>;
  output: { json: boolean; htmlPath?: string };
} {
  const { json, htmlPath, ...session } = m;
  return { session, output: { json, htmlPath } };
}
