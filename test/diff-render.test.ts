import { describe, expect, it } from 'vitest';
import { buildDiffReport } from '../src/analyze/diff.js';
import { poolSide } from '../src/analyze/diff-sides.js';
import type { Baseline } from '../src/baseline/schema.js';
import { renderDiffJson } from '../src/report/diff/json.js';
import { renderDiffJunit } from '../src/report/diff/junit.js';
import { renderDiffMarkdown } from '../src/report/diff/markdown.js';
import { renderDiffTable } from '../src/report/diff/table.js';
import { makeBaseline } from './fixtures/baselines/builder.mjs';

type Spec = Parameters<typeof makeBaseline>[0];
function report(base: Spec, current: Spec, paths = ['base.json', 'current.json']) {
  return buildDiffReport(
    poolSide('base', [{ path: paths[0]!, baseline: makeBaseline(base) as Baseline }]),
    poolSide('current', [{ path: paths[1]!, baseline: makeBaseline(current) as Baseline }]),
    { alpha: 0.05, thresholds: [], bounds: [] },
    { allowPartial: false },
  );
}

describe('renderers', () => {
  it('JSON: a change from a baseline of 0 has a null relative change, never Infinity or NaN', () => {
    const r = report({ metrics: { 'gc.count.major': [0, 0, 0, 0] } }, { metrics: { 'gc.count.major': [5, 5, 5, 5] } });
    const text = renderDiffJson(r, '0.1.0');
    expect(text).not.toMatch(/Infinity|NaN/);
    const m = JSON.parse(text).metrics[0];
    expect(m.change).toEqual({ absolute: 5, relative: null });
    expect(m.verdict).toBe('regressed'); // 5 > the 2-count floor; p = 2/70
  });

  it('JUnit: file names and reasons are XML-escaped; one failure per gating regression', () => {
    const r = report({ metrics: { 'gc.pause.p95_ms': [10, 10, 10, 10, 10] } }, { metrics: { 'gc.pause.p95_ms': [20, 20, 20, 20, 20] } }, [
      'a&b<1>.json',
      'c"d.json',
    ]);
    const xml = renderDiffJunit(r);
    expect(xml).toContain('value="a&amp;b&lt;1&gt;.json (5 runs)"');
    expect(xml).toContain('value="c&quot;d.json (5 runs)"');
    expect(xml).toMatch(/failures="1"/);
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#10;)/);
  });

  it('Markdown: pipes in paths do not break the table; the outcome leads', () => {
    const r = report({ metrics: { 'rss.peak_bytes': [50e6] } }, { metrics: { 'rss.peak_bytes': [50e6] } }, ['a|b.json', 'c.json']);
    const md = renderDiffMarkdown(r);
    expect(md.split('\n')[0]).toBe('### ✅ memkit diff (gc-profile): no regression, 1 unchanged');
    expect(md).toContain('`a\\|b.json (1 run)`');
    expect(md).toMatch(/\[!WARNING\]\n> \*\*Threshold only\*\*/);
  });

  it('table: plain text without colour; threshold-only labelled', () => {
    const r = report({ metrics: { 'rss.peak_bytes': [50e6, 50e6] } }, { metrics: { 'rss.peak_bytes': [60e6, 60e6] } });
    const text = renderDiffTable(r, { color: false });
    expect(text).not.toMatch(/\u001b\[/);
    expect(text).toMatch(/rss\.peak_bytes .* 50\.00 MB \[50\.00–50\.00\] .* 60\.00 MB \[60\.00–60\.00\] .* \+10\.00 MB .* \+20\.0% .* regressed .* threshold only \(2 vs 2 runs: p >= 0\.17\); \+20\.0% beyond 10% and 1\.00 MB/);
    expect(text).toMatch(/THRESHOLD ONLY: 1 metric\(s\) decided without a significance test/);
    expect(renderDiffTable(r, { color: true })).toMatch(/\u001b\[31m/);
  });
});

describe('cell formatting', () => {
  it('keeps the fraction of per-op byte counts and the magnitude rules of negative rates', async () => {
    const { formatValue, formatP } = await import('../src/report/values.js');
    expect(formatValue(16.75, 'bytes')).toBe('16.75 B');
    expect(formatValue(-0.25, 'bytes', true)).toBe('-0.25 B');
    expect(formatValue(2_500_000, 'bytes', true)).toBe('+2.50 MB');
    expect(formatValue(-294790.27, 'per_s', true)).toBe('-294,790 /s');
    expect(formatValue(0.0172, 'ratio')).toBe('1.72%');
    expect(formatValue(-0.0002, 'ratio', true)).toBe('-0.02 pp');
    expect(formatP(2 / 252)).toBe('0.0079');
    expect(formatP(3.0198e-11)).toBe('3.0e-11');
    expect(formatP(1)).toBe('1');
  });
});
