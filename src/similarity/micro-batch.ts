import { Worker } from 'node:worker_threads';
import type { MicroBatchJob, TopkWorkerData, TopkWorkerMessage } from './topk-protocol.js';

export type { MicroBatchJob };

/**
 * The micro-batch strategy: worker threads share the embeddings and the output arrays
 * (SharedArrayBuffers) and take micro-batches of B rows from a shared counter; each batch
 * is computed against all N columns with only B rows of top-K state alive per thread.
 */

export interface TopkResult {
  ids: Int32Array;
  scores: Float32Array;
  candidates: number;
  compactions: number;
  kernelName: string;
}

export function runMicroBatches(job: MicroBatchJob, onRows: (rowsDone: number) => void): Promise<TopkResult> {
  const rows = job.rowEnd - job.rowStart;
  const ids = new Int32Array(new SharedArrayBuffer(rows * job.k * 4));
  const scores = new Float32Array(new SharedArrayBuffer(rows * job.k * 4));
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const batches = Math.ceil(rows / job.microBatch);
  const threads = Math.max(1, Math.min(job.workers, batches));
  const data: TopkWorkerData = { ...job, counter, outIds: ids, outScores: scores };
  const url = new URL('./topk-worker.js', import.meta.url);

  return new Promise((resolve, reject) => {
    let done = 0;
    let finished = 0;
    let candidates = 0;
    let compactions = 0;
    let kernelName = '';
    let failed = false;
    const workers: Worker[] = [];
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    for (let t = 0; t < threads; t++) {
      const w = new Worker(url, { workerData: data });
      workers.push(w);
      w.on('message', (msg: TopkWorkerMessage) => {
        if (msg.type === 'batch') {
          done += msg.rows;
          candidates += msg.candidates;
          compactions += msg.compactions;
          onRows(done);
        } else {
          kernelName = msg.kernel;
          if (++finished === threads && !failed) resolve({ ids, scores, candidates, compactions, kernelName });
        }
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0 && !failed && finished < threads) fail(new Error(`similarity worker exited with code ${code}`));
      });
    }
  });
}
