import { describe, expect, it } from 'vitest';
import { allocTreeFromV8Profile, mergeAllocTrees, type AllocTree, type V8SamplingProfile } from '../src/analyze/alloc-tree.js';
import { flameDiffOf, flameGraphOf, flameMeasure, flameSide } from '../src/analyze/alloc-flame.js';
import type { RunAllocSites } from '../src/analyze/alloc-run.js';
import { flameDiffData, frameTone, siteVerdictsByKey, toneColour, type SiteVerdict } from '../src/report/html/flame-data.js';
import { buildFlameSection } from '../src/report/html/flame-section.js';
import { encodeV8Profile } from '../src/samples/alloc-profile.js';
import { emptyRunData } from '../src/samples/run-data.js';
import type { ReportSide } from '../src/report/inputs.js';
import type { Baseline } from '../src/baseline/schema.js';

/**
 * The flame graph's data, from trees built in-process: totals (self plus below), the cut
 * into "(other)", views not measured, the differential's matching and its colours from
 * memkit diff's verdicts.
 */

const CWD = '/app';
type Node = V8SamplingProfile['head'];
let ids = 1;
const node = (name: string, file: string, line: number, self: number, children: Node[] = []): Node => ({
  id: ids++,
  selfSize: self,
  callFrame: { functionName: name, url: file ? `file://${CWD}/${file}` : '', lineNumber: line - 1, columnNumber: 0, scriptId: file ? 1 : 0 },
  children,
});
const root = (children: Node[]): V8SamplingProfile => ({ head: { ...node('(root)', '', 0, 0, children) } });

/** main -> parse (600 self) -> tiny (1 self); main -> render (300 self); main self 99; tiny2 at the top, 0.5. */
function profile(parseSelf = 600, tinySelf = 1): V8SamplingProfile {
  return root([
    node('main', 'src/app.js', 1, 99, [node('parse', 'src/feed.js', 41, parseSelf, [node('tiny', 'src/t.js', 3, tinySelf)]), node('render', 'src/view.js', 7, 300)]),
    node('tiny2', 'src/t.js', 9, 0.5),
  ]);
}

const tree = (view: 'allocated' | 'inuse', p = profile()) => allocTreeFromV8Profile(p, view, { cwd: CWD, intervalBytes: 512 * 1024 });
const runOf = (t: AllocTree, steps: number, seconds: number): RunAllocSites => ({ tree: t, sites: [], profiles: 1, reads: 1, ownBytes: 0, steps, seconds });

describe('flameGraphOf', () => {
  it('gives each frame its total (self and below), children heaviest first, the root the view total', () => {
    const g = flameGraphOf(tree('allocated'), 'allocated', { cutShare: 0 })!;
    expect(g.totalBytes).toBe(1000.5);
    expect(g.frames.map((f) => [f.label, f.parent, f.totalBytes, f.selfBytes])).toEqual([
      ['(all)', -1, 1000.5, 0],
      ['main (src/app.js:1)', 0, 1000, 99],
      ['parse (src/feed.js:41)', 1, 601, 600],
      ['tiny (src/t.js:3)', 2, 1, 1],
      ['render (src/view.js:7)', 1, 300, 300],
      ['tiny2 (src/t.js:9)', 0, 0.5, 0.5],
    ]);
    expect(g.frames[2]!.key).toBe('parse@src/feed.js');
    expect(g.mergedFrames).toBe(0);
  });

  it('merges frames below the cut into one "(other)" box per parent, keeping every total', () => {
    // Cut 0.2 %: 2 bytes. tiny (1) and tiny2 (0.5) go; each parent's total still adds up.
    const g = flameGraphOf(tree('allocated'), 'allocated', { cutShare: 0.002 })!;
    expect(g.frames.map((f) => [f.label, f.parent, f.totalBytes, f.merged])).toEqual([
      ['(all)', -1, 1000.5, undefined],
      ['main (src/app.js:1)', 0, 1000, undefined],
      ['parse (src/feed.js:41)', 1, 601, undefined],
      ['(other)', 2, 1, 1],
      ['render (src/view.js:7)', 1, 300, undefined],
      ['(other)', 0, 0.5, 1],
    ]);
    expect(g.mergedFrames).toBe(2);
    // Every frame's total is its self plus its children's totals.
    g.frames.forEach((f, i) => {
      const kids = g.frames.filter((c) => c.parent === i).reduce((s, c) => s + c.totalBytes, 0);
      expect(f.selfBytes + kids, f.label).toBeCloseTo(f.totalBytes, 9);
    });
  });

  it('a view the tree did not measure has no graph (not one of zeros)', () => {
    expect(flameGraphOf(tree('allocated'), 'inuse')).toBeUndefined();
    const inuse = flameGraphOf(tree('inuse'), 'inuse', { cutShare: 0 })!;
    expect(inuse.view).toBe('inuse');
    expect(inuse.totalBytes).toBe(1000.5);
    expect(flameGraphOf(tree('inuse'), 'allocated')).toBeUndefined();
    // A tree with both views (an allocated read and an in-use read of one process; merging claims only
    // the views every part measured, so they are set here): each graph its own numbers.
    const both = { ...mergeAllocTrees([tree('allocated'), tree('inuse', profile(60))]), views: ['allocated', 'inuse'] as AllocTree['views'] };
    expect(flameGraphOf(both, 'inuse')!.totalBytes).toBe(460.5);
    expect(flameGraphOf(both, 'allocated')!.totalBytes).toBe(1000.5);
  });
});

describe('the differential', () => {
  const base = tree('allocated', profile(600));
  // parse allocates twice as much; render's line moved (same key: same frame); tiny gone.
  const current = allocTreeFromV8Profile(
    root([node('main', 'src/app.js', 1, 99, [node('parse', 'src/feed.js', 41, 1200), node('render', 'src/view.js', 9, 300)]), node('tiny2', 'src/t.js', 9, 0.5)]),
    'allocated',
    { cwd: CWD, intervalBytes: 512 * 1024 },
  );

  it("per step where both sides have steps, else per run for fixed work (the diff's .bytes), else per second, else as sampled", () => {
    expect(flameMeasure([[runOf(base, 10, 1)], [runOf(current, 20, 2)]])).toBe('per_op');
    expect(flameMeasure([[runOf(base, 10, 1)], [runOf(current, 20, 2)]], { fixedWork: [true, true] })).toBe('per_op');
    expect(flameMeasure([[runOf(base, 0, 1)], [runOf(current, 0, 2)]], { fixedWork: [true, true] })).toBe('raw');
    expect(flameMeasure([[runOf(base, 0, 1)], [runOf(current, 0, 2)]], { fixedWork: [true, false] })).toBe('per_s');
    expect(flameMeasure([[runOf(base, 0, 1)], [runOf(current, 20, 2)]])).toBe('per_s');
    expect(flameMeasure([[runOf(base, 0, 0)], [runOf(current, 20, 2)]])).toBe('raw');
  });

  it('matches frames by their stack of site keys, on one scale, and lists what is gone', () => {
    // Base 10 steps, current 40 steps over two runs of 20: per step, the mean of the runs.
    const d = flameDiffOf(flameSide([runOf(current, 20, 1), runOf(current, 20, 1)], 'per_op')!, flameSide([runOf(base, 10, 1)], 'per_op')!, { cutShare: 0 })!;
    const row = (label: string) => {
      const i = d.current.frames.findIndex((f) => f.label === label);
      return [d.current.frames[i]!.totalBytes, d.frames[i]!.baseBytes, d.frames[i]!.relative];
    };
    expect(row('parse (src/feed.js:41)')).toEqual([60, 60.1, (60 - 60.1) / 60.1]);
    expect(row('render (src/view.js:9)')).toEqual([15, 30, -0.5]);
    expect(d.baseTotalBytes).toBe(100.05);
    expect(d.gone).toEqual([{ stack: ['main (src/app.js:1)', 'parse (src/feed.js:41)', 'tiny (src/t.js:3)'], baseBytes: 0.1 }]);
  });

  it("colours a frame by memkit diff's verdict on its site; without one, pale by its change and 'no verdict'", () => {
    const tested = (name: string, verdict: SiteVerdict['verdict'], basis: SiteVerdict['basis'] = 'test+threshold'): SiteVerdict => ({ name, verdict, basis, gating: true });
    const verdicts = siteVerdictsByKey([
      tested('alloc.site.parse@src/feed.js.bytes_per_op', 'regressed'),
      tested('alloc.site.parse@src/feed.js.bytes_per_s', 'improved'), // not the deciding figure: ignored
      tested('alloc.site.render@src/view.js.bytes_per_op', 'improved'),
      { name: 'alloc.site.tiny2@src/t.js.bytes_per_op', verdict: 'unchanged', basis: 'test+threshold', gating: false }, // below the share floor
    ]);
    expect(verdicts.get('parse@src/feed.js')!.verdict).toBe('regressed');
    const d = flameDiffOf(flameSide([runOf(current, 1, 1)], 'raw')!, flameSide([runOf(base, 1, 1)], 'raw')!, { cutShare: 0 })!;
    const data = flameDiffData('diff', 'differential', d, verdicts);
    const frame = (l: string) => data.frames.find((f) => f.l.startsWith(l))!;
    // parse's total barely changed here, but the diff says regressed: the verdict decides the colour.
    expect(frame('parse').v).toBe('regressed (memkit diff, test+threshold)');
    expect(frame('parse').c).toBe(toneColour({ sign: 1, strength: 1, words: '' }));
    expect(frame('render').c).toBe(toneColour({ sign: -1, strength: 1, words: '' }));
    // main has no site metric: its change (1599 against 1000 bytes) colours it pale red, "no verdict".
    expect(frame('main').v).toBe('no verdict');
    expect(frame('main').r).toBeCloseTo(0.599, 9);
    expect(frame('main').c).toBe(toneColour(frameTone(0.599, undefined)));
    expect(frameTone(0.599, undefined)).toMatchObject({ sign: 1 });
    expect(frameTone(0.599, undefined).strength).toBeLessThan(0.5);
    // Below the share floor (not gating): no verdict, grey for a zero change.
    expect(frame('tiny2').v).toBe('no verdict');
    expect(frame('tiny2').c).toBe(toneColour({ sign: 0, strength: 0, words: '' }));
    // Threshold-only (single runs) is no tested verdict; unchanged with a test is grey at full strength.
    expect(frameTone(-0.3, tested('x.bytes', 'regressed', 'threshold-only'))).toMatchObject({ sign: -1, words: 'no verdict' });
    expect(frameTone(0.3, tested('x.bytes', 'unchanged'))).toEqual({ sign: 0, strength: 1, words: 'unchanged (memkit diff: no evidence of a change)' });
    // Strong and pale differ, and red and blue differ.
    expect(new Set([toneColour({ sign: 1, strength: 1, words: '' }), toneColour({ sign: 1, strength: 0.2, words: '' }), toneColour({ sign: -1, strength: 1, words: '' })]).size).toBe(3);
  });
});

describe('the page section', () => {
  const side = (p: V8SamplingProfile, metrics: Record<string, unknown> = {}): ReportSide => {
    const data = emptyRunData();
    data.alloc.push(encodeV8Profile(p, { tMs: 1000, seq: 0, why: 'end', steps: 0, source: 'inspector', view: 'allocated', intervalBytes: 512 * 1024 }));
    const baseline = { command: { argv: [], cwd: CWD }, metrics } as unknown as Baseline;
    return { baseline, runs: [{ index: 0, data, badLines: 0 }] };
  };

  it('differential first, coloured by the verdicts handed in; views not measured and what is gone, said as escaped text', () => {
    const markup = root([node('main', 'src/app.js', 1, 10, [node('<script>x</script>', 'src/a&b.js', 2, 500), node('<img src=x>', 'src/o.js', 4, 200)])]);
    const now = root([node('main', 'src/app.js', 1, 10, [node('<script>x</script>', 'src/a&b.js', 2, 900)])]);
    const fixed = { 'alloc.site.main@src/app.js.bytes': {} };
    const verdicts: SiteVerdict[] = [{ name: 'alloc.site.<script>x</script>@src/a_b.js.bytes', verdict: 'regressed', basis: 'test+threshold', gating: true }];
    const s = buildFlameSection([side(markup, fixed), side(now, fixed)], verdicts)!;
    expect(s.data.graphs.map((g) => [g.id, g.measure])).toEqual([['diff', 'raw'], ['allocated', 'raw']]);
    const f = s.data.graphs[0]!.frames.find((x) => x.l === '<script>x</script> (src/a&b.js:2)')!;
    expect([f.t, f.b, f.v, f.c]).toEqual([900, 500, 'regressed (memkit diff, test+threshold)', toneColour({ sign: 1, strength: 1, words: '' })]);
    const page = s.html.html;
    expect(page).toContain('in use: not measured');
    expect(page).toContain('Gone since base');
    expect(page).toContain('main (src/app.js:1) → &lt;img src=x&gt; (src/o.js:4)');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script>x');
    // The section's own markup has no label in it: labels travel in the JSON, put in by textContent.
    expect(buildFlameSection([side(now)])!.data.graphs.map((g) => g.id)).toEqual(['allocated']);
  });
});
