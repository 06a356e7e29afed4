import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readJson, runCli, tempDir, type CliResult } from './helpers/cli.js';

/**
 * Seed 002 under a heap limit: the fixed-count consumer runs out of heap with its buffer
 * full and loses it; the watermark consumer fills most of the same heap, flushes as memory
 * demands, and finishes with every record accounted for. The two runs go side by side.
 */

const HEAP_MIB = 64;
const STEPS = 30_000;
const tmp = tempDir();
const runs: Record<string, { result: CliResult; baseline: any }> = {};

beforeAll(async () => {
  const run = async (variant: string, extra: string[]) => {
    const out = join(tmp.path, `${variant}.json`);
    const result = await runCli([
      'gc-profile', '--scenario', 'backpressure', '--variant', variant, `--node-arg=--max-old-space-size=${HEAP_MIB}`,
      '--duration', '60s', '--no-progress', '--out', out, ...extra,
    ]);
    runs[variant] = { result, baseline: readJson(out) };
  };
  // A fixed amount of work for the watermark run (the record stream is seeded), so a
  // slow, shared machine changes its duration, not what it does.
  await Promise.all([run('fixed-count', []), run('watermark', ['--steps', String(STEPS)])]);
}, 120_000);
afterAll(() => tmp.cleanup());

const metric = (b: any, name: string): number | undefined => b.metrics[name]?.value;

describe('backpressure fixed-count (before) under a small heap', () => {
  it('runs out of heap: exit 3, one reason line naming the heap limit, a crashed baseline', () => {
    const { result, baseline } = runs['fixed-count']!;
    expect(result.code, result.stderr.slice(-2000)).toBe(3);
    const reason = result.stderr.split('\n').filter((l) => l.startsWith('memkit: '));
    expect(reason).toHaveLength(1);
    expect(reason[0]).toMatch(new RegExp(`ran out of V8 heap memory \\(--max-old-space-size=${HEAP_MIB}`));
    expect(baseline.status).toBe('crashed');
  });

  it('loses the records in its buffer: custom.records.lost > 0, and it is the buffer', () => {
    const { baseline } = runs['fixed-count']!;
    const inCount = metric(baseline, 'custom.records.in')!;
    const lost = metric(baseline, 'custom.records.lost')!;
    expect(lost).toBeGreaterThan(1000);
    expect(lost).toBe(inCount - (metric(baseline, 'custom.records.out') ?? 0));
    // The buffer never reached its 100k count: no batch was ever processed.
    expect(metric(baseline, 'custom.batches.flushed')).toBeUndefined();
    // The buffer-size gauge travels in the same progress message, sampled every 64 records.
    const buffered = metric(baseline, 'custom.buffer.records')!;
    expect(lost - buffered).toBeGreaterThanOrEqual(0);
    expect(lost - buffered).toBeLessThan(64);
  });
});

describe('backpressure watermark (after) under the same heap', () => {
  it('completes with every record accounted for', () => {
    const { result, baseline } = runs['watermark']!;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(baseline.status).toBe('complete');
    expect(metric(baseline, 'custom.records.in')).toBe(STEPS);
    expect(metric(baseline, 'custom.records.lost')).toBe(0);
  });

  it('flushes because memory reached the watermark, not only at the end', () => {
    const { baseline } = runs['watermark']!;
    // teardown's flush is one batch; the others were the watermark's.
    expect(metric(baseline, 'custom.batches.flushed')).toBeGreaterThanOrEqual(2);
    // The old generation's limit, from the flag; no container limit here.
    expect(metric(baseline, 'custom.memory.heap_limit_bytes')).toBe(HEAP_MIB * 2 ** 20);
    expect(metric(baseline, 'custom.memory.limit_bytes')).toBe(HEAP_MIB * 2 ** 20);
    expect(metric(baseline, 'custom.memory.watermark_bytes')).toBe(Math.floor(HEAP_MIB * 2 ** 20 * 0.7));
  });

  it('uses most of the heap instead of playing safe', () => {
    const { baseline } = runs['watermark']!;
    expect(metric(baseline, 'heap.used.peak_bytes')).toBeGreaterThan(0.5 * HEAP_MIB * 2 ** 20);
    // At its fullest the buffer held a good part of what filled the heap in the fixed-count
    // run: 70 % of it, less what young-generation garbage (up to a 16 MiB semi-space of 64)
    // made the watermark see early.
    const heldAtDeath = metric(runs['fixed-count']!.baseline, 'custom.records.lost')!;
    expect(metric(baseline, 'custom.buffer.peak_records')).toBeGreaterThan(0.4 * heldAtDeath);
  });
});
