import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readJson, readJsonl, runCli, tempDir, type CliResult } from './helpers/cli.js';

/**
 * Seed 004's sync job, both variants side by side for a short while, each keeping its
 * SQLite store so the test can open it: what memkit measured (throughput, hit ratio,
 * phases) against what is actually on disk.
 */

const SYMBOLS = 200;
const tmp = tempDir();
const runs: Record<string, { result: CliResult; baseline: any; samples: any[]; db: string }> = {};

beforeAll(async () => {
  const run = async (variant: string) => {
    const out = join(tmp.path, `${variant}.json`);
    const dir = join(tmp.path, variant);
    const result = await runCli([
      'gc-profile', '--scenario', 'batch-writer', '--variant', variant, '--duration', '1.5s', '--no-progress', '--out', out,
      '--param', `dir=${dir}`, '--param', 'keep=true', '--param', `symbols=${SYMBOLS}`,
    ]);
    const ok = result.code === 0;
    runs[variant] = {
      result,
      baseline: ok ? readJson(out) : undefined,
      samples: ok ? readJsonl(out.replace(/\.json$/, '.jsonl')) : [],
      db: join(dir, 'batch-writer.db'),
    };
  };
  await Promise.all([run('one-by-one'), run('batched')]);
}, 120_000);
afterAll(() => tmp.cleanup());

const metric = (variant: string, name: string): number | undefined => runs[variant]!.baseline.metrics[name]?.value;

function withStore<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
const countRows = (file: string) => withStore(file, (db) => (db.prepare('SELECT count(*) AS n FROM bars').get() as { n: number }).n);
/** The first `limit` rows of a store, in the order they were written. */
const readRows = (file: string, limit: number) =>
  withStore(file, (db) => db.prepare('SELECT * FROM bars ORDER BY rowid LIMIT ?').raw().all(limit) as unknown[][]);

describe.each(['one-by-one', 'batched'])('batch-writer %s', (variant) => {
  it('completes, and the store holds exactly the records it committed', () => {
    const { result, baseline, db } = runs[variant]!;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(baseline.status).toBe('complete');
    const committed = metric(variant, 'custom.records.out')!;
    expect(committed).toBeGreaterThan(0);
    expect(metric(variant, 'custom.records.invalid')).toBeUndefined();
    expect(countRows(db)).toBe(committed);
    // Every record fetched was committed by the end (teardown commits the last batch).
    expect(metric(variant, 'custom.records.in')).toBe(committed);
    expect(metric(variant, 'custom.records.lost')).toBe(0);
  });

  it('times every record in the three declared phases', () => {
    const { samples } = runs[variant]!;
    const last = samples.filter((r) => r.type === 'progress').at(-1);
    const records = metric(variant, 'custom.records.in')!;
    for (const phase of ['fetch', 'transform', 'write']) expect(last.phases[phase].count, phase).toBe(records);
  });
});

describe('before/after: the seed’s batch writer and cache', () => {
  it('commits once per record before, once per 100 records after', () => {
    expect(metric('one-by-one', 'custom.store.commits')).toBe(metric('one-by-one', 'custom.records.out'));
    expect(metric('batched', 'custom.store.commits')).toBe(Math.ceil(metric('batched', 'custom.records.out')! / 100));
  });

  it('writes more records per second batched', () => {
    expect(metric('batched', 'ops.rate_per_s')).toBeGreaterThan(metric('one-by-one', 'ops.rate_per_s')!);
  });

  it('hits the metadata cache batched (one miss per stock) and never one-by-one (keyed by date)', () => {
    expect(metric('one-by-one', 'custom.meta.hit_ratio')).toBe(0);
    expect(metric('one-by-one', 'custom.meta.miss')).toBe(metric('one-by-one', 'custom.records.in'));
    expect(metric('batched', 'custom.meta.miss')).toBe(SYMBOLS);
    expect(metric('batched', 'custom.meta.hit_ratio')).toBeGreaterThan(metric('one-by-one', 'custom.meta.hit_ratio')!);
  });

  it('spends most of its time writing when every record commits on its own; less per record batched', () => {
    const phases = (variant: string) => runs[variant]!.samples.filter((r) => r.type === 'progress').at(-1).phases;
    const mean = (variant: string, phase: string) => phases(variant)[phase].totalMs / phases(variant)[phase].count;
    const before = phases('one-by-one');
    const total = ['fetch', 'transform', 'write'].reduce((s, p) => s + before[p].totalMs, 0);
    expect(before.write.totalMs / total).toBeGreaterThan(0.5); // the seed's bottleneck rule
    expect(mean('batched', 'write')).toBeLessThan(mean('one-by-one', 'write'));
    // fetch includes the metadata lookup: a cache hit instead of two queries.
    expect(mean('batched', 'fetch')).toBeLessThan(mean('one-by-one', 'fetch'));
  });

  it('writes the same data either way', () => {
    const n = Math.min(countRows(runs['one-by-one']!.db), countRows(runs['batched']!.db));
    expect(n).toBeGreaterThan(0);
    expect(readRows(runs['batched']!.db, n)).toEqual(readRows(runs['one-by-one']!.db, n));
  });
});
