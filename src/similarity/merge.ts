import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { ensureParentDir } from '../baseline/io.js';
import { writeAtomically } from '../core/atomic-write.js';
import { MANIFEST_FILE, readManifest, type NeighborsManifest } from './manifest.js';
import { BIN_HEADER_BYTES, binHeader, binLayout, copyRange, filesFor, readBytes, writeManifest } from './neighbor-files.js';
import { npyHeader, parseNpyHeader } from './npy.js';

/**
 * Joins the outputs of `--shard i/n` runs into one output, as if computed unsharded.
 * Shards are contiguous row ranges, so merging is concatenation in row order after
 * checking that the shards belong together (same data fingerprint, K, weights, format)
 * and cover every row exactly once. Streams file to file: memory stays small.
 */

export interface MergeResult {
  manifest: NeighborsManifest;
  shards: number;
  bytesWritten: number;
}

export function mergeShards(shardDirs: readonly string[], outDir: string): MergeResult {
  if (shardDirs.length === 0) throw new UsageError('merge: give the shard output folders to join');
  const shards = shardDirs.map((d) => readManifest(d));
  for (const s of shards) {
    if (resolve(s.dir) === resolve(outDir)) throw new UsageError(`merge: --out ${outDir} is one of the shards; write the merged output to a new folder`);
  }
  const first = shards[0]!.manifest;
  for (const { manifest: m, dir } of shards) {
    const where = join(dir, MANIFEST_FILE);
    if (!m.shard) throw new UsageError(`${where}: not a shard (computed without --shard)`);
    const same: Array<[string, unknown, unknown]> = [
      ['data fingerprint', m.fingerprint, first.fingerprint],
      ['item count', m.items, first.items],
      ['top-K', m.topK, first.topK],
      ['weights', JSON.stringify(m.weights), JSON.stringify(first.weights)],
      ['format', m.format, first.format],
      ['shard count', m.shard.count, first.shard?.count],
    ];
    for (const [what, a, b] of same) {
      if (a !== b) {
        throw new UsageError(`${where}: ${what} ${String(a)} differs from ${join(shards[0]!.dir, MANIFEST_FILE)} (${String(b)}): these shards are not of one computation`);
      }
    }
  }
  const count = first.shard!.count;
  const byIndex = new Map<number, (typeof shards)[number]>();
  for (const s of shards) {
    const i = s.manifest.shard!.index;
    if (byIndex.has(i)) throw new UsageError(`shard ${i}/${count} given twice (${byIndex.get(i)!.dir} and ${s.dir})`);
    byIndex.set(i, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) throw new UsageError(`missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}: all ${count} are needed`);
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  let expect = 0;
  for (const s of ordered) {
    if (s.manifest.rows.start !== expect) {
      throw new UsageError(`${s.dir}: rows start at ${s.manifest.rows.start}, expected ${expect} (shards must tile the rows)`);
    }
    expect = s.manifest.rows.end;
  }
  if (expect !== first.items) throw new UsageError(`shards end at row ${expect}, expected ${first.items}`);

  ensureParentDir(join(outDir, MANIFEST_FILE));
  const k = first.topK;
  const items = first.items;
  const files = filesFor(first.format);
  let bytes = 0;
  if (first.format === 'bin') {
    writeAtomically(join(outDir, files.neighbors!), (f) => {
      f.write(binHeader(k, items, 0, items));
      for (const section of [40, 48]) {
        for (const s of ordered) {
          const path = join(s.dir, s.manifest.files.neighbors!);
          const head = readBytes(path, 0, BIN_HEADER_BYTES);
          const rows = s.manifest.rows.end - s.manifest.rows.start;
          copyRange(path, Number(head.readBigUInt64LE(section)), rows * k * 4, f);
        }
      }
    });
  } else if (first.format === 'npy') {
    for (const [key, dtype] of [['ids', 'i4'], ['scores', 'f4']] as const) {
      writeAtomically(join(outDir, files[key]!), (f) => {
        f.write(npyHeader(dtype, [items, k]));
        for (const s of ordered) {
          const path = join(s.dir, s.manifest.files[key]!);
          const h = parseNpyHeader(readBytes(path, 0, 4096), Infinity, path);
          copyRange(path, h.dataOffset, (s.manifest.rows.end - s.manifest.rows.start) * k * 4, f);
        }
      });
    }
  } else {
    writeAtomically(join(outDir, files.neighbors!), (f) => {
      for (const s of ordered) {
        const path = join(s.dir, s.manifest.files.neighbors!);
        copyRange(path, 0, statSync(path).size, f);
      }
    });
  }
  for (const name of Object.values(files)) bytes += statSync(join(outDir, name)).size;
  const manifest: NeighborsManifest = {
    ...first,
    rows: { start: 0, end: items },
    shard: null,
    files,
    ...(first.format === 'bin' ? { layout: binLayout(items, k) } : {}),
    createdAt: new Date().toISOString(),
  };
  writeManifest(outDir, manifest);
  return { manifest, shards: count, bytesWritten: bytes };
}
