import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { parseBytes, parseCount, parseDurationMs } from '../units/parse.js';

/**
 * `memkit similarity-build`: exact top-K cosine neighbours of N embeddings, computed in
 * a measured child under a memory budget. This module parses options and renders; the
 * planner, the child, the kernel and the writers are imported inside the action only,
 * so `memkit --help` never loads them.
 */

interface BuildOptions {
  input?: string[];
  dim?: string;
  synthetic?: string;
  seed: string;
  weights?: string;
  topK?: string;
  microBatch?: string;
  workers?: string;
  memoryBudget?: string;
  out: string;
  format: string;
  shard?: string;
  compare?: boolean;
  baseline?: string;
  kernel: string;
  interval: string;
  progress: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerSimilarityBuild(program: Command): void {
  const cmd = program
    .command('similarity-build')
    .description('exact top-K cosine neighbours of N embeddings in micro-batches under a memory budget; predicted and measured peak memory')
    .option('--input <file>', 'N x D matrix: .npy (float32/float64, C order) or raw float32 with --dim; repeat for several modalities', collect)
    .option('--dim <n>', 'dimensions of raw little-endian float32 --input files')
    .option('--synthetic <NxD>', 'generate N x D standard-normal embeddings instead of reading files (e.g. 100000x128)')
    .option('--seed <n>', 'seed of --synthetic', '1')
    .option('--weights <w1,w2,...>', 'weight of each --input modality in the summed cosine (default: equal)')
    .option('--top-k <K>', 'neighbours kept per item (default: $SIMILARITY_TOP_K, else 200)')
    .option('--micro-batch <B>', 'rows per micro-batch (default: $SIMILARITY_MICRO_BATCH_SIZE, else chosen by the budget, else 256)')
    .option('--workers <n>', 'worker threads (default: chosen by the budget, else one per core)')
    .option('--memory-budget <size>', 'choose the micro-batch and workers so the predicted peak fits, e.g. 2GB')
    .option('--out <dir>', 'output folder', 'reports/neighbors')
    .option('--format <fmt>', 'bin (compact binary), npy (ids + scores .npy pair) or jsonl', 'bin')
    .option('--shard <i/n>', 'compute only rows of shard i of n (auto/n: i from $JOB_COMPLETION_INDEX)')
    .option('--compare', "run the seed's old strategy (1000-row blocks of full similarity rows) and the micro-batch one; print the table")
    .option('--baseline <file>', 'where to write the baseline (default: <out>/baseline.json)')
    .option('--kernel <name>', 'auto, avx512, avx2, generic (native) or js', 'auto')
    .option('--interval <ms>', 'RSS sampling interval', '50ms')
    .option('--no-progress', 'no progress output')
    .action(action(async (opts: BuildOptions, command: Command) => runBuild(opts, command)));

  cmd
    .command('merge')
    .description('join the outputs of --shard i/n runs into one output')
    .argument('<shard-dirs...>', 'output folders of the shards, in any order')
    .requiredOption('--out <dir>', 'folder of the merged output')
    .action(
      action(async (dirs: string[], opts: { out: string }) => {
        const { mergeShards } = await import('../similarity/merge.js');
        const { formatBytes } = await import('../units/format.js');
        const res = mergeShards(dirs, opts.out);
        process.stdout.write(
          `Merged ${res.shards} shards: ${res.manifest.items} items x top-${res.manifest.topK} (${res.manifest.format}, ${formatBytes(res.bytesWritten)}) into ${opts.out}\n`,
        );
        return ExitCode.Ok;
      }),
    );
}

async function runBuild(opts: BuildOptions, command: Command): Promise<number> {
  const { availableParallelism } = await import('node:os');
  const { join } = await import('node:path');
  const inputs = await import('../similarity/inputs.js');
  const { parseSyntheticShape } = await import('../similarity/synthetic.js');
  const { parseShard } = await import('../similarity/shard.js');
  const { KERNEL_CHOICES } = await import('../similarity/kernel-loader.js');
  const { OUTPUT_FORMATS } = await import('../similarity/manifest.js');

  const sources: Record<string, string> = {};
  const fromFlagOrEnv = (flag: string | undefined, flagName: string, envName: string, key: string): number | undefined => {
    if (flag !== undefined) {
      sources[key] = 'flag';
      return parseCount(flag, { what: flagName, allowZero: false });
    }
    const env = process.env[envName];
    if (env !== undefined && env.trim() !== '') {
      sources[key] = envName;
      return parseCount(env, { what: `${envName} (environment)`, allowZero: false });
    }
    return undefined;
  };

  if (opts.synthetic !== undefined && opts.input?.length) throw new UsageError('give either --input or --synthetic, not both');
  if (opts.synthetic === undefined && !opts.input?.length) {
    throw new UsageError('nothing to compute: give --input items.npy (repeat for several modalities) or --synthetic 100000x128');
  }
  const dim = opts.dim !== undefined ? parseCount(opts.dim, { what: '--dim', allowZero: false }) : undefined;
  const specs =
    opts.synthetic !== undefined
      ? [inputs.syntheticInput(parseSyntheticShape(opts.synthetic), parseCount(opts.seed, { what: '--seed' }))]
      : opts.input!.map((p) => inputs.resolveFileInput(p, dim));
  const labels = opts.synthetic !== undefined ? [`synthetic:${opts.synthetic}:seed=${opts.seed}`] : opts.input!;
  const weights = inputs.parseWeights(opts.weights, specs.length);
  const k = fromFlagOrEnv(opts.topK, '--top-k', 'SIMILARITY_TOP_K', 'topK') ?? 200;
  sources.topK ??= 'default';
  const microBatch = fromFlagOrEnv(opts.microBatch, '--micro-batch', 'SIMILARITY_MICRO_BATCH_SIZE', 'microBatch');
  const workers = opts.workers !== undefined ? parseCount(opts.workers, { what: '--workers', allowZero: false }) : undefined;
  const budgetBytes = opts.memoryBudget !== undefined ? parseBytes(opts.memoryBudget, { what: '--memory-budget', allowZero: false }) : undefined;
  if (!OUTPUT_FORMATS.includes(opts.format as never)) throw new UsageError(`--format: '${opts.format}' is not one of ${OUTPUT_FORMATS.join(', ')}`);
  if (!KERNEL_CHOICES.includes(opts.kernel as never)) throw new UsageError(`--kernel: '${opts.kernel}' is not one of ${KERNEL_CHOICES.join(', ')}`);
  const shard = opts.shard !== undefined ? parseShard(opts.shard) : null;
  if (shard && opts.compare) throw new UsageError('--compare runs on all rows; leave out --shard');
  const sampleIntervalMs = parseDurationMs(opts.interval, { what: '--interval', defaultUnit: 'ms', allowZero: false });

  const { planBuild, executeBuild, executeCompare, ensureDir } = await import('../similarity/build.js');
  ensureDir(opts.out); // before any plan is printed or child started
  const plan = planBuild({
    inputs: specs,
    inputLabels: labels,
    weights,
    k,
    ...(microBatch !== undefined ? { microBatch } : {}),
    ...(workers !== undefined ? { workers } : {}),
    maxWorkers: availableParallelism(),
    ...(budgetBytes !== undefined ? { budgetBytes } : {}),
    kernel: opts.kernel as never,
    shard,
    outDir: opts.out,
    format: opts.format as never,
    baselinePath: opts.baseline ?? join(opts.out, 'baseline.json'),
    sampleIntervalMs,
    argv: process.argv.slice(2),
    sources,
  });
  if (plan.memory.choice) sources.microBatch ??= 'budget';
  sources.microBatch ??= 'default';

  const { predictionLine } = await import('../report/similarity/summary.js');
  const progressUi = await import('../report/similarity/progress.js');
  const out = (line: string) => process.stdout.write(line + '\n');

  const rows = plan.rows.end - plan.rows.start;
  const inputText = specs.map(inputs.describeInput).join(' + ');
  out(`Input: ${inputText}${specs.length > 1 ? `, weights ${weights.join(',')}` : ''}`);
  if (plan.kClippedFrom) out(`Note: --top-k ${plan.kClippedFrom} lowered to ${plan.k}: there are only ${plan.items - 1} other items`);
  if (shard) out(`Shard ${shard.index}/${shard.count}: rows ${plan.rows.start}..${plan.rows.end - 1} against all ${plan.items} items`);
  if (plan.memory.choice) out(`Memory budget: ${plan.memory.choice.replace(/^memory budget [^:]*: /, '')}`);
  out(predictionLine(plan.memory.prediction));
  out(progressUi.startLine(rows, plan.memory.microBatch, plan.k, plan.memory.workers));

  const progress = opts.progress ? await makeProgress(rows, progressUi) : undefined;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    if (opts.compare) {
      const { availableMemoryBytes } = await import('../similarity/available-memory.js');
      const { renderCompareTable } = await import('../report/similarity/compare.js');
      const { colorEnabled } = await import('../report/terminal/color.js');
      const guard = budgetBytes ?? availableMemoryBytes();
      const res = await executeCompare(plan, guard, {
        signal: controller.signal,
        onStart: (s) => {
          progress?.restart(s === 'full-rows' ? 'old strategy (1000-row blocks)' : 'micro-batch strategy');
        },
        ...(progress ? { onProgress: progress.update, onLoaded: progress.computeStarted } : {}),
      });
      progress?.stop();
      if (res.entries.some((e) => e.run?.status === 'interrupted')) return ExitCode.Interrupted;
      out(
        renderCompareTable(
          res.entries.map((e) => ({
            items: plan.items,
            strategy: e.strategy === 'full-rows' ? 'old: blocks of 1000 rows, full rows' : `micro-batch ${plan.memory.microBatch} + top-K`,
            ...(e.run?.status === 'complete' ? { peakRssBytes: e.run.peakRssBytes, timeMs: e.run.computed!.computeMs } : {}),
            predictedBytes: e.prediction.totalBytes,
            ...(e.refused ? { note: e.refused } : e.run && e.run.status !== 'complete' ? { note: e.run.statusReason ?? 'failed' } : {}),
          })),
          colorEnabled(),
        ),
      );
      out(`Baseline: ${res.baselinePath}`);
      const crashed = res.entries.some((e) => e.run && e.run.status === 'crashed');
      return crashed ? ExitCode.ChildCrashed : ExitCode.Ok;
    }

    const res = await executeBuild(plan, {
      signal: controller.signal,
      ...(progress ? { onProgress: progress.update, onLoaded: progress.computeStarted } : {}),
    });
    progress?.stop();
    if (res.run.status === 'interrupted') {
      process.stderr.write(`memkit: interrupted; partial baseline written to ${res.baselinePath}\n`);
      return ExitCode.Interrupted;
    }
    if (res.run.status === 'crashed') {
      process.stderr.write(`memkit: error: ${res.run.statusReason}\n`);
      if (res.run.stderrTail && command.optsWithGlobals().debug) process.stderr.write(res.run.stderrTail + '\n');
      return ExitCode.ChildCrashed;
    }
    const { renderResult } = await import('../report/similarity/summary.js');
    const r = res.run;
    out(
      renderResult({
        rows,
        items: plan.items,
        dims: plan.dims,
        k: plan.k,
        workers: plan.memory.workers,
        kernel: r.computed!.kernel,
        computeMs: r.computed!.computeMs,
        wallMs: r.wallMs,
        loadMs: r.loaded!.loadMs,
        ...(r.written ? { writeMs: r.written.writeMs } : {}),
        candidatesPerRow: r.computed!.candidates / rows,
        predictedBytes: plan.memory.prediction.totalBytes,
        peakRssBytes: r.peakRssBytes,
        sampledPeakRssBytes: r.sampledPeakRssBytes,
        ...(r.hwmRssBytes !== undefined ? { hwmRssBytes: r.hwmRssBytes } : {}),
        files: r.written?.files ?? [],
        baselinePath: res.baselinePath,
        zeroRows: r.loaded!.zeroRows,
        kernelAuto: opts.kernel === 'auto',
      }),
    );
    return ExitCode.Ok;
  } finally {
    progress?.stop();
    process.removeListener('SIGINT', onSigint);
  }
}

interface ProgressSink {
  update: (done: number, total: number) => void;
  /** Rates and ETA count from here (after loading). */
  computeStarted: () => void;
  restart: (label: string) => void;
  stop: () => void;
}

/**
 * A spinner line with rate and ETA on a TTY (src/cli/progress.ts); the seed's
 * "Progress: 25000/500000 items (5.0%)" log lines, one per 5 % step, otherwise (stderr).
 */
async function makeProgress(total: number, ui: typeof import('../report/similarity/progress.js')): Promise<ProgressSink> {
  const { Progress } = await import('../cli/progress.js');
  const progress = new Progress(true);
  let t0 = performance.now();
  let lastStep = 0;
  return {
    update: (done, all) => {
      if (progress.isTty) {
        progress.update(ui.progressLineTty(done, all, performance.now() - t0));
        return;
      }
      const step = ui.progressStep(done, all);
      if (step !== lastStep) {
        lastStep = step;
        progress.print(ui.progressLine(done, all) + '\n');
      }
    },
    computeStarted: () => {
      t0 = performance.now();
    },
    restart: (label) => {
      t0 = performance.now();
      lastStep = 0;
      if (progress.isTty) progress.update(`${label}: ${ui.progressLine(0, total)}`);
      else progress.print(`${label}\n`);
    },
    stop: () => progress.stop(),
  };
}
