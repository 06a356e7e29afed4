import type { InputSpec } from './inputs.js';
import type { KernelChoice } from './kernel-loader.js';
import type { OutputFormat } from './manifest.js';

/** Messages between `memkit similarity-build` (parent) and its computing child. */

export type Strategy = 'micro-batch' | 'full-rows';

export interface SimilarityJob {
  strategy: Strategy;
  inputs: InputSpec[];
  /** Input descriptions for the manifest (paths as the user gave them). */
  inputLabels: string[];
  weights: number[];
  k: number;
  microBatch: number;
  workers: number;
  kernel: KernelChoice;
  rowStart: number;
  rowEnd: number;
  shard: { index: number; count: number } | null;
  /** Where to write the neighbours; null: compute and measure only (--compare runs). */
  output: { dir: string; format: OutputFormat } | null;
}

export type ChildMessage =
  | { type: 'loaded'; items: number; dims: number; zeroRows: number; fingerprint: string; loadMs: number }
  | { type: 'progress'; rowsDone: number; rows: number }
  | { type: 'computed'; computeMs: number; candidates: number; compactions: number; kernel: string }
  | { type: 'written'; writeMs: number; files: string[] }
  | { type: 'usage-error'; message: string }
  | { type: 'done' };

export type ParentMessage = { type: 'job'; job: SimilarityJob } | { type: 'exit' };
