import type { Command } from 'commander';
import { addOutputOptions, parseOutputOptions, type OutputRaw, type OutputSettings } from './output.js';
import { addProcessOption, parseProcessOption, type ProcessRaw } from './process.js';
import { addPrometheusOptions, parsePrometheusOptions, type PrometheusRaw } from './prometheus.js';
import { addRunOptions, parseRunOptions, type RunRaw, type RunSettings } from './run.js';
import { addMemoryLimitOption, parseMemoryLimit, type MemoryLimitRaw } from './memory-limit.js';
import { parseTargetOptions, type TargetRaw } from './target.js';
import { addAllocSitesOptions, parseAllocSitesOptions, type AllocSitesRaw, type AllocSitesSettings } from './alloc-sites.js';
import type { TargetOptions } from '../../profile/target.js';
import type { PrometheusSettings } from '../../prometheus/cli-options.js';
import type { ProcessSelection } from '../../analyze/process-selector.js';

/**
 * The groups every measuring command (gc-profile, mem-stress) takes after its own flags,
 * in the order --help lists them: run, outputs, live metrics. The target group comes
 * first, before the command's own flags, and is added by the command.
 */

export type MeasureRaw = TargetRaw & RunRaw & MemoryLimitRaw & ProcessRaw & AllocSitesRaw & OutputRaw & PrometheusRaw;

export interface MeasureSettings extends RunSettings, OutputSettings, AllocSitesSettings {
  target: TargetOptions;
  /** --process: the processes of a command's tree the metrics describe. */
  process: ProcessSelection;
  prometheus?: PrometheusSettings;
  /** --memory-limit: a command's tree is killed when its RSS reaches it. */
  memoryLimitBytes?: number;
}

export function addMeasureOptions(cmd: Command, defaultOut: string): Command {
  addRunOptions(cmd);
  addMemoryLimitOption(cmd);
  addProcessOption(cmd);
  addAllocSitesOptions(cmd);
  addOutputOptions(cmd, defaultOut);
  return addPrometheusOptions(cmd);
}

export function parseMeasureOptions(raw: MeasureRaw, command: string[]): MeasureSettings {
  const target = parseTargetOptions(raw, command);
  return {
    target,
    process: parseProcessOption(raw, target.command.length > 0),
    ...parseRunOptions(raw),
    memoryLimitBytes: parseMemoryLimit(raw, target.command.length > 0),
    ...parseAllocSitesOptions(raw),
    ...parseOutputOptions(raw),
    prometheus: parsePrometheusOptions(raw),
  };
}

/**
 * The parsed groups, split the way a measuring command hands them on: what the measuring
 * session takes (its settings) and what the command itself writes (JSON or tables, --html).
 */
export function splitMeasureSettings(m: MeasureSettings): {
  session: Pick<MeasureSettings, 'target' | 'process' | 'intervalMs' | 'repeat' | 'nodeArgs' | 'outPath' | 'progress' | 'prometheus' | 'memoryLimitBytes' | 'allocSites'>;
  output: { json: boolean; htmlPath?: string; pprofPath?: string; foldedPath?: string };
} {
  const { json, htmlPath, pprofPath, foldedPath, ...session } = m;
  return { session, output: { json, htmlPath, pprofPath, foldedPath } };
}
