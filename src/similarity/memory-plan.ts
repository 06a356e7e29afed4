import type { SimilarityPredictionSection } from '../baseline/sections.js';
import { UsageError } from '../core/errors.js';
import { formatBytes } from '../units/format.js';
import { panelFloats } from './panel-layout.js';
import { CHUNK_BYTES } from './embeddings.js';

/**
 * Predicts the computing child's peak RSS before anything runs, and, under a memory
 * budget, chooses the micro-batch size B and the number of worker threads so that the
 * prediction fits. The terms (bytes):
 *   runtime     Node itself in the child, plus one V8 isolate per worker thread
 *               (constants measured on Node 20 / Linux x64: see docs/similarity-build.md)
 *   embeddings  the normalised float32 matrix, N x D (panel layout, N rounded up to 32)
 *   blocks      per worker: the packed micro-batch rows, B x D float32
 *   topkState   per worker: B candidate buffers of 2K+96 (score, id) pairs
 *   output      the result, rows x K x (int32 id + float32 score), shared by the workers
 *   io          one read chunk while loading / one write slice while writing
 * The old strategy (--compare) adds its full similarity rows instead of the blocks.
 */

export const RUNTIME_BYTES = 48e6;
export const WORKER_RUNTIME_BYTES = 12e6;
export const DEFAULT_MICRO_BATCH = 256;
/** The seed's old batch: cosine_similarity(batch_of_1000, all_items). */
export const OLD_BATCH_ROWS = 1000;

export interface PlanInput {
  items: number;
  /** Rows this run computes (a shard's share, or all). */
  rows: number;
  dims: number;
  modalities: number;
  k: number;
  /** Explicit choices (flag or environment); the budget chooses the rest. */
  microBatch?: number;
  workers?: number;
  maxWorkers: number;
  budgetBytes?: number;
}

export type MemoryPrediction = SimilarityPredictionSection;

export interface MemoryPlan {
  microBatch: number;
  workers: number;
  prediction: MemoryPrediction;
  /** One sentence on what the budget chose, or undefined without a budget. */
  choice?: string;
}

export function predictMicroBatch(p: PlanInput, microBatch: number, workers: number): MemoryPrediction {
  const runtimeBytes = RUNTIME_BYTES + workers * WORKER_RUNTIME_BYTES;
  const embeddingsBytes = panelFloats(p.items, p.dims) * 4;
  const blocksBytes = workers * microBatch * p.dims * 4;
  const topkStateBytes = workers * microBatch * (2 * p.k + 96) * 8;
  const outputBytes = p.rows * p.k * 8;
  const ioBytes = CHUNK_BYTES;
  return {
    runtimeBytes,
    embeddingsBytes,
    blocksBytes,
    topkStateBytes,
    outputBytes,
    ioBytes,
    totalBytes: runtimeBytes + embeddingsBytes + blocksBytes + topkStateBytes + outputBytes + ioBytes,
  };
}

/**
 * The seed's old strategy: for each block of 1000 rows, one float64 N-wide row per
 * modality (when there are several) and the combined one, plus the float32 product they
 * come from and argpartition's 8-byte index per score, all alive at once.
 */
export function predictFullRows(p: PlanInput): MemoryPrediction & { blockBytes: number } {
  const base = predictMicroBatch(p, 0, 0);
  const b = Math.min(OLD_BATCH_ROWS, p.rows);
  const perScore = 8 * (p.modalities > 1 ? p.modalities + 1 : 1) + 4 + 8;
  const blockBytes = b * p.items * perScore;
  return {
    ...base,
    blocksBytes: blockBytes,
    topkStateBytes: 0,
    totalBytes: base.totalBytes + blockBytes,
    blockBytes,
  };
}

export function planMicroBatch(p: PlanInput): MemoryPlan {
  const maxB = Math.max(1, p.rows);
  if (p.budgetBytes === undefined) {
    const microBatch = Math.min(p.microBatch ?? DEFAULT_MICRO_BATCH, maxB);
    const workers = p.workers ?? p.maxWorkers;
    return { microBatch, workers, prediction: predictMicroBatch(p, microBatch, workers) };
  }
  const budget = p.budgetBytes;
  const floor = predictMicroBatch(p, 1, 1);
  if (floor.totalBytes > budget) {
    throw new UsageError(
      `--memory-budget ${formatBytes(budget)} cannot hold even one worker with a micro-batch of 1: ` +
        `embeddings ${formatBytes(floor.embeddingsBytes)} + top-K output ${formatBytes(floor.outputBytes)} ` +
        `(${p.rows} rows x ${p.k} x 8 bytes) + runtime ${formatBytes(floor.runtimeBytes)} + I/O ${formatBytes(floor.ioBytes)} ` +
        `= ${formatBytes(floor.totalBytes)}. Raise the budget to at least ${formatBytes(floor.totalBytes)}, ` +
        `or split the rows with --shard i/n (each shard holds 1/n of the output), or lower --top-k`,
    );
  }
  const bChoices = p.microBatch !== undefined ? [Math.min(p.microBatch, maxB)] : descending(Math.min(DEFAULT_MICRO_BATCH, maxB));
  const wChoices = p.workers !== undefined ? [p.workers] : Array.from({ length: p.maxWorkers }, (_, i) => p.maxWorkers - i);
  // More threads first (speed scales with them), then the largest batch that still fits.
  for (const workers of wChoices) {
    for (const microBatch of bChoices) {
      const prediction = predictMicroBatch(p, microBatch, workers);
      if (prediction.totalBytes <= budget) {
        return {
          microBatch,
          workers,
          prediction,
          choice:
            `memory budget ${formatBytes(budget)}: chose micro-batch ${microBatch}${p.microBatch !== undefined ? ' (given)' : ''} ` +
            `and ${workers} worker thread${workers === 1 ? '' : 's'}${p.workers !== undefined ? ' (given)' : ''}, ` +
            `predicted peak ${formatBytes(prediction.totalBytes)}`,
        };
      }
    }
  }
  const b = bChoices[bChoices.length - 1]!;
  const w = wChoices[wChoices.length - 1]!;
  const best = predictMicroBatch(p, b, w);
  throw new UsageError(
    `--memory-budget ${formatBytes(budget)} is too small for --micro-batch ${b} with ${w} worker(s): ` +
      `predicted peak ${formatBytes(best.totalBytes)}; lower --micro-batch or --workers (or leave them to the budget), or raise the budget`,
  );
}

/** 256, 128, ..., 1 (from `start`). */
function descending(start: number): number[] {
  const out: number[] = [start];
  let b = 1;
  while (b * 2 < start) b *= 2;
  for (; b >= 1; b = Math.floor(b / 2)) if (b < start) out.push(b);
  return out;
}
