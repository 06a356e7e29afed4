import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { addFlag } from '../cli/options/flag.js';
import { FLAGS, type Raw } from '../cli/options/flags.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { parseCount } from '../units/parse.js';
import type { Baseline } from '../baseline/schema.js';
import type { ReportOptions } from '../report/html/page.js';

/**
 * `memkit report BASELINE [CURRENT] --html FILE`: one self-contained HTML page with the
 * run's charts and tables, or two runs overlaid. Without --html, the terminal tables of one
 * baseline (with a sparkline of memory on a TTY). Reading samples and rendering are
 * imported inside the action.
 */

type ReportCliOptions = Raw<'html' | 'process'> & { maxPoints: string };

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .summary('an HTML report with charts of a run (or two runs overlaid); the tables in the terminal')
    .description(
      'Render a baseline written by gc-profile, mem-stress or mem-snapshot. With --html FILE: one self-contained ' +
        'page (no network needed) with the summary, memory / GC / allocation / latency charts on one time axis, ' +
        'and the tables. Give two baselines to overlay a current run on its baseline. Without --html: the tables ' +
        'in the terminal.',
    )
    .argument('<baseline>', 'baseline file (.json) written by a memkit command')
    .argument('[current]', 'a second baseline to overlay on the first (baseline, then current)');
  addFlag(command, FLAGS.html);
  // A command's baseline: its figures redone for another selection of its processes, from the samples.
  addFlag(command, FLAGS.process)
    .option('--max-points <n>', 'time buckets per chart for long runs (each keeps its first, last, lowest and highest sample)', '1500')
    .addHelpText(
      'after',
      `
The page inlines its data and code (uPlot), so it opens from disk, offline, and can be
attached to a CI run. Raw samples are read from each run's .jsonl file beside the
baseline; a baseline whose samples are gone still gets its tables.

Examples:
  memkit report reports/gc-profile-lru-cache-unstable-key-20260101-120000.json --html reports/run.html
  memkit report reports/base.json reports/current.json --html reports/diff.html
  memkit gc-profile --duration 60 --html reports/run.html`,
    )
    .action(
      action(async (basePath: string, currentPath: string | undefined, opts: ReportCliOptions) => {
        const maxPoints = parseCount(opts.maxPoints, { what: '--max-points', allowZero: false });
        if (maxPoints < 10) throw new UsageError(`--max-points: ${maxPoints} is too few to draw a chart (at least 10)`);
        const { readBaseline } = await import('../baseline/io.js');
        const paths = currentPath ? [basePath, currentPath] : [basePath];
        let baselines = paths.map((p) => readBaseline(p));
        if (opts.html === undefined && currentPath) {
          throw new UsageError('comparing two runs needs --html FILE (in the terminal, use: memkit diff BASE CURRENT)');
        }
        const { loadSide } = await import('../report/inputs.js');
        let sides: Array<Awaited<ReturnType<typeof loadSide>>> | undefined;
        if (opts.process !== undefined) {
          // Every side redone for the processes asked for, from its samples (its rows where they are gone).
          const [{ parseProcessSelection }, { reselectForReport }] = await Promise.all([
            import('../analyze/process-selection.js'),
            import('../profile/reselect-baseline.js'),
          ]);
          const selection = parseProcessSelection(opts.process);
          const loaded = await Promise.all(baselines.map((b, i) => loadSide(paths[i]!, b, { process: selection })));
          baselines = loaded.map((side, i) => reselectForReport(paths[i]!, side.baseline, side.runs.map((r) => r.data), selection));
          sides = loaded.map((side, i) => ({ ...side, baseline: baselines[i]! }));
        }
        if (opts.html === undefined) {
          const { renderTerminalReport } = await import('../report/terminal/run-report.js');
          process.stdout.write((await renderTerminalReport(basePath, baselines[0]!, process.stdout, sides?.[0])) + '\n');
          return ExitCode.Ok;
        }
        const [{ writeHtmlReport }, { DEFAULT_CHART_OPTIONS }] = await Promise.all([
          import('../report/html/write-report.js'),
          import('../report/html/chart-data.js'),
        ]);
        sides ??= await Promise.all(baselines.map((b, i) => loadSide(paths[i]!, b)));
        // Two runs: the page's table is memkit diff's decision (same thresholds and config).
        const comparison = currentPath ? await decideComparison(paths, baselines) : {};
        const { bytes } = writeHtmlReport(opts.html, sides, { chart: { ...DEFAULT_CHART_OPTIONS, maxBuckets: maxPoints }, ...comparison });
        for (const side of sides) {
          for (const r of side.runs) {
            if (r.problem) process.stderr.write(`memkit: warning: run ${r.index + 1} of ${side.path}: ${r.problem}; the report has its tables only\n`);
            else if (r.badLines) process.stderr.write(`memkit: warning: ${r.samplesPath}: ${r.badLines} unreadable lines skipped\n`);
          }
        }
        const { formatBytes } = await import('../units/format.js');
        process.stderr.write(`report written: ${opts.html} (${formatBytes(bytes)})\n`);
        return ExitCode.Ok;
      }),
    );
}

async function decideComparison(paths: string[], baselines: Baseline[]): Promise<Pick<ReportOptions, 'compareTable' | 'verdicts' | 'siteVerdicts'>> {
  const [{ loadConfig }, { readDiffConfig, policyFromConfig }, { poolSide }, { buildDiffReport }, { renderCompareTableHtml }, { describeOutcome }] =
    await Promise.all([
      import('../config/load.js'),
      import('../config/diff-config.js'),
      import('../analyze/diff-sides.js'),
      import('../analyze/diff.js'),
      import('../report/html/compare-table.js'),
      import('../report/diff/reason.js'),
    ]);
  const policy = policyFromConfig(readDiffConfig(loadConfig(undefined)));
  const side = (name: 'base' | 'current', i: number) => poolSide(name, [{ path: paths[i]!, baseline: baselines[i]! }]);
  // A report is for looking, not gating: partial runs are shown (diff flags them).
  const report = buildDiffReport(side('base', 0), side('current', 1), policy, { allowPartial: true });
  for (const w of report.warnings) process.stderr.write(`memkit: warning: ${w}\n`);
  const regressions = report.result.regressions;
  return {
    compareTable: renderCompareTableHtml(report),
    // The differential flame graph colours a frame by its site's verdict here.
    siteVerdicts: report.result.metrics.filter((m) => m.name.startsWith('alloc.site.')),
    verdicts: [{ label: regressions ? `diff: ${regressions} regression${regressions === 1 ? '' : 's'}` : 'diff: no regression', tone: regressions ? 'bad' : 'good', detail: describeOutcome(report) }],
  };
}
