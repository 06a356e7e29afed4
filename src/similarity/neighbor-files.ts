import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { type AtomicFile, writeAtomically, writeFileAtomic } from '../core/atomic-write.js';
import { MANIFEST_FILE, type NeighborsManifest, type OutputFormat } from './manifest.js';
import { npyHeader, parseNpyHeader } from './npy.js';

/**
 * The neighbour files of one output folder, in three formats:
 *  - bin (default): neighbors.bin, a 64-byte header (magic "MKNEIGH1", topK, items,
 *    rowStart, rowCount, section offsets) then int32 ids [rows][K], then float32 scores
 *    [rows][K], all little-endian: 8 bytes per neighbour, mmap-able.
 *  - npy: neighbors.ids.npy (int32) and neighbors.scores.npy (float32), shape (rows, K).
 *  - jsonl: one {"id", "neighbors", "scores"} line per row.
 * Each file is published atomically; the manifest is written last, so a folder with a
 * manifest always has complete files.
 */

export const BIN_MAGIC = 'MKNEIGH1';
export const BIN_HEADER_BYTES = 64;
const JSONL_ROWS_PER_WRITE = 512;

export interface NeighborRows {
  rowStart: number;
  rowCount: number;
  k: number;
  items: number;
  ids: Int32Array;
  scores: Float32Array;
}

export function filesFor(format: OutputFormat): Record<string, string> {
  if (format === 'bin') return { neighbors: 'neighbors.bin' };
  if (format === 'npy') return { ids: 'neighbors.ids.npy', scores: 'neighbors.scores.npy' };
  return { neighbors: 'neighbors.jsonl' };
}

export function binHeader(k: number, items: number, rowStart: number, rowCount: number): Buffer {
  const h = Buffer.alloc(BIN_HEADER_BYTES);
  h.write(BIN_MAGIC, 0, 'latin1');
  h.writeUInt32LE(1, 8);
  h.writeUInt32LE(k, 12);
  h.writeBigUInt64LE(BigInt(items), 16);
  h.writeBigUInt64LE(BigInt(rowStart), 24);
  h.writeBigUInt64LE(BigInt(rowCount), 32);
  h.writeBigUInt64LE(BigInt(BIN_HEADER_BYTES), 40);
  h.writeBigUInt64LE(BigInt(BIN_HEADER_BYTES + rowCount * k * 4), 48);
  return h;
}

export function binLayout(rowCount: number, k: number): NonNullable<NeighborsManifest['layout']> {
  return {
    headerBytes: BIN_HEADER_BYTES,
    idsOffset: BIN_HEADER_BYTES,
    scoresOffset: BIN_HEADER_BYTES + rowCount * k * 4,
    ids: 'int32 little-endian [rows][topK]',
    scores: 'float32 little-endian [rows][topK]',
  };
}

/** float32 → the shortest decimal that reads back as the same float32. */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  for (let p = 6; p < 9; p++) {
    const t = v.toPrecision(p);
    if (Math.fround(Number(t)) === v) return String(Number(t));
  }
  return String(Number(v.toPrecision(9)));
}

export function jsonlLines(res: NeighborRows, from: number, to: number): string {
  let out = '';
  for (let r = from; r < to; r++) {
    const ids: number[] = [];
    const sc: string[] = [];
    for (let i = 0; i < res.k; i++) {
      ids.push(res.ids[r * res.k + i]!);
      sc.push(float32Text(res.scores[r * res.k + i]!));
    }
    out += `{"id":${res.rowStart + r},"neighbors":[${ids.join(',')}],"scores":[${sc.join(',')}]}\n`;
  }
  return out;
}

export function writeNeighborFiles(dir: string, format: OutputFormat, res: NeighborRows): Record<string, string> {
  const files = filesFor(format);
  if (format === 'bin') {
    writeAtomically(join(dir, files.neighbors!), (f) => {
      f.write(binHeader(res.k, res.items, res.rowStart, res.rowCount));
      f.writeArray(res.ids);
      f.writeArray(res.scores);
    });
  } else if (format === 'npy') {
    writeAtomically(join(dir, files.ids!), (f) => {
      f.write(npyHeader('i4', [res.rowCount, res.k]));
      f.writeArray(res.ids);
    });
    writeAtomically(join(dir, files.scores!), (f) => {
      f.write(npyHeader('f4', [res.rowCount, res.k]));
      f.writeArray(res.scores);
    });
  } else {
    writeAtomically(join(dir, files.neighbors!), (f) => {
      for (let r = 0; r < res.rowCount; r += JSONL_ROWS_PER_WRITE) {
        f.write(jsonlLines(res, r, Math.min(res.rowCount, r + JSONL_ROWS_PER_WRITE)));
      }
    });
  }
  return files;
}

export function writeManifest(dir: string, manifest: NeighborsManifest): void {
  writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}

/** Reads a whole neighbour output back (tests, merge checks, small outputs). */
export function readNeighborFiles(dir: string, m: NeighborsManifest): NeighborRows {
  const rowCount = m.rows.end - m.rows.start;
  const k = m.topK;
  const ids = new Int32Array(rowCount * k);
  const scores = new Float32Array(rowCount * k);
  if (m.format === 'bin') {
    const path = join(dir, m.files.neighbors!);
    const head = readBytes(path, 0, BIN_HEADER_BYTES);
    if (head.subarray(0, 8).toString('latin1') !== BIN_MAGIC) throw new UsageError(`${path}: not a memkit neighbour file (bad magic)`);
    if (head.readUInt32LE(12) !== k || Number(head.readBigUInt64LE(32)) !== rowCount) {
      throw new UsageError(`${path}: header disagrees with ${MANIFEST_FILE} (topK or row count)`);
    }
    readInto(path, Number(head.readBigUInt64LE(40)), ids);
    readInto(path, Number(head.readBigUInt64LE(48)), scores);
  } else if (m.format === 'npy') {
    for (const [key, arr] of [['ids', ids], ['scores', scores]] as const) {
      const path = join(dir, m.files[key]!);
      const h = parseNpyHeader(readBytes(path, 0, 4096), Infinity, path);
      readInto(path, h.dataOffset, arr);
    }
  } else {
    const path = join(dir, m.files.neighbors!);
    const lines = readBytes(path, 0, Infinity).toString('utf8').split('\n').filter((l) => l !== '');
    if (lines.length !== rowCount) throw new UsageError(`${path}: ${lines.length} lines, expected ${rowCount}`);
    lines.forEach((line, r) => {
      const o = JSON.parse(line) as { neighbors: number[]; scores: (number | null)[] };
      for (let i = 0; i < k; i++) {
        ids[r * k + i] = o.neighbors[i]!;
        scores[r * k + i] = o.scores[i] ?? NaN;
      }
    });
  }
  return { rowStart: m.rows.start, rowCount, k, items: m.items, ids, scores };
}

export function readBytes(path: string, position: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let pos = position;
    let left = length;
    for (;;) {
      const buf = Buffer.alloc(Math.min(left, 1 << 24));
      if (buf.length === 0) break;
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      pos += n;
      left -= n;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

function readInto(path: string, position: number, arr: Int32Array | Float32Array): void {
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  const fd = openSync(path, 'r');
  try {
    let off = 0;
    while (off < bytes.length) {
      const n = readSync(fd, bytes, off, Math.min(bytes.length - off, 1 << 30), position + off);
      if (n === 0) throw new UsageError(`${path}: truncated (expected ${bytes.length} bytes at offset ${position})`);
      off += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Copies `length` bytes of `path` from `position` into an open atomic file, in slices. */
export function copyRange(path: string, position: number, length: number, to: AtomicFile): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(Math.min(Math.max(length, 1), 8 << 20));
  try {
    let off = 0;
    while (off < length) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, length - off), position + off);
      if (n === 0) throw new UsageError(`${path}: truncated (expected ${length} bytes from offset ${position})`);
      to.write(buf.subarray(0, n));
      off += n;
    }
  } finally {
    closeSync(fd);
  }
}
