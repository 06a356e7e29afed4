import type { Command } from 'commander';
import { action } from '../cli/action.js';
import type { Raw } from '../cli/options/flags.js';
import { addDominatorsOption, addLeakFilterOptions, parseDominatorRule, parseLeakFilterOptions } from '../cli/options/heap.js';
import { addJsonOption, addLimitOption, addOutOption, addProgressOption } from '../cli/options/output.js';
import { addTargetOptions, parseTargetOptions } from '../cli/options/target.js';
import { addFlag } from '../cli/options/flag.js';
import { FLAGS } from '../cli/options/flags.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { parseCount } from '../units/parse.js';
import { addDurationOption, addIntervalOption, parseDurationOption, parseIntervalMs, parseTimeoutMs } from '../cli/options/run.js';
import { addMemoryLimitOption, parseMemoryLimit } from '../cli/options/memory-limit.js';
import { parseProcessOption } from '../cli/options/process.js';
import { parseSnapshotTimes } from '../cli/options/snapshot-times.js';

/**
 * `memkit mem-snapshot`: heap snapshots of a scenario, and the views over .heapsnapshot
 * files (summarize, compare, leaks, path). Options are checked here; the work is in
 * profile/snapshot-scenario.ts and profile/snapshot-views.ts, and they, the heap engine,
 * ora and the renderers are imported only inside the actions, so `memkit --help` and
 * `memkit diff` never load them.
 */

type ScenarioRaw = Raw<'scenario' | 'variant' | 'param' | 'nodeArg' | 'dominators' | 'minSize' | 'failOnLeak' | 'progress'> & {
  steps: string;
  outDir: string;
  all?: true;
};
type CommandRaw = ScenarioRaw & Raw<'duration' | 'interval' | 'timeout' | 'process' | 'memoryLimit'> & { at?: string; every?: string };
type SummarizeRaw = Raw<'out' | 'json' | 'dominators' | 'progress'> & { top: string; classes: string; metricClasses: string };
type CompareRaw = Raw<'limit' | 'json' | 'progress'>;
type LeaksRaw = Raw<'minSize' | 'failOnLeak' | 'limit' | 'json' | 'dominators' | 'progress'> & { growingOnly?: true };
type PathRaw = Raw<'dominators' | 'progress'> & { id?: string; name?: string; maxPaths: string };

export function registerMemSnapshot(program: Command): void {
  const cmd = program
    .command('mem-snapshot')
    .summary('heap snapshots of a scenario; summarize, compare and find leaks in .heapsnapshot files')
    .description(
      'Without a subcommand: run a scenario in a child process, take heap snapshots after setup, after --steps N ' +
        'and after 2N steps (under --out-dir), print a summary and run the leak finder on the three.\n' +
        'Or run your own command after -- and take snapshots of its processes at --at times (or --every), then ' +
        'run the leak finder on the first, middle and last of each process.\n' +
        'Subcommands work on any .heapsnapshot file (Node, Chrome DevTools, --heapsnapshot-signal).',
    );
  cmd.argument('[command...]', 'a command to snapshot instead of a scenario, after -- (e.g. -- node server.js)');
  addTargetOptions(cmd)
    .option('--steps <n>', 'steps between two snapshots (snapshots after setup, N and 2N steps)', '1000')
    .option('--out-dir <dir>', 'folder for the snapshots and the summary baseline', 'reports')
    .option('--at <times>', 'a command: snapshot times from its start, comma-separated (30s,5m,10m); the run ends after the last')
    .option('--every <time>', 'a command: a snapshot this often, up to --duration');
  addFlag(cmd, FLAGS.nodeArg);
  addDurationOption(cmd, 'a command: until its last --at snapshot');
  addIntervalOption(cmd, '100ms');
  addFlag(cmd, FLAGS.timeout);
  addFlag(cmd, FLAGS.process, {
    defaultValue: 'main',
    defaultNote: "a command: whose heap is snapshotted: main (the root's Node process), all (every Node process's main thread), a pid or part of a command line",
  });
  addMemoryLimitOption(cmd);
  addLeakFilterOptions(cmd).option('--all', 'also list leak groups that stopped growing after the second snapshot');
  addDominatorsOption(cmd);
  addProgressOption(cmd)
    .addHelpText(
      'after',
      `
Examples:
  memkit mem-snapshot --scenario lru-cache --variant unstable-key --steps 2000
  memkit mem-snapshot --at 30s,5m,10m -- node server.js
  memkit mem-snapshot --every 5m --duration 1h --process all -- npm start
  memkit mem-snapshot summarize app.heapsnapshot --top 20 --out reports/heap.json
  memkit mem-snapshot compare before.heapsnapshot after.heapsnapshot
  memkit mem-snapshot leaks base.heapsnapshot target.heapsnapshot final.heapsnapshot --fail-on-leak 1MB
  memkit mem-snapshot path final.heapsnapshot --name LeakyThing`,
    )
    .action(
      action(async (_words: string[], opts: CommandRaw, self: Command) => {
        const command = commandAfterDashes(self.args);
        if (command.length > 0) {
          if (opts.scenario !== undefined) throw new UsageError('mem-snapshot: give --scenario or a command after --, not both');
          return runCommandMode(opts, command);
        }
        if (opts.at !== undefined || opts.every !== undefined) throw new UsageError('mem-snapshot: --at and --every take a command after -- (e.g. -- node server.js)');
        if (self.args.length > 0) throw new UsageError(`mem-snapshot: unknown subcommand '${self.args[0]}' (summarize, compare, leaks, path)`);
        if (opts.scenario === undefined) {
          throw new UsageError('mem-snapshot: give --scenario NAME, or a subcommand: summarize, compare, leaks, path (see --help)');
        }
        return runScenarioMode(opts);
      }),
    );

  const summarize = cmd
    .command('summarize')
    .description(
      'per constructor: count, self size, retained size; the top objects by retained size; totals ' +
        '(--out/--json: as a heap-summary baseline that `memkit diff` reads)',
    )
    .argument('<file>', '.heapsnapshot file')
    .option('--top <n>', 'objects to list by retained size', '20')
    .option('--classes <n>', 'constructors to list', '30')
    .option('--metric-classes <n>', 'constructors kept as metrics in the baseline (top N by retained and by self size)', '100');
  addOutOption(summarize, 'none, the tables only');
  addJsonOption(summarize);
  addDominatorsOption(summarize);
  addProgressOption(summarize).action(
    action(async (file: string, opts: SummarizeRaw) => {
      const topObjects = parseCount(opts.top, { what: '--top' });
      const classRows = parseCount(opts.classes, { what: '--classes' });
      const metricClasses = parseCount(opts.metricClasses, { what: '--metric-classes' });
      const rule = parseDominatorRule(opts);
      const wantBaseline = opts.out !== undefined || opts.json === true;
      const { summarizeSnapshotFile } = await import('../profile/snapshot-views.js');
      const { summary, baseline } = await withStatus(opts.progress, (onStatus) =>
        summarizeSnapshotFile({ file, rule, topObjects, onStatus, ...(wantBaseline ? { baseline: { argv: process.argv.slice(2), metricClasses } } : {}) }),
      );
      if (baseline && opts.out !== undefined) {
        const { writeBaseline } = await import('../baseline/io.js');
        writeBaseline(opts.out, baseline);
        process.stderr.write(`baseline written: ${opts.out}\n`);
      }
      if (baseline && opts.json) {
        process.stdout.write(JSON.stringify(baseline, null, 2) + '\n');
        return ExitCode.Ok;
      }
      const [{ renderHeapSummary }, { colorEnabled }] = await Promise.all([import('../report/heap/summary.js'), import('../report/terminal/color.js')]);
      process.stdout.write(renderHeapSummary(summary, { color: colorEnabled(), classRows, widthChars: terminalColumns() }) + '\n');
      return ExitCode.Ok;
    }),
  );

  const compare = cmd
    .command('compare')
    .description('DevTools "Comparison" by constructor: # New, # Deleted, # Delta, Alloc. Size, Freed Size, Size Delta')
    .argument('<before>', 'the earlier .heapsnapshot')
    .argument('<after>', 'the later .heapsnapshot (same process: objects are matched by id)');
  addLimitOption(compare, '30');
  addJsonOption(compare);
  addProgressOption(compare).action(
    action(async (before: string, after: string, opts: CompareRaw) => {
      const limit = parseCount(opts.limit, { what: '--limit' });
      const { compareSnapshotFiles } = await import('../profile/snapshot-views.js');
      const comparison = await withStatus(opts.progress, (onStatus) => compareSnapshotFiles(before, after, onStatus));
      if (opts.json) {
        process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
        return ExitCode.Ok;
      }
      const [{ renderHeapComparison }, { colorEnabled }] = await Promise.all([import('../report/heap/compare.js'), import('../report/terminal/color.js')]);
      process.stdout.write(renderHeapComparison(comparison, { color: colorEnabled(), limit }) + '\n');
      return ExitCode.Ok;
    }),
  );

  const leaks = cmd
    .command('leaks')
    .description('objects allocated between BASE and TARGET and still alive in FINAL, by retainer path and constructor')
    .argument('<base>', 'snapshot before the action')
    .argument('<target>', 'snapshot after the action')
    .argument('<final>', 'snapshot after the action was undone or repeated');
  addLeakFilterOptions(leaks).option('--growing-only', 'list only groups that also gained objects after TARGET (evenly spaced snapshots)');
  addLimitOption(leaks, '10');
  addJsonOption(leaks);
  addDominatorsOption(leaks);
  addProgressOption(leaks).action(
    action(async (base: string, target: string, final: string, opts: LeaksRaw) => {
      const { minRetainedBytes, failOnBytes } = parseLeakFilterOptions(opts);
      const limit = parseCount(opts.limit, { what: '--limit', allowZero: false });
      const rule = parseDominatorRule(opts);
      const growingOnly = opts.growingOnly === true;
      const { findLeaksInFiles, leaksExceed } = await import('../profile/snapshot-views.js');
      const { report } = await withStatus(opts.progress, (onStatus) =>
        findLeaksInFiles([base, target, final], { rule, limit, minRetainedBytes, growingOnly, onStatus }),
      );
      const failed = leaksExceed(report, failOnBytes);
      const { renderLeakJson, renderLeakReport } = await import('../report/heap/leaks.js');
      if (opts.json) {
        process.stdout.write(renderLeakJson(report, { failOnBytes, failed }) + '\n');
      } else {
        const { colorEnabled } = await import('../report/terminal/color.js');
        process.stdout.write(renderLeakReport(report, { color: colorEnabled(), failOnBytes, growingOnly }) + '\n');
      }
      return failed ? ExitCode.Regression : ExitCode.Ok;
    }),
  );

  const path = cmd
    .command('path')
    .description('the retainer paths of one object, from the GC roots')
    .argument('<file>', '.heapsnapshot file')
    .option('--id <n>', 'the object id (the @N DevTools and memkit show)')
    .option('--name <constructor>', 'the largest (by retained size) object of this constructor')
    .option('--max-paths <n>', 'paths to show: the shortest, then one through each other direct retainer', '5');
  addDominatorsOption(path);
  addProgressOption(path).action(
    action(async (file: string, opts: PathRaw) => {
      if ((opts.id !== undefined) === (opts.name !== undefined)) throw new UsageError('path: give exactly one of --id N or --name Constructor');
      const object = opts.id !== undefined ? { id: parseCount(opts.id, { what: '--id' }) } : { className: opts.name! };
      const maxPaths = parseCount(opts.maxPaths, { what: '--max-paths', allowZero: false });
      const rule = parseDominatorRule(opts);
      const { findObjectPaths } = await import('../profile/snapshot-views.js');
      const found = await withStatus(opts.progress, (onStatus) => findObjectPaths({ file, object, maxPaths, rule, onStatus }));
      const { renderRetainerPaths } = await import('../report/heap/path.js');
      process.stdout.write(renderRetainerPaths(found.object, found.paths, { totalPaths: found.totalPaths }) + '\n');
      return ExitCode.Ok;
    }),
  );
}

async function runScenarioMode(opts: ScenarioRaw): Promise<number> {
  const steps = parseCount(opts.steps, { what: '--steps', allowZero: false });
  const { minRetainedBytes, failOnBytes } = parseLeakFilterOptions(opts);
  const rule = parseDominatorRule(opts);
  // Evenly spaced snapshots of a repeated workload: a leak is what keeps growing.
  const growingOnly = opts.all !== true;
  const { snapshotScenario } = await import('../profile/snapshot-scenario.js');
  const { withProgress } = await import('../cli/progress.js');
  const result = await withProgress(opts.progress, Number.MAX_SAFE_INTEGER, (progress) =>
    snapshotScenario({
      target: parseTargetOptions(opts, []),
      steps,
      outDir: opts.outDir,
      nodeArgs: opts.nodeArg,
      rule,
      minRetainedBytes,
      growingOnly,
      argv: process.argv.slice(2),
      onStatus: (text) => progress.update(text),
      onOutput: (chunk) => progress.print(chunk),
      onCaptured: (snapshots) => {
        for (const snap of snapshots) progress.print(`heap snapshot after ${snap.steps} steps: ${snap.path} (${(snap.bytes / 1e6).toFixed(1)} MB)\n`);
      },
    }),
  );
  if (result.status === 'interrupted') return ExitCode.Interrupted;
  if (result.status !== 'complete') {
    process.stderr.write(`memkit: the measured child ${result.status === 'crashed' ? 'crashed' : 'did not finish'}: ${result.reason}\n`);
    return result.status === 'crashed' ? ExitCode.ChildCrashed : ExitCode.Internal;
  }
  const [{ writeBaseline }, { renderHeapSummary }, { renderLeakReport }, { colorEnabled }, { leaksExceed }] = await Promise.all([
    import('../baseline/io.js'),
    import('../report/heap/summary.js'),
    import('../report/heap/leaks.js'),
    import('../report/terminal/color.js'),
    import('../profile/snapshot-views.js'),
  ]);
  writeBaseline(result.baselinePath, result.baseline);
  const color = colorEnabled();
  process.stdout.write(renderHeapSummary(result.summary, { color, classRows: 15, widthChars: terminalColumns() }) + '\n\n');
  process.stdout.write(renderLeakReport(result.leaks, { color, failOnBytes, growingOnly }) + '\n');
  process.stderr.write(`summary baseline written: ${result.baselinePath}\n`);
  return leaksExceed(result.leaks, failOnBytes) ? ExitCode.Regression : ExitCode.Ok;
}

/** The words after `--`: commander hands them over as the command's args, as it would a mistyped subcommand. */
function commandAfterDashes(args: string[]): string[] {
  const argv = process.argv;
  const dashes = argv.indexOf('--');
  if (dashes < 0 || args.length === 0) return [];
  const after = argv.slice(dashes + 1);
  return after.length === args.length && after.every((a, i) => a === args[i]) ? after : [];
}

async function runCommandMode(opts: CommandRaw, command: string[]): Promise<number> {
  const durationMs = parseDurationOption(opts);
  const atMs = parseSnapshotTimes({ at: opts.at, every: opts.every, durationMs });
  const { minRetainedBytes, failOnBytes } = parseLeakFilterOptions(opts);
  const rule = parseDominatorRule(opts);
  const growingOnly = opts.all !== true;
  const settings = {
    target: parseTargetOptions(opts, command),
    atMs,
    durationMs,
    process: parseProcessOption(opts, true),
    outDir: opts.outDir,
    nodeArgs: opts.nodeArg,
    intervalMs: parseIntervalMs(opts.interval),
    // The program runs until its last snapshot (or --duration); the default timeout counts from there.
    timeoutMs: parseTimeoutMs(opts, durationMs ?? atMs[atMs.length - 1]!),
    memoryLimitBytes: parseMemoryLimit(opts, true),
    rule,
    minRetainedBytes,
    growingOnly,
    argv: process.argv.slice(2),
  };
  const { snapshotCommand } = await import('../profile/snapshot-command.js');
  const { withProgress } = await import('../cli/progress.js');
  const result = await withProgress(opts.progress, Number.MAX_SAFE_INTEGER, (progress) =>
    snapshotCommand({
      ...settings,
      onStatus: (text) => progress.update(text),
      onOutput: (chunk) => progress.print(chunk),
      onCaptured: (snapshots) => {
        for (const x of snapshots) {
          progress.print(
            x.error
              ? `heap snapshot of pid ${x.pid} at ${formatAt(x.atMs)}: not taken (${x.error})\n`
              : `heap snapshot of pid ${x.pid} at ${formatAt(x.atMs)}: ${x.path} (${(x.bytes / 1e6).toFixed(1)} MB)\n`,
          );
        }
      },
    }),
  );
  for (const line of result.missed) process.stderr.write(`memkit: ${line}\n`);
  if (result.status === 'interrupted') return ExitCode.Interrupted;
  const [{ writeBaseline }, { renderHeapSummary }, { renderLeakReport }, { colorEnabled }, { leaksExceed }] = await Promise.all([
    import('../baseline/io.js'),
    import('../report/heap/summary.js'),
    import('../report/heap/leaks.js'),
    import('../report/terminal/color.js'),
    import('../profile/snapshot-views.js'),
  ]);
  const color = colorEnabled();
  if (result.summary) process.stdout.write(renderHeapSummary(result.summary, { color, classRows: 15, widthChars: terminalColumns() }) + '\n\n');
  for (const l of result.leaks) {
    process.stdout.write(`pid ${l.pid} (${l.commandLine}): leak finder on ${l.files.map((f) => f.split('/').pop()).join(', ')}\n`);
    process.stdout.write(renderLeakReport(l.report, { color, failOnBytes, growingOnly }) + '\n');
  }
  if (result.baseline) {
    writeBaseline(result.baselinePath, result.baseline);
    process.stderr.write(`summary baseline written: ${result.baselinePath}\n`);
  }
  if (result.status === 'crashed') {
    process.stderr.write(`memkit: the measured command crashed: ${result.reason ?? 'unknown reason'}\n`);
    return ExitCode.ChildCrashed;
  }
  if (result.leaks.length === 0) {
    process.stderr.write('memkit: no process had three snapshots: no leak finder report\n');
    return ExitCode.Internal;
  }
  return result.leaks.some((l) => leaksExceed(l.report, failOnBytes)) ? ExitCode.Regression : ExitCode.Ok;
}

function formatAt(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Tables are fitted to the terminal only when stdout is one: piped or redirected output
 * (a file, grep, a CI log) keeps every name whole, since nothing wraps it and a cut name
 * could no longer be searched for.
 */
function terminalColumns(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

/** A spinner (TTY only: these views have no periodic lines) while `work` runs. */
async function withStatus<T>(enabled: boolean, work: (onStatus: (text: string) => void) => Promise<T>): Promise<T> {
  const { withProgress } = await import('../cli/progress.js');
  return withProgress(enabled, Number.MAX_SAFE_INTEGER, (progress) => work((text) => progress.update(text)));
}
