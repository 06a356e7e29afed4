import { GcKind, GcSource, type AgentRole } from '../../src/samples/protocol.js';
import { addRecord, emptyRunData, type RunData, type SampleRecord } from '../../src/samples/run-data.js';

/**
 * Hand-written record sequences of a command's process tree, as the parent records them:
 * each agent's records tagged with its agentId, the outside sampler's proc-info /
 * proc-tree / proc, the registry's process-end and unreached. Fed through addRecord, the
 * reducer every run and `memkit report` use.
 */

export function runOf(records: SampleRecord[]): RunData {
  const data = emptyRunData();
  for (const r of records) addRecord(data, r);
  return data;
}

export interface AgentSpec {
  agentId: number;
  pid: number;
  ppid: number;
  threadId?: number;
  role?: AgentRole;
  argv: string[];
  startTicks?: number;
  helloMs: number;
}

export function hello(a: AgentSpec): SampleRecord {
  const threadId = a.threadId ?? 0;
  return {
    type: 'hello',
    agentId: a.agentId,
    pid: a.pid,
    ppid: a.ppid,
    threadId,
    isMainThread: threadId === 0,
    isolate: `0x${(0x1000 + a.agentId).toString(16)}`,
    startTicks: a.startTicks ?? 1000 + a.pid,
    role: a.role ?? (threadId === 0 ? 'process' : 'worker-thread'),
    argv: a.argv,
    tMs: a.helloMs,
    node: 'v20.20.2',
    v8: '11.3',
    execArgv: [],
    heapSizeLimitBytes: 4e9,
    constrainedMemoryBytes: null,
    mode: 'preload',
    gcHeapSource: 'gc-hooks',
  } as SampleRecord;
}

export const mark = (agentId: number, label: 'measure-start' | 'program-start' | 'measure-end', tMs: number, rssBytes?: number): SampleRecord =>
  ({ type: 'mark', agentId, label, tMs, steps: 0, ...(rssBytes !== undefined ? { rssBytes } : {}) }) as SampleRecord;

/** One tick's memory sample of an isolate. */
export const mem = (agentId: number, tMs: number, heapUsed: number, rss = 50e6): SampleRecord =>
  ({ type: 'mem', agentId, tMs: [tMs], rss: [rss], heapUsed: [heapUsed], heapTotal: [heapUsed * 2], external: [1000], arrayBuffers: [100] }) as SampleRecord;

export interface GcSpec {
  t: number;
  kind: 'minor' | 'major';
  pauseMs: number;
  before?: number;
  after?: number;
}

export const gc = (agentId: number, events: GcSpec[]): SampleRecord =>
  ({
    type: 'gc',
    agentId,
    tMs: events.map((e) => e.t),
    kind: events.map((e) => (e.kind === 'minor' ? GcKind.Scavenge : GcKind.MarkCompact)),
    pauseMs: events.map((e) => e.pauseMs),
    flags: events.map(() => 0),
    usedBefore: events.map((e) => e.before ?? -1),
    usedAfter: events.map((e) => e.after ?? -1),
    totalAfter: events.map((e) => (e.after ?? -1) < 0 ? -1 : 2 * e.after!),
    src: events.map(() => GcSource.Program),
  }) as SampleRecord;

export const done = (agentId: number, tMs: number, gcDesync = 0): SampleRecord =>
  ({ type: 'done', agentId, tMs, steps: 0, reason: 'exit', gcDesync, exitCode: 0 }) as SampleRecord;

export const procInfo = (tMs: number, pid: number, ppid: number, argv: string[], startTicks = 1000 + pid): SampleRecord =>
  ({ type: 'proc-info', tMs, pid, ppid, comm: (argv[0] ?? '').split('/').pop()!, argv, startTicks }) as SampleRecord;

/** One outside sample: each live process's [pid, rss, cpu] and the tree's sums. */
export const procTick = (tMs: number, rows: Array<[number, number, number]>): SampleRecord[] => [
  { type: 'proc-tree', tMs, pid: rows.map((r) => r[0]), rssBytes: rows.map((r) => r[1]), cpuMs: rows.map((r) => r[2]) },
  { type: 'proc', tMs, pid: rows[0]![0], rssBytes: rows.reduce((a, r) => a + r[1], 0), cpuMs: rows.reduce((a, r) => a + r[2], 0), cpuPercent: 0 },
];

/**
 * `sh -c 'node app.js'` (pid 10) → node app.js (pid 11, agent 1, one worker thread: agent 2)
 * → fork of node child.js (pid 12, agent 3). Times in ms from 0; app.js lives 5–400, its
 * worker 50–300, child.js 100–250.
 */
export function shAppTree(): SampleRecord[] {
  return [
    { type: 'run', schema: 'memkit.samples/1', runId: 'r', index: 0, startedAtMs: 0, target: { type: 'command' }, settings: {} } as SampleRecord,
    procInfo(0, 10, 1, ['sh', '-c', 'node app.js']),
    ...procTick(0, [[10, 2e6, 1]]),
    hello({ agentId: 1, pid: 11, ppid: 10, argv: ['/usr/bin/node', '/work/app.js'], helloMs: 5 }),
    mark(1, 'measure-start', 5, 30e6),
    gc(1, [{ t: 6, kind: 'minor', pauseMs: 1, before: 4e6, after: 3e6 }]),
    mark(1, 'program-start', 8, 31e6),
    procInfo(10, 11, 10, ['node', '/work/app.js']),
    mem(1, 10, 5e6, 40e6),
    gc(1, [{ t: 20, kind: 'minor', pauseMs: 2, before: 8e6, after: 6e6 }]),
    hello({ agentId: 2, pid: 11, ppid: 10, threadId: 1, argv: ['/usr/bin/node', '/work/app.js'], helloMs: 50 }),
    mark(2, 'measure-start', 50),
    gc(2, [{ t: 45, kind: 'minor', pauseMs: 3, before: 3e6, after: 2e6 }]),
    mem(2, 60, 4e6, 45e6),
    ...procTick(60, [[10, 2e6, 2], [11, 60e6, 30]]),
    hello({ agentId: 3, pid: 12, ppid: 11, role: 'fork', argv: ['/usr/bin/node', '/work/child.js'], helloMs: 100 }),
    procInfo(100, 12, 11, ['/usr/bin/node', '/work/child.js']),
    mark(3, 'measure-start', 100, 20e6),
    mark(3, 'program-start', 102, 20e6),
    mem(1, 110, 7e6, 70e6),
    mem(3, 110, 2e6, 25e6),
    ...procTick(120, [[10, 2e6, 2], [11, 70e6, 50], [12, 90e6, 40]]),
    gc(3, [{ t: 150, kind: 'major', pauseMs: 10, before: 9e6, after: 1e6 }]),
    gc(1, [{ t: 160, kind: 'major', pauseMs: 5, before: 12e6, after: 4e6 }]),
    gc(2, [{ t: 170, kind: 'minor', pauseMs: 4, before: 6e6, after: 5e6 }]),
    mem(3, 200, 3e6, 26e6),
    mark(3, 'measure-end', 240, 26e6),
    done(3, 250, 1),
    { type: 'process-end', tMs: 250, pid: 12, agentId: 3, code: 0, signal: null, cause: 'exit', source: 'parent-agent' } as SampleRecord,
    ...procTick(260, [[10, 2e6, 2], [11, 65e6, 80]]),
    mem(2, 280, 6e6, 66e6),
    mark(2, 'measure-end', 290),
    done(2, 300),
    mem(1, 350, 8e6, 66e6),
    mark(1, 'measure-end', 390, 64e6),
    done(1, 400),
    ...procTick(400, [[10, 2e6, 3]]),
    { type: 'process-end', tMs: 410, pid: 10, code: 0, signal: null, cause: 'exit', source: 'root' } as SampleRecord,
  ];
}
