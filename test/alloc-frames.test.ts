import { describe, expect, it } from 'vitest';
import { frameRefOf, portableSourcePath, sanitiseKey, siteKeys, siteLabel, type FrameRef } from '../src/analyze/alloc-frames.js';
import { resolveThreshold } from '../src/analyze/thresholds.js';
import { lookupMetric } from '../src/metrics/registry.js';

/*
 * Issue 15, step 1: what an allocation site is called. Keys must be the same for the same
 * function in the next run, on the next machine and after an edit above it; legal in every
 * place `memkit diff` parses a metric name; and tell apart what is different.
 */

const CWD = '/home/runner/work/app';
const frame = (name: string, file: string, line = 10, col = 3, mapped = false): FrameRef => ({ name, file, line, col, mapped });

describe('portable source paths', () => {
  it('relative under the working directory, file:// stripped, node: as it is, V8 frames empty', () => {
    expect(portableSourcePath(`${CWD}/src/feed.js`, CWD)).toBe('src/feed.js');
    expect(portableSourcePath(`file://${CWD}/src/feed.mjs`, CWD)).toBe('src/feed.mjs');
    expect(portableSourcePath(`file://${CWD}/src/with%20space.mjs`, CWD)).toBe('src/with space.mjs');
    expect(portableSourcePath('node:internal/streams/readable', CWD)).toBe('node:internal/streams/readable');
    expect(portableSourcePath('', CWD)).toBe('');
    expect(portableSourcePath('/opt/elsewhere/x.js', CWD)).toBe('/opt/elsewhere/x.js');
  });

  it('a dependency from its last node_modules/ on, so pnpm layouts, nesting and version bumps keep the key', () => {
    expect(portableSourcePath(`${CWD}/node_modules/undici/lib/fetch/util.js`, CWD)).toBe('node_modules/undici/lib/fetch/util.js');
    expect(portableSourcePath(`${CWD}/node_modules/.pnpm/undici@6.21.0/node_modules/undici/lib/fetch/util.js`, CWD)).toBe('node_modules/undici/lib/fetch/util.js');
    expect(portableSourcePath('/usr/lib/node_modules/npm/lib/cli.js', CWD)).toBe('node_modules/npm/lib/cli.js');
  });

  it('a temporary directory is <tmp> (a fresh name each run)', () => {
    expect(portableSourcePath('/tmp/memkit-abc123/app.js', CWD)).toBe('<tmp>/app.js');
  });
});

describe('frames and labels', () => {
  it("V8's 0-based line and column become 1-based; the label keeps the line", () => {
    const f = frameRefOf({ functionName: 'parseTick', url: `${CWD}/src/feed.js`, lineNumber: 40, columnNumber: 17 }, CWD);
    expect(f).toEqual({ name: 'parseTick', file: 'src/feed.js', line: 41, col: 18, mapped: false });
    expect(siteLabel(f)).toBe('parseTick (src/feed.js:41)');
    expect(siteLabel(frame('', 'src/a.js', 3))).toBe('(anonymous) (src/a.js:3)');
    expect(siteLabel(frame('(garbage collector)', ''))).toBe('(garbage collector)');
  });
});

describe('site keys', () => {
  it('function@file, without the line: an edit above the function keeps its key', () => {
    expect(siteKeys([frame('parseTick', 'src/feed.js', 41)])).toEqual(['parseTick@src/feed.js']);
    expect(siteKeys([frame('parseTick', 'src/feed.js', 52)])).toEqual(['parseTick@src/feed.js']);
    expect(siteKeys([frame('(V8 API)', '')])).toEqual(['(V8_API)']);
  });

  it('an anonymous function is keyed by its start line, from its own frame only: a run that sampled one of two keeps both keys', () => {
    const a = frame('', 'src/server.js', 12, 5);
    const b = frame('', 'src/server.js', 30, 9);
    expect(siteKeys([b, a])).toEqual(['(anonymous)@src/server.js:30', '(anonymous)@src/server.js:12']);
    expect(siteKeys([b])).toEqual(['(anonymous)@src/server.js:30']);
    // The same function seen twice (two stacks) is one site.
    expect(siteKeys([a, a])).toEqual(['(anonymous)@src/server.js:12', '(anonymous)@src/server.js:12']);
    // Two named functions of one file with one name are one site, whichever was sampled.
    expect(siteKeys([frame('handle', 'src/a.js', 3), frame('handle', 'src/a.js', 90)])).toEqual(['handle@src/a.js', 'handle@src/a.js']);
  });

  it("characters the diff's grammar gives a meaning to, and whitespace, become _", () => {
    expect(sanitiseKey('get a=b*c?d,e\tf')).toBe('get_a_b_c_d_e_f');
    expect(siteKeys([frame('<script>alert(1)</script>', 'src/x.js')])).toEqual(['<script>alert(1)</script>@src/x.js']);
    expect(siteKeys([frame('Map.set', 'node:internal/x')])).toEqual(['Map.set@node:internal/x']);
    expect(siteKeys([frame('命名', 'src/ü.js')])).toEqual(['命名@src/ü.js']);
  });

  it('a long key keeps its start and end around a hash, and two long keys stay apart', () => {
    const long = (tail: string) => frame(`f${'x'.repeat(300)}${tail}`, 'src/a.js');
    const [k1, k2] = siteKeys([long('1'), long('2')]);
    expect(k1!.length).toBeLessThanOrEqual(160);
    expect(k1).toMatch(/^fxxx.*~[0-9a-f]{6}~x+1@src\/a\.js$/);
    expect(k1).not.toBe(k2);
  });
});

describe('site metrics in the registry', () => {
  it('the figure is read from the end (keys hold dots), with unit, direction and whether it decides', () => {
    const m = (n: string) => lookupMetric(n)!;
    expect(m('alloc.site.parseTick@src/feed.js.bytes_per_op')).toMatchObject({ unit: 'bytes', better: 'lower', family: 'alloc-site' });
    expect(m('alloc.site.parseTick@src/feed.js.bytes_per_op').notDecidingByDefault).toBeUndefined();
    expect(m('alloc.site.parseTick@src/feed.js.bytes').notDecidingByDefault).toBeUndefined();
    expect(m('alloc.site.parseTick@src/feed.js.bytes_per_s')).toMatchObject({ unit: 'bytes_per_s', notDecidingByDefault: expect.stringMatching(/wall clock/) });
    expect(m('alloc.site.parseTick@src/feed.js.objects_per_op')).toMatchObject({ unit: 'count', notDecidingByDefault: expect.any(String) });
    expect(m('alloc.site.parseTick@src/feed.js.inuse_bytes')).toMatchObject({ unit: 'bytes', notDecidingByDefault: expect.any(String) });
    expect(m('alloc.site.x@a.js.inuse_slope_bytes_per_min')).toMatchObject({ unit: 'bytes_per_min', notDecidingByDefault: expect.any(String) });
    expect(m('alloc.sites.sampled_bytes')).toMatchObject({ unit: 'bytes', better: 'none' });
    expect(m('alloc.sites.sampled_bytes_per_op')).toMatchObject({ unit: 'bytes', better: 'none' });
    expect(m('alloc.sites.sampled_objects')).toMatchObject({ unit: 'count', better: 'none' });
    expect(lookupMetric('alloc.site.bytes')).toBeUndefined(); // no key
    expect(resolveThreshold('alloc.site.parseTick@src/feed.js.bytes_per_op', 'bytes', [])).toMatchObject({ relative: 0.25, bad: 'increase' });
  });
});
