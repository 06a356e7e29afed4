import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBaseline } from '../dist/src/baseline/io.js';
import { readManifest } from '../dist/src/similarity/manifest.js';
import { readNeighborFiles } from '../dist/src/similarity/neighbor-files.js';
import { npyHeader } from '../dist/src/similarity/npy.js';
import { bruteForce, firstMismatch, memkit, randomMatrix, toFloat32, writeNpy } from './similarity-reference.js';

/**
 * `memkit similarity-build` end to end through the built CLI: a real child, real worker
 * threads, real files, checked against float64 brute force.
 */

const dir = mkdtempSync(join(tmpdir(), 'memkit-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function neighbors(out: string) {
  const { manifest, dir: d } = readManifest(out);
  return { manifest, rows: readNeighborFiles(d, manifest) };
}

describe('similarity-build: exact neighbours', () => {
  it('float64 .npy, several workers and an uneven micro-batch, npy output', () => {
    const m = randomMatrix(300, 24, 11);
    writeNpy(join(dir, 'f64.npy'), m, 'f8');
    const out = join(dir, 'f64-out');
    const r = memkit(['similarity-build', '--input', join(dir, 'f64.npy'), '--top-k', '10', '--micro-batch', '7', '--workers', '2', '--format', 'npy', '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Predicted peak memory: [\d.]+ [KMG]?B = embeddings/);
    expect(r.stdout).toMatch(/Computing similarity in micro-batches \(total=300, micro_batch_size=7, top_k=10, workers=2\)/);
    expect(r.stdout).toMatch(/measured\/predicted \d+\.\d\d/);
    expect(r.stderr).toMatch(/Progress: 300\/300 items \(100\.0%\)/);
    const { manifest, rows } = neighbors(out);
    expect(manifest.files).toEqual({ ids: 'neighbors.ids.npy', scores: 'neighbors.scores.npy' });
    expect(firstMismatch(rows, bruteForce([m], [1], 10), 300)).toBeUndefined();

    const b = readBaseline(join(out, 'baseline.json'));
    expect(b.kind).toBe('similarity-build');
    expect(b.status).toBe('complete');
    const peak = b.metrics['rss.peak_bytes']!.value;
    const predicted = b.metrics['similarity.predicted_peak_bytes']!.value;
    expect(peak).toBeGreaterThan(20e6); // a Node process, measured, not a placeholder
    expect(b.metrics['similarity.peak_prediction_ratio']!.value).toBeCloseTo(peak / predicted, 6);
    expect(b.metrics['similarity.compute_ms']!.value).toBeGreaterThan(0);
    expect(b.settings).toMatchObject({ microBatch: 7, workers: 2, microBatchSource: 'flag', topKSource: 'flag' });
  });

  it('multi-modal: weighted sum of per-modality cosines (float32 + float64), jsonl', () => {
    const text = toFloat32(randomMatrix(150, 12, 5));
    const image = randomMatrix(150, 5, 6);
    writeNpy(join(dir, 'text.npy'), text, 'f4');
    writeNpy(join(dir, 'image.npy'), image, 'f8');
    const out = join(dir, 'mm-out');
    const r = memkit(['similarity-build', '--input', join(dir, 'text.npy'), '--input', join(dir, 'image.npy'), '--weights', '0.7,0.3', '--top-k', '8', '--format', 'jsonl', '--out', out, '--no-progress']);
    expect(r.code).toBe(0);
    const { rows } = neighbors(out);
    expect(firstMismatch(rows, bruteForce([text, image], [0.7, 0.3], 8), 150)).toBeUndefined();
    const first = JSON.parse(readFileSync(join(out, 'neighbors.jsonl'), 'utf8').split('\n')[0]!);
    expect(first.id).toBe(0);
    expect(first.neighbors).toHaveLength(8);
  });

  it('raw little-endian float32 with --dim equals the same data as .npy', () => {
    const m = toFloat32(randomMatrix(90, 6, 8));
    writeFileSync(join(dir, 'raw.f32'), Buffer.from(Float32Array.from(m.data).buffer));
    const out = join(dir, 'raw-out');
    const r = memkit(['similarity-build', '--input', join(dir, 'raw.f32'), '--dim', '6', '--top-k', '4', '--out', out, '--no-progress']);
    expect(r.code).toBe(0);
    expect(firstMismatch(neighbors(out).rows, bruteForce([m], [1], 4), 90)).toBeUndefined();
  });

  it('shards merged equal the unsharded result, byte for byte', () => {
    const m = randomMatrix(211, 10, 9);
    writeNpy(join(dir, 'sh.npy'), m, 'f4');
    const common = ['similarity-build', '--input', join(dir, 'sh.npy'), '--top-k', '6', '--no-progress'];
    expect(memkit([...common, '--out', join(dir, 'sh-full')]).code).toBe(0);
    expect(memkit([...common, '--shard', '0/3', '--out', join(dir, 'sh0')]).code).toBe(0);
    // auto/n reads the index a Kubernetes Indexed Job gives each pod.
    expect(memkit([...common, '--shard', 'auto/3', '--out', join(dir, 'sh1')], { JOB_COMPLETION_INDEX: '1' }).code).toBe(0);
    expect(memkit([...common, '--shard', '2/3', '--out', join(dir, 'sh2')]).code).toBe(0);
    expect(neighbors(join(dir, 'sh1')).manifest.rows).toEqual({ start: 70, end: 140 });
    const merged = memkit(['similarity-build', 'merge', join(dir, 'sh2'), join(dir, 'sh0'), join(dir, 'sh1'), '--out', join(dir, 'sh-merged')]);
    expect(merged.code).toBe(0);
    expect(readFileSync(join(dir, 'sh-merged', 'neighbors.bin')).equals(readFileSync(join(dir, 'sh-full', 'neighbors.bin')))).toBe(true);
    const missing = memkit(['similarity-build', 'merge', join(dir, 'sh0'), join(dir, 'sh2'), '--out', join(dir, 'sh-bad')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^memkit: error: missing shard\(s\) 1\/3/);
  });

  it('honours SIMILARITY_TOP_K and SIMILARITY_MICRO_BATCH_SIZE when the flags are absent; flags win', () => {
    const out = join(dir, 'env-out');
    const r = memkit(['similarity-build', '--synthetic', '120x8', '--out', out, '--no-progress'], { SIMILARITY_TOP_K: '7', SIMILARITY_MICRO_BATCH_SIZE: '5' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/micro_batch_size=5, top_k=7/);
    expect(neighbors(out).manifest.topK).toBe(7);
    expect(readBaseline(join(out, 'baseline.json')).settings).toMatchObject({ microBatch: 5, microBatchSource: 'SIMILARITY_MICRO_BATCH_SIZE', topKSource: 'SIMILARITY_TOP_K' });
    const flags = memkit(['similarity-build', '--synthetic', '120x8', '--top-k', '3', '--micro-batch', '9', '--out', out, '--no-progress'], { SIMILARITY_TOP_K: '7', SIMILARITY_MICRO_BATCH_SIZE: '5' });
    expect(flags.stdout).toMatch(/micro_batch_size=9, top_k=3/);
    const bad = memkit(['similarity-build', '--synthetic', '120x8', '--out', out], { SIMILARITY_TOP_K: 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("memkit: error: SIMILARITY_TOP_K (environment): 'lots' is not a whole number");
  });
});

describe('similarity-build: the measured peak', () => {
  it('follows the output it holds, and the prediction', () => {
    // Doubling K adds rows x K x 8 bytes of output (8 MB here): the measured peaks, read
    // from outside, must differ by about that much, and each stay near its prediction.
    const peak = (k: number) => {
      const out = join(dir, `peak-${k}`);
      expect(memkit(['similarity-build', '--synthetic', '10000x8', '--top-k', String(k), '--out', out, '--no-progress']).code).toBe(0);
      const b = readBaseline(join(out, 'baseline.json'));
      return { measured: b.metrics['rss.peak_bytes']!.value, predicted: b.metrics['similarity.predicted_peak_bytes']!.value };
    };
    const small = peak(100);
    const large = peak(200);
    expect(large.measured - small.measured).toBeGreaterThan(8e6 * 0.7);
    expect(large.measured - small.measured).toBeLessThan(8e6 * 1.5);
    for (const p of [small, large]) {
      expect(p.measured / p.predicted).toBeGreaterThan(0.75);
      expect(p.measured / p.predicted).toBeLessThan(1.25);
    }
  });
});

describe('similarity-build: bad input is one line and exit 2', () => {
  const m = randomMatrix(20, 4, 1);
  const data = Buffer.from(Float32Array.from(m.data).buffer);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['fortran.npy', Buffer.concat([Buffer.from(npyHeader('f4', [20, 4]).toString('latin1').replace('False', 'True '), 'latin1'), data]), /Fortran-order \(column-major\) array/],
    ['int64.npy', Buffer.concat([Buffer.from(npyHeader('f4', [20, 4]).toString('latin1').replace("'<f4'", "'<i8'"), 'latin1'), data]), /dtype '<i8' is not supported/],
    ['truncated.npy', Buffer.concat([npyHeader('f4', [20, 4]), data.subarray(0, 100)]), /truncated \.npy file: shape \(20, 4\) of float32 needs 448 bytes, the file has 228/],
    ['header-cut.npy', npyHeader('f4', [20, 4]).subarray(0, 40), /truncated \.npy header/],
    ['not.npy', Buffer.from('hello world, not numpy'), /not a \.npy file/],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      writeFileSync(join(dir, name), bytes);
      const r = memkit(['similarity-build', '--input', join(dir, name), '--out', join(dir, 'bad-out')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^memkit: error: /);
    });
  }

  it('a budget below the embeddings + output + runtime exits 2 with the numbers and what to do', () => {
    const r = memkit(['similarity-build', '--synthetic', '200000x64', '--top-k', '100', '--memory-budget', '100MB', '--out', join(dir, 'budget')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memkit: error: --memory-budget 100\.0 MB cannot hold even one worker/);
    expect(r.stderr).toMatch(/embeddings 51\.20 MB \+ top-K output 160\.0 MB/);
    expect(r.stderr).toMatch(/--shard i\/n/);
  });

  it('a budget that fits chooses the micro-batch and the workers and says so', () => {
    const r = memkit(['similarity-build', '--synthetic', '400x16', '--top-k', '5', '--memory-budget', '1GB', '--out', join(dir, 'budget-ok'), '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Memory budget: chose micro-batch \d+ and \d+ worker threads?, predicted peak/);
  });

  it('mismatched modalities and weights', () => {
    writeNpy(join(dir, 'a.npy'), randomMatrix(10, 3, 1), 'f4');
    writeNpy(join(dir, 'b.npy'), randomMatrix(11, 3, 1), 'f4');
    const rows = memkit(['similarity-build', '--input', join(dir, 'a.npy'), '--input', join(dir, 'b.npy')]);
    expect(rows.code).toBe(2);
    expect(rows.stderr).toMatch(/inputs disagree on the number of items/);
    const w = memkit(['similarity-build', '--input', join(dir, 'a.npy'), '--weights', '0.5,0.5']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--weights: 2 weight\(s\) for 1 input\(s\)/);
  });

  it('a folder as --input, a file as --out', () => {
    const d = memkit(['similarity-build', '--input', dir]);
    expect(d.code).toBe(2);
    expect(d.stderr.trim()).toBe(`memkit: error: ${dir}: is a directory, expected a .npy file`);
    writeFileSync(join(dir, 'a-file'), 'x');
    const f = memkit(['similarity-build', '--synthetic', '10x2', '--out', join(dir, 'a-file')]);
    expect(f.code).toBe(2);
    expect(f.stdout).toBe(''); // refused before any plan is printed
    expect(f.stderr).toMatch(/cannot create the output folder .*a-file: a file is in the way/);
  });

  it('non-finite values are reported with the item', () => {
    const bad = randomMatrix(10, 3, 2);
    bad.data[3 * 3 + 1] = NaN;
    writeNpy(join(dir, 'nan.npy'), bad, 'f8');
    const r = memkit(['similarity-build', '--input', join(dir, 'nan.npy'), '--out', join(dir, 'nan-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^memkit: error: .*nan\.npy \(10x3 float64\): item 3 has a non-finite value \(NaN\) at column 1$/);
  });
});

describe('similarity-build --compare', () => {
  it("runs the old and the micro-batch strategies, or refuses the old one past the budget", () => {
    const r = memkit(['similarity-build', '--synthetic', '1500x16', '--top-k', '5', '--compare', '--out', join(dir, 'cmp'), '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1,500 │ old: blocks of 1000 rows, full rows +│ +[\d.]+ MB/);
    expect(r.stdout).toMatch(/micro-batch \d+ \+ top-K +│ +[\d.]+ MB .*% ↓/);
    const b = readBaseline(join(dir, 'cmp', 'baseline.json'));
    const rows = (b.extra as { compare: Array<{ strategy: string; peakRssBytes?: number }> }).compare;
    expect(rows.map((x) => x.strategy)).toEqual(['full-rows', 'micro-batch']);
    expect(rows.every((x) => (x.peakRssBytes ?? 0) > 20e6)).toBe(true);

    // 5000 items: the old strategy's block alone is 1000 x 5000 x 20 bytes = 100 MB.
    const refused = memkit(['similarity-build', '--synthetic', '5000x4', '--top-k', '5', '--compare', '--memory-budget', '100MB', '--out', join(dir, 'cmp2'), '--no-progress']);
    expect(refused.code).toBe(0);
    expect(refused.stdout).toMatch(/refused: predicted 0\.1\d GB > 0\.10 GB allowed/);
    expect(refused.stdout).toMatch(/5,000 │ micro-batch \d+ \+ top-K +│ +[\d.]+ MB/);
  });
});
