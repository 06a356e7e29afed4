import { accessSync, constants, statSync } from 'node:fs';
import { UsageError, describeFsError } from '../core/errors.js';
import { readNpyMatrixHeader } from './npy.js';
import type { SyntheticShape } from './synthetic.js';

/**
 * What the computing child reads, resolved and checked by the parent before anything is
 * started: every header problem, shape mismatch or missing file ends as one line and
 * exit 2 before memory is committed. Plain data, sent to the child as JSON.
 */
export type InputSpec =
  | { kind: 'npy'; path: string; rows: number; cols: number; dtype: 'f4' | 'f8'; dataOffset: number }
  | { kind: 'raw'; path: string; rows: number; cols: number; dtype: 'f4'; dataOffset: 0 }
  | { kind: 'synthetic'; rows: number; cols: number; seed: number };

export function resolveFileInput(path: string, dim: number | undefined): InputSpec {
  if (dim !== undefined) {
    let size: number;
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw Object.assign(new Error('dir'), { code: 'EISDIR' });
      size = st.size;
      accessSync(path, constants.R_OK);
    } catch (err) {
      throw new UsageError(describeFsError(err, path) ?? `${path}: cannot read (${(err as Error).message})`);
    }
    const rowBytes = dim * 4;
    if (size === 0 || size % rowBytes !== 0) {
      throw new UsageError(
        `${path}: ${size} bytes is not a whole number of float32 rows of --dim ${dim} (${rowBytes} bytes each)`,
      );
    }
    return { kind: 'raw', path, rows: size / rowBytes, cols: dim, dtype: 'f4', dataOffset: 0 };
  }
  const h = readNpyMatrixHeader(path);
  return { kind: 'npy', path, rows: h.rows, cols: h.cols, dtype: h.dtype as 'f4' | 'f8', dataOffset: h.dataOffset };
}

export function syntheticInput(shape: SyntheticShape, seed: number): InputSpec {
  return { kind: 'synthetic', rows: shape.rows, cols: shape.cols, seed };
}

/** The modalities must describe the same items: same row count, ids shared. */
export function checkSameItems(inputs: readonly InputSpec[]): number {
  const rows = inputs[0]!.rows;
  for (const spec of inputs) {
    if (spec.rows !== rows) {
      throw new UsageError(
        `inputs disagree on the number of items: ${describeInput(inputs[0]!)} vs ${describeInput(spec)} (every --input must have one row per item, in the same order)`,
      );
    }
  }
  if (rows < 2) throw new UsageError(`${describeInput(inputs[0]!)}: at least 2 items are needed to have a neighbour`);
  if (rows >= 2 ** 31) throw new UsageError(`${describeInput(inputs[0]!)}: more than 2^31-1 items (ids are int32)`);
  return rows;
}

export function describeInput(spec: InputSpec): string {
  if (spec.kind === 'synthetic') return `synthetic ${spec.rows}x${spec.cols} (seed ${spec.seed})`;
  const type = spec.dtype === 'f4' ? 'float32' : 'float64';
  return `${spec.path} (${spec.rows}x${spec.cols} ${type}${spec.kind === 'raw' ? ', raw' : ''})`;
}

/** "0.7,0.3" → [0.7, 0.3]; equal weights when absent. */
export function parseWeights(text: string | undefined, count: number): number[] {
  if (text === undefined) return Array.from({ length: count }, () => 1 / count);
  const parts = text.split(',').map((s) => s.trim());
  const weights = parts.map(Number);
  if (parts.some((p) => p === '') || weights.some((w) => !Number.isFinite(w))) {
    throw new UsageError(`--weights: '${text}' is not a list of numbers (use e.g. 0.7,0.3)`);
  }
  if (weights.length !== count) {
    throw new UsageError(`--weights: ${weights.length} weight(s) for ${count} input(s); give one per --input, in order`);
  }
  if (weights.some((w) => w < 0)) throw new UsageError(`--weights: '${text}': weights must not be negative`);
  if (weights.every((w) => w === 0)) throw new UsageError(`--weights: '${text}': at least one weight must be positive`);
  return weights;
}
