import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { addFlag, collect } from '../cli/options/flag.js';
import { FLAGS } from '../cli/options/flags.js';
import { ExitCode, UsageError } from '../core/errors.js';

/**
 * `memkit diff BASE CURRENT`: compare a run with its baseline, per metric, and exit 1 on a
 * regression. Only option parsing lives here; it is on CI's critical path, so the
 * analysis and the renderers are imported inside the action.
 */

const FORMATS = ['table', 'json', 'markdown', 'junit'] as const;
type Format = (typeof FORMATS)[number];

interface DiffOptions {
  base?: string[];
  current?: string[];
  format: string;
  output?: string;
  alpha?: string;
  correction?: string;
  threshold?: string[];
  max?: string[];
  min?: string[];
  metrics?: string[];
  config?: string | false;
  allowPartial?: boolean;
  updateBaseline?: boolean;
  process?: string;
}

export function registerDiff(program: Command): void {
  const command = program
    .command('diff')
    .summary('compare a run with a baseline; exit 1 on a regression')
    .description(
      'Compare a run (or several repeated runs) with a baseline, metric by metric: a metric regresses when ' +
        'the 95 % interval of its change lies beyond its threshold (a one-sided Mann-Whitney test per direction, corrected ' +
        'across the deciding metrics) where both sides have enough runs; thresholds per metric family; absolute limits. ' +
        'Exit 0: no regression; 1: a regression or a broken --max/--min; 2: bad input.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  memkit diff reports/baseline.json reports/current.json',
        "  memkit diff 'reports/base-*.json' 'reports/cur-*.json'        (several files per side pool their runs)",
        '  memkit diff --base reports/base-*.json --current reports/cur-*.json',
        '  memkit diff base.json cur.json --threshold gc.pause.p95_ms=10% --max rss.growth_bytes=5MB',
        '  memkit diff base.json cur.json --format markdown >> "$GITHUB_STEP_SUMMARY"',
        '',
        'Thresholds, limits and the config file: see docs/ci.md.',
      ].join('\n'),
    )
    .argument('[base]', 'baseline file or quoted glob')
    .argument('[current]', 'current run file or quoted glob')
    .option('--base <files...>', 'baseline file(s) or glob(s), instead of the first argument')
    .option('--current <files...>', 'current run file(s) or glob(s), instead of the second argument')
    .option('-f, --format <format>', `output: ${FORMATS.join(', ')}`, 'table')
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--alpha <p>', 'the change\'s interval is at 1 - alpha, each direction tested at alpha / 2 (default 0.05)')
    .option('--correction <method>', 'error control across the deciding metrics: bh (false discovery rate, default), holm (family-wise), none')
    .option('--threshold <name=spec>', 'override a threshold, e.g. gc.pause.p95_ms=10% or rss.growth_bytes=+2MB (repeatable; globs ok)', collect)
    .option('--max <name=value>', 'absolute ceiling on the current median, e.g. rss.growth_bytes=5MB (repeatable)', collect)
    .option('--min <name=value>', 'absolute floor on the current median, e.g. custom.cache.hit_ratio=0.8 (repeatable)', collect)
    .option('--metrics <names>', 'only these metrics decide (comma-separated names or globs; repeatable)', collect)
    .option('--config <file>', 'config file (default: ./memkit.config.json when present)')
    .option('--no-config', 'ignore memkit.config.json')
    .option('--allow-partial', 'compare interrupted or crashed runs instead of refusing them')
    .option('--update-baseline', 'after the diff, copy the current run over the baseline (accept the change)');
  // Re-selects both sides from their process tables (command baselines measured with different --process).
  addFlag(command, FLAGS.process)
    // Checked in the action, for a message that names the likely cause (an unquoted glob).
    .allowExcessArguments(true)
    .action(
      action(async (baseArg: string | undefined, currentArg: string | undefined, opts: DiffOptions, cmd: Command) => {
        if (cmd.args.length > 2) {
          throw new UsageError(
            `diff takes two files, BASE and CURRENT, but got ${cmd.args.length} (a glob expanded by the shell?): ` +
              `quote globs ('reports/base-*.json') or use --base FILES... --current FILES...`,
          );
        }
        return runDiff(baseArg, currentArg, opts);
      }),
    );
}

async function runDiff(baseArg: string | undefined, currentArg: string | undefined, opts: DiffOptions): Promise<number> {
  const format = parseFormat(opts.format);
  const { basePatterns, currentPatterns } = sides(baseArg, currentArg, opts);

  const [{ parseFraction }, thresholds, { loadConfig }, { readDiffConfig, parseCorrection }, io, sidesMod, diffMod, reselect] = await Promise.all([
    import('../units/parse.js'),
    import('../analyze/thresholds.js'),
    import('../config/load.js'),
    import('../config/diff-config.js'),
    import('../baseline/io.js'),
    import('../analyze/diff-sides.js'),
    import('../analyze/diff.js'),
    opts.process !== undefined ? import('../analyze/process-reselect.js') : undefined,
  ]);

  const config = readDiffConfig(loadConfig(opts.config));
  const alpha = opts.alpha !== undefined ? parseFraction(opts.alpha, { what: '--alpha' }) : (config.alpha ?? 0.05);
  if (!(alpha > 0 && alpha < 0.5)) throw new UsageError(`--alpha: ${alpha} must be between 0 and 0.5 (e.g. 0.05)`);
  const cliMetrics = (opts.metrics ?? []).flatMap((m) => m.split(',')).filter((m) => m.trim() !== '');
  const correction = opts.correction !== undefined ? parseCorrection(opts.correction, '--correction') : (config.correction ?? 'bh');
  const policy = {
    alpha,
    correction,
    thresholds: [...config.thresholds, ...(opts.threshold ?? []).map((t) => thresholds.parseThresholdRule(t, '--threshold'))],
    bounds: [
      ...config.bounds,
      ...(opts.max ?? []).map((t) => thresholds.parseBoundRule('max', t, '--max')),
      ...(opts.min ?? []).map((t) => thresholds.parseBoundRule('min', t, '--min')),
    ],
    metrics: cliMetrics.length > 0 ? cliMetrics.map((m) => thresholds.parseMetricSelector(m, '--metrics')) : config.metrics,
  };
  const allowPartial = opts.allowPartial ?? config.allowPartial ?? false;

  const baseFiles = await io.readBaselines(basePatterns, 'base');
  const currentFiles = await io.readBaselines(currentPatterns, 'current');
  if (opts.updateBaseline && (baseFiles.length !== 1 || currentFiles.length !== 1)) {
    throw new UsageError('--update-baseline needs exactly one base file and one current file');
  }
  // --process: both sides' figures re-selected from their process tables, so they describe the same processes.
  const selected = reselect && opts.process !== undefined ? reselect.reselectSides(opts.process, baseFiles, currentFiles) : undefined;
  const report = diffMod.buildDiffReport(
    sidesMod.poolSide('base', selected?.base ?? baseFiles),
    sidesMod.poolSide('current', selected?.current ?? currentFiles),
    policy,
    { allowPartial },
  );
  if (selected?.note) report.warnings.push(selected.note);

  const rendered = await render(format, report, opts.output === undefined);
  // Warnings go to stderr as well, so a CI log shows them whatever the format.
  for (const w of report.warnings) process.stderr.write(`memkit: warning: ${w}\n`);
  if (opts.output !== undefined) {
    io.ensureParentDir(opts.output);
    const { writeFileAtomic } = await import('../core/atomic-write.js');
    writeFileAtomic(opts.output, rendered);
  } else {
    keepVerdictOnClosedPipe();
    process.stdout.write(rendered);
  }

  if (opts.updateBaseline) {
    io.acceptBaseline(currentFiles[0]!.path, baseFiles[0]!.path);
    const accepted = report.result.regressions > 0 ? ` (accepting ${report.result.regressions} regression(s))` : '';
    process.stderr.write(`memkit: baseline updated: ${baseFiles[0]!.path} <- ${currentFiles[0]!.path}${accepted}\n`);
    return ExitCode.Ok;
  }
  return report.exitCode;
}

let pipeGuarded = false;

/** `memkit diff ... | head` closes the pipe early; the verdict (the exit code) stands. */
function keepVerdictOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`memkit: error: cannot write the report: ${err.message}\n`);
    process.exit(ExitCode.Usage);
  });
}

async function render(format: Format, report: import('../analyze/diff.js').DiffReport, toStdout: boolean): Promise<string> {
  switch (format) {
    case 'table': {
      const [{ renderDiffTable }, { colorEnabled }] = await Promise.all([import('../report/diff/table.js'), import('../report/terminal/color.js')]);
      return renderDiffTable(report, { color: toStdout && colorEnabled() });
    }
    case 'json': {
      const [{ renderDiffJson }, { memkitVersion }] = await Promise.all([import('../report/diff/json.js'), import('../core/version.js')]);
      return renderDiffJson(report, memkitVersion());
    }
    case 'markdown':
      return (await import('../report/diff/markdown.js')).renderDiffMarkdown(report);
    case 'junit':
      return (await import('../report/diff/junit.js')).renderDiffJunit(report);
  }
}

function parseFormat(text: string): Format {
  if ((FORMATS as readonly string[]).includes(text)) return text as Format;
  throw new UsageError(`--format: '${text}' is not one of ${FORMATS.join(', ')}`);
}

/** Positional BASE CURRENT, or --base/--current (each several files or globs); not both. */
function sides(baseArg: string | undefined, currentArg: string | undefined, opts: DiffOptions): { basePatterns: string[]; currentPatterns: string[] } {
  const positional = [baseArg, currentArg].filter((a): a is string => a !== undefined);
  if (opts.base || opts.current) {
    if (positional.length > 0) {
      throw new UsageError(`give the files either as BASE CURRENT or with --base/--current, not both (extra: ${positional.join(' ')})`);
    }
    if (!opts.base) throw new UsageError('--current given without --base');
    if (!opts.current) throw new UsageError('--base given without --current');
    return { basePatterns: opts.base, currentPatterns: opts.current };
  }
  if (positional.length < 2) {
    throw new UsageError('diff needs a baseline and a current run: memkit diff BASE CURRENT (or --base ... --current ...)');
  }
  return { basePatterns: [positional[0]!], currentPatterns: [positional[1]!] };
}
