import type { Baseline } from '../baseline/schema.js';
import type { InterruptSignal } from '../run/interrupts.js';
import type { MetricsExporter } from '../prometheus/exporter.js';
import type { PrometheusSettings } from '../prometheus/cli-options.js';
import type { RunData } from '../samples/run-data.js';
import { ExitCode } from '../core/errors.js';

/** What gc-profile and mem-stress measured, as the command finishes it. */
export interface MeasuredResult {
  baseline: Baseline;
  baselinePath: string;
  runs: Array<{ outcome: { data: RunData; samplesPath?: string } }>;
}

/**
 * What a measuring command does once its runs are over: write the baseline, print the
 * tables (or the JSON), write the HTML report, let the Prometheus exporter serve its last
 * scrape, and turn how the runs ended into the exit code.
 */
export interface FinishedMeasurement extends MeasuredResult {
  interrupted?: InterruptSignal;
  exporter?: MetricsExporter;
}

/** What a measuring command's output options ask finishMeasurement to write. */
export function measuredOutputs(output: { json: boolean; htmlPath?: string; pprofPath?: string; foldedPath?: string }): {
  json: boolean;
  html: string | undefined;
  pprof?: string;
  folded?: string;
} {
  return { json: output.json, html: output.htmlPath, pprof: output.pprofPath, folded: output.foldedPath };
}

export async function finishMeasurement(
  result: FinishedMeasurement,
  opts: {
    json: boolean;
    html: string | undefined;
    /** --pprof / --folded: the first run's allocation sites in standard formats. */
    pprof?: string;
    folded?: string;
    prometheus: PrometheusSettings | undefined;
    render(baseline: Baseline, opts: { color: boolean }): string;
    /** Exit code for a run that ended normally (mem-stress: 1 when an assertion failed). */
    verdict?(): number;
  },
): Promise<number> {
  const [{ writeBaseline }, { colorEnabled }] = await Promise.all([import('../baseline/io.js'), import('../report/terminal/color.js')]);
  try {
    writeBaseline(result.baselinePath, result.baseline);
    if (opts.json) process.stdout.write(JSON.stringify(result.baseline, null, 2) + '\n');
    else process.stdout.write(opts.render(result.baseline, { color: colorEnabled() }) + '\n');
    process.stderr.write(`baseline written: ${result.baselinePath}\n`);
    await writeRunOutputs(result, { json: opts.json, html: opts.html, color: colorEnabled() });
    if (opts.pprof !== undefined || opts.folded !== undefined) await writeAllocOutputs(result, opts.pprof, opts.folded);
  } finally {
    if (result.exporter) {
      const { finishExporter } = await import('../prometheus/attach.js');
      await finishExporter(result.exporter, opts.prometheus, { interrupted: result.interrupted !== undefined });
    }
  }
  if (result.baseline.status === 'crashed') {
    process.stderr.write(`memkit: the measured child crashed: ${result.baseline.statusReason ?? 'unknown reason'}\n`);
    return ExitCode.ChildCrashed;
  }
  if (result.interrupted) return ExitCode.Interrupted;
  return opts.verdict?.() ?? ExitCode.Ok;
}

/**
 * After the tables: on a TTY a sparkline of RSS and heap, and with --html FILE the HTML
 * report of the runs just measured.
 */
async function writeRunOutputs(result: MeasuredResult, opts: { json: boolean; html: string | undefined; color: boolean }): Promise<void> {
  const first = result.runs[0]?.outcome.data;
  if (!opts.json && process.stdout.isTTY && first) {
    const { renderMemorySparklines, sparkWidth } = await import('../report/terminal/sparkline.js');
    const spark = renderMemorySparklines(first, { width: sparkWidth(process.stdout.columns), color: opts.color });
    if (spark) process.stdout.write('\n' + spark + '\n');
  }
  if (opts.html !== undefined) {
    const { writeLiveHtmlReport } = await import('../report/html/write-report.js');
    writeLiveHtmlReport(opts.html, result.baselinePath, result.baseline, result.runs.map((r) => r.outcome));
    process.stderr.write(`report written: ${opts.html}\n`);
  }
}

/**
 * --pprof / --folded: the first run's sites (each run is its own profile; `go tool pprof`
 * merges files given together). A run without a profile writes nothing and says so.
 */
async function writeAllocOutputs(result: MeasuredResult, pprofPath: string | undefined, foldedPath: string | undefined): Promise<void> {
  const [{ allocSitesOfRun }, { writeFileAtomic }] = await Promise.all([import('../analyze/alloc-run.js'), import('../core/atomic-write.js')]);
  const first = result.runs[0]?.outcome.data;
  const sites = first ? allocSitesOfRun(first, process.cwd()) : undefined;
  const which = result.runs.length > 1 ? ` (run 1 of ${result.runs.length})` : '';
  if (!sites) {
    process.stderr.write(`memkit: warning: no allocation profile in the run: ${[pprofPath, foldedPath].filter(Boolean).join(' and ')} not written\n`);
    return;
  }
  if (pprofPath !== undefined) {
    const { encodeAllocPprof } = await import('../report/alloc/pprof.js');
    const startMs = first?.header?.startedAtMs ?? Date.now();
    const defaultView = sites.tree.views.includes('allocated') ? 'allocated' : 'inuse'; // a Python run has the in-use view only
    writeFileAtomic(pprofPath, await encodeAllocPprof(sites.tree, { startMs, durationMs: sites.seconds * 1000, defaultView, source: sites.source }));
    process.stderr.write(`pprof profile written: ${pprofPath}${which}\n`);
  }
  if (foldedPath !== undefined) {
    const { renderFolded } = await import('../report/alloc/folded.js');
    // Collapsed stacks carry one figure, the allocated bytes; a Python run (tracemalloc) has no
    // allocated view, so it gets its in-use bytes, and says so.
    const inuseOnly = !sites.tree.views.includes('allocated');
    writeFileAtomic(foldedPath, renderFolded(sites.tree, inuseOnly ? 'inuse-space' : 'alloc-space'));
    process.stderr.write(`collapsed stacks written: ${foldedPath}${which}${inuseOnly ? " (in-use bytes at the end: tracemalloc measures no allocated view)" : ''}\n`);
  }
}
