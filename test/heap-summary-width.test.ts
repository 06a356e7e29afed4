import { describe, expect, it } from 'vitest';
import { renderHeapSummary } from '../src/report/heap/summary.js';
import { MIN_NAME_CHARS, truncateMiddle } from '../src/report/terminal/fit-width.js';
import type { HeapSummary } from '../src/heap/summary.js';

/** The summarize tables on a terminal: long constructor names cut in the middle to fit its width. */
const LONG =
  'blink::HeapVectorBacking<cppgc::internal::BasicMember<blink::Node, cppgc::internal::StrongMemberTag, cppgc::internal::DijkstraWriteBarrierPolicy>>';

const summary: HeapSummary = {
  file: 'chrome.heapsnapshot',
  fileBytes: 1e8,
  nodeCount: 1_000_000,
  edgeCount: 4_000_000,
  totalSelfBytes: 5e7,
  reachableBytes: 4e7,
  unreachableCount: 0,
  dominatorRule: 'devtools',
  classes: [
    { className: LONG, count: 12_345, selfBytes: 3e7, retainedBytes: 3.5e7 },
    { className: 'Object', count: 99, selfBytes: 1e4, retainedBytes: 2e4 },
  ],
  top: [{ ordinal: 5, id: 77, type: 'native', className: LONG, name: LONG, selfBytes: 1e6, retainedBytes: 2e6 }],
};

describe('truncateMiddle', () => {
  it('keeps both ends and the exact length', () => {
    const cut = truncateMiddle(LONG, 41);
    expect(cut).toHaveLength(41);
    expect(cut).toBe(`${LONG.slice(0, 20)}…${LONG.slice(-20)}`);
    expect(truncateMiddle('Object', 41)).toBe('Object');
  });
});

describe('renderHeapSummary widths', () => {
  it('fits every line to the terminal width, cutting only the long names', () => {
    for (const width of [100, 120, 160]) {
      const text = renderHeapSummary(summary, { color: false, classRows: 30, widthChars: width });
      for (const line of text.split('\n')) expect(line.length, `${width}: ${line}`).toBeLessThanOrEqual(width);
      expect(text).not.toContain(LONG);
      expect(text).toMatch(/│ blink::HeapVector[^│]*…[^│]*Policy>> +│ +12,345 │/);
      expect(text).toContain('│ Object ');
    }
  });

  it('never cuts a name below the minimum: a very narrow terminal gets a wider table instead', () => {
    const text = renderHeapSummary(summary, { color: false, classRows: 30, widthChars: 20 });
    const row = text.split('\n').find((l) => l.includes('12,345'))!;
    expect(row.split('│')[1]!.trim()).toHaveLength(MIN_NAME_CHARS);
  });

  it('prints every name whole without a width (piped output)', () => {
    const text = renderHeapSummary(summary, { color: false, classRows: 30 });
    expect(text).toContain(`│ ${LONG} │`);
  });
});
