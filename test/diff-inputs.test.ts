import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptBaseline, readBaseline, readBaselines } from '../src/baseline/io.js';
import { findBaselineProblem } from '../src/baseline/validate.js';
import { UsageError } from '../src/core/errors.js';
import { loadConfig } from '../src/config/load.js';
import { readDiffConfig } from '../src/config/diff-config.js';
import { makeBaseline, writeFixture } from './fixtures/baselines/builder.mjs';

const dir = mkdtempSync(join(tmpdir(), 'memkit-diff-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const valid = () => makeBaseline({ metrics: { 'gc.count.major': [3, 4, 3], 'rss.growth_bytes': [-1000, 2000, 500] } });

describe('every bad-input class is one clear line naming the file', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['malformed JSON', '{"schema": "memkit.baseline/1", oops}', /bad\.json: malformed JSON at byte \d+/],
    ['truncated JSON', JSON.stringify(valid()).slice(0, 200), /bad\.json: truncated JSON \(the file ends at byte 200 before the document does\)/],
    ['an empty file', '', /bad\.json: empty file, not a memkit baseline/],
    ['an unknown schema version', JSON.stringify({ ...valid(), schema: 'memkit.baseline/9' }), /unknown schema version 'memkit.baseline\/9' \(this memkit reads memkit.baseline\/1\)/],
    ['another JSON document', JSON.stringify({ name: 'package' }), /not a memkit baseline \(no "schema" field\)/],
    ['an unknown kind', JSON.stringify({ ...valid(), kind: 'flamegraph' }), /unknown baseline kind "flamegraph"/],
    ['NaN written as null', JSON.stringify(valid()).replace('"values":[3,4,3]', '"values":[3,null,3]'), /metric gc.count.major: value null is not a number/],
    ['NaN written as a string', JSON.stringify(valid()).replace('"values":[3,4,3]', '"values":[3,"NaN",3]'), /metric gc.count.major: value "NaN" is not a number/],
    ['a negative count', JSON.stringify(valid()).replace('"values":[3,4,3]', '"values":[3,-4,3]'), /metric gc.count.major: negative value -4 where only counts or sizes >= 0 make sense/],
    ['an unknown unit', JSON.stringify(valid()).replace('"unit":"count"', '"unit":"furlongs"'), /metric gc.count.major: unknown unit "furlongs"/],
    ['empty values', JSON.stringify(valid()).replace('"values":[3,4,3]', '"values":[]'), /"values" must be a non-empty array/],
    ['wrong environment types', JSON.stringify({ ...valid(), environment: { ...valid().environment, nodeFlags: '--expose-gc' } }), /environment.nodeFlags must be an array of strings/],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      const path = writeFixture(dir, 'bad.json', text);
      expect(() => readBaseline(path)).toThrow(UsageError);
      expect(() => readBaseline(path)).toThrow(message);
      try {
        readBaseline(path);
      } catch (err) {
        expect((err as Error).message).not.toContain('\n');
      }
    });
  }

  it('a missing file, a directory', () => {
    expect(() => readBaseline(join(dir, 'nope.json'))).toThrow(/nope\.json: no such file or directory/);
    expect(() => readBaseline(dir)).toThrow(/is a directory, expected a file/);
  });

  it('an unreadable file (when not running as root)', () => {
    const path = writeFixture(dir, 'locked.json', valid());
    chmodSync(path, 0o000);
    try {
      if (process.getuid?.() === 0) return; // root reads anything: nothing to test
      expect(() => readBaseline(path)).toThrow(/locked\.json: permission denied/);
    } finally {
      chmodSync(path, 0o644);
    }
  });

  it('negative sizes are fine where the metric is signed (RSS growth can shrink)', () => {
    expect(findBaselineProblem(valid())).toBeUndefined();
  });
});

describe('readBaselines: paths and quoted globs', () => {
  it('expands globs in sorted order, dedupes, and fails on a glob that matches nothing', async () => {
    const g = join(dir, 'glob');
    for (const n of ['run-2.json', 'run-1.json', 'other.json']) writeFixture(g, n, valid());
    const found = await readBaselines([join(g, 'run-*.json'), join(g, 'run-1.json')], 'base');
    expect(found.map((f) => f.path)).toEqual([join(g, 'run-1.json'), join(g, 'run-2.json')]);
    await expect(readBaselines([join(g, 'nothing-*.json')], 'current')).rejects.toThrow(/current: no file matches '.*nothing-\*\.json'/);
  });
});

describe('acceptBaseline', () => {
  it('copies atomically and keeps sample-file references valid from the new folder', () => {
    const current = writeFixture(join(dir, 'ci', 'reports'), 'current.json', valid());
    const base = join(dir, 'ci', 'baselines', 'base.json');
    acceptBaseline(current, base);
    const copy = JSON.parse(readFileSync(base, 'utf8'));
    expect(copy.metrics).toEqual(valid().metrics);
    expect(copy.runs[0].samplesFile).toBe(join('..', 'reports', 'fixture-run-0.jsonl'));
    expect(() => acceptBaseline(writeFixture(dir, 'broken.json', '{'), base)).toThrow(/truncated JSON/);
    expect(JSON.parse(readFileSync(base, 'utf8')).metrics).toEqual(valid().metrics); // untouched by the failed accept
  });
});

describe('memkit.config.json', () => {
  const cfgDir = join(dir, 'cfg');
  const write = (doc: unknown) => writeFixture(cfgDir, 'memkit.config.json', typeof doc === 'string' ? doc : JSON.stringify(doc));

  it('is read from the working folder, the diff section parsed with the CLI syntax', () => {
    write({
      diff: {
        alpha: 0.01,
        metrics: ['gc.*'],
        thresholds: { 'gc.pause.p95_ms': '10%', 'rss.growth_bytes': '+2MB' },
        max: { 'rss.growth_bytes': '5MB' },
        min: { 'custom.cache.hit_ratio': 0.8 },
        allowPartial: true,
      },
      'mem-stress': { anything: 'belongs to another command' },
    });
    const cfg = readDiffConfig(loadConfig(undefined, cfgDir));
    expect(cfg.alpha).toBe(0.01);
    expect(cfg.metrics).toEqual(['gc.*']);
    expect(cfg.thresholds.map((t) => `${t.pattern}=${t.spec}`)).toEqual(['gc.pause.p95_ms=10%', 'rss.growth_bytes=+2MB']);
    expect(cfg.bounds.map((b) => `${b.kind} ${b.pattern}=${b.spec}`)).toEqual(['max rss.growth_bytes=5MB', 'min custom.cache.hit_ratio=0.8']);
    expect(cfg.allowPartial).toBe(true);
  });

  it('absent: no config; --no-config: ignored; --config FILE: must exist', () => {
    expect(loadConfig(undefined, join(dir, 'empty-folder'))).toBeUndefined();
    expect(loadConfig(false, cfgDir)).toBeUndefined();
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/config .*missing\.json: no such file or directory/);
  });

  it('typos and bad values are errors, not silently ignored', () => {
    write({ diff: { threshold: { 'gc.pause.p95_ms': '10%' } } });
    expect(() => readDiffConfig(loadConfig(undefined, cfgDir))).toThrow(/unknown key diff.threshold \(expected one of alpha, correction, metrics, thresholds, max, min, allowPartial\)/);
    write({ diff: { thresholds: { 'gc.pause.p95_ms': true } } });
    expect(() => readDiffConfig(loadConfig(undefined, cfgDir))).toThrow(/diff.thresholds.gc.pause.p95_ms: expected a string or a number/);
    write({ diff: { max: { 'rss.growth': '5MB' } } });
    expect(() => readDiffConfig(loadConfig(undefined, cfgDir))).toThrow(/unknown metric 'rss.growth'/);
    write('{ "diff": ');
    expect(() => readDiffConfig(loadConfig(undefined, cfgDir))).toThrow(/config memkit.config.json: not valid JSON/);
  });
});
