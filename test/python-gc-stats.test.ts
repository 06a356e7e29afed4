import { describe, expect, it } from 'vitest';
import { addRecord, emptyRunData } from '../src/samples/run-data.js';
import { pythonGcStats } from '../src/analyze/python-gc-stats.js';
import { analyzeRun } from '../src/analyze/run-metrics.js';
import { GcKind, type GcBatch, type HelloMessage } from '../src/samples/protocol.js';

const G0 = GcKind.PythonGen0;
const G1 = GcKind.PythonGen1;
const G2 = GcKind.PythonGen2;

function pyBatch(rows: Array<[tMs: number, kind: number, pauseMs: number, collected: number, uncollectable: number]>): GcBatch {
  const minus = rows.map(() => -1);
  const zeros = rows.map(() => 0);
  return {
    type: 'gc', tMs: rows.map((r) => r[0]), kind: rows.map((r) => r[1]), pauseMs: rows.map((r) => r[2]),
    flags: zeros, usedBefore: minus, usedAfter: minus, totalAfter: minus, src: zeros,
    collected: rows.map((r) => r[3]), uncollectable: rows.map((r) => r[4]),
  };
}

const hello = (runtime?: 'python'): HelloMessage => ({
  type: 'hello', pid: 1, tMs: 0, node: '', v8: '', execArgv: [], heapSizeLimitBytes: 0, constrainedMemoryBytes: null, mode: 'preload',
  ...(runtime ? { runtime } : {}),
});

describe("CPython's collections", () => {
  it('a collection counts where it ends, as gc.get_stats() counts it: one that began on another thread just before the window opened is the window\'s', () => {
    const data = emptyRunData();
    addRecord(data, hello('python'));
    // Began at 9.8 ms (memkit's checkpoint thread, its 'start' callback), the window opened at 10 ms, ended at 10.3 ms.
    addRecord(data, pyBatch([[9.8, G0, 0.5, 3, 0], [5, G0, 0.1, 1, 0], [99.9, G1, 0.5, 2, 0]]));
    const s = pythonGcStats(data.gc, { startMs: 10, endMs: 100 })!;
    expect([s.byGeneration[0].count, s.byGeneration[1].count]).toEqual([1, 0]);
    expect(s.byGeneration[0].collected).toBe(3);
    expect(s.beforeWindow).toEqual({ 0: 1, 1: 0, 2: 0 });
  });

  it("in a tree's selection, a process's collections before its own program start are its start-up, even inside the tree's window", () => {
    const data = emptyRunData();
    addRecord(data, hello('python'));
    addRecord(data, pyBatch([[20, G0, 0.5, 11, 0], [30, G0, 1, 13, 0], [40, G1, 4, 17, 1]]));
    // The second collection is a spawned child's, before its __main__ (process-merge.ts flags it).
    const s = pythonGcStats(data.gc, { startMs: 10, endMs: 100 }, { beforeProgramStart: Uint8Array.from([0, 1, 0]) })!;
    expect([s.byGeneration[0].count, s.byGeneration[1].count]).toEqual([1, 1]);
    expect(s.beforeWindow).toEqual({ 0: 1, 1: 0, 2: 0 });
    expect(s.all.collected).toBe(11 + 17);
  });

  it('counts per generation inside the window only; what came before it is start-up, kept apart', () => {
    const data = emptyRunData();
    addRecord(data, hello('python'));
    addRecord(data, pyBatch([[5, G0, 0.1, 3, 0], [10, G0, 0.2, 7, 0]])); // before the program's first line
    addRecord(data, { type: 'mark', label: 'measure-start', tMs: 10, steps: 0 });
    addRecord(data, pyBatch([[20, G0, 0.5, 11, 0], [30, G1, 1, 13, 2], [40, G2, 4, 17, 1]]));
    addRecord(data, { type: 'mark', label: 'measure-end', tMs: 100, steps: 0 });
    const s = pythonGcStats(data.gc, { startMs: 10, endMs: 100 })!;
    // The window's edge is inclusive (a collection starting at the very mark is the program's).
    expect([s.byGeneration[0].count, s.byGeneration[1].count, s.byGeneration[2].count]).toEqual([2, 1, 1]);
    expect(s.beforeWindow).toEqual({ 0: 1, 1: 0, 2: 0 });
    expect(s.all).toMatchObject({ count: 4, collected: 7 + 11 + 13 + 17, uncollectable: 3 });
    expect(s.byGeneration[1]).toMatchObject({ collected: 13, uncollectable: 2 });
    expect(s.all.pauseMs.sum).toBeCloseTo(5.7, 10);
    expect(s.timeRatio).toBeCloseTo(5.7 / 90, 10);

    const m = analyzeRun(data).metrics;
    expect([m['gc.count.gen0'], m['gc.count.gen1'], m['gc.count.gen2'], m['gc.collected'], m['gc.uncollectable']]).toEqual([2, 1, 1, 48, 3]);
    expect(m['gc.pause.total_ms']).toBeCloseTo(5.7, 10);
    // Absent, not zero: a Python process has no V8 heap, no minor/major GCs, no allocation estimate.
    for (const name of ['gc.count.minor', 'gc.count.major', 'heap.used.peak_bytes', 'alloc.rate_bytes_per_s']) expect(m[name], name).toBeUndefined();
  });

  it('keeps collected/uncollectable aligned with the other columns when Node batches are folded in too', () => {
    const data = emptyRunData();
    const node: GcBatch = { type: 'gc', tMs: [1, 2], kind: [1, 4], pauseMs: [1, 2], flags: [0, 0], usedBefore: [9, 9], usedAfter: [5, 5], totalAfter: [20, 20], src: [0, 0] };
    addRecord(data, node);
    expect(data.gc.collected).toBeUndefined(); // a Node run pays nothing for Python's columns
    addRecord(data, pyBatch([[3, G0, 0.1, 4, 1]]));
    addRecord(data, node);
    expect(data.gc.collected).toEqual([0, 0, 4, 0, 0]);
    expect(data.gc.uncollectable).toEqual([0, 0, 1, 0, 0]);
    expect(data.gc.tMs).toHaveLength(5);
  });

  it('is undefined for a Node run, whose metrics keep their V8 names', () => {
    const data = emptyRunData();
    addRecord(data, hello());
    addRecord(data, { type: 'gc', tMs: [1], kind: [1], pauseMs: [1], flags: [0], usedBefore: [9], usedAfter: [5], totalAfter: [20], src: [0] });
    expect(pythonGcStats(data.gc, { startMs: 0, endMs: 10 })).toBeUndefined();
    const m = analyzeRun(data).metrics;
    expect(m['gc.count.gen0']).toBeUndefined();
    expect(m['gc.count.minor']).toBe(1);
  });
});
