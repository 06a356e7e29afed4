import { UsageError } from '../core/errors.js';

/**
 * Deterministic synthetic embeddings for demos, tests and benchmarks: i.i.d. standard
 * normal coordinates (xoshiro128** seeded through splitmix32, Box–Muller), float32.
 * The same seed gives the same matrix on every machine and Node version that keeps V8's
 * fdlibm-based Math.log/cos, so a benchmark can write it once as .npy for faiss and
 * sklearn and memkit can regenerate it bit for bit.
 */

export interface SyntheticShape {
  rows: number;
  cols: number;
}

/** "100000x128" → { rows: 100000, cols: 128 }. */
export function parseSyntheticShape(text: string): SyntheticShape {
  const m = /^\s*(\d[\d_]*)\s*[xX×]\s*(\d[\d_]*)\s*$/.exec(text);
  const rows = m ? Number(m[1]!.replace(/_/g, '')) : NaN;
  const cols = m ? Number(m[2]!.replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 2 || cols < 1) {
    throw new UsageError(`--synthetic: '${text}' is not a shape (use ITEMSxDIMS, e.g. 100000x128, at least 2 items)`);
  }
  if (rows >= 2 ** 31) throw new UsageError(`--synthetic: ${rows} items is more than the 2^31-1 ids can address`);
  return { rows, cols };
}

export class SyntheticRows {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** xoshiro128**: 32 random bits. */
  private nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1), never 0 (Box–Muller takes its log). */
  private uniform(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Fills `out` with the next rows (row-major, float32-rounded). */
  fill(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The whole matrix at once (tests and the benchmark's .npy); the child streams instead. */
export function syntheticMatrix(rows: number, cols: number, seed: number): Float32Array {
  const out = new Float32Array(rows * cols);
  new SyntheticRows(seed).fill(out);
  return out;
}
