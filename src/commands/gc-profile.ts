import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { ExitCode, UsageError } from '../cli/errors.js';
import { parseCount, parseDurationMs } from '../units/parse.js';
import type { GcProfileSettings } from '../profile/gc-profile.js';
import { addPrometheusOptions, parsePrometheusOptions } from '../prometheus/cli-options.js';

/**
 * `memkit gc-profile`: options are parsed and checked here (exit 2 on bad input);
 * the measurement, baseline and rendering modules are loaded only when it runs.
 */

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerGcProfile(program: Command): void {
  const command = program
    .command('gc-profile')
    .summary('run a scenario (or -- node app.js) and record every GC event, heap and RSS; write a baseline')
    .description(
      'Run a scenario (or your own command after --) in a child process under --expose-gc, record every GC ' +
        'event (kind, pause, heap before/after), the V8 heap and the RSS over time, and write a JSON baseline ' +
        'that `memkit diff` compares later runs against.',
    )
    .argument('[command...]', 'a command to profile instead of a scenario, after -- (e.g. -- node app.js)')
    .option('-s, --scenario <name|file>', 'built-in scenario name or path to your own .js scenario module', undefined)
    .option('--variant <name>', "scenario variant (default: the scenario's default variant)")
    .option('-p, --param <key=value>', 'set a scenario parameter; repeatable', collect, [])
    .option('-d, --duration <time>', 'how long to run the steps: 600 (seconds), 30s, 10m, 1h; a command runs until it exits unless given')
    .option('--steps <n>', 'stop after this many steps (whichever of --duration and --steps comes first)')
    .option('-i, --interval <time>', 'sampling interval for memory (inside) and RSS/CPU (outside)', '100ms')
    .option('-r, --repeat <n>', 'measure n times; every run is kept so `memkit diff` can test significance', '1')
    .option('--node-arg <flag>', 'extra flag for the child node process, repeatable: --node-arg=--max-old-space-size=64', collect, [])
    .option('--timeout <time>', 'stop the child (run counts as crashed) if it has not finished by then (default: duration x 1.5 + 60s)')
    .option('-o, --out <file>', 'baseline file to write (default: reports/gc-profile-<target>-<time>.json)')
    .option('--json', 'print the baseline JSON on stdout instead of the tables')
    .option('--html <file>', 'also write an HTML report with charts (see memkit report)')
    .option('--list', 'list the built-in scenarios, their variants and parameters, and exit')
    .option('--no-progress', 'no spinner (TTY) or periodic progress lines (otherwise)');
  addPrometheusOptions(command)
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
  memkit gc-profile --duration 1h --prometheus 127.0.0.1:9464   (see docs/prometheus.md)`,
    )
    .action(
      action(async (command: string[], opts: Record<string, unknown>) => {
        if (opts.list) {
          const { listScenarios } = await import('../report/scenario-list.js');
          process.stdout.write((await listScenarios()) + '\n');
          return ExitCode.Ok;
        }
        const settings = parseGcProfileOptions(command, opts, process.argv.slice(2));
        (await import('../report/run-outputs.js')).checkHtmlPath(opts.html, settings.outPath);
        const { profileGc } = await import('../profile/gc-profile.js');
        const { writeBaseline } = await import('../baseline/io.js');
        const { renderGcProfile } = await import('../report/gc-profile-table.js');
        const { colorEnabled } = await import('../report/color.js');
        const result = await profileGc(settings);
        try {
          writeBaseline(result.baselinePath, result.baseline);
          if (opts.json) process.stdout.write(JSON.stringify(result.baseline, null, 2) + '\n');
          else process.stdout.write(renderGcProfile(result.baseline, { color: colorEnabled() }) + '\n');
          process.stderr.write(`baseline written: ${result.baselinePath}\n`);
          const { writeRunOutputs } = await import('../report/run-outputs.js');
          await writeRunOutputs(result, { json: opts.json === true, html: opts.html, color: colorEnabled(), stdout: process.stdout });
        } finally {
          if (result.exporter) {
            const { finishExporter } = await import('../prometheus/attach.js');
            await finishExporter(result.exporter, settings.prometheus, { interrupted: result.interrupted !== undefined });
          }
        }
        if (result.baseline.status === 'crashed') {
          process.stderr.write(`memkit: the measured child crashed: ${result.baseline.statusReason ?? 'unknown reason'}\n`);
          return ExitCode.ChildCrashed;
        }
        if (result.interrupted) return ExitCode.Interrupted;
        return ExitCode.Ok;
      }),
    );
}

export function parseGcProfileOptions(command: string[], opts: Record<string, unknown>, argv: string[]): GcProfileSettings {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const durationMs =
    opts.duration !== undefined ? parseDurationMs(String(opts.duration), { what: '--duration', defaultUnit: 's', allowZero: false }) : undefined;
  const maxSteps = opts.steps !== undefined ? parseCount(String(opts.steps), { what: '--steps', allowZero: false }) : undefined;
  const intervalMs = parseDurationMs(String(opts.interval), { what: '--interval', defaultUnit: 'ms', allowZero: false });
  if (intervalMs < 10) throw new UsageError(`--interval: ${intervalMs} ms is too short to sample without disturbing the child (minimum 10ms)`);
  const repeat = parseCount(String(opts.repeat), { what: '--repeat', allowZero: false });
  const isCommand = command.length > 0;
  // A scenario always has an end; a command may run until it exits on its own.
  const effectiveDuration = durationMs ?? (isCommand || maxSteps !== undefined ? undefined : 30_000);
  const timeoutMs =
    opts.timeout !== undefined
      ? parseDurationMs(String(opts.timeout), { what: '--timeout', defaultUnit: 's', allowZero: false })
      : effectiveDuration !== undefined
        ? effectiveDuration * 1.5 + 60_000
        : undefined;
  return {
    target: { scenario: str(opts.scenario), variant: str(opts.variant), params: (opts.param as string[]) ?? [], command },
    durationMs: effectiveDuration,
    maxSteps,
    intervalMs,
    repeat,
    nodeArgs: (opts.nodeArg as string[]) ?? [],
    timeoutMs,
    outPath: str(opts.out),
    argv,
    progress: opts.progress !== false,
    prometheus: parsePrometheusOptions(opts),
  };
}
