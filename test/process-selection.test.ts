import { describe, expect, it } from 'vitest';
import { mergedView, parseProcessSelection, ProcessSelectionMiss, selectIsolates } from '../src/analyze/process-selection.js';
import { analyzeRun } from '../src/analyze/run-metrics.js';
import type { SampleRecord } from '../src/samples/run-data.js';
import { gc, hello, mark, mem, procInfo, procTick, runOf, shAppTree } from './helpers/tree-records.js';

const sel = parseProcessSelection;
const pick = (records: SampleRecord[], text: string) => {
  const s = selectIsolates(runOf(records), sel(text));
  return s.matched ? { pids: s.pids, agentIds: s.agentIds, root: s.rootAgentId } : { miss: s.message };
};

describe('--process parsing', () => {
  it('reads keywords, pids and patterns', () => {
    expect(sel('all')).toEqual({ kind: 'all' });
    expect(sel(' main ')).toEqual({ kind: 'main' });
    expect(sel('largest')).toEqual({ kind: 'largest' });
    expect(sel('4242')).toEqual({ kind: 'pid', pid: 4242 });
    expect(sel('app.js')).toEqual({ kind: 'pattern', text: 'app.js' });
    expect(() => sel('  ')).toThrow(/--process: expected all, main, largest/);
  });
});

describe('selectIsolates on sh → node app.js (+ worker) → node child.js', () => {
  const tree = shAppTree();

  it('all: every process and isolate, led by the shallowest Node process', () => {
    expect(pick(tree, 'all')).toEqual({ pids: [10, 11, 12], agentIds: [1, 2, 3], root: 1 });
  });
  it('main: the first Node process under a root that is not Node, with its worker thread', () => {
    expect(pick(tree, 'main')).toEqual({ pids: [11], agentIds: [1, 2], root: 1 });
  });
  it('largest: the highest RSS peak from outside (child.js peaked at 90 MB)', () => {
    expect(pick(tree, 'largest')).toEqual({ pids: [12], agentIds: [3], root: 3 });
  });
  it('a pid, and a pattern over the joined argv (the shell line contains app.js too)', () => {
    expect(pick(tree, '12')).toEqual({ pids: [12], agentIds: [3], root: 3 });
    expect(pick(tree, 'child.js')).toEqual({ pids: [12], agentIds: [3], root: 3 });
    expect(pick(tree, 'app.js')).toEqual({ pids: [10, 11], agentIds: [1, 2], root: 1 });
  });
  it('nothing matched: a typed miss naming the processes seen', () => {
    expect(pick(tree, 'nope')).toEqual({
      miss: '--process nope: it matched no process; processes seen: 10 sh -c node app.js, 11 node /work/app.js, 12 /usr/bin/node /work/child.js',
    });
    expect(pick(tree, '999')).toHaveProperty('miss');
    expect(() => mergedView(runOf(tree), sel('nope'))).toThrow(ProcessSelectionMiss);
  });
  it('main under a root that is not Node and started none: a miss', () => {
    const records = [procInfo(0, 10, 1, ['sh', '-c', 'sleep 1']), procInfo(0, 11, 10, ['sleep', '1']), ...procTick(0, [[10, 1e6, 0], [11, 1e6, 0]])];
    expect(pick(records, 'main')).toEqual({
      miss: "--process main: the command's root process 10 (sh -c sleep 1) is not Node and started no Node process; processes seen: 10 sh -c sleep 1, 11 sleep 1",
    });
  });
  it('without /proc data the root is the agent whose parent is no other agent', () => {
    const noProc = tree.filter((r) => r.type !== 'proc-info' && r.type !== 'proc-tree' && r.type !== 'proc');
    expect(pick(noProc, 'main')).toEqual({ pids: [11], agentIds: [1, 2], root: 1 });
    expect(pick(noProc, 'all')).toEqual({ pids: [11, 12], agentIds: [1, 2, 3], root: 1 });
    expect(pick(noProc, 'largest')).toHaveProperty('miss');
  });
});

describe('mergedView', () => {
  it('all: GC events of every isolate in time order, start-up per isolate, heap summed, the root’s window', () => {
    const data = runOf(shAppTree());
    const view = mergedView(data, sel('all'));
    expect(view.gc.tMs).toEqual([6, 20, 45, 150, 160, 170]);
    expect(view.gc.pauseMs).toEqual([1, 2, 3, 10, 5, 4]);
    // The selection's heap around each GC: its own isolate's figure + the others' after their latest GC.
    expect(view.gc.usedBefore).toEqual([4e6, 8e6, 9e6, 17e6, 15e6, 11e6]);
    expect(view.gc.usedAfter).toEqual([3e6, 6e6, 8e6, 9e6, 7e6, 10e6]);
    expect(view.mem.tMs).toEqual([10, 60, 110, 200, 280, 350]);
    // 0 before an isolate's first sample and after its end (child.js done at 250, the worker at 300).
    expect(view.mem.heapUsed).toEqual([5e6, 9e6, 13e6, 14e6, 13e6, 8e6]);
    // RSS from inside is per process: the main thread's reading, never the worker's too.
    expect(view.mem.rss).toEqual([40e6, 40e6, 95e6, 96e6, 70e6, 66e6]);
    expect(view.hello?.pid).toBe(11);
    expect(view.hello?.threadId).toBe(0);
    expect(view.marks.map((m) => [m.label, m.tMs, m.rssBytes])).toEqual([
      ['measure-start', 5, 30e6],
      ['program-start', 8, 31e6],
      ['measure-end', 390, 64e6],
    ]);
    expect(view.done).toMatchObject({ tMs: 400, gcDesync: 1 });
    expect(view.proc).toBe(data.proc); // all: the tree's own sums
    expect(view.isolates).toBe(data.isolates);
    expect(view.processes).toBe(data.processes);

    const a = analyzeRun(view);
    expect(a.window).toEqual({ startMs: 5, endMs: 390 });
    expect(a.metrics['duration_ms']).toBe(385);
    expect(a.metrics['gc.count.minor']).toBe(4);
    expect(a.metrics['gc.count.major']).toBe(2);
    // Before program-start (app.js: t 6) and, for the worker with no program-start, before its measure-start (t 45).
    expect(a.gc?.startup).toEqual({ counts: { minor: 2, major: 0, incremental: 0, weakcb: 0 }, pauseMs: 4 });
    expect(a.metrics['gc.pause.max_ms']).toBe(10);
    expect(a.metrics['gc.pause.total_ms']).toBe(25);
    expect(a.metrics['gc.pause.p50_ms']).toBe(3.5); // over [1, 2, 3, 4, 5, 10]
    expect(a.metrics['gc.pause.p95_ms']).toBe(8.75);
    // Σ pause / Σ isolate lives: app.js 5–390, worker 45–290 (its first GC before its window), child.js 100–240.
    expect(a.metrics['gc.time_ratio']).toBeCloseTo(25 / (385 + 245 + 140), 12);
    expect(a.metrics['heap.used.peak_bytes']).toBe(14e6);
  });

  it('main: the root-most Node process and its worker, RSS/CPU from its own series', () => {
    const view = mergedView(runOf(shAppTree()), sel('main'));
    expect(view.gc.tMs).toEqual([6, 20, 45, 160, 170]);
    expect(view.proc).toEqual({ tMs: [60, 120, 260], rssBytes: [60e6, 70e6, 65e6], cpuMs: [30, 50, 80], cpuPercent: [0, (20 / 60) * 100, (30 / 140) * 100] });
    const a = analyzeRun(view);
    expect(a.metrics['gc.count.minor']).toBe(4);
    expect(a.metrics['gc.count.major']).toBe(1);
    expect(a.gc?.startup?.counts.minor).toBe(2);
    expect(a.metrics['rss.peak_bytes']).toBe(70e6);
    expect(a.metrics['cpu.time_ms']).toBe(50); // nearest samples to 5 and 390: 60 and 260
    expect(view.done?.gcDesync).toBe(0);
  });

  it('a single process: its own window, marks and RSS (a child that exited keeps its CPU)', () => {
    const view = mergedView(runOf(shAppTree()), sel('child.js'));
    expect(view.hello?.pid).toBe(12);
    expect(view.marks.map((m) => [m.label, m.tMs])).toEqual([['measure-start', 100], ['program-start', 102], ['measure-end', 240]]);
    expect(view.proc.rssBytes).toEqual([90e6]);
    const a = analyzeRun(view);
    expect(a.window).toEqual({ startMs: 100, endMs: 240 });
    expect(a.metrics['gc.count.major']).toBe(1);
    expect(a.gc?.startup?.counts).toEqual({ minor: 0, major: 0, incremental: 0, weakcb: 0 });
    expect(a.metrics['gc.time_ratio']).toBeCloseTo(10 / 140, 12);
  });

  it('done only when the lead process’s own agent said it', () => {
    const noRootDone = shAppTree().filter((r) => !(r.type === 'done' && (r as { agentId?: number }).agentId === 1));
    const view = mergedView(runOf(noRootDone), sel('all'));
    expect(view.done).toBeUndefined();
    expect(view.isolates.get(2)?.done).toBeDefined();
  });

  it('returns a run without isolates unchanged (a scenario, an older samples file)', () => {
    const single = runOf([
      { ...hello({ agentId: 1, pid: 5, ppid: 1, argv: ['x'], helloMs: 0 }), agentId: undefined } as SampleRecord,
      { ...mem(1, 10, 1e6), agentId: undefined } as SampleRecord,
    ]);
    expect(single.isolates.size).toBe(0);
    expect(mergedView(single, sel('all'))).toBe(single);
    const scenario = runOf([{ ...hello({ agentId: 1, pid: 5, ppid: 1, argv: ['x'], helloMs: 0 }), agentId: undefined, mode: 'scenario' } as SampleRecord]);
    expect(mergedView(scenario, sel('main'))).toBe(scenario);
    const noAgent = runOf([procInfo(0, 7, 1, ['sleep', '1']), ...procTick(0, [[7, 1e6, 0]])]);
    expect(mergedView(noAgent, sel('all'))).toBe(noAgent);
    // A command without an agent: a selection still picks its processes' RSS.
    expect(mergedView(noAgent, sel('7')).proc.rssBytes).toEqual([1e6]);
  });

  it('an older command run (its one agent untagged) still answers a narrower selection', () => {
    const legacy = runOf(
      shAppTree()
        .filter((r) => (r as { agentId?: number }).agentId === undefined || (r as { agentId?: number }).agentId === 1)
        .map((r) => ({ ...r, agentId: undefined }) as SampleRecord),
    );
    expect(legacy.isolates.size).toBe(0);
    const main = mergedView(legacy, sel('main'));
    expect(main.gc.tMs).toEqual([6, 20, 160]);
    expect(main.proc.rssBytes).toEqual([60e6, 70e6, 65e6]);
    expect(() => mergedView(legacy, sel('child.js'))).not.toThrow(); // seen from outside: RSS only
    expect(mergedView(legacy, sel('child.js')).hello).toBeUndefined();
    expect(() => mergedView(legacy, sel('zzz'))).toThrow(/--process zzz: it matched no process/);
  });

  it('a GC figure unknown in one isolate makes the selection’s figure unknown, not wrong', () => {
    const view = mergedView(
      runOf([
        hello({ agentId: 1, pid: 20, ppid: 1, argv: ['node', 'a.js'], helloMs: 0 }),
        hello({ agentId: 2, pid: 21, ppid: 20, argv: ['node', 'b.js'], helloMs: 0 }),
        gc(1, [{ t: 1, kind: 'minor', pauseMs: 1 }]),
        gc(2, [{ t: 2, kind: 'minor', pauseMs: 1, before: 5e6, after: 4e6 }]),
        mark(1, 'measure-start', 0),
      ]),
      sel('all'),
    );
    expect(view.gc.usedBefore).toEqual([-1, -1]);
  });
});
