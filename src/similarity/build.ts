import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { writeBaseline } from '../baseline/io.js';
import type { Baseline, ParamValue } from '../baseline/schema.js';
import type { SimilarityBuildExtra } from '../baseline/sections.js';
import { buildSimilarityBaseline } from './baseline-doc.js';
import type { SimilarityJob, Strategy } from './child-protocol.js';
import { checkSameItems, describeInput, type InputSpec } from './inputs.js';
import type { KernelChoice } from './kernel-loader.js';
import type { OutputFormat } from './manifest.js';
import { runSimilarityJob, type SimilarityRun, type SimilarityRunOptions } from './job-run.js';
import { planMicroBatch, predictFullRows, type MemoryPlan, type MemoryPrediction, type PlanInput } from './memory-plan.js';
import { shardRows, type Shard } from './shard.js';

/**
 * similarity-build's work, between the command (options in, text out) and the child
 * (computation): plan the run from the inputs and the budget, run it measured, and turn
 * the measurement into a baseline. Returns typed results; prints nothing.
 */

export interface BuildRequest {
  inputs: InputSpec[];
  inputLabels: string[];
  weights: number[];
  k: number;
  microBatch?: number;
  workers?: number;
  maxWorkers: number;
  budgetBytes?: number;
  kernel: KernelChoice;
  shard: Shard | null;
  outDir: string;
  format: OutputFormat;
  baselinePath: string;
  sampleIntervalMs: number;
  argv: string[];
  /** Where each choice came from, for the baseline ("flag", "SIMILARITY_TOP_K", "budget", "default"). */
  sources: Record<string, string>;
}

export interface BuildPlan {
  req: BuildRequest;
  items: number;
  dims: number;
  rows: { start: number; end: number };
  k: number;
  /** Set when --top-k was more than N-1 and was lowered. */
  kClippedFrom?: number;
  memory: MemoryPlan;
  planInput: PlanInput;
}

export function planBuild(req: BuildRequest): BuildPlan {
  const items = checkSameItems(req.inputs);
  const dims = req.inputs.reduce((s, x) => s + x.cols, 0);
  const rows = req.shard ? shardRows(req.shard, items) : { start: 0, end: items };
  const k = Math.min(req.k, items - 1);
  const planInput: PlanInput = {
    items,
    rows: rows.end - rows.start,
    dims,
    modalities: req.inputs.length,
    k,
    ...(req.microBatch !== undefined ? { microBatch: req.microBatch } : {}),
    ...(req.workers !== undefined ? { workers: req.workers } : {}),
    maxWorkers: req.maxWorkers,
    ...(req.budgetBytes !== undefined ? { budgetBytes: req.budgetBytes } : {}),
  };
  const memory = planMicroBatch(planInput);
  return { req, items, dims, rows, k, ...(k < req.k ? { kClippedFrom: req.k } : {}), memory, planInput };
}

function jobFor(plan: BuildPlan, strategy: Strategy, withOutput: boolean): SimilarityJob {
  const { req } = plan;
  return {
    strategy,
    inputs: req.inputs,
    inputLabels: req.inputLabels,
    weights: req.weights,
    k: plan.k,
    microBatch: plan.memory.microBatch,
    workers: plan.memory.workers,
    kernel: req.kernel,
    rowStart: plan.rows.start,
    rowEnd: plan.rows.end,
    shard: req.shard,
    output: withOutput ? { dir: req.outDir, format: req.format } : null,
  };
}

export interface BuildHooks {
  onProgress?: (rowsDone: number, rows: number) => void;
  /** The embeddings are loaded: the computation starts now. */
  onLoaded?: () => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  run: SimilarityRun;
  baseline: Baseline;
  baselinePath: string;
  samplesPath: string;
}

export async function executeBuild(plan: BuildPlan, hooks: BuildHooks): Promise<BuildResult> {
  const { req } = plan;
  ensureDir(req.outDir);
  const samplesPath = join(req.outDir, 'samples.jsonl');
  const runId = newRunId();
  const run = await runSimilarityJob(jobFor(plan, 'micro-batch', true), measureOpts(plan, hooks, { runId, index: 0, samplesPath }));
  const baseline = baselineFor(plan, run, runId, samplesPath, {});
  writeBaseline(req.baselinePath, baseline);
  return { run, baseline, baselinePath: req.baselinePath, samplesPath };
}

export interface CompareEntry {
  strategy: Strategy;
  prediction: MemoryPrediction;
  run?: SimilarityRun;
  refused?: string;
}

export interface CompareResult {
  entries: CompareEntry[];
  guardBytes: number;
  baseline?: Baseline;
  baselinePath: string;
}

/**
 * --compare: the seed's old strategy (1000-row blocks of full similarity rows) and the
 * micro-batch one on the same data, each in its own measured child. The old one is
 * refused, not run, when its predicted peak exceeds the guard (the budget, or the memory
 * available now), since running it would exhaust the machine.
 */
export async function executeCompare(plan: BuildPlan, guardBytes: number, hooks: BuildHooks & { onStart?: (s: Strategy) => void }): Promise<CompareResult> {
  const entries: CompareEntry[] = [];
  const outDir = plan.req.outDir;
  ensureDir(outDir);
  const runId = newRunId();
  // Each strategy's run keeps its samples: an old strategy that runs out of memory leaves
  // every sample until then.
  const samplesOf = (strategy: Strategy, index: number) => ({ runId, index, samplesPath: join(outDir, `samples-${strategy}.jsonl`) });
  const oldPrediction = predictFullRows(plan.planInput);
  const old: CompareEntry = { strategy: 'full-rows', prediction: oldPrediction };
  if (oldPrediction.totalBytes > guardBytes) {
    old.refused = `refused: predicted ${fmt(oldPrediction.totalBytes)} > ${fmt(guardBytes)} allowed`;
  } else {
    hooks.onStart?.('full-rows');
    old.run = await runSimilarityJob(jobFor(plan, 'full-rows', false), measureOpts(plan, hooks, samplesOf('full-rows', 0)));
  }
  entries.push(old);
  hooks.onStart?.('micro-batch');
  const fresh: CompareEntry = {
    strategy: 'micro-batch',
    prediction: plan.memory.prediction,
    run: await runSimilarityJob(jobFor(plan, 'micro-batch', false), measureOpts(plan, hooks, samplesOf('micro-batch', 1))),
  };
  entries.push(fresh);
  const baseline = baselineFor(plan, fresh.run!, runId, fresh.run!.samplesPath, {
    compare: entries.map((e) => ({
      strategy: e.strategy,
      predictedPeakBytes: e.prediction.totalBytes,
      ...(e.run ? { peakRssBytes: e.run.peakRssBytes, computeMs: e.run.computed?.computeMs ?? null, status: e.run.status } : {}),
      ...(e.refused ? { refused: e.refused } : {}),
    })),
    compareGuardBytes: guardBytes,
  });
  writeBaseline(plan.req.baselinePath, baseline);
  return { entries, guardBytes, baseline, baselinePath: plan.req.baselinePath };
}

function measureOpts(plan: BuildPlan, hooks: BuildHooks, run: Pick<SimilarityRunOptions, 'runId' | 'index' | 'samplesPath'>): SimilarityRunOptions {
  return {
    ...run,
    sampleIntervalMs: plan.req.sampleIntervalMs,
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(hooks.onLoaded ? { onPhase: (p) => p.phase === 'loaded' && hooks.onLoaded!() } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  };
}

/** One id for the build's runs (a --compare has two), in the baseline and each samples file. */
function newRunId(): string {
  return `similarity-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
}

function fmt(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** Creates the output folder; a path that cannot be one is bad input (exit 2), said plainly. */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way (it must be a folder)'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : (err as Error).message;
    throw new UsageError(`cannot create the output folder ${dir}: ${why}`);
  }
}

function baselineFor(
  plan: BuildPlan,
  run: SimilarityRun,
  runId: string,
  samplesPath: string,
  compare: Omit<SimilarityBuildExtra, 'similarity'>,
): Baseline {
  const { req } = plan;
  const rows = plan.rows.end - plan.rows.start;
  const computeMs = run.computed?.computeMs;
  const predicted = plan.memory.prediction.totalBytes;
  const metrics: Record<string, number> = {
    'rss.peak_bytes': run.peakRssBytes,
    'similarity.predicted_peak_bytes': predicted,
    'similarity.peak_prediction_ratio': run.peakRssBytes / predicted,
    duration_ms: run.wallMs,
  };
  if (run.hwmRssBytes !== undefined) metrics['similarity.rss_hwm_bytes'] = run.hwmRssBytes;
  if (run.loaded) metrics['similarity.load_ms'] = run.loaded.loadMs;
  if (run.written) metrics['similarity.write_ms'] = run.written.writeMs;
  if (computeMs !== undefined) {
    metrics['similarity.compute_ms'] = computeMs;
    metrics['similarity.items_per_s'] = (rows * 1000) / computeMs;
    metrics['similarity.gflop_per_s'] = (2 * rows * plan.items * plan.dims) / (computeMs / 1000) / 1e9;
  }
  const params: Record<string, ParamValue> = {
    items: plan.items,
    dims: plan.dims,
    rows,
    topK: plan.k,
    weights: req.weights.join(','),
    inputs: req.inputs.map(describeInput).join(' + '),
  };
  if (req.shard) params.shard = `${req.shard.index}/${req.shard.count}`;
  return buildSimilarityBaseline({
    argv: req.argv,
    runId,
    description: `top-${plan.k} cosine neighbours of ${plan.items} items (${plan.dims} dims)`,
    params,
    settings: {
      microBatch: plan.memory.microBatch,
      workers: plan.memory.workers,
      kernel: run.computed?.kernel ?? req.kernel,
      memoryBudgetBytes: req.budgetBytes ?? null,
      format: req.format,
      sampleIntervalMs: req.sampleIntervalMs,
      ...Object.fromEntries(Object.entries(req.sources).map(([k, v]) => [`${k}Source`, v])),
    },
    run,
    baselinePath: req.baselinePath,
    samplesPath,
    metrics,
    notes: [
      'computed in a child process; RSS sampled from outside plus the kernel high-water mark (VmHWM) read before it exited',
      ...(plan.kClippedFrom ? [`--top-k ${plan.kClippedFrom} lowered to ${plan.k}: there are only ${plan.items - 1} other items`] : []),
    ],
    extra: {
      similarity: {
        prediction: plan.memory.prediction,
        ...(plan.memory.choice ? { budgetChoice: plan.memory.choice } : {}),
        rows: plan.rows,
        candidatesPerRow: run.computed ? run.computed.candidates / rows : null,
        kernel: run.computed?.kernel ?? null,
        files: run.written?.files ?? [],
        fingerprint: run.loaded?.fingerprint ?? null,
        zeroRows: run.loaded?.zeroRows ?? 0,
      },
      ...compare,
    },
  });
}
