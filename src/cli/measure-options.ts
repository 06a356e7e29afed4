import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { parseCount, parseDurationMs } from '../units/parse.js';
import type { TargetOptions } from '../profile/target.js';

/**
 * The options every measuring command (gc-profile, mem-stress) shares, declared and
 * parsed in one place so they read and behave the same in both.
 */

export const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('-s, --scenario <name|file>', 'built-in scenario name or path to your own .js scenario module')
    .option('--variant <name>', "scenario variant (default: the scenario's default variant)")
    .option('-p, --param <key=value>', 'set a scenario parameter; repeatable', collect, []);
}

/** Sampling, repetition, the child's flags, limits and outputs. */
export function addRunOptions(cmd: Command, defaultOut: string): Command {
  return cmd
    .option('-i, --interval <time>', 'sampling interval for memory (inside) and RSS/CPU (outside)', '100ms')
    .option('-r, --repeat <n>', 'measure n times; every run is kept so `memkit diff` can test significance', '1')
    .option('--node-arg <flag>', 'extra flag for the child node process, repeatable: --node-arg=--max-old-space-size=64', collect, [])
    .option('--timeout <time>', 'stop the child (run counts as crashed) if it has not finished by then (default: duration x 1.5 + 60s)')
    .option('-o, --out <file>', `baseline file to write (default: ${defaultOut})`)
    .option('--json', 'print the baseline JSON on stdout instead of the tables')
    .option('--html <file>', 'also write an HTML report with charts (see memkit report)')
    .option('--no-progress', 'no spinner (TTY) or periodic progress lines (otherwise)');
}

export interface RunOptions {
  target: TargetOptions;
  intervalMs: number;
  repeat: number;
  nodeArgs: string[];
  outPath?: string;
  progress: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function parseRunOptions(command: string[], opts: Record<string, unknown>): RunOptions {
  const intervalMs = parseDurationMs(String(opts.interval), { what: '--interval', defaultUnit: 'ms', allowZero: false });
  if (intervalMs < 10) throw new UsageError(`--interval: ${intervalMs} ms is too short to sample without disturbing the child (minimum 10ms)`);
  return {
    target: { scenario: str(opts.scenario), variant: str(opts.variant), params: (opts.param as string[]) ?? [], command },
    intervalMs,
    repeat: parseCount(String(opts.repeat), { what: '--repeat', allowZero: false }),
    nodeArgs: (opts.nodeArg as string[]) ?? [],
    outPath: str(opts.out),
    progress: opts.progress !== false,
  };
}

/** --timeout, or by default the duration × 1.5 + 60 s (none when the run has no duration). */
export function parseTimeoutMs(opts: Record<string, unknown>, durationMs: number | undefined): number | undefined {
  if (opts.timeout !== undefined) return parseDurationMs(String(opts.timeout), { what: '--timeout', defaultUnit: 's', allowZero: false });
  return durationMs !== undefined ? durationMs * 1.5 + 60_000 : undefined;
}
