import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { ExitCode } from '../core/errors.js';
import { addMeasureOptions, parseMeasureOptions, splitMeasureSettings, type MeasureRaw } from '../cli/options/measure.js';
import { addDurationOption, parseDurationOption, parseTimeoutMs } from '../cli/options/run.js';
import { addTargetOptions } from '../cli/options/target.js';
import type { Raw } from '../cli/options/flags.js';
import { parseCount } from '../units/parse.js';
import type { GcProfileSettings } from '../profile/gc-profile.js';
import { addSweepOption, parseSweepOption, type SweepRaw } from '../cli/options/sweep.js';
import type { SweepSpec } from '../profile/gc-sweep.js';
import { UsageError } from '../core/errors.js';

/**
 * `memkit gc-profile`: options are parsed and checked here (exit 2 on bad input);
 * the measurement, baseline and rendering modules are loaded only when it runs.
 */

/** The raw options commander hands the action: the shared groups and gc-profile's own. */
export type GcProfileRaw = MeasureRaw & SweepRaw & Raw<'duration'> & { steps?: string; list?: true };

export function registerGcProfile(program: Command): void {
  const command = program
    .command('gc-profile')
    .summary('run a scenario (or -- node app.js) and record every GC event, heap and RSS; write a baseline')
    .description(
      'Run a scenario (or your own command after --) in a child process under --expose-gc, record every GC ' +
        'event (kind, pause, heap before/after), the V8 heap and the RSS over time, and write a JSON baseline ' +
        'that `memkit diff` compares later runs against.',
    )
    .argument('[command...]', 'a command to profile instead of a scenario, after -- (e.g. -- node app.js)');
  addTargetOptions(command);
  addDurationOption(command, '30s for a scenario; a command runs until it exits')
    .option('--steps <n>', 'stop after this many steps (whichever of --duration and --steps comes first)')
    .option('--list', 'list the built-in scenarios, their variants and parameters, and exit');
  addSweepOption(command);
  addMeasureOptions(command, 'reports/gc-profile-<target>-<time>.json')
    .addHelpText(
      'after',
      `
Metrics cover the measured window: from the end of setup (after a GC memkit forces, so
the heap starts clean) to the end of the last step. memkit's own checkpoint GCs are left
out of the GC counts. Raw samples and events are kept beside the baseline (.jsonl).

Exit codes: 0 ok, 2 bad input, 3 the child crashed (partial baseline written),
130 interrupted by Ctrl-C (partial baseline written).

Examples:
  memkit gc-profile --duration 600 --scenario lru-cache --variant stable-key
  memkit gc-profile --scenario small-objects --variant arena --repeat 5 --out reports/arena.json
  memkit gc-profile --node-arg=--max-semi-space-size=64 --duration 60
  memkit gc-profile --duration 30 -- node server.js --port 8080
  memkit gc-profile --sweep 'gc.threshold=700,10,10|7000,100,100' --repeat 5 -- python app.py
  memkit gc-profile --sweep 'node-arg=--max-semi-space-size=1|4|16|64' --scenario small-objects
  memkit gc-profile --duration 1h --prometheus 127.0.0.1:9464   (see docs/prometheus.md)`,
    )
    .action(
      action(async (command: string[], opts: GcProfileRaw) => {
        if (opts.list) {
          const { listScenarios } = await import('../report/terminal/scenario-list.js');
          process.stdout.write((await listScenarios()) + '\n');
          return ExitCode.Ok;
        }
        const { settings, output, sweep } = parseGcProfileOptions(command, opts, process.argv.slice(2));
        if (sweep) {
          const [{ sweepGc }, { finishSweep }, { withProgress }] = await Promise.all([
            import('../profile/gc-sweep.js'),
            import('../cli/finish-sweep.js'),
            import('../cli/progress.js'),
          ]);
          const result = await withProgress(settings.progress, undefined, (progress) => sweepGc(settings, sweep, progress));
          return finishSweep(result, { json: output.json });
        }
        const [{ profileGc }, { renderGcProfile }, { finishMeasurement, measuredOutputs }, { withProgress }] = await Promise.all([
          import('../profile/gc-profile.js'),
          import('../report/terminal/gc-profile-table.js'),
          import('../cli/finish-run.js'),
          import('../cli/progress.js'),
        ]);
        const result = await withProgress(settings.progress, undefined, (progress) => profileGc(settings, progress));
        return finishMeasurement(result, { ...measuredOutputs(output), prometheus: settings.prometheus, render: renderGcProfile });
      }),
    );
}

export function parseGcProfileOptions(
  command: string[],
  raw: GcProfileRaw,
  argv: string[],
): { settings: GcProfileSettings; output: ReturnType<typeof splitMeasureSettings>['output']; sweep?: SweepSpec } {
  const { session, output } = splitMeasureSettings(parseMeasureOptions(raw, command));
  const sweep = parseSweepOption(raw, command.length > 0);
  if (sweep) {
    // One table of settings is the sweep's report; these describe a single baseline.
    const single = [['--html', output.htmlPath], ['--pprof', output.pprofPath], ['--folded', output.foldedPath], ['--prometheus', session.prometheus]].find(([, v]) => v !== undefined);
    if (single) throw new UsageError(`${single[0]} describes one baseline: not with --sweep (run gc-profile on the setting you want, or memkit report on its file)`);
  }
  const durationMs = parseDurationOption(raw);
  const maxSteps = raw.steps !== undefined ? parseCount(raw.steps, { what: '--steps', allowZero: false }) : undefined;
  // A scenario always has an end; a command may run until it exits on its own.
  const effectiveDuration = durationMs ?? (command.length > 0 || maxSteps !== undefined ? undefined : 30_000);
  return {
    settings: { ...session, durationMs: effectiveDuration, maxSteps, timeoutMs: parseTimeoutMs(raw, effectiveDuration), argv },
    output,
    sweep,
  };
}
