import { describe, expect, it } from 'vitest';
import { availableKernels, loadKernel } from '../dist/src/similarity/kernel-loader.js';
import { PANEL, panelFloats, panelOffset } from '../dist/src/similarity/panel-layout.js';
import { bruteForce, firstMismatch, randomMatrix, type Modality } from './similarity-reference.js';

/**
 * The kernels against float64 brute force, called directly (no child, no workers) for
 * every level this machine offers: shapes that hit the padding of the last panel, the
 * remainder row groups of each SIMD level, K from 1 to a third of N, micro-batches that
 * split the rows unevenly.
 */

function panelsOf(m: Modality): Float32Array {
  const p = new Float32Array(panelFloats(m.rows, m.cols));
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let k = 0; k < m.cols; k++) s += m.data[i * m.cols + k]! ** 2;
    const f = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < m.cols; k++) p[panelOffset(i, k, m.cols)] = m.data[i * m.cols + k]! * f;
  }
  return p;
}

function topk(level: string, m: Modality, panels: Float32Array, k: number, batch: number) {
  const kernel = loadKernel(level as never);
  const ids = new Int32Array(m.rows * k);
  const scores = new Float32Array(m.rows * k);
  for (let r0 = 0; r0 < m.rows; r0 += batch) {
    const rows = Math.min(batch, m.rows - r0);
    kernel.topkBatch(panels, m.rows, m.cols, r0, rows, k, ids.subarray(r0 * k, (r0 + rows) * k), scores.subarray(r0 * k, (r0 + rows) * k));
  }
  return { k, ids, scores };
}

const levels = availableKernels();

describe('top-K kernels against brute force', () => {
  it('offers the portable kernel and, where built, native levels', () => {
    expect(levels).toContain('js');
  });

  const cases = [
    { n: 67, d: 3, k: 1, batch: 1 },
    { n: 97, d: 16, k: 5, batch: 13 },
    { n: 300, d: 45, k: 40, batch: 7 },
    { n: 260, d: 128, k: 100, batch: 256 },
    // More candidates than the buffer holds: forces several threshold cuts per row.
    { n: 500, d: 8, k: 3, batch: 33 },
  ];
  // One float64 reference per case, shared by the levels.
  const refs = new Map<string, { m: Modality; ref: ReturnType<typeof bruteForce> }>();
  const refFor = (c: (typeof cases)[number]) => {
    const key = JSON.stringify(c);
    if (!refs.has(key)) {
      const m = randomMatrix(c.n, c.d, c.n * 31 + c.d);
      refs.set(key, { m, ref: bruteForce([m], [1], c.k) });
    }
    return refs.get(key)!;
  };
  for (const level of levels) {
    for (const c of cases) {
      it(`${level}: N=${c.n} D=${c.d} K=${c.k} B=${c.batch}`, () => {
        const { m, ref } = refFor(c);
        const got = topk(level, m, panelsOf(m), c.k, c.batch);
        expect(firstMismatch(got, ref, c.n)).toBeUndefined();
      });
    }
  }

  for (const level of levels) {
    it(`${level}: exact ties go to the lower id, whatever the batch`, () => {
      // 40 copies of 5 distinct vectors: every item has 7 exact ties for first place.
      const base = randomMatrix(5, 24, 7);
      const n = 40;
      const data = new Float64Array(n * 24);
      for (let i = 0; i < n; i++) data.set(base.data.subarray((i % 5) * 24, (i % 5 + 1) * 24), i * 24);
      const m = { rows: n, cols: 24, data };
      const panels = panelsOf(m);
      for (const batch of [1, 9, 40]) {
        const got = topk(level, m, panels, 10, batch);
        for (let i = 0; i < n; i++) {
          const twins = Array.from({ length: 8 }, (_, t) => (i % 5) + 5 * t).filter((j) => j !== i);
          expect(Array.from(got.ids.subarray(i * 10, i * 10 + 7))).toEqual(twins);
          // Ranks 8..10: the next group, also tied among themselves, lower ids first.
          const rest = Array.from(got.ids.subarray(i * 10 + 7, i * 10 + 10));
          expect(rest).toEqual([...rest].sort((a, b) => a - b));
        }
      }
    });
  }

  for (const level of levels) {
    it(`${level}: all-zero vectors score 0 against everything and still get K neighbours`, () => {
      const m = randomMatrix(50, 8, 3);
      for (const z of [0, 17, 49]) m.data.fill(0, z * 8, (z + 1) * 8);
      const got = topk(level, m, panelsOf(m), 49, 16);
      const ref = bruteForce([m], [1], 49);
      expect(firstMismatch(got, ref, 50)).toBeUndefined();
      expect(Array.from(got.scores.subarray(0, 49)).every((s) => s === 0)).toBe(true);
    });
  }

  it('panel layout pads the last panel', () => {
    expect(panelFloats(33, 4)).toBe(2 * 4 * PANEL);
  });
});
