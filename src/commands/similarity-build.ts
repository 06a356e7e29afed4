import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { collect } from '../cli/options/flag.js';
import type { Raw } from '../cli/options/flags.js';
import { addProgressOption } from '../cli/options/output.js';
import { addIntervalOption, parseIntervalMs } from '../cli/options/run.js';
import { ExitCode } from '../core/errors.js';
import { parseBytes, parseCount } from '../units/parse.js';
import type { SimilarityBuildOptions } from '../similarity/build-request.js';

/**
 * `memkit similarity-build`: exact top-K cosine neighbours of N embeddings, computed in
 * a measured child under a memory budget. This module parses options, hands them to
 * similarity/ and renders; the planner, the child, the kernel and the writers are
 * imported inside the action only, so `memkit --help` never loads them.
 */

export type SimilarityBuildRaw = Raw<'interval' | 'progress'> & {
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
  compare?: true;
  baseline?: string;
  kernel: string;
};

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
    .option('--kernel <name>', 'auto, avx512, avx2, generic (native) or js', 'auto');
  addIntervalOption(cmd, '50ms');
  addProgressOption(cmd).action(action(async (opts: SimilarityBuildRaw, command: Command) => runBuild(parseSimilarityOptions(opts), opts.progress, command)));

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

/** The checks that need only the units parsers; similarity/build-request.ts does the rest. */
export function parseSimilarityOptions(raw: SimilarityBuildRaw): SimilarityBuildOptions {
  const count = (text: string | undefined, what: string, allowZero = false) => (text !== undefined ? parseCount(text, { what, allowZero }) : undefined);
  return {
    inputs: raw.input ?? [],
    dim: count(raw.dim, '--dim'),
    synthetic: raw.synthetic,
    seed: parseCount(raw.seed, { what: '--seed' }),
    weights: raw.weights,
    topK: count(raw.topK, '--top-k'),
    microBatch: count(raw.microBatch, '--micro-batch'),
    workers: count(raw.workers, '--workers'),
    budgetBytes: raw.memoryBudget !== undefined ? parseBytes(raw.memoryBudget, { what: '--memory-budget', allowZero: false }) : undefined,
    outDir: raw.out,
    format: raw.format,
    shard: raw.shard,
    compare: raw.compare === true,
    baselinePath: raw.baseline,
    kernel: raw.kernel,
    sampleIntervalMs: parseIntervalMs(raw.interval),
    argv: process.argv.slice(2),
  };
}

async function runBuild(options: SimilarityBuildOptions, showProgress: boolean, command: Command): Promise<number> {
  const [{ prepareBuild }, { executeBuild, executeCompare }, report] = await Promise.all([
    import('../similarity/build-request.js'),
    import('../similarity/build.js'),
    import('../report/similarity/build-report.js'),
  ]);
  const plan = prepareBuild(options);
  process.stdout.write(report.renderPlan(plan) + '\n');

  const progress = showProgress ? (await import('../cli/similarity-progress.js')).similarityProgress(plan.rows.end - plan.rows.start) : undefined;
  const hooks = progress ? { onProgress: progress.update, onLoaded: progress.computeStarted } : {};
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    if (options.compare) {
      const [{ availableMemoryBytes }, { colorEnabled }] = await Promise.all([
        import('../similarity/available-memory.js'),
        import('../report/terminal/color.js'),
      ]);
      const res = await executeCompare(plan, options.budgetBytes ?? availableMemoryBytes(), {
        signal: controller.signal,
        onStart: (s) => progress?.restart(s === 'full-rows' ? 'old strategy (1000-row blocks)' : 'micro-batch strategy'),
        ...hooks,
      });
      progress?.stop();
      if (res.entries.some((e) => e.run?.status === 'interrupted')) return ExitCode.Interrupted;
      process.stdout.write(report.renderCompareResult(plan, res, colorEnabled()) + '\n');
      return res.entries.some((e) => e.run?.status === 'crashed') ? ExitCode.ChildCrashed : ExitCode.Ok;
    }

    const res = await executeBuild(plan, { signal: controller.signal, ...hooks });
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
    process.stdout.write(report.renderBuildResult(plan, res) + '\n');
    return ExitCode.Ok;
  } finally {
    progress?.stop();
    process.removeListener('SIGINT', onSigint);
  }
}
