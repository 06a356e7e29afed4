import { describe, expect, it } from 'vitest';
import { TreeRecordFolder } from '../src/prometheus/tree-records.js';

const mem = (agentId: number, tMs: number, heapUsed: number): any => ({
  type: 'mem', agentId, tMs: [tMs - 50, tMs], rss: [1, 2], heapUsed: [0, heapUsed], heapTotal: [0, 2 * heapUsed], external: [0, 1], arrayBuffers: [0, 0],
});

describe('the exporter’s view of a command’s tree', () => {
  it('keeps the first agent’s window, counts every isolate’s GCs, sums the heaps of the isolates alive', () => {
    const f = new TreeRecordFolder();
    expect(f.fold({ type: 'hello', agentId: 1, pid: 10 } as any)).toEqual([{ type: 'hello', pid: 10 }]);
    expect(f.fold({ type: 'hello', agentId: 2, pid: 11 } as any)).toEqual([]);
    expect(f.fold({ type: 'mark', agentId: 2, label: 'measure-start', tMs: 5, steps: 0 } as any)).toEqual([]);
    expect(f.fold({ type: 'mark', agentId: 1, label: 'measure-start', tMs: 1, steps: 0 } as any)).toHaveLength(1);
    expect(f.fold(mem(1, 100, 1000))[0]).toMatchObject({ heapUsed: [1000], heapTotal: [2000], tMs: [100] });
    expect(f.fold(mem(2, 120, 300))[0]).toMatchObject({ heapUsed: [1300], heapTotal: [2600], external: [2] });
    const gc = f.fold({ type: 'gc', agentId: 2, tMs: [1], kind: [1], pauseMs: [1], flags: [0], usedBefore: [1], usedAfter: [1], totalAfter: [1], src: [0] } as any);
    expect(gc).toHaveLength(1);
    expect(gc[0]).not.toHaveProperty('agentId');
    // Agent 2's process ended: its heap leaves the sum; its done does not end the run.
    expect(f.fold({ type: 'done', agentId: 2, tMs: 200, steps: 0, reason: 'exit', gcDesync: 0 } as any)).toEqual([]);
    expect(f.fold(mem(1, 250, 900))[0]).toMatchObject({ heapUsed: [900] });
    // A scenario's records are untouched.
    const plain = { type: 'proc', tMs: 1, rssBytes: 1, cpuPercent: 0, cpuMs: 0, pid: 1 } as any;
    expect(f.fold(plain)).toEqual([plain]);
  });

  it('sums the isolates’ latest forced-GC readings into the live memory, as the leak verdict does (mem-stress)', () => {
    const f = new TreeRecordFolder();
    f.fold({ type: 'hello', agentId: 1, pid: 10 } as any);
    f.fold({ type: 'hello', agentId: 2, pid: 11 } as any);
    const cp = (agentId: number, label: string, tMs: number, heap: number, ext: number): any =>
      ({ type: 'mark', agentId, label, tMs, steps: 0, heapUsedAfterGcBytes: heap, externalAfterGcBytes: ext });
    expect(f.fold(cp(1, 'gc-checkpoint', 10, 1000, 10))).toEqual([{ type: 'mark', label: 'gc-checkpoint', tMs: 10, steps: 0, heapUsedAfterGcBytes: 1000, externalAfterGcBytes: 10 }]);
    // Another isolate's reading: the sum, as a checkpoint (its warm-up end is not the run's).
    expect(f.fold(cp(2, 'warmup-end', 20, 500, 5))[0]).toMatchObject({ label: 'gc-checkpoint', heapUsedAfterGcBytes: 1500, externalAfterGcBytes: 15 });
    // The root's own warm-up end keeps its label; each isolate counts once, with its latest reading.
    expect(f.fold(cp(1, 'warmup-end', 30, 1200, 10))[0]).toMatchObject({ label: 'warmup-end', heapUsedAfterGcBytes: 1700, externalAfterGcBytes: 15 });
    // An isolate that ended holds nothing any more.
    f.fold({ type: 'done', agentId: 2, tMs: 40, steps: 0, reason: 'exit', gcDesync: 0 } as any);
    expect(f.fold(cp(1, 'gc-checkpoint', 50, 1300, 10))[0]).toMatchObject({ heapUsedAfterGcBytes: 1300, externalAfterGcBytes: 10 });
  });
});
