import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { collect } from '../cli/options/flag.js';
import type { Raw } from '../cli/options/flags.js';
import { addMeasureOptions, parseMeasureOptions, splitMeasureSettings, type MeasureRaw } from '../cli/options/measure.js';
import { addDurationOption, parseDurationOption, parseTimeoutMs } from '../cli/options/run.js';
import { addTargetOptions } from '../cli/options/target.js';
import { addLoadOptions, parseLoadOptions, type LoadRaw } from '../cli/options/load.js';
import { parseBytes, parseCount, parseDurationMs, splitQuantity } from '../units/parse.js';
import type { MemStressSettings } from '../profile/mem-stress.js';

/** `memkit mem-stress`: options are checked here (exit 2); the work is loaded when it runs. */

/** The raw options commander hands the action: the shared groups and mem-stress's own. */
export type MemStressRaw = MeasureRaw &
  LoadRaw &
  Raw<'duration'> & {
    signals?: string;
    rate?: string;
    warmup?: string;
    assert: string[];
    checkpointEvery?: string;
    minLeak?: string;
    saveEvery: string;
    progressEvery?: string;
  };

export function registerMemStress(program: Command): void {
  const command = program
    .command('mem-stress')
    .summary("soak a scenario's step or your own program: growth, leak verdict (per process too), latency, assertions")
    .description(
      "Drive a scenario's step() for a number of signals and/or a duration (whichever ends first), back to back or at " +
        'a fixed --rate, and report step latency, throughput, RSS and live-memory growth and slope after warm-up, GC ' +
        'counts and pauses, time per phase, and a leak verdict; check acceptance assertions for CI. Or run your own ' +
        'program (after --) for --duration: memkit\'s agent takes the forced-GC checkpoints inside each of its Node ' +
        'processes and worker threads, and gives the verdict for the program and for each process.',
    )
    .argument('[command...]', 'your program, after --: a service loaded with --http or --load (e.g. -- node server.js)');
  addTargetOptions(command).option('-n, --signals <n>', 'stop after this many steps (signals)');
  addDurationOption(command, '60s without --signals')
    .option('--rate <n>', 'open loop: start this many steps (with --http: requests) per second; latency counts from each one\'s intended start')
    .option('--warmup <time|count>', 'warm-up excluded from growth, slope and latency: 30s, or a number of signals (default: 10% of the run, at most 30s)')
    .option('--assert <expr>', 'acceptance check, repeatable: "rss.growth_bytes<5MB", "gc.pause.p95_ms<50", "custom.cache.hit_ratio>0.8"', collect, [])
    .option('--checkpoint-every <time>', 'force a GC and read the live memory this often after warm-up, for the leak verdict (default: run/20, 250ms..60s)')
    .option('--min-leak <size>', 'growth over the run smaller than this is not called a leak (default: 1MB or 10% of the live memory)')
    .option('--save-every <time>', 'rewrite a partial baseline this often while running, so a killed run still leaves one', '60s')
    .option('--progress-every <time>', 'on a non-TTY, a "Progress:" line this often (default: run/20, 5s..60s)');
  addLoadOptions(command);
  addMeasureOptions(command, 'reports/mem-stress-<scenario>-<variant>-<time>.json')
    .addHelpText(
      'after',
      `
Warm-up: samples during warm-up are kept in the .jsonl but left out of growth, slopes,
latency and throughput. Leak verdict ("leak" / "no leak" / "inconclusive"): from the live
memory (V8 heap + external) right after memkit's forced GCs after warm-up, with the
evidence printed; RSS is reported beside it.

Exit codes: 0 ok, 1 an assertion failed, 2 bad input, 3 the child crashed,
130 interrupted (a partial baseline is written; one is also rewritten every --save-every).

Examples:
  memkit mem-stress --scenario lru-cache --variant stable-key --signals 50000 --duration 86400
  memkit mem-stress --scenario lru-cache --rate 2000 --duration 10m --warmup 30s \\
      --assert "rss.growth_bytes<5MB" --assert "gc.pause.p95_ms<50" \\
      --assert "custom.cache.hit_ratio>0.8" --assert "latency.p95_ms<=5.5"
  memkit mem-stress --scenario lru-cache --duration 24h --prometheus :9464   (docs/prometheus.md)
  memkit mem-stress --http http://127.0.0.1:3000/ --rate 300 --duration 10m -- node server.js
  memkit mem-stress --load "k6 run load.js" --ready-url http://127.0.0.1:3000/ -- node server.js
  memkit mem-stress --duration 6h --warmup 5m --assert "live.growth_bytes<10MB" -- node server.js`,
    )
    .action(
      action(async (command: string[], opts: MemStressRaw) => {
        const { settings, output, warnings } = await parseMemStressOptions(command, opts, process.argv.slice(2));
        for (const w of warnings) process.stderr.write(`${w}\n`);
        const [{ stressScenario, plainProgressEveryMs }, { renderMemStress }, { finishMeasurement, measuredOutputs }, { withProgress }, { LoadStartError }] = await Promise.all([
          import('../profile/mem-stress.js'),
          import('../report/terminal/mem-stress-table.js'),
          import('../cli/finish-run.js'),
          import('../cli/progress.js'),
          import('../profile/load-driver.js'),
        ]);
        let result;
        try {
          result = await withProgress(settings.progress, plainProgressEveryMs(settings), (progress) => stressScenario(settings, progress));
        } catch (err) {
          // The service never became ready: nothing was measured under load, one line and exit 3.
          if (!(err instanceof LoadStartError)) throw err;
          process.stderr.write(`memkit: error: ${err.message}\n`);
          return ExitCode.ChildCrashed;
        }
        return finishMeasurement(result, {
          ...measuredOutputs(output),
          prometheus: settings.prometheus,
          render: renderMemStress,
          verdict: () => {
            const failed = result.assertions.filter((x) => !x.pass);
            if (failed.length === 0) return ExitCode.Ok;
            const names = failed.map((f) => f.assertion.text).join(', ');
            process.stderr.write(`memkit: ${failed.length} of ${result.assertions.length} assertions failed: ${names}\n`);
            return ExitCode.Regression;
          },
        });
      }),
    );
}

export async function parseMemStressOptions(
  command: string[],
  raw: MemStressRaw,
  argv: string[],
): Promise<{ settings: MemStressSettings; output: ReturnType<typeof splitMeasureSettings>['output']; warnings: string[] }> {
  const { parseAssertion } = await import('../analyze/assertions.js');
  const { session, output } = splitMeasureSettings(parseMeasureOptions(raw, command));
  const maxSteps = raw.signals !== undefined ? parseCount(raw.signals, { what: '--signals', allowZero: false }) : undefined;
  let durationMs = parseDurationOption(raw);
  if (durationMs === undefined && maxSteps === undefined) durationMs = 60_000;
  let ratePerSec: number | undefined;
  if (raw.rate !== undefined) {
    const q = splitQuantity(raw.rate.replace(/\/s$/, ''));
    if (!q || q.unit !== '' || !(q.value > 0)) throw new UsageError(`--rate: '${raw.rate}' is not a positive number of steps per second`);
    ratePerSec = q.value;
  }
  // A program has no steps to count: its soak is a time.
  const stepless = command.length > 0 ? 'a command runs for --duration (it has no steps to count): give a time' : undefined;
  if (stepless && maxSteps !== undefined) throw new UsageError(`--signals: ${stepless}`);
  let warmupMs: number | undefined;
  let warmupSteps: number | undefined;
  if (raw.warmup !== undefined) {
    if (/^\s*\d[\d_]*\s*$/.test(raw.warmup) && stepless) throw new UsageError(`--warmup ${raw.warmup.trim()}: ${stepless}, e.g. 30s`);
    if (/^\s*\d[\d_]*\s*$/.test(raw.warmup)) warmupSteps = parseCount(raw.warmup, { what: '--warmup' });
    else warmupMs = parseDurationMs(raw.warmup, { what: '--warmup', defaultUnit: 's' });
  } else if (durationMs !== undefined) {
    warmupMs = Math.min(30_000, durationMs * 0.1);
  } else {
    warmupSteps = Math.floor(maxSteps! * 0.1);
  }
  const gcCheckpointEveryMs =
    raw.checkpointEvery !== undefined
      ? parseDurationMs(raw.checkpointEvery, { what: '--checkpoint-every', defaultUnit: 's', allowZero: false })
      : durationMs !== undefined
        ? Math.max(250, Math.min(60_000, durationMs / 20))
        : 5_000;
  const settings: MemStressSettings = {
    ...session,
    durationMs,
    maxSteps,
    ratePerSec,
    warmupMs,
    warmupSteps,
    gcCheckpointEveryMs,
    timeoutMs: parseTimeoutMs(raw, durationMs),
    saveEveryMs: parseDurationMs(raw.saveEvery, { what: '--save-every', defaultUnit: 's', allowZero: false }),
    progressEveryMs:
      raw.progressEvery !== undefined
        ? parseDurationMs(raw.progressEvery, { what: '--progress-every', defaultUnit: 's', allowZero: false })
        : undefined,
    assertions: raw.assert.map(parseAssertion),
    minLeakBytes: raw.minLeak !== undefined ? parseBytes(raw.minLeak, { what: '--min-leak' }) : undefined,
    argv,
  };
  const load = parseLoadOptions(raw, { hasCommand: command.length > 0, ratePerSec, durationMs, maxSteps, intervalMs: session.intervalMs });
  return { settings: load.plan ? { ...settings, load: load.plan } : settings, output, warnings: load.warnings };
}
