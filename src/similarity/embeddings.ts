import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { describeInput, type InputSpec } from './inputs.js';
import { PANEL, panelFloats } from './panel-layout.js';
import { SyntheticRows } from './synthetic.js';

/**
 * Loads the modalities into one L2-normalised float32 matrix in panel layout, in a
 * SharedArrayBuffer the worker threads read without copying. Modality m is normalised on
 * its own and scaled by sqrt(w_m), so one dot product over the concatenation is the
 * weighted sum of the per-modality cosines. Files are streamed in chunks (the raw file is
 * never held whole, so float64 input costs no extra peak) and hashed on the way for the
 * shard fingerprint. Norms are computed in float64.
 */

export interface Embeddings {
  panels: Float32Array;
  items: number;
  dims: number;
  /** Items whose vector was all zeros in some modality (their cosine there is taken as 0). */
  zeroRows: number;
  /** sha256 over every input's data bytes (or the synthetic recipe), in --input order. */
  fingerprint: string;
  /** [start, end) of each modality's coordinates. */
  modalityDims: Array<[number, number]>;
}

/** Bytes read per chunk: large enough for full-speed reads, small against the budget. */
export const CHUNK_BYTES = 8 << 20;

export function loadEmbeddings(inputs: readonly InputSpec[], weights: readonly number[]): Embeddings {
  const items = inputs[0]!.rows;
  const dims = inputs.reduce((s, x) => s + x.cols, 0);
  const panels = new Float32Array(new SharedArrayBuffer(panelFloats(items, dims) * 4));
  const hash = createHash('sha256');
  const zero = new Uint8Array(items);
  const modalityDims: Array<[number, number]> = [];
  let offset = 0;
  inputs.forEach((spec, m) => {
    const scale = Math.sqrt(weights[m]!);
    const cols = spec.cols;
    const row = new Float64Array(cols);
    forEachChunk(spec, hash, (rowStart, rows, values) => {
      for (let r = 0; r < rows; r++) {
        const item = rowStart + r;
        let sum = 0;
        for (let k = 0; k < cols; k++) {
          const v = values[r * cols + k]!;
          if (!Number.isFinite(v)) {
            throw new UsageError(`${describeInput(spec)}: item ${item} has a non-finite value (${v}) at column ${k}`);
          }
          row[k] = v;
          sum += v * v;
        }
        if (sum === 0) {
          zero[item] = 1;
          continue; // the panel is already zero
        }
        const f = scale / Math.sqrt(sum);
        const base = Math.floor(item / PANEL) * dims * PANEL + (item % PANEL) + offset * PANEL;
        for (let k = 0; k < cols; k++) panels[base + k * PANEL] = row[k]! * f;
      }
    });
    modalityDims.push([offset, offset + cols]);
    offset += cols;
  });
  let zeroRows = 0;
  for (let i = 0; i < items; i++) zeroRows += zero[i]!;
  return { panels, items, dims, zeroRows, fingerprint: hash.digest('hex'), modalityDims };
}

type ChunkFn = (rowStart: number, rows: number, values: Float32Array | Float64Array) => void;

function forEachChunk(spec: InputSpec, hash: ReturnType<typeof createHash>, fn: ChunkFn): void {
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / (spec.cols * 8)));
  if (spec.kind === 'synthetic') {
    hash.update(`synthetic:${spec.rows}x${spec.cols}:seed=${spec.seed};`);
    const gen = new SyntheticRows(spec.seed);
    const buf = new Float32Array(rowsPerChunk * spec.cols);
    for (let start = 0; start < spec.rows; start += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, spec.rows - start);
      const view = buf.subarray(0, rows * spec.cols);
      gen.fill(view);
      fn(start, rows, view);
    }
    return;
  }
  const itemBytes = spec.dtype === 'f4' ? 4 : 8;
  const rowBytes = spec.cols * itemBytes;
  const bytes = new Uint8Array(rowsPerChunk * rowBytes);
  const fd = openSync(spec.path, 'r');
  try {
    for (let start = 0; start < spec.rows; start += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, spec.rows - start);
      const want = rows * rowBytes;
      let got = 0;
      while (got < want) {
        const n = readSync(fd, bytes, got, want - got, spec.dataOffset + start * rowBytes + got);
        if (n === 0) throw new UsageError(`${describeInput(spec)}: file ended early (truncated while reading item ${start})`);
        got += n;
      }
      hash.update(bytes.subarray(0, want));
      // The buffer starts at offset 0 of its own ArrayBuffer, so the typed view is aligned.
      const values =
        itemBytes === 4 ? new Float32Array(bytes.buffer, 0, rows * spec.cols) : new Float64Array(bytes.buffer, 0, rows * spec.cols);
      fn(start, rows, values);
    }
  } finally {
    closeSync(fd);
  }
}
