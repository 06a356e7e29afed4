import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { npyHeader } from '../dist/src/similarity/npy.js';
import { seededUniform } from './fixtures/seeded-random.mjs';

/**
 * Ground truth for the similarity tests: brute-force float64 weighted cosine top-K
 * (self excluded, score descending then lower id), and a comparison that allows only
 * what float32 arithmetic can change: the order of scores closer than `tol`.
 */

export const MEMKIT = fileURLToPath(new URL('../bin/memkit.js', import.meta.url));

export interface Modality {
  rows: number;
  cols: number;
  data: Float64Array; // row-major
}

/** A deterministic pseudo-random matrix (mulberry32), values in [-1, 1). */
export function randomMatrix(rows: number, cols: number, seed: number): Modality {
  const rnd = seededUniform(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rnd() * 2 - 1;
  return { rows, cols, data };
}

export function toFloat32(m: Modality): Modality {
  return { ...m, data: Float64Array.from(Float32Array.from(m.data)) };
}

export interface Neighbors {
  k: number;
  ids: ArrayLike<number>;
  scores: ArrayLike<number>;
}

export interface Reference extends Neighbors {
  /** The float64 weighted cosine of items i and j. */
  score(i: number, j: number): number;
}

export function bruteForce(mods: Modality[], weights: number[], k: number, rowStart = 0, rowEnd = mods[0]!.rows): Reference {
  const n = mods[0]!.rows;
  const normed = mods.map((m) => {
    const out = new Float64Array(m.data.length);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j]! ** 2;
      const f = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < m.cols; j++) out[i * m.cols + j] = m.data[i * m.cols + j]! * f;
    }
    return out;
  });
  const score = (i: number, j: number) => {
    let s = 0;
    mods.forEach((m, mi) => {
      let d = 0;
      const x = normed[mi]!;
      for (let c = 0; c < m.cols; c++) d += x[i * m.cols + c]! * x[j * m.cols + c]!;
      s += weights[mi]! * d;
    });
    return s;
  };
  const rows = rowEnd - rowStart;
  const ids = new Int32Array(rows * k);
  const scores = new Float64Array(rows * k);
  for (let i = rowStart; i < rowEnd; i++) {
    const cand: Array<[number, number]> = [];
    for (let j = 0; j < n; j++) if (j !== i) cand.push([score(i, j), j]);
    cand.sort((p, q) => q[0] - p[0] || p[1] - q[1]);
    for (let t = 0; t < k; t++) {
      ids[(i - rowStart) * k + t] = cand[t]![1];
      scores[(i - rowStart) * k + t] = cand[t]![0];
    }
  }
  return { k, ids, scores, score };
}

/**
 * First way `got` (rows rowStart..) is not an exact top-K, or undefined. Each returned
 * neighbour must be another item, listed once, with its true score (within `tol`, what
 * float32 arithmetic can change); the scores, rank by rank, must equal the reference's,
 * so no better item was missed; and where the reference ranks differ by more than `tol`
 * the ids must be the reference's. Within `tol` of each other, float32 may order either way.
 */
export function firstMismatch(got: Neighbors, ref: Reference, rows: number, rowStart = 0, tol = 2e-5): string | undefined {
  const k = ref.k;
  for (let r = 0; r < rows; r++) {
    const item = rowStart + r;
    const seen = new Set<number>();
    for (let t = 0; t < k; t++) {
      const gid = got.ids[r * k + t]!;
      const gs = got.scores[r * k + t]!;
      const rs = ref.scores[r * k + t]!;
      if (gid === item) return `row ${item}: lists itself`;
      if (seen.has(gid)) return `row ${item}: id ${gid} twice`;
      seen.add(gid);
      if (!(gid >= 0 && gid < 1e9) || !(Math.abs(ref.score(item, gid) - gs) <= tol)) {
        return `row ${item} rank ${t}: id ${gid} has score ${gs}, its true score is ${gid >= 0 ? ref.score(item, gid) : 'n/a'}`;
      }
      if (!(Math.abs(gs - rs) <= tol)) return `row ${item} rank ${t}: score ${gs} vs reference ${rs}`;
      const isolated =
        (t === 0 || ref.scores[r * k + t - 1]! - rs > tol) && (t === k - 1 || rs - ref.scores[r * k + t + 1]! > tol);
      if (isolated && t < k - 1 && gid !== ref.ids[r * k + t]) return `row ${item} rank ${t}: id ${gid} vs reference ${ref.ids[r * k + t]}`;
    }
  }
  return undefined;
}

export function writeNpy(path: string, m: Modality, dtype: 'f4' | 'f8'): void {
  const data = dtype === 'f4' ? Float32Array.from(m.data) : Float64Array.from(m.data);
  writeFileSync(path, Buffer.concat([npyHeader(dtype, [m.rows, m.cols]), Buffer.from(data.buffer)]));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function memkit(args: string[], env: Record<string, string> = {}): CliResult {
  const res = spawnSync(process.execPath, [MEMKIT, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', SIMILARITY_TOP_K: '', SIMILARITY_MICRO_BATCH_SIZE: '', ...env },
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
