import { describe, expect, it } from 'vitest';
import { mergedView, parseProcessSelection } from '../src/analyze/process-selection.js';
import { normalisedCommand, processRunSection } from '../src/analyze/process-table.js';
import { analyzeRun } from '../src/analyze/run-metrics.js';
import type { SampleRecord } from '../src/samples/run-data.js';
import { done, gc, hello, mark, procInfo, procTick, runOf, shAppTree } from './helpers/tree-records.js';

const opts = { cwd: '/work' };

describe('process table of a command tree', () => {
  it('one row per process and worker thread, each with its own figures', () => {
    const section = processRunSection(runOf(shAppTree()), parseProcessSelection('main'), opts);
    expect(section.rows).toEqual([
      {
        key: 'non-node:sh -c node app.js#1', pid: 10, ppid: 1, threadId: 0, role: 'non-node', argv: ['sh', '-c', 'node app.js'],
        startMs: 0, endMs: 410, measured: 'outside', end: { code: 0, signal: null, cause: 'exit' }, rssPeakBytes: 2e6, cpuMs: 3,
      },
      {
        key: 'process:node app.js#1', pid: 11, ppid: 10, threadId: 0, isolate: '0x1001', role: 'process', argv: ['node', '/work/app.js'],
        startMs: 5, endMs: 400, measured: 'agent',
        gc: {
          counts: { minor: 2, major: 1, incremental: 0, weakcb: 0 },
          startup: { counts: { minor: 1, major: 0, incremental: 0, weakcb: 0 }, pauseMs: 1 },
          pauseMs: { p50: 2, p95: expect.closeTo(4.7, 12), max: 5, total: 8 },
        },
        heapUsedPeakBytes: 8e6, rssPeakBytes: 70e6, cpuMs: 80,
      },
      {
        key: 'worker-thread:node app.js#1', pid: 11, ppid: 11, threadId: 1, isolate: '0x1002', role: 'worker-thread', argv: ['node', '/work/app.js'],
        startMs: 50, endMs: 300, measured: 'agent',
        gc: {
          counts: { minor: 2, major: 0, incremental: 0, weakcb: 0 },
          // No program-start in the worker: its GC before its measure-start (t 45) is start-up.
          startup: { counts: { minor: 1, major: 0, incremental: 0, weakcb: 0 }, pauseMs: 3 },
          pauseMs: { p50: 3.5, p95: expect.closeTo(3.95, 12), max: 4, total: 7 },
        },
        heapUsedPeakBytes: 6e6,
      },
      {
        key: 'fork:node child.js#1', pid: 12, ppid: 11, threadId: 0, isolate: '0x1003', role: 'fork', argv: ['/usr/bin/node', '/work/child.js'],
        startMs: 100, endMs: 250, measured: 'agent', end: { code: 0, signal: null, cause: 'exit' },
        gc: {
          counts: { minor: 0, major: 1, incremental: 0, weakcb: 0 },
          startup: { counts: { minor: 0, major: 0, incremental: 0, weakcb: 0 }, pauseMs: 0 },
          pauseMs: { p50: 10, p95: 10, max: 10, total: 10 },
        },
        heapUsedPeakBytes: 3e6, rssPeakBytes: 90e6, cpuMs: 40,
      },
    ]);
    expect(section.selected).toEqual(['process:node app.js#1', 'worker-thread:node app.js#1']);
    expect(section.unreached).toEqual([]);
  });

  it("the selected rows' counts add up to the merged view's", () => {
    const data = runOf(shAppTree());
    for (const text of ['all', 'main', 'largest', 'app.js']) {
      const s = parseProcessSelection(text);
      const section = processRunSection(data, s, opts);
      const rows = section.rows.filter((r) => section.selected.includes(r.key));
      const merged = analyzeRun(mergedView(data, s));
      const sum = (k: 'minor' | 'major') => rows.reduce((n, r) => n + (r.gc?.counts[k] ?? 0), 0);
      expect(sum('minor')).toBe(merged.metrics['gc.count.minor']);
      expect(sum('major')).toBe(merged.metrics['gc.count.major']);
      expect(rows.reduce((n, r) => n + (r.gc?.startup?.counts.minor ?? 0), 0)).toBe(merged.gc?.startup?.counts.minor);
    }
  });

  it('the root is main; equal command lines get ordinals in start order; unreached processes are listed', () => {
    const records: SampleRecord[] = [
      procInfo(0, 30, 1, ['/usr/local/bin/node', '/work/cluster.js']),
      hello({ agentId: 1, pid: 30, ppid: 1, argv: ['/usr/local/bin/node', '/work/cluster.js'], helloMs: 1 }),
      mark(1, 'measure-start', 1),
      procInfo(20, 31, 30, ['/usr/local/bin/node', '/work/cluster.js']),
      hello({ agentId: 2, pid: 31, ppid: 30, role: 'cluster-worker', argv: ['/usr/local/bin/node', '/work/cluster.js'], helloMs: 21 }),
      procInfo(20, 32, 30, ['/usr/local/bin/node', '/work/cluster.js']),
      hello({ agentId: 3, pid: 32, ppid: 30, role: 'cluster-worker', argv: ['/usr/local/bin/node', '/work/cluster.js'], helloMs: 22 }),
      procInfo(30, 33, 30, ['node', '/tmp/memkit-abc123/leaf.js']),
      ...procTick(30, [[30, 5e6, 1], [31, 6e6, 2], [32, 7e6, 3], [33, 1e6, 0]]),
      gc(2, [{ t: 40, kind: 'minor', pauseMs: 1 }]),
      { type: 'unreached', tMs: 50, pid: 33, argv: ['node', '/tmp/memkit-abc123/leaf.js'], reason: 'its environment dropped NODE_OPTIONS (started with a custom env)' },
      { type: 'process-end', tMs: 60, pid: 32, code: null, signal: 'SIGABRT', cause: 'oom', source: 'stderr', reason: 'ran out of V8 heap memory' },
      done(1, 100),
    ];
    const section = processRunSection(runOf(records), parseProcessSelection('all'), opts);
    expect(section.rows.map((r) => [r.key, r.measured, r.end?.cause])).toEqual([
      ['main:node cluster.js#1', 'agent', undefined],
      ['cluster-worker:node cluster.js#1', 'agent', undefined],
      ['cluster-worker:node cluster.js#2', 'agent', 'oom'],
      ['process:node <tmp>/leaf.js#1', 'outside', undefined],
    ]);
    expect(section.rows[2]!.end).toEqual({ code: null, signal: 'SIGABRT', cause: 'oom', reason: 'ran out of V8 heap memory' });
    expect(section.selected).toHaveLength(4);
    expect(section.unreached).toEqual([{ pid: 33, argv: ['node', '/tmp/memkit-abc123/leaf.js'], reason: 'its environment dropped NODE_OPTIONS (started with a custom env)' }]);
  });

  it('normalises command lines for keys', () => {
    expect(normalisedCommand(['/home/u/.nvm/versions/node/v20.20.2/bin/node', '/srv/app/server.js', '--port=3000'], '/srv/app')).toBe('node server.js --port=3000');
    expect(normalisedCommand(['npm start     ', ''], '/srv')).toBe('npm start');
    expect(normalisedCommand(['node', '--require=/tmp/memkit-x1/preload.cjs', '/tmp/t9/a.js'], '/srv')).toBe('node --require=<tmp>/preload.cjs <tmp>/a.js');
  });
});

describe('extra.processes in a baseline', () => {
  it('reads back through processesOf after JSON (an isolate without GCs has null percentiles)', async () => {
    const { processesOf } = await import('../src/baseline/sections.js');
    const records = [...shAppTree(), hello({ agentId: 9, pid: 50, ppid: 11, argv: ['node', 'idle.js'], helloMs: 300 }), mark(9, 'measure-start', 300)];
    const run = processRunSection(runOf(records), parseProcessSelection('all'), opts);
    const idle = run.rows.find((r) => r.pid === 50)!;
    expect(idle.gc?.pauseMs).toEqual({ p50: null, p95: null, max: null, total: 0 });
    const onDisk = JSON.parse(JSON.stringify({ extra: { processes: { selection: 'all', runs: [run] } } }));
    expect(processesOf(onDisk)).toEqual({ selection: 'all', runs: [run] });
  });
  it('refuses a section with a bad row rather than show a table without it', async () => {
    const { processesOf } = await import('../src/baseline/sections.js');
    const run = processRunSection(runOf(shAppTree()), parseProcessSelection('all'), opts);
    const bad = JSON.parse(JSON.stringify({ extra: { processes: { selection: 'all', runs: [run] } } }));
    bad.extra.processes.runs[0].rows[1].role = 'daemon';
    expect(processesOf(bad)).toBeUndefined();
    expect(processesOf({ extra: { runs: [] } })).toBeUndefined();
  });
});
