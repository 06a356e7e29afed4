import { describe, expect, it } from 'vitest';
import { float32Text } from '../dist/src/similarity/neighbor-files.js';
import { planMicroBatch, predictFullRows, predictMicroBatch } from '../dist/src/similarity/memory-plan.js';
import { npyHeader, parseNpyHeader } from '../dist/src/similarity/npy.js';
import { parseShard, shardRows } from '../dist/src/similarity/shard.js';
import { syntheticMatrix } from '../dist/src/similarity/synthetic.js';

/** The pure parts of similarity-build: planner, shard arithmetic, .npy headers, number text. */

const base = { items: 100_000, rows: 100_000, dims: 128, modalities: 1, k: 200, maxWorkers: 2 };

describe('memory plan', () => {
  it('adds up its terms, with the sizes the layout really allocates', () => {
    const p = predictMicroBatch(base, 256, 2);
    expect(p.embeddingsBytes).toBe(100_000 * 128 * 4); // 100000 is a multiple of 32: no padding
    expect(p.outputBytes).toBe(100_000 * 200 * 8);
    expect(p.blocksBytes).toBe(2 * 256 * 128 * 4);
    expect(p.topkStateBytes).toBe(2 * 256 * (2 * 200 + 96) * 8);
    expect(p.totalBytes).toBe(p.runtimeBytes + p.embeddingsBytes + p.blocksBytes + p.topkStateBytes + p.outputBytes + p.ioBytes);
  });

  it('under a budget prefers more workers, then the largest micro-batch that fits', () => {
    const roomy = planMicroBatch({ ...base, budgetBytes: 2e9 });
    expect([roomy.microBatch, roomy.workers]).toEqual([256, 2]);
    expect(roomy.choice).toMatch(/chose micro-batch 256 and 2 worker threads/);
    const full = predictMicroBatch(base, 256, 2).totalBytes;
    // A budget just below the 256 x 2 plan: still 2 workers, a smaller batch.
    const tight = planMicroBatch({ ...base, budgetBytes: full - 1 });
    expect(tight.workers).toBe(2);
    expect(tight.microBatch).toBeLessThan(256);
    expect(tight.prediction.totalBytes).toBeLessThanOrEqual(full - 1);
  });

  it('refuses a budget below the embeddings + output + runtime, naming them', () => {
    expect(() => planMicroBatch({ ...base, budgetBytes: 200e6 })).toThrow(/cannot hold even one worker.*embeddings 51\.20 MB \+ top-K output 160\.0 MB/);
  });

  it('keeps explicit choices and refuses them when they do not fit', () => {
    expect(planMicroBatch({ ...base, microBatch: 50 }).microBatch).toBe(50);
    expect(() => planMicroBatch({ ...base, microBatch: 256, workers: 64, maxWorkers: 64, budgetBytes: 300e6 })).toThrow(/too small for --micro-batch 256 with 64 worker/);
  });

  it("the old strategy's block: float64 rows per modality and combined, float32 product, 8-byte index", () => {
    expect(predictFullRows({ ...base, modalities: 2 }).blockBytes).toBe(1000 * 100_000 * (8 * 3 + 4 + 8));
    expect(predictFullRows(base).blockBytes).toBe(1000 * 100_000 * (8 + 4 + 8));
  });
});

describe('shards', () => {
  it('tile the rows', () => {
    const parts = [0, 1, 2].map((i) => shardRows({ index: i, count: 3 }, 10));
    expect(parts).toEqual([{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 10 }]);
  });
  it('auto/n takes JOB_COMPLETION_INDEX', () => {
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(() => parseShard('auto/4', {})).toThrow(/JOB_COMPLETION_INDEX is not set/);
    expect(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: '4' })).toThrow(/index 4 is out of range for 4 shards/);
    expect(() => parseShard('1-4')).toThrow(/not i\/n or auto\/n/);
  });
});

describe('.npy headers', () => {
  it('round-trip, 64-byte aligned', () => {
    const h = npyHeader('f4', [100_000, 128]);
    expect(h.length % 64).toBe(0);
    expect(parseNpyHeader(h, h.length, 'x.npy')).toEqual({ dtype: 'f4', shape: [100_000, 128], dataOffset: h.length, itemBytes: 4 });
  });
  it('read version 2.0 headers (4-byte length)', () => {
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }".padEnd(116, ' ') + '\n';
    const h = Buffer.alloc(12 + dict.length);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]).copy(h);
    h.writeUInt32LE(dict.length, 8);
    h.write(dict, 12, 'latin1');
    expect(parseNpyHeader(h, h.length, 'x.npy')).toMatchObject({ dtype: 'f8', shape: [3, 2], dataOffset: 12 + dict.length });
  });
  it('refuse big-endian data with the fix', () => {
    const h = Buffer.from(npyHeader('f4', [2, 2]).toString('latin1').replace("'<f4'", "'>f4'"), 'latin1');
    expect(() => parseNpyHeader(h, h.length, 'x.npy')).toThrow(/big-endian >f4 array; convert it with a.astype\('<f4'\)/);
  });
});

describe('text and data', () => {
  it('float32 scores print short and read back exactly', () => {
    for (const v of [0.1, 1 / 3, -Math.SQRT1_2, 1e-8, 0]) {
      const f = Math.fround(v);
      const t = float32Text(f);
      expect(Math.fround(Number(t))).toBe(f);
      expect(t.replace(/^-?0\./, '').length).toBeLessThanOrEqual(12);
    }
  });
  it('synthetic data is deterministic per seed and standard normal', () => {
    const a = syntheticMatrix(1000, 8, 1);
    expect(syntheticMatrix(1000, 8, 1)).toEqual(a);
    expect(syntheticMatrix(1000, 8, 2)).not.toEqual(a);
    let sum = 0;
    let sq = 0;
    for (const v of a) {
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / a.length)).toBeLessThan(0.05);
    expect(Math.abs(sq / a.length - 1)).toBeLessThan(0.05);
  });
});
