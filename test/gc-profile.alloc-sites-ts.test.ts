import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, readJsonl, runCli, tempDir } from './helpers/cli.js';

/*
 * Issue 15, TypeScript users: a program compiled by tsc (test/fixtures/alloc/ts/feed.ts ->
 * feed.js + feed.js.map, an ES module) run under `gc-profile --alloc-sites`. Its
 * allocating function is shown at its line in the .ts file, read from the source here.
 */

const TS = join(FIXTURES, 'alloc', 'ts', 'feed.ts');
const JS = join(FIXTURES, 'alloc', 'ts', 'feed.js');
const lineOf = (path: string): number => readFileSync(path, 'utf8').split('\n').findIndex((l) => l.startsWith('export function parseTick(')) + 1;

describe('gc-profile --alloc-sites -- node compiled-typescript.js', () => {
  const dir = tempDir('memkit-alloc-ts-');
  afterAll(() => dir.cleanup());

  it('shows parseTick at its .ts line, keyed by the .ts file, and says the frames were mapped', async () => {
    const tsLine = lineOf(TS);
    expect(tsLine).not.toBe(lineOf(JS)); // else the test could not tell the files apart
    const out = join(dir.path, 'b.json');
    // Inlining off: V8 would give parseTick's allocations to the loop that calls it.
    const r = await runCli(['gc-profile', '--alloc-sites', '--alloc-interval', '32KiB', '--out', out, '--no-progress', '--', process.execPath, '--max-inlined-bytecode-size=0', JS], {
      env: { FEED_CALLS: '300000' },
    });
    expect(r.code, r.stderr).toBe(0);
    const section = JSON.parse(readFileSync(out, 'utf8')).extra.allocSites;
    const top = section.runs[0].top[0];
    expect(top.label).toBe(`parseTick (test/fixtures/alloc/ts/feed.ts:${tsLine})`);
    expect(top.key).toBe('parseTick@test/fixtures/alloc/ts/feed.ts');
    expect(r.stdout).toContain(`parseTick (test/fixtures/alloc/ts/feed.ts:${tsLine})`);
    expect(section.notes.join('\n')).toMatch(/^source maps: \d+ frame\(s\) of 1 script\(s\) shown at their original file and line/m);
    // The samples file carries the resolved positions, so a replay needs no .map file.
    const record = readJsonl(out.replace(/\.json$/, '.jsonl')).find((x) => x.type === 'alloc-source-map');
    expect(record.origLine).toContain(tsLine);
  }, 60_000);
});
