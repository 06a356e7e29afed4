import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { ChildMessage, ParentMessage, SimilarityJob } from './child-protocol.js';
import { loadEmbeddings } from './embeddings.js';
import { runFullRows } from './full-rows.js';
import { loadKernel } from './kernel-loader.js';
import { NEIGHBORS_SCHEMA, type NeighborsManifest } from './manifest.js';
import { runMicroBatches, type TopkResult } from './micro-batch.js';
import { binLayout, writeManifest, writeNeighborFiles } from './neighbor-files.js';

/**
 * The measured child of `memkit similarity-build` (a job child of src/run/job-child.ts):
 * loads the embeddings, computes the top K with one strategy, writes the output, and
 * reports phases and progress over IPC. It analyses nothing: the parent samples its RSS
 * from outside and reads its high-water mark before letting it exit.
 */

const send = (msg: ChildMessage) => process.send!(msg);
const PROGRESS_EVERY_MS = 100;
let exitRequested = false;

async function run(job: SimilarityJob): Promise<void> {
  const t0 = performance.now();
  const emb = loadEmbeddings(job.inputs, job.weights);
  send({ type: 'job-phase', phase: 'loaded', tMs: Date.now(), items: emb.items, dims: emb.dims, zeroRows: emb.zeroRows, fingerprint: emb.fingerprint, loadMs: performance.now() - t0 });

  const rows = job.rowEnd - job.rowStart;
  let lastSent = 0;
  const onRows = (rowsDone: number) => {
    const now = performance.now();
    if (rowsDone === rows || now - lastSent >= PROGRESS_EVERY_MS) {
      lastSent = now;
      send({ type: 'job-progress', done: rowsDone, total: rows });
    }
  };
  const t1 = performance.now();
  let result: TopkResult;
  if (job.strategy === 'micro-batch') {
    result = await runMicroBatches(
      {
        panels: emb.panels,
        items: emb.items,
        dims: emb.dims,
        rowStart: job.rowStart,
        rowEnd: job.rowEnd,
        k: job.k,
        microBatch: job.microBatch,
        workers: job.workers,
        kernel: job.kernel,
      },
      onRows,
    );
  } else {
    result = runFullRows(loadKernel(job.kernel), emb.panels, emb.items, emb.dims, emb.modalityDims, job.rowStart, job.rowEnd, job.k, onRows);
  }
  send({ type: 'job-phase', phase: 'computed', tMs: Date.now(), computeMs: performance.now() - t1, candidates: result.candidates, compactions: result.compactions, kernel: result.kernelName });

  if (job.output) {
    const t2 = performance.now();
    const { dir, format } = job.output;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new UsageError(`cannot create the output folder ${dir}: ${(err as Error).message}`);
    }
    const files = writeNeighborFiles(dir, format, {
      rowStart: job.rowStart,
      rowCount: rows,
      k: job.k,
      items: emb.items,
      ids: result.ids,
      scores: result.scores,
    });
    const manifest: NeighborsManifest = {
      schema: NEIGHBORS_SCHEMA,
      metric: 'cosine',
      weights: job.weights,
      items: emb.items,
      dims: job.inputs.map((x) => x.cols),
      topK: job.k,
      order: 'score descending, then lower id first; the item itself excluded',
      rows: { start: job.rowStart, end: job.rowEnd },
      shard: job.shard,
      format,
      files,
      ...(format === 'bin' ? { layout: binLayout(rows, job.k) } : {}),
      inputs: job.inputLabels,
      fingerprint: emb.fingerprint,
      kernel: result.kernelName,
      createdAt: new Date().toISOString(),
    };
    writeManifest(dir, manifest);
    send({ type: 'job-phase', phase: 'written', tMs: Date.now(), writeMs: performance.now() - t2, files: [...Object.values(files), 'neighbors.json'].map((f) => join(dir, f)) });
  }
}

// Ctrl-C in a terminal signals the whole process group: memkit decides, and stops the job.
process.on('SIGINT', () => {});
// memkit itself is gone (killed): nobody will read the result, so stop computing.
process.on('disconnect', () => {
  if (!exitRequested) process.exit(1);
});

process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'exit') {
    exitRequested = true;
    process.disconnect();
    return;
  }
  run(msg.job)
    .then(() => send({ type: 'job-done', tMs: Date.now() }))
    .catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      if (err instanceof UsageError) {
        // The parent turns this into one line and exit 2.
        send({ type: 'error', phase: 'job', message: e.message, usage: true });
        process.exitCode = 2;
        exitRequested = true;
        process.disconnect();
        return;
      }
      process.stderr.write(`${e.stack ?? e.message}\n`);
      // Exit only once the parent has the message: it names the crash.
      process.send!({ type: 'error', phase: 'job', message: e.message, stack: e.stack } satisfies ChildMessage, undefined, undefined, () => process.exit(70));
    });
});
