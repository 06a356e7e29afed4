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
});
