import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rssAtEdges } from '../src/analyze/memory-stats.js';
import { readRunData, type SampleRecord } from '../src/samples/run-data.js';
import { tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Writes records as a run's .jsonl and reads them back, as `memkit report` does. */
async function replay(records: SampleRecord[]) {
  const path = join(tmp.path, `run-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const { data, badLines } = await readRunData(path);
  expect(badLines).toBe(0);
  return data;
}

const info = (tMs: number, pid: number, ppid: number, argv: string[], startTicks: number): SampleRecord =>
  ({ type: 'proc-info', tMs, pid, ppid, comm: argv[0]!, argv, startTicks });
const tree = (tMs: number, rows: Array<[number, number, number]>): SampleRecord[] => [
  { type: 'proc-tree', tMs, pid: rows.map((r) => r[0]), rssBytes: rows.map((r) => r[1]), cpuMs: rows.map((r) => r[2]) },
  { type: 'proc', tMs, pid: rows[0]![0], rssBytes: rows.reduce((a, r) => a + r[1], 0), cpuMs: rows.reduce((a, r) => a + r[2], 0), cpuPercent: 0 },
];

describe('per-process records of the tree, read back from a .jsonl', () => {
  it('keeps an exited process, updates one after an exec, and tells a reused pid apart', async () => {
    const data = await replay([
      info(0, 10, 1, ['sh', '-c', 'x'], 100),
      info(0, 11, 10, ['sh', '-c', 'x'], 101), // a fork caught before its exec
      ...tree(0, [[10, 1e6, 5], [11, 1e6, 0]]),
      info(10, 11, 10, ['node', 'app.js'], 101), // the same process after its exec
      ...tree(10, [[10, 1e6, 5], [11, 50e6, 20]]),
      { type: 'proc-gone', tMs: 20, pid: 11 },
      info(20, 12, 10, ['node', 'b.js'], 102),
      ...tree(20, [[10, 1e6, 6], [12, 30e6, 10]]),
      { type: 'proc-gone', tMs: 30, pid: 12 },
      info(30, 12, 10, ['node', 'c.js'], 103), // pid 12 again: another process
      ...tree(30, [[10, 1e6, 7], [12, 20e6, 3]]),
    ]);
    expect(data.processes.map((p) => [p.pid, p.argv.join(' ')])).toEqual([
      [10, 'sh -c x'],
      [11, 'node app.js'],
      [12, 'node b.js'],
      [12, 'node c.js'],
    ]);
    const [sh, app, b, c] = data.processes;
    expect(app).toMatchObject({ ppid: 10, firstSeenMs: 0, lastSeenMs: 10, goneMs: 20, peakRssBytes: 50e6, tMs: [0, 10], rssBytes: [1e6, 50e6], cpuMs: [0, 20] });
    expect(b).toMatchObject({ firstSeenMs: 20, lastSeenMs: 20, goneMs: 30, rssBytes: [30e6] });
    expect(c).toMatchObject({ firstSeenMs: 30, lastSeenMs: 30, rssBytes: [20e6] });
    expect(c!.goneMs).toBeUndefined();
    expect(sh!.tMs).toEqual([0, 10, 20, 30]);
    expect(data.proc.rssBytes).toEqual([2e6, 51e6, 31e6, 21e6]);
    expect(data.other).toEqual([]);
  });

  it("completes the agent's own reading at a window edge with the rest of the tree", async () => {
    const data = await replay([
      info(0, 10, 1, ['sh', '-c', 'x'], 100),
      info(0, 11, 10, ['node', 'app.js'], 101),
      { type: 'hello', pid: 11, tMs: 1, node: 'v20', v8: '11', execArgv: [], heapSizeLimitBytes: 1, constrainedMemoryBytes: null, mode: 'preload' },
      ...tree(0, [[10, 2e6, 0], [11, 40e6, 0]]),
      { type: 'mark', label: 'measure-start', tMs: 3, steps: 0, rssBytes: 41e6 },
      ...tree(100, [[10, 2e6, 0], [11, 60e6, 0], [12, 100e6, 0]]),
      { type: 'mark', label: 'measure-end', tMs: 98, steps: 0, rssBytes: 61e6 },
    ]);
    // Start: the agent's 41 MB + the shell's 2 MB; end: 61 MB + the shell and the 100 MB child.
    expect(rssAtEdges(data, { startMs: 3, endMs: 98 })).toEqual({ startBytes: 43e6, endBytes: 163e6 });
  });
});
