import type { ErrorMessage, JobDoneMessage, JobParentMessage, JobProgressMessage } from '../samples/protocol.js';
import type { InputSpec } from './inputs.js';
import type { KernelChoice } from './kernel-loader.js';
import type { OutputFormat } from './manifest.js';

/**
 * Messages between `memkit similarity-build` (parent) and its computing child: a job child
 * of memkit's one child runtime (src/run/job-child.ts), so its phases are `job-phase`
 * records in the run's samples file, beside the outside RSS samples.
 */

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

/** The phases the child names as each ends, with their figures. */
export type SimilarityPhase =
  | { type: 'job-phase'; phase: 'loaded'; tMs: number; items: number; dims: number; zeroRows: number; fingerprint: string; loadMs: number }
  | { type: 'job-phase'; phase: 'computed'; tMs: number; computeMs: number; candidates: number; compactions: number; kernel: string }
  | { type: 'job-phase'; phase: 'written'; tMs: number; writeMs: number; files: string[] };

export type PhaseOf<N extends SimilarityPhase['phase']> = Extract<SimilarityPhase, { phase: N }>;

/** Bad input found only in the child (a non-finite value in an input) is an ErrorMessage with usage: true. */
export type ChildMessage = SimilarityPhase | JobProgressMessage | JobDoneMessage | ErrorMessage;

export type ParentMessage = JobParentMessage<SimilarityJob>;
