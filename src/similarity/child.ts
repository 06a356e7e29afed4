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
 * The measured child of `memkit similarity-build`: loads the embeddings, computes the top
 * K with one strategy, writes the output, and reports phases and progress over IPC. It
 * analyses nothing: the parent samples its RSS from outside and reads its high-water mark
 * before letting it exit.
 */

const send = (msg: ChildMessage) => process.send!(msg);
const PROGRESS_EVERY_MS = 100;

async function run(job: SimilarityJob): Promise<void> {
  const t0 = performance.now();
  const emb = loadEmbeddings(job.inputs, job.weights);
  send({ type: 'loaded', items: emb.items, dims: emb.dims, zeroRows: emb.zeroRows, fingerprint: emb.fingerprint, loadMs: performance.now() - t0 });

  const rows = job.rowEnd - job.rowStart;
  let lastSent = 0;
  const onRows = (rowsDone: number) => {
    const now = performance.now();
    if (rowsDone === rows || now - lastSent >= PROGRESS_EVERY_MS) {
      lastSent = now;
      send({ type: 'progress', rowsDone, rows });
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
  send({ type: 'computed', computeMs: performance.now() - t1, candidates: result.candidates, compactions: result.compactions, kernel: result.kernelName });

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
    send({ type: 'written', writeMs: performance.now() - t2, files: [...Object.values(files), 'neighbors.json'].map((f) => join(dir, f)) });
  }
}

process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'exit') {
    process.disconnect();
    return;
  }
  run(msg.job)
    .then(() => send({ type: 'done' }))
    .catch((err: unknown) => {
      if (err instanceof UsageError) {
        send({ type: 'usage-error', message: err.message });
        process.exitCode = 2;
        process.disconnect();
        return;
      }
      process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(70);
    });
});
