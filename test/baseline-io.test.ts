import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBaseline, writeBaseline } from '../src/baseline/io.js';
import { BASELINE_SCHEMA, type Baseline } from '../src/baseline/schema.js';
import { tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function sample(): Baseline {
  return {
    schema: BASELINE_SCHEMA, kind: 'gc-profile', runId: 'r', status: 'complete', createdAt: 'x', startedAt: 'x', durationMs: 1000,
    tool: { name: 'memkit', version: '0' }, command: { argv: [], cwd: '/' },
    target: { type: 'scenario', scenario: 's', file: 'f', builtin: true, variant: 'v', params: {} },
    environment: { node: 'v20', v8: '11', platform: 'linux', arch: 'x64', cpuModel: 'c', cpuCount: 2, totalMemoryBytes: 1, hostname: 'h', nodeFlags: [] },
    settings: {}, runs: [], notes: [],
    metrics: { 'gc.count.minor': { value: 3, values: [3], unit: 'count' } },
  };
}

describe('baseline files', () => {
  it('round-trips, writing atomically with no temp file left behind', () => {
    const path = join(tmp.path, 'deep', 'er', 'b.json');
    writeBaseline(path, sample());
    expect(readBaseline(path)).toEqual(sample());
    expect(readdirSync(join(tmp.path, 'deep', 'er'))).toEqual(['b.json']);
  });

  const bad = (name: string, text: string) => {
    const path = join(tmp.path, name);
    writeFileSync(path, text);
    return () => readBaseline(path);
  };

  it('names the problem of each kind of bad file in one line', () => {
    const good = JSON.stringify(sample());
    expect(bad('trunc.json', good.slice(0, good.length / 2))).toThrow(/trunc\.json: truncated JSON/);
    expect(bad('garbage.json', '{"schema": nope}')).toThrow(/garbage\.json: malformed JSON \(Unexpected token 'o'\)$/);
    expect(bad('comma.json', '{"a": 1 "b": 2}')).toThrow(/comma\.json: malformed JSON at byte 8 \(Expected ',' or '}' after property value\)$/);
    expect(bad('empty.json', '')).toThrow(/empty file/);
    expect(bad('v2.json', good.replace(BASELINE_SCHEMA, 'memkit.baseline/2'))).toThrow(
      /unknown schema version 'memkit\.baseline\/2' \(this memkit reads memkit\.baseline\/1\)/,
    );
    expect(bad('other.json', '{"name": "package"}')).toThrow(/not a memkit baseline/);
    expect(bad('neg.json', good.replace('"values":[3]', '"values":[-3]'))).toThrow(/metric gc\.count\.minor: negative value -3/);
    expect(bad('null.json', good.replace('"value":3', '"value":null'))).toThrow(/metric gc\.count\.minor: value null is not a number/);
    expect(() => readBaseline(join(tmp.path, 'missing.json'))).toThrow(/missing\.json: no such file or directory/);
  });
});
