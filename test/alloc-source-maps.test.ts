import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { allocSitesOfRun } from '../src/analyze/alloc-run.js';
import { allocSourceMapRecord, originalPosition, sourceMapOfScript } from '../src/run/alloc-source-maps.js';
import type { AllocProfileRecord } from '../src/samples/alloc-profile.js';
import { addRecord, emptyRunData } from '../src/samples/run-data.js';
import { FIXTURES, tempDir } from './helpers/cli.js';

/*
 * Issue 15, TypeScript users: the parent's source-map resolver (run/alloc-source-maps.ts)
 * and its use by the analysis. The map is tsc's own for test/fixtures/alloc/ts/feed.ts;
 * the ground truth is that file: parseTick is declared on its line 18 (feed.js line 8,
 * 0-based 7, column 25 where V8 starts the function).
 */

const TS_DIR = join(FIXTURES, 'alloc', 'ts');
const JS = readFileSync(join(TS_DIR, 'feed.js'), 'utf8');
const MAP = readFileSync(join(TS_DIR, 'feed.js.map'), 'utf8');
const TS_LINE = readFileSync(join(TS_DIR, 'feed.ts'), 'utf8').split('\n').findIndex((l) => l.startsWith('export function parseTick(')) + 1;
const JS_LINE0 = JS.split('\n').findIndex((l) => l.startsWith('export function parseTick('));
const JS_COL0 = JS.split('\n')[JS_LINE0]!.indexOf('(');
const withoutComment = JS.replace(/\/\/# sourceMappingURL=.*\n?$/, '');

const dir = tempDir('memkit-srcmap-');
afterAll(() => dir.cleanup());

function script(sub: string, name: string, text: string): string {
  mkdirSync(join(dir.path, sub), { recursive: true });
  const path = join(dir.path, sub, name);
  writeFileSync(path, text);
  return path;
}

describe('sourceMapOfScript + originalPosition', () => {
  it('the fixture is what the test claims: its .ts and .js lines differ', () => {
    expect(TS_LINE).toBe(18);
    expect(JS_LINE0 + 1).not.toBe(TS_LINE);
  });

  it('an inline data: map (base64), sources relative to the script', () => {
    const path = script('inline', 'feed.js', `${withoutComment}//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(MAP).toString('base64')}\n`);
    const m = sourceMapOfScript(path)!;
    expect(originalPosition(m, { line: JS_LINE0, col: JS_COL0 })).toEqual({ file: join(dir.path, 'inline', 'feed.ts'), line: TS_LINE, col: JS_COL0 + 1, name: null });
  });

  it('a map file named by the comment, and <script>.map beside a script without the comment; a file:// url as V8 gives ES modules', () => {
    const named = script('file', 'feed.js', JS);
    writeFileSync(join(dir.path, 'file', 'feed.js.map'), MAP);
    const beside = script('beside', 'feed.js', withoutComment);
    writeFileSync(join(dir.path, 'beside', 'feed.js.map'), MAP);
    for (const [path, sub] of [
      [pathToFileURL(named).href, 'file'],
      [beside, 'beside'],
    ] as const) {
      expect(originalPosition(sourceMapOfScript(path)!, { line: JS_LINE0, col: JS_COL0 })?.file).toBe(join(dir.path, sub, 'feed.ts'));
      expect(originalPosition(sourceMapOfScript(path)!, { line: JS_LINE0, col: JS_COL0 })?.line).toBe(TS_LINE);
    }
  });

  it('no map, a missing map file, a map that is not JSON, node: urls: none', () => {
    expect(sourceMapOfScript(script('none', 'plain.js', 'function f() {}\n'))).toBeUndefined();
    expect(sourceMapOfScript(script('missing', 'feed.js', JS))).toBeUndefined();
    const bad = script('bad', 'feed.js', JS);
    writeFileSync(`${bad}.map`, '{not json');
    expect(sourceMapOfScript(bad)).toBeUndefined();
    expect(sourceMapOfScript('node:fs')).toBeUndefined();
  });

  it('a position on a line the map has nothing for is not given an earlier line', () => {
    const m = sourceMapOfScript(join(TS_DIR, 'feed.js'))!;
    const commentLine0 = JS.split('\n').findIndex((l) => l.startsWith('//# sourceMappingURL='));
    expect(originalPosition(m, { line: commentLine0, col: 5 })).toBeUndefined();
  });

  it("a map whose sources are outside the script's folder (sourceRoot applied)", () => {
    const path = script('out/dist', 'feed.js', JS);
    writeFileSync(`${path}.map`, JSON.stringify({ ...JSON.parse(MAP), sourceRoot: '../../elsewhere/src' }));
    expect(originalPosition(sourceMapOfScript(path)!, { line: JS_LINE0, col: JS_COL0 })?.file).toBe(join(dir.path, 'elsewhere', 'src', 'feed.ts'));
  });
});

/** A one-read profile: root -> main (feed.js:1) -> parseTick, with bytes on parseTick; plus a frame of a plain script with bytes. */
function profile(url: string, plainUrl: string): AllocProfileRecord {
  return {
    type: 'alloc-profile',
    tMs: 1,
    seq: 0,
    why: 'end',
    steps: 0,
    source: 'inspector',
    view: 'allocated',
    intervalBytes: 1024,
    strings: ['', url, 'parseTick', plainUrl, 'plain', 'unsampled'],
    frames: { name: [0, 2, 4, 5], url: [1, 1, 3, 1], line: [0, JS_LINE0, 0, 15], col: [0, JS_COL0, 0, 0], script: [3, 3, 4, 3] },
    nodes: { parent: [-1, 0, 1, 0, 0], frame: [-1, 0, 1, 2, 3], bytes: [0, 0, 3000, 1000, 0], objects: [0, 0, 3, 1, 0] },
    ownBytes: 0,
  };
}

describe('allocSourceMapRecord (the parent) and allocSitesOfRun (the analysis)', () => {
  it('maps the sampled stacks\' frames, counts the scripts without a map, and the sites show the .ts file and line', () => {
    const js = script('run', 'feed.js', JS);
    writeFileSync(`${js}.map`, MAP);
    copyFileSync(join(TS_DIR, 'feed.ts'), join(dir.path, 'run', 'feed.ts'));
    const plain = script('run', 'plain.js', 'function plain() {}\n');
    const url = pathToFileURL(js).href;
    const data = emptyRunData();
    addRecord(data, { ...profile(url, plain), agentId: 1 } as AllocProfileRecord);
    const record = allocSourceMapRecord(data, 2)!;
    // Two sampled positions of feed.js (the unsampled frame is left out); plain.js has no map.
    expect(record).toMatchObject({ type: 'alloc-source-map', url: [url, url], scriptsMapped: 1, scriptsWithoutMap: 1, positionsUnmapped: 0 });
    expect(record.origLine.sort((a, b) => a - b)).toEqual([1, TS_LINE]);

    // The record goes through the reducer like any other; the maps may be gone by the time the report reads it.
    addRecord(data, record);
    rmSync(`${js}.map`);
    const cwd = dir.path;
    const view = { ...data, alloc: [...data.isolates.get(1)!.alloc] };
    const sites = allocSitesOfRun(view, join(cwd, 'run'))!;
    const parse = sites.sites.find((s) => s.label.startsWith('parseTick'))!;
    expect(parse.label).toBe(`parseTick (feed.ts:${TS_LINE})`);
    expect(parse.key).toBe('parseTick@feed.ts');
    expect(sites.tree.frames.find((f) => f.name === 'parseTick')).toMatchObject({ file: 'feed.ts', line: TS_LINE, col: JS_COL0 + 1, mapped: true });
    // Unmapped frames keep their generated position.
    expect(sites.tree.frames.find((f) => f.name === 'plain')).toMatchObject({ file: 'plain.js', line: 1, mapped: false });
    expect(sites.sourceMaps).toEqual({ scriptsMapped: 1, scriptsWithoutMap: 1 });
    // A cwd the original file is not under: the path is not made relative with ../ (tmp folders are <tmp>).
    expect(allocSitesOfRun(view, '/nonexistent')!.sites.find((s) => s.label.startsWith('parseTick'))!.label).toMatch(
      new RegExp(`^parseTick \\(<tmp>/run/feed\\.ts:${TS_LINE}\\)$`),
    );
  });

  it('no record when no script had a map (plain JavaScript stays as it was)', () => {
    const plain = script('plainrun', 'plain.js', 'function plain() {}\n');
    const data = emptyRunData();
    addRecord(data, profile(plain, plain));
    expect(allocSourceMapRecord(data, 2)).toBeUndefined();
  });
});
