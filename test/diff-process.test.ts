import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBaseline, writeFixture } from './fixtures/baselines/builder.mjs';

// memkit diff on hand-made command baselines whose --process differ: a note, and with
// --process both sides re-selected from their process tables (the built CLI, as CI runs it).
const BIN = resolve('bin/memkit.js');
const dir = mkdtempSync(join(tmpdir(), 'memkit-diff-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memkit(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const COMMAND = { type: 'command', argv: ['npm', 'start'], instrumented: true };
const gc = (minor: number, major: number, total: number, max: number, p95: number) => ({
  counts: { minor, major, incremental: 0, weakcb: 0 },
  pauseMs: { p50: 1, p95, max, total },
});
/** npm start: npm (the root, Node), sh, and node app.js; `app` sets the app's GC figures. */
function rows(app: { minor: number; major: number }) {
  return [
    { key: 'main:npm start#1', pid: 100, ppid: 1, threadId: 0, role: 'main', argv: ['npm', 'start'], startMs: 0, endMs: 900, measured: 'agent', gc: gc(5, 1, 10, 4, 3), heapUsedPeakBytes: 10e6, rssPeakBytes: 50e6, cpuMs: 300 },
    { key: 'non-node:sh -c node app.js#1', pid: 101, ppid: 100, threadId: 0, role: 'non-node', argv: ['sh', '-c', 'node app.js'], startMs: 100, endMs: 880, measured: 'outside', rssPeakBytes: 2e6, cpuMs: 5 },
    { key: 'process:node app.js#1', pid: 102, ppid: 101, threadId: 0, role: 'process', argv: ['node', 'app.js'], startMs: 120, endMs: 870, measured: 'agent', gc: gc(app.minor, app.major, 50, 9, 7), heapUsedPeakBytes: 30e6, rssPeakBytes: 80e6, cpuMs: 900 },
  ];
}
const baseline = (selection: string | undefined, metrics: Record<string, number[]>, app: { minor: number; major: number }) =>
  makeBaseline({
    metrics,
    target: COMMAND,
    overrides: selection === undefined ? {} : { extra: { runs: [{}], processes: { selection, runs: [{ selected: [], rows: rows(app), unreached: [] }] } } },
  });

const f: Record<string, string> = {};
beforeAll(() => {
  const all = { 'gc.count.minor': [25], 'gc.count.major': [4], 'gc.pause.p95_ms': [5], 'rss.growth_bytes': [1e6], 'heap.used.peak_bytes': [38e6] };
  const main = { 'gc.count.minor': [5], 'gc.count.major': [1], 'gc.pause.p95_ms': [3], 'rss.growth_bytes': [1e5], 'heap.used.peak_bytes': [10e6] };
  f.all = writeFixture(dir, 'all.json', baseline('all', all, { minor: 20, major: 3 }));
  f.main = writeFixture(dir, 'main.json', baseline('main', main, { minor: 22, major: 6 }));
  f.older = writeFixture(dir, 'older.json', baseline(undefined, main, { minor: 0, major: 0 }));
});

describe('memkit diff of command baselines measured with different --process', () => {
  it('says the sides describe different processes, in one line', () => {
    const r = memkit(['diff', f.all!, f.main!, '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.warnings).toContain(
      'the sides describe different processes: base --process all, current --process main; `memkit diff --process <which>` re-selects both from their process tables',
    );
    expect(r.stderr).toContain('memkit: warning: the sides describe different processes');
  });

  it('names a side from an older memkit (no process table)', () => {
    const doc = JSON.parse(memkit(['diff', f.older!, f.all!, '--format', 'json']).stdout);
    expect(doc.warnings).toContain(
      'the sides describe different processes: base no process table (an older memkit: its top process only), current --process all; `memkit diff --process <which>` re-selects both from their process tables',
    );
  });

  it('--process re-selects both sides from their rows: the same process compared, exact counts, the rest named', () => {
    const r = memkit(['diff', f.all!, f.main!, '--process', 'app.js', '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    const metric = (name: string) => doc.metrics.find((m: { name: string }) => m.name === name);
    expect([metric('gc.count.minor').base.median, metric('gc.count.minor').current.median]).toEqual([20, 22]);
    expect([metric('gc.count.major').base.median, metric('gc.count.major').current.median]).toEqual([3, 6]);
    // One isolate: its own pause percentile and heap peak are exact.
    expect([metric('gc.pause.p95_ms').base.median, metric('gc.pause.p95_ms').current.median]).toEqual([7, 7]);
    expect(metric('heap.used.peak_bytes').base.median).toBe(30e6);
    expect(metric('rss.growth_bytes')).toBeUndefined();
    expect(doc.warnings).toContain(
      '--process app.js: figures re-selected from the process tables; rss.growth_bytes cannot be recomputed from per-process rows (they need every event or sample of the selection) and are not compared',
    );
    expect(doc.warnings.some((w: string) => w.startsWith('the sides describe different processes'))).toBe(false);
  });

  it('--process over several processes leaves out what only their events could give', () => {
    const doc = JSON.parse(memkit(['diff', f.all!, f.main!, '--process', 'all', '--format', 'json']).stdout);
    const names = doc.metrics.map((m: { name: string }) => m.name);
    expect(names).toEqual(expect.arrayContaining(['gc.count.minor', 'gc.count.major']));
    expect(names).not.toContain('gc.pause.p95_ms');
    expect(names).not.toContain('heap.used.peak_bytes');
    expect(doc.metrics.find((m: { name: string }) => m.name === 'gc.count.minor').current.median).toBe(27);
  });

  it('--process with a side that has no process table, or a selection matching nothing: one line, exit 2', () => {
    const older = memkit(['diff', f.older!, f.main!, '--process', 'main']);
    expect(older.code).toBe(2);
    expect(older.stderr).toBe(`memkit: error: ${f.older} has no process table (a scenario, or a command measured by an older memkit): --process cannot re-select its figures\n`);
    const none = memkit(['diff', f.all!, f.main!, '--process', 'nothing-like-this']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`memkit: error: ${f.all}: --process nothing-like-this matched no process; processes seen: 100 npm start, 101 sh -c node app.js, 102 node app.js\n`);
  });
});
