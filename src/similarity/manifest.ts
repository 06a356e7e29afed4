import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, describeFsError } from '../core/errors.js';

/**
 * The JSON manifest beside every neighbour output (neighbors.json): what was computed,
 * from which data, which rows, and which files hold it. `merge` checks shards against
 * each other with it; a reader needs nothing else to interpret the binary file.
 */

export const NEIGHBORS_SCHEMA = 'memkit.neighbors/1';
export const MANIFEST_FILE = 'neighbors.json';

export type OutputFormat = 'bin' | 'jsonl' | 'npy';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['bin', 'jsonl', 'npy'];

export interface NeighborsManifest {
  schema: typeof NEIGHBORS_SCHEMA;
  metric: 'cosine';
  /** Weighted sum of per-modality cosines when there are several inputs. */
  weights: number[];
  items: number;
  dims: number[];
  topK: number;
  order: 'score descending, then lower id first; the item itself excluded';
  rows: { start: number; end: number };
  shard: { index: number; count: number } | null;
  format: OutputFormat;
  files: Record<string, string>;
  /** For format bin: byte layout of neighbors.bin. */
  layout?: { headerBytes: number; idsOffset: number; scoresOffset: number; ids: 'int32 little-endian [rows][topK]'; scores: 'float32 little-endian [rows][topK]' };
  inputs: string[];
  /** sha256 over the input data: shards of different data refuse to merge. */
  fingerprint: string;
  kernel: string;
  createdAt: string;
}

export function readManifest(dirOrFile: string): { manifest: NeighborsManifest; dir: string } {
  const isFile = dirOrFile.endsWith('.json');
  const path = isFile ? dirOrFile : join(dirOrFile, MANIFEST_FILE);
  const dir = isFile ? join(dirOrFile, '..') : dirOrFile;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(describeFsError(err, path) ?? `${path}: cannot read (${(err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: not a JSON document (truncated or corrupt neighbour manifest)`);
  }
  const m = doc as Partial<NeighborsManifest>;
  if (m?.schema !== NEIGHBORS_SCHEMA) {
    throw new UsageError(`${path}: not a memkit neighbour manifest (schema ${JSON.stringify(m?.schema)}, expected ${NEIGHBORS_SCHEMA})`);
  }
  for (const f of ['items', 'topK'] as const) {
    if (!Number.isSafeInteger(m[f]) || (m[f] as number) < 1) throw new UsageError(`${path}: invalid "${f}"`);
  }
  if (!m.rows || !Number.isSafeInteger(m.rows.start) || !Number.isSafeInteger(m.rows.end) || m.rows.start >= m.rows.end) {
    throw new UsageError(`${path}: invalid "rows"`);
  }
  if (!OUTPUT_FORMATS.includes(m.format as OutputFormat) || typeof m.files !== 'object' || m.files === null) {
    throw new UsageError(`${path}: invalid "format" or "files"`);
  }
  return { manifest: m as NeighborsManifest, dir };
}
