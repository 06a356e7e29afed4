import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { ExitCode, UsageError, describeFsError } from '../core/errors.js';
import { parseBytes, parseCount } from '../units/parse.js';
import type { AnalyzedSnapshot } from '../heap/analyze-snapshot.js';
import type { PageOwnershipRule } from '../heap/dominators.js';
import type { Progress } from '../cli/progress.js';

/**
 * `memkit mem-snapshot`: heap snapshots of a scenario, and the views over .heapsnapshot
 * files (summarize, compare, leaks, path). Options are checked here; the heap engine,
 * the runner, ora and the renderers are imported only inside the actions, so
 * `memkit --help` and `memkit diff` never load them.
 */

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerMemSnapshot(program: Command): void {
  const cmd = program
    .command('mem-snapshot')
    .summary('heap snapshots of a scenario; summarize, compare and find leaks in .heapsnapshot files')
    .description(
      'Without a subcommand: run a scenario in a child process, take heap snapshots after setup, after --steps N ' +
        'and after 2N steps (under --out-dir), print a summary and run the leak finder on the three.\n' +
        'Subcommands work on any .heapsnapshot file (Node, Chrome DevTools, --heapsnapshot-signal).',
    )
    .option('-s, --scenario <name|file>', 'built-in scenario name or path to your own .js scenario module')
    .option('--variant <name>', "scenario variant (default: the scenario's default variant)")
    .option('-p, --param <key=value>', 'set a scenario parameter; repeatable', collect, [])
    .option('--steps <n>', 'steps between two snapshots (snapshots after setup, N and 2N steps)', '1000')
    .option('--out-dir <dir>', 'folder for the snapshots and the summary baseline', 'reports')
    .option('--node-arg <flag>', 'extra flag for the child node process, repeatable', collect, [])
    .option('--fail-on-leak <size>', 'exit 1 when the leaks found retain more than this (e.g. 1MB)')
    .option('--min-size <size>', 'list leak groups retaining at least this much', '1KB')
    .option('--all', 'also list leak groups that stopped growing after the second snapshot')
    .option('--dominators <rule>', "edge rules for retained sizes: 'devtools' or 'memlab' (see README)", 'devtools')
    .option('--no-progress', 'no spinner')
    .addHelpText(
      'after',
      `
Examples:
  memkit mem-snapshot --scenario lru-cache --variant unstable-key --steps 2000
  memkit mem-snapshot summarize app.heapsnapshot --top 20 --out reports/heap.json
  memkit mem-snapshot compare before.heapsnapshot after.heapsnapshot
  memkit mem-snapshot leaks base.heapsnapshot target.heapsnapshot final.heapsnapshot --fail-on-leak 1MB
  memkit mem-snapshot path final.heapsnapshot --name LeakyThing`,
    )
    .action(
      action(async (opts: Record<string, unknown>, self: Command) => {
        if (self.args.length > 0) throw new UsageError(`mem-snapshot: unknown subcommand '${self.args[0]}' (summarize, compare, leaks, path)`);
        if (typeof opts.scenario !== 'string') {
          throw new UsageError('mem-snapshot: give --scenario NAME, or a subcommand: summarize, compare, leaks, path (see --help)');
        }
        return runScenarioMode(opts);
      }),
    );

  cmd
    .command('summarize')
    .description('per constructor: count, self size, retained size; the top objects by retained size; totals')
    .argument('<file>', '.heapsnapshot file')
    .option('--top <n>', 'objects to list by retained size', '20')
    .option('--classes <n>', 'constructors to list', '30')
    .option('--metric-classes <n>', 'constructors kept as metrics in the baseline (top N by retained and by self size)', '100')
    .option('-o, --out <file>', 'write the summary as a heap-summary baseline that `memkit diff` reads')
    .option('--json', 'print the baseline JSON on stdout instead of the tables')
    .option('--dominators <rule>', "'devtools' or 'memlab' edge rules for retained sizes", 'devtools')
    .option('--no-progress', 'no spinner')
    .action(
      action(async (file: string, opts: Record<string, unknown>) => {
        const top = parseCount(String(opts.top), { what: '--top' });
        const classRows = parseCount(String(opts.classes), { what: '--classes' });
        const metricClasses = parseCount(String(opts.metricClasses), { what: '--metric-classes' });
        const rule = parseRule(opts.dominators);
        const startedAt = new Date();
        const progress = await makeProgress(opts.progress !== false);
        let analyzed: AnalyzedSnapshot;
        try {
          analyzed = await loadSnapshot(file, rule, progress, '');
        } finally {
          progress.stop();
        }
        const { summarizeHeap } = await import('../heap/summary.js');
        const summary = summarizeHeap(analyzed.graph, analyzed.dom, { topObjects: top, dominatorRule: rule });
        analyzed.graph.close();
        if (opts.out !== undefined || opts.json) {
          const { summaryToBaseline } = await import('../profile/snapshot-baseline.js');
          const { memkitVersion } = await import('../core/version.js');
          const baseline = summaryToBaseline(summary, {
            argv: process.argv.slice(2),
            startedAt,
            durationMs: Date.now() - startedAt.getTime(),
            metricClasses,
            toolVersion: memkitVersion(),
          });
          if (typeof opts.out === 'string') {
            const { writeBaseline } = await import('../baseline/io.js');
            writeBaseline(opts.out, baseline);
            process.stderr.write(`baseline written: ${opts.out}\n`);
          }
          if (opts.json) {
            process.stdout.write(JSON.stringify(baseline, null, 2) + '\n');
            return ExitCode.Ok;
          }
        }
        const { renderHeapSummary } = await import('../report/heap/summary.js');
        const { colorEnabled } = await import('../report/terminal/color.js');
        process.stdout.write(renderHeapSummary(summary, { color: colorEnabled(), classRows }) + '\n');
        return ExitCode.Ok;
      }),
    );

  cmd
    .command('compare')
    .description('DevTools "Comparison" by constructor: # New, # Deleted, # Delta, Alloc. Size, Freed Size, Size Delta')
    .argument('<before>', 'the earlier .heapsnapshot')
    .argument('<after>', 'the later .heapsnapshot (same process: objects are matched by id)')
    .option('--limit <n>', 'constructors to list', '30')
    .option('--json', 'print the comparison as JSON')
    .option('--no-progress', 'no spinner')
    .action(
      action(async (before: string, after: string, opts: Record<string, unknown>) => {
        const limit = parseCount(String(opts.limit), { what: '--limit' });
        const progress = await makeProgress(opts.progress !== false);
        const { compareHeaps } = await import('../heap/compare.js');
        let comparison;
        try {
          const a = await loadGraph(before, progress, '1/2 ');
          const b = await loadGraph(after, progress, '2/2 ');
          comparison = compareHeaps(a, b);
          a.close();
          b.close();
        } finally {
          progress.stop();
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
          return ExitCode.Ok;
        }
        const { renderHeapComparison } = await import('../report/heap/compare.js');
        const { colorEnabled } = await import('../report/terminal/color.js');
        process.stdout.write(renderHeapComparison(comparison, { color: colorEnabled(), limit }) + '\n');
        return ExitCode.Ok;
      }),
    );

  cmd
    .command('leaks')
    .description('objects allocated between BASE and TARGET and still alive in FINAL, by retainer path and constructor')
    .argument('<base>', 'snapshot before the action')
    .argument('<target>', 'snapshot after the action')
    .argument('<final>', 'snapshot after the action was undone or repeated')
    .option('--fail-on-leak <size>', 'exit 1 when the leaks found retain more than this (e.g. 1MB)')
    .option('--min-size <size>', 'list groups retaining at least this much', '1KB')
    .option('--growing-only', 'list only groups that also gained objects after TARGET (evenly spaced snapshots)')
    .option('--limit <n>', 'groups and constructors to list', '10')
    .option('--json', 'print the report as JSON')
    .option('--dominators <rule>', "'devtools' or 'memlab' edge rules for retained sizes", 'devtools')
    .option('--no-progress', 'no spinner')
    .action(
      action(async (base: string, target: string, final: string, opts: Record<string, unknown>) => {
        const failOnBytes = opts.failOnLeak !== undefined ? parseBytes(String(opts.failOnLeak), { what: '--fail-on-leak' }) : undefined;
        const minRetainedBytes = parseBytes(String(opts.minSize), { what: '--min-size' });
        const limit = parseCount(String(opts.limit), { what: '--limit', allowZero: false });
        const rule = parseRule(opts.dominators);
        const growingOnly = opts.growingOnly === true;
        const progress = await makeProgress(opts.progress !== false);
        let report;
        try {
          ({ report } = await findLeaksInFiles([base, target, final], { rule, limit, minRetainedBytes, growingOnly }, progress));
        } finally {
          progress.stop();
        }
        return printLeaks(report, { json: opts.json === true, failOnBytes, growingOnly });
      }),
    );

  cmd
    .command('path')
    .description('the retainer paths of one object, from the GC roots')
    .argument('<file>', '.heapsnapshot file')
    .option('--id <n>', 'the object id (the @N DevTools and memkit show)')
    .option('--name <constructor>', 'the largest (by retained size) object of this constructor')
    .option('--max-paths <n>', 'paths to show: the shortest, then one through each other direct retainer', '5')
    .option('--dominators <rule>', "'devtools' or 'memlab' edge rules for retained sizes", 'devtools')
    .option('--no-progress', 'no spinner')
    .action(
      action(async (file: string, opts: Record<string, unknown>) => {
        const hasId = opts.id !== undefined;
        const hasName = typeof opts.name === 'string';
        if (hasId === hasName) throw new UsageError('path: give exactly one of --id N or --name Constructor');
        const id = hasId ? parseCount(String(opts.id), { what: '--id' }) : undefined;
        const maxPaths = parseCount(String(opts.maxPaths), { what: '--max-paths', allowZero: false });
        const rule = parseRule(opts.dominators);
        const progress = await makeProgress(opts.progress !== false);
        let analyzed: AnalyzedSnapshot;
        try {
          analyzed = await loadSnapshot(file, rule, progress, '');
        } finally {
          progress.stop();
        }
        const { graph, dom } = analyzed;
        let ordinal: number;
        if (id !== undefined) {
          ordinal = graph.findById(id);
          if (ordinal < 0) throw new UsageError(`path: ${file} has no object with id ${id}`);
        } else {
          const cls = graph.classNames.indexOf(opts.name as string);
          if (cls < 0) throw new UsageError(`path: ${file} has no object of constructor '${opts.name}'`);
          ordinal = -1;
          for (let i = 0; i < graph.nodeCount; i++) {
            if (graph.nodeClass[i] === cls && (ordinal < 0 || dom.retainedSize[i]! > dom.retainedSize[ordinal]!)) ordinal = i;
          }
        }
        const { shortestPaths, retainerPaths, edgeLabel } = await import('../heap/retainer-paths.js');
        const { describeObject } = await import('../heap/summary.js');
        const { renderRetainerPaths } = await import('../report/heap/path.js');
        const paths = shortestPaths(graph);
        const found = retainerPaths(graph, paths, ordinal, maxPaths + 1);
        const labelled = found.slice(0, maxPaths).map((steps) =>
          steps.map((s) => ({ edge: edgeLabel(graph, s.edge), className: graph.className(s.to), id: graph.nodeId[s.to]! })),
        );
        process.stdout.write(renderRetainerPaths(describeObject(graph, dom, ordinal), labelled, { totalPaths: found.length }) + '\n');
        graph.close();
        return ExitCode.Ok;
      }),
    );
}

function parseRule(v: unknown): PageOwnershipRule {
  if (v === 'devtools' || v === 'memlab') return v;
  throw new UsageError(`--dominators: '${String(v)}' is not a rule (use devtools or memlab)`);
}

async function makeProgress(enabled: boolean): Promise<Progress> {
  const { Progress } = await import('../cli/progress.js');
  return new Progress(enabled, Number.MAX_SAFE_INTEGER);
}

/** A bad path or a bad file becomes one line and exit 2, naming the file. */
function checkReadable(path: string): void {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, expected a .heapsnapshot file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(describeFsError(err, path) ?? `${path}: cannot read (${(err as Error).message})`);
  }
}

async function asUsageErrors<T>(path: string, work: () => Promise<T>): Promise<T> {
  checkReadable(path);
  const { HeapSnapshotError } = await import('../heap/snapshot-error.js');
  try {
    return await work();
  } catch (err) {
    if (err instanceof HeapSnapshotError) throw new UsageError(err.message);
    const fsProblem = describeFsError(err, path);
    if (fsProblem) throw new UsageError(fsProblem);
    throw err;
  }
}

function parseLabel(prefix: string, path: string, p: { bytesRead: number; totalBytes: number; section: string }): string {
  const pct = p.totalBytes > 0 ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 100;
  return `${prefix}parsing ${path}: ${pct}%${p.section.startsWith('(') ? '' : ` (${p.section})`}`;
}

async function loadGraph(path: string, progress: Progress, prefix: string) {
  const { loadHeapGraph } = await import('../heap/load-snapshot.js');
  return asUsageErrors(path, () => loadHeapGraph(path, { onProgress: (p) => progress.update(parseLabel(prefix, path, p)) }));
}

async function loadSnapshot(path: string, rule: PageOwnershipRule, progress: Progress, prefix: string): Promise<AnalyzedSnapshot> {
  const { analyzeSnapshot } = await import('../heap/analyze-snapshot.js');
  return asUsageErrors(path, () =>
    analyzeSnapshot(path, {
      rule,
      onStep: (s) =>
        progress.update(s.step === 'parse' ? parseLabel(prefix, path, s.progress) : `${prefix}${path}: dominator tree and retained sizes`),
    }),
  );
}

interface LeakSettings {
  rule: PageOwnershipRule;
  limit: number;
  minRetainedBytes: number;
  growingOnly: boolean;
}

/** BASE and TARGET are reduced to their sorted ids as soon as they are read: only FINAL stays whole. */
async function findLeaksInFiles(files: [string, string, string], s: LeakSettings, progress: Progress, summaryTop?: number) {
  const { idIndex, findLeaks } = await import('../heap/leaks.js');
  const [base, target, final] = files;
  const baseGraph = await loadGraph(base, progress, '1/3 ');
  const baseIds = idIndex(baseGraph);
  baseGraph.close();
  const targetGraph = await loadGraph(target, progress, '2/3 ');
  const targetIds = idIndex(targetGraph);
  targetGraph.close();
  const analyzed = await loadSnapshot(final, s.rule, progress, '3/3 ');
  progress.update(`finding leaks in ${final}`);
  const report = findLeaks(baseIds, targetIds, analyzed.graph, analyzed.dom, s);
  let summary;
  if (summaryTop !== undefined) {
    const { summarizeHeap } = await import('../heap/summary.js');
    summary = summarizeHeap(analyzed.graph, analyzed.dom, { topObjects: summaryTop, dominatorRule: s.rule });
  }
  analyzed.graph.close();
  return { report, summary };
}

async function printLeaks(
  report: Awaited<ReturnType<typeof findLeaksInFiles>>['report'],
  opts: { json: boolean; failOnBytes?: number; growingOnly: boolean },
): Promise<number> {
  const failed = opts.failOnBytes !== undefined && report.leakedRetainedBytes > opts.failOnBytes;
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...report, failOnLeakBytes: opts.failOnBytes ?? null, failed }, null, 2) + '\n');
  } else {
    const { renderLeakReport } = await import('../report/heap/leaks.js');
    const { colorEnabled } = await import('../report/terminal/color.js');
    process.stdout.write(renderLeakReport(report, { color: colorEnabled(), failOnBytes: opts.failOnBytes, growingOnly: opts.growingOnly }) + '\n');
  }
  return failed ? ExitCode.Regression : ExitCode.Ok;
}

async function runScenarioMode(opts: Record<string, unknown>): Promise<number> {
  const steps = parseCount(String(opts.steps), { what: '--steps', allowZero: false });
  const failOnBytes = opts.failOnLeak !== undefined ? parseBytes(String(opts.failOnLeak), { what: '--fail-on-leak' }) : undefined;
  const minRetainedBytes = parseBytes(String(opts.minSize), { what: '--min-size' });
  const rule = parseRule(opts.dominators);
  // Evenly spaced snapshots of a repeated workload: a leak is what keeps growing.
  const growingOnly = opts.all !== true;
  const startedAt = new Date();
  const { captureScenarioSnapshots } = await import('../profile/scenario-snapshots.js');
  const progress = await makeProgress(opts.progress !== false);
  let captured;
  let analysis;
  try {
    captured = await captureScenarioSnapshots({
      target: { scenario: opts.scenario as string, variant: opts.variant as string | undefined, params: (opts.param as string[]) ?? [], command: [] },
      steps,
      outDir: String(opts.outDir),
      nodeArgs: (opts.nodeArg as string[]) ?? [],
      intervalMs: 100,
      onProgress: (text) => progress.update(text),
      onOutput: (chunk) => progress.print(chunk),
    });
    for (const snap of captured.snapshots) process.stderr.write(`heap snapshot after ${snap.steps} steps: ${snap.path} (${(snap.bytes / 1e6).toFixed(1)} MB)\n`);
    if (captured.interrupted) return ExitCode.Interrupted;
    if (captured.outcome.status !== 'complete' || captured.snapshots.length < 3) {
      const why = captured.outcome.statusReason ?? `the child ended after ${captured.snapshots.length} of 3 snapshots`;
      process.stderr.write(`memkit: the measured child ${captured.outcome.status === 'crashed' ? 'crashed' : 'did not finish'}: ${why}\n`);
      return captured.outcome.status === 'crashed' ? ExitCode.ChildCrashed : ExitCode.Internal;
    }
    const files = captured.snapshots.map((x) => x.path) as [string, string, string];
    analysis = await findLeaksInFiles(files, { rule, limit: 10, minRetainedBytes, growingOnly }, progress, 10);
  } finally {
    progress.stop();
  }
  const { summaryToBaseline } = await import('../profile/snapshot-baseline.js');
  const { memkitVersion } = await import('../core/version.js');
  const { writeBaseline } = await import('../baseline/io.js');
  const { describeEnvironment } = await import('../baseline/environment.js');
  const summaryPath = captured.samplesPath.replace(/\.jsonl$/, '.summary.json');
  const baseline = summaryToBaseline(analysis.summary!, {
    argv: process.argv.slice(2),
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    metricClasses: 100,
    toolVersion: memkitVersion(),
    target: captured.resolved.target,
    runId: captured.runId,
    environment: describeEnvironment(['--expose-gc', ...((opts.nodeArg as string[]) ?? [])], captured.outcome.data.hello),
    settings: captured.settings,
    notes: [`summary of the last of three snapshots (${captured.snapshots.map((x) => x.steps).join(', ')} steps)`],
  });
  baseline.extra = { ...baseline.extra, snapshots: captured.snapshots, leaks: { ...analysis.report, growingOnly } };
  writeBaseline(summaryPath, baseline);
  const { renderHeapSummary } = await import('../report/heap/summary.js');
  const { renderLeakReport } = await import('../report/heap/leaks.js');
  const { colorEnabled } = await import('../report/terminal/color.js');
  const color = colorEnabled();
  process.stdout.write(renderHeapSummary(analysis.summary!, { color, classRows: 15 }) + '\n\n');
  process.stdout.write(renderLeakReport(analysis.report, { color, failOnBytes, growingOnly }) + '\n');
  process.stderr.write(`summary baseline written: ${summaryPath}\n`);
  return failOnBytes !== undefined && analysis.report.leakedRetainedBytes > failOnBytes ? ExitCode.Regression : ExitCode.Ok;
}
