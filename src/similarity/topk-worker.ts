import { parentPort, workerData } from 'node:worker_threads';
import { loadKernel } from './kernel-loader.js';
import type { TopkWorkerData, TopkWorkerMessage } from './topk-protocol.js';

/**
 * A worker thread of the micro-batch strategy: claims the next micro-batch of rows from a
 * shared counter, runs the kernel on it (all N columns) and writes the rows' top K into
 * the shared output arrays. Claiming batch by batch balances the threads on a busy machine.
 */

/** The job as micro-batch.ts describes it (less the worker count), plus shared state. */
const data = workerData as TopkWorkerData;
const kernel = loadKernel(data.kernel);
const port = parentPort!;
for (;;) {
  const b = Atomics.add(data.counter, 0, 1);
  const r0 = data.rowStart + b * data.microBatch;
  if (r0 >= data.rowEnd) break;
  const rows = Math.min(data.microBatch, data.rowEnd - r0);
  const off = (r0 - data.rowStart) * data.k;
  const [candidates, compactions] = kernel.topkBatch(
    data.panels,
    data.items,
    data.dims,
    r0,
    rows,
    data.k,
    data.outIds.subarray(off, off + rows * data.k),
    data.outScores.subarray(off, off + rows * data.k),
  );
  port.postMessage({ type: 'batch', rows, candidates, compactions } satisfies TopkWorkerMessage);
}
port.postMessage({ type: 'done', kernel: kernel.name } satisfies TopkWorkerMessage);
