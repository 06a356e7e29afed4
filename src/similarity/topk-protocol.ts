import type { KernelChoice } from './kernel-loader.js';

/**
 * What the micro-batch scheduler and its top-K worker threads exchange: the job, the
 * shared buffers each worker fills, and the worker's messages back.
 */

export interface MicroBatchJob {
  panels: Float32Array;
  items: number;
  dims: number;
  rowStart: number;
  rowEnd: number;
  k: number;
  microBatch: number;
  workers: number;
  kernel: KernelChoice;
}

export interface TopkWorkerData extends Omit<MicroBatchJob, 'workers'> {
  /** Int32Array over a SharedArrayBuffer: [next batch index]. */
  counter: Int32Array;
  outIds: Int32Array;
  outScores: Float32Array;
}

export type TopkWorkerMessage =
  | { type: 'batch'; rows: number; candidates: number; compactions: number }
  | { type: 'done'; kernel: string };
