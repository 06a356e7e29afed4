import { describe, expect, it } from 'vitest';
import { memoryStats, rssAtEdges } from '../src/analyze/memory-stats.js';
import { emptyRunData, type RunData } from '../src/samples/run-data.js';
import type { MarkMessage } from '../src/samples/protocol.js';

/** Outside samples every 100 ms from t=0: RSS jumps by 8 MB 20 ms into the window (as a run's first scavenges commit young generation), then stays. */
function runWithJump(marks: boolean): RunData {
  const data = emptyRunData();
  for (let t = 0; t <= 2000; t += 100) {
    data.proc.tMs.push(t + 7);
    data.proc.rssBytes.push(t + 7 < 150 ? 48e6 : 56e6);
    data.proc.cpuPercent.push(50);
    data.proc.cpuMs.push(t / 2);
  }
  const mark = (label: MarkMessage['label'], tMs: number, rssBytes?: number): MarkMessage => ({ type: 'mark', label, tMs, steps: 0, rssBytes });
  data.marks.push(mark('measure-start', 130, marks ? 48.3e6 : undefined), mark('measure-end', 1990, marks ? 56.5e6 : undefined));
  return data;
}

describe('RSS at the window edges', () => {
  it("takes the child's readings at the marks that bound the window", () => {
    const data = runWithJump(true);
    expect(rssAtEdges(data, { startMs: 130, endMs: 1990 })).toEqual({ startBytes: 48.3e6, endBytes: 56.5e6 });
    const rss = memoryStats(data, { startMs: 130, endMs: 1990 }).rss!;
    expect(rss.growthBytes).toBe(56.5e6 - 48.3e6);
    // Peak still comes from the outside samples when they saw more.
    expect(rss.peakBytes).toBe(56.5e6);
  });

  it('falls back to the outside samples nearest the edges without marks (a non-Node command)', () => {
    const data = runWithJump(false);
    // 107 ms is nearer to 130 than 207 ms: the sample before the jump.
    expect(rssAtEdges(data, { startMs: 130, endMs: 1990 })).toEqual({ startBytes: 48e6, endBytes: 56e6 });
  });

  it('uses a mark only at the exact edge: a window starting at warm-up end reads that mark', () => {
    const data = runWithJump(true);
    data.marks.push({ type: 'mark', label: 'warmup-end', tMs: 600, steps: 10, rssBytes: 55e6 });
    expect(rssAtEdges(data, { startMs: 600, endMs: 1990 })).toEqual({ startBytes: 55e6, endBytes: 56.5e6 });
  });

  it('has nothing to say with neither marks nor samples', () => {
    expect(rssAtEdges(emptyRunData(), { startMs: 0, endMs: 10 })).toBeUndefined();
  });
});
