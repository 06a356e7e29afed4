import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyTree } from '../src/run/exit-classifier.js';
import { linuxProcReader, preloadsOf, type ProcReader } from '../src/run/node-process-env.js';
import { OomKillWatch } from '../src/run/oom-kill-watch.js';
import { ProcessRegistry } from '../src/run/process-registry.js';
import { readProcStat } from '../src/run/process-tree.js';
import type { HelloMessage } from '../src/samples/protocol.js';
import type { SampleRecord } from '../src/samples/run-data.js';

/**
 * Hand-written record sequences of a command's tree, as the parent records them (agent
 * records tagged with agentId, the outside sampler's proc-info/proc-gone), against a faked
 * /proc: how each process and thread ended, and which were not measured and why.
 */

const PRELOAD_ENV = ['PATH=/usr/bin', 'NODE_OPTIONS=--require "/opt/memkit/dist/src/agent/preload.cjs"', 'MEMKIT_CHANNEL=/tmp/memkit-x/ch.sock'];

interface FakeProc {
  exe: string | 'denied' | 'gone';
  environ?: string[] | 'denied' | 'gone';
  alive?: boolean;
}

/** A /proc whose processes can change (an exec) between readings. */
function fakeProc(procs: Record<number, FakeProc>): ProcReader & { procs: Record<number, FakeProc> } {
  return {
    procs,
    exe: (pid) => procs[pid]?.exe ?? 'gone',
    environ: (pid) => procs[pid]?.environ ?? 'gone',
    alive: (pid) => procs[pid]?.alive ?? false,
  };
}

const info = (tMs: number, pid: number, ppid: number, argv: string[], startTicks = pid * 10): SampleRecord => ({
  type: 'proc-info', tMs, pid, ppid, comm: argv[0]!.split('/').pop()!.slice(0, 15), argv, startTicks,
});

function hello(agentId: number, pid: number, over: Partial<HelloMessage> = {}): SampleRecord {
  return {
    type: 'hello', agentId, pid, tMs: 0, node: 'v20.20.2', v8: '11', execArgv: [], heapSizeLimitBytes: 4e9,
    constrainedMemoryBytes: null, mode: 'preload', threadId: 0, isMainThread: true, startTicks: pid * 10,
    role: 'process', ...over,
  } as SampleRecord;
}

const done = (agentId: number, tMs: number, exitCode: number): SampleRecord =>
  ({ type: 'done', agentId, tMs, steps: 0, reason: 'exit', gcDesync: 0, exitCode }) as SampleRecord;

function feed(reg: ProcessRegistry, records: SampleRecord[]): ProcessRegistry {
  for (const r of records) reg.add(r);
  return reg;
}

const NODE = '/usr/bin/node';

describe('the process registry: how each process and thread ended', () => {
  it('a cluster worker out of heap: SIGABRT from the primary’s agent, named OOM by the stderr block with its pid', () => {
    const proc = fakeProc({
      100: { exe: NODE, environ: PRELOAD_ENV },
      101: { exe: NODE, environ: PRELOAD_ENV },
      102: { exe: NODE, environ: PRELOAD_ENV },
    });
    const reg = feed(new ProcessRegistry({ readProc: proc, cwd: '/app' }), [
      info(0, 100, 1, [NODE, '/app/cluster.js']),
      hello(1, 100, { argv: [NODE, '/app/cluster.js'] }),
      { type: 'child-spawn', agentId: 1, tMs: 10, pid: 101, file: NODE, argv: [NODE, '/app/cluster.js'] },
      { type: 'child-spawn', agentId: 1, tMs: 11, pid: 102, file: NODE, argv: [NODE, '/app/cluster.js'] },
      info(20, 101, 100, [NODE, '/app/cluster.js']),
      info(20, 102, 100, [NODE, '/app/cluster.js']),
      hello(2, 101, { role: 'cluster-worker', clusterWorkerId: 1, ppid: 100 }),
      hello(3, 102, { role: 'cluster-worker', clusterWorkerId: 2, ppid: 100 }),
      { type: 'agent-lost', agentId: 2, tMs: 300 },
      { type: 'child-exit', agentId: 1, tMs: 310, pid: 101, code: null, signal: 'SIGABRT' },
      { type: 'proc-gone', tMs: 320, pid: 101 },
      done(3, 400, 0),
      { type: 'child-exit', agentId: 1, tMs: 410, pid: 102, code: 0, signal: null },
      done(1, 500, 0),
    ]);
    reg.addStderrFatal({ kind: 'oom', pid: 101, isolate: '0x39a82ca0', message: 'Reached heap limit Allocation failed - JavaScript heap out of memory' });
    const { ends, unreached, unattributed } = reg.settle({ pid: 100, exit: { code: 0, signal: null }, tMs: 510 });

    expect(unreached).toEqual([]);
    expect(unattributed).toEqual([]);
    expect(ends).toEqual([
      { type: 'process-end', pid: 100, startTicks: 1000, agentId: 1, tMs: 510, code: 0, signal: null, cause: 'exit', source: 'root' },
      {
        type: 'process-end', pid: 101, startTicks: 1010, agentId: 2, tMs: 310, code: null, signal: 'SIGABRT', cause: 'oom', source: 'stderr',
        reason: 'ran out of V8 heap memory: Reached heap limit Allocation failed - JavaScript heap out of memory',
      },
      { type: 'process-end', pid: 102, startTicks: 1020, agentId: 3, tMs: 410, code: 0, signal: null, cause: 'exit', source: 'parent-agent' },
    ]);
    expect(reg.describe(ends[1]!)).toBe('pid 101 (cluster worker 1: node cluster.js)');
    expect(reg.describe(ends[0]!)).toBe('pid 100 (node cluster.js)');

    // The whole stderr holds the worker's OOM text; the root exited 0: the worker is named, not the root.
    const tree = classifyTree({
      root: { code: 0, signal: null, stopCause: null, sawDone: true, command: true, stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' },
      rootPid: 100, ends, describe: (e) => reg.describe(e),
    });
    expect(tree).toEqual({ status: 'crashed', reason: 'pid 101 (cluster worker 1: node cluster.js) ran out of V8 heap memory', notes: [] });
  });

  it('an uncaught exception in a fork: its own agent’s error (phase uncaught), exit code 1 from the parent', () => {
    const reg = feed(new ProcessRegistry({ readProc: fakeProc({ 200: { exe: NODE }, 201: { exe: NODE, environ: PRELOAD_ENV } }), cwd: '/app' }), [
      hello(1, 200, { argv: [NODE, '/app/forker.js'] }),
      { type: 'child-spawn', agentId: 1, tMs: 5, pid: 201, file: NODE, argv: [NODE, '/app/leaf.js'] },
      hello(2, 201, { role: 'fork', ppid: 200, argv: [NODE, '/app/leaf.js'] }),
      { type: 'error', agentId: 2, phase: 'uncaught', origin: 'uncaughtException', message: 'boom\n    at Timeout._onTimeout' },
      done(2, 60, 1),
      { type: 'child-exit', agentId: 1, tMs: 70, pid: 201, code: 1, signal: null },
    ]);
    const { ends, unreached } = reg.settle({ pid: 200, exit: { code: 0, signal: null }, tMs: 100 });
    expect(unreached).toEqual([]);
    expect(ends[1]).toEqual({
      type: 'process-end', pid: 201, startTicks: 2010, agentId: 2, tMs: 70, code: 1, signal: null, cause: 'uncaught', source: 'own-agent', reason: 'boom',
    });
    expect(reg.describe(ends[1]!)).toBe('pid 201 (fork: node leaf.js)');
  });

  it('a worker thread out of its resourceLimits: the parent’s worker-exit says ERR_WORKER_OUT_OF_MEMORY', () => {
    const reg = feed(new ProcessRegistry({ readProc: fakeProc({ 300: { exe: NODE } }), cwd: '/app' }), [
      hello(1, 300, { argv: [NODE, '/app/wt-oom.js'] }),
      { type: 'worker-start', agentId: 1, tMs: 10, threadId: 1 },
      hello(2, 300, { threadId: 1, isMainThread: false, role: 'worker-thread', isolate: '0x7f844c000f00' }),
      { type: 'agent-lost', agentId: 2, tMs: 200 },
      {
        type: 'worker-exit', agentId: 1, tMs: 210, threadId: 1, code: 1, errorCode: 'ERR_WORKER_OUT_OF_MEMORY',
        errorMessage: 'Worker terminated due to reaching memory limit: JS heap out of memory',
      },
      done(1, 300, 0),
    ]);
    const { ends, unreached } = reg.settle({ pid: 300, exit: { code: 0, signal: null }, tMs: 310 });
    expect(unreached).toEqual([]);
    expect(ends).toEqual([
      { type: 'process-end', pid: 300, startTicks: 3000, agentId: 1, tMs: 310, code: 0, signal: null, cause: 'exit', source: 'root' },
      {
        type: 'process-end', pid: 300, startTicks: 3000, threadId: 1, agentId: 2, tMs: 210, code: 1, signal: null, cause: 'oom', source: 'parent-agent',
        reason: 'ran out of V8 heap memory (its resourceLimits): Worker terminated due to reaching memory limit: JS heap out of memory',
      },
    ]);
    expect(classifyTree({
      root: { code: 0, signal: null, stopCause: null, sawDone: true, command: true, stderrTail: '' },
      rootPid: 300, ends, describe: (e) => reg.describe(e),
    }).reason).toBe('worker thread 1 of pid 300 (node wt-oom.js) ran out of V8 heap memory (its resourceLimits)');
  });

  it('a Node child spawned with env {} is not measured, and /proc/<pid>/environ says why', () => {
    const proc = fakeProc({ 400: { exe: NODE }, 401: { exe: NODE, environ: [] } });
    const reg = feed(new ProcessRegistry({ readProc: proc }), [
      hello(1, 400, { argv: [NODE, 'mid.js'] }),
      { type: 'child-spawn', agentId: 1, tMs: 5, pid: 401, file: NODE, argv: [NODE, 'leaf.js'] },
      info(10, 401, 400, [NODE, 'leaf.js']),
      { type: 'proc-gone', tMs: 90, pid: 401 },
      { type: 'child-exit', agentId: 1, tMs: 80, pid: 401, code: 0, signal: null },
    ]);
    const { ends, unreached } = reg.settle({ pid: 400, exit: { code: 0, signal: null }, tMs: 100 });
    expect(unreached).toEqual([
      { type: 'unreached', tMs: 5, pid: 401, startTicks: 4010, argv: [NODE, 'leaf.js'], reason: 'its environment dropped NODE_OPTIONS (started with a custom env)' },
    ]);
    expect(ends[1]).toMatchObject({ pid: 401, code: 0, cause: 'exit', source: 'parent-agent' });
  });

  it('the environ read on every exec: a fork caught before its exec carried its parent’s env', () => {
    const proc = fakeProc({ 410: { exe: NODE, environ: PRELOAD_ENV }, 411: { exe: NODE, environ: PRELOAD_ENV }, 412: { exe: NODE, environ: PRELOAD_ENV } });
    const reg = new ProcessRegistry({ readProc: proc });
    feed(reg, [hello(1, 410), info(0, 411, 410, [NODE, 'parent.js']), info(0, 412, 410, [NODE, 'parent.js'])]);
    proc.procs[411] = { exe: NODE, environ: ['NODE_OPTIONS=--max-old-space-size=64'] }; // node leaf.js, NODE_OPTIONS replaced
    proc.procs[412] = { exe: '/usr/bin/dash', environ: [] }; // sh: not Node, not unreached
    feed(reg, [info(5, 411, 410, [NODE, 'leaf.js']), info(5, 412, 410, ['sh', '-c', 'true'])]);
    const { unreached } = reg.settle({ pid: 410, exit: { code: 0, signal: null }, tMs: 100 });
    expect(unreached.map((u) => [u.pid, u.reason])).toEqual([
      [411, 'its NODE_OPTIONS does not load memkit\'s agent (set to "--max-old-space-size=64")'],
    ]);
  });

  it('an environment it may not read (another user), and an agent that failed to load, say so', () => {
    const proc = fakeProc({ 420: { exe: NODE }, 421: { exe: 'denied', environ: 'denied' }, 422: { exe: NODE, environ: PRELOAD_ENV } });
    const reg = feed(new ProcessRegistry({ readProc: proc }), [
      hello(1, 420),
      info(1, 421, 420, ['node', 'other-user.js']),
      info(1, 422, 420, [NODE, '--disallow-code-generation-from-strings', 'x.js']),
      { type: 'agent-error', agentId: 2, tMs: 3, pid: 422, threadId: 0, message: 'Code generation from strings disallowed\n at …' },
    ]);
    const { unreached } = reg.settle({ pid: 420, exit: { code: 0, signal: null }, tMs: 100 });
    expect(unreached.map((u) => [u.pid, u.reason])).toEqual([
      [421, 'cannot read its environment (another user?)'],
      [422, "memkit's agent did not load: Code generation from strings disallowed"],
    ]);
  });

  it('a worker thread that never said hello is unreached; its end comes from the parent’s worker-exit', () => {
    const reg = feed(new ProcessRegistry({ readProc: fakeProc({ 500: { exe: NODE } }) }), [
      hello(1, 500, { argv: [NODE, 'app.js'] }),
      { type: 'worker-start', agentId: 1, tMs: 10, threadId: 1 },
      hello(2, 500, { threadId: 1, isMainThread: false, role: 'worker-thread' }),
      { type: 'worker-start', agentId: 1, tMs: 12, threadId: 2 },
      done(2, 40, 0),
      { type: 'worker-exit', agentId: 1, tMs: 41, threadId: 1, code: 0 },
      { type: 'worker-exit', agentId: 1, tMs: 50, threadId: 2, code: 0 },
    ]);
    const { ends, unreached } = reg.settle({ pid: 500, exit: { code: 0, signal: null }, tMs: 100 });
    expect(unreached).toEqual([
      { type: 'unreached', tMs: 12, pid: 500, startTicks: 5000, threadId: 2, argv: [NODE, 'app.js'], reason: 'worker thread 2: not measured (started with an env without NODE_OPTIONS?)' },
    ]);
    expect(ends.map((e) => [e.threadId, e.agentId, e.cause, e.source])).toEqual([
      [undefined, 1, 'exit', 'root'],
      [1, 2, 'exit', 'parent-agent'],
      [2, undefined, 'exit', 'parent-agent'],
    ]);
  });

  it('a child too short-lived for a /proc sample is still listed, from its parent’s child-spawn (a shell is not)', () => {
    const reg = feed(new ProcessRegistry({ readProc: fakeProc({ 600: { exe: NODE } }) }), [
      hello(1, 600),
      { type: 'child-spawn', agentId: 1, tMs: 5, pid: 601, file: NODE, argv: [NODE, '-e', '0'] },
      { type: 'child-exit', agentId: 1, tMs: 6, pid: 601, code: 0, signal: null },
      { type: 'child-spawn', agentId: 1, tMs: 7, pid: 602, file: '/bin/sh', argv: ['/bin/sh', '-c', 'true'] },
      { type: 'child-exit', agentId: 1, tMs: 8, pid: 602, code: 0, signal: null },
      { type: 'child-spawn', agentId: 1, tMs: 9, pid: 603, file: 'git', argv: ['git', 'status'] },
      { type: 'child-exit', agentId: 1, tMs: 10, pid: 603, code: 2, signal: null },
    ]);
    const { ends, unreached } = reg.settle({ pid: 600, exit: { code: 0, signal: null }, tMs: 100 });
    expect(unreached).toEqual([
      { type: 'unreached', tMs: 5, pid: 601, argv: [NODE, '-e', '0'], reason: "it ended before memkit's outside sampler saw it, and memkit's agent never reported from it" },
      { type: 'unreached', tMs: 9, pid: 603, argv: ['git', 'status'], reason: "it ended before memkit's outside sampler saw it (whether it ran Node is not known); no agent reported from it" },
    ]);
    expect(ends.map((e) => [e.pid, e.code, e.cause, e.source])).toEqual([
      [600, 0, 'exit', 'root'],
      [601, 0, 'exit', 'parent-agent'],
      [602, 0, 'exit', 'parent-agent'],
      [603, 2, 'exit', 'parent-agent'],
    ]);
  });

  it('npm → sh → node: sh exiting 134 is its single child’s SIGABRT; a lone FATAL line is that child’s OOM', () => {
    const proc = fakeProc({
      700: { exe: NODE, environ: PRELOAD_ENV },
      701: { exe: '/usr/bin/dash', environ: PRELOAD_ENV },
      702: { exe: NODE, environ: PRELOAD_ENV },
    });
    const records: SampleRecord[] = [
      info(0, 700, 1, ['npm start']),
      hello(1, 700, { argv: ['/usr/bin/node', '/usr/bin/npm', 'start'] }),
      { type: 'child-spawn', agentId: 1, tMs: 30, pid: 701, file: 'sh', argv: ['sh', '-c', 'node app.js'] },
      info(40, 701, 700, ['sh', '-c', 'node app.js']),
      info(50, 702, 701, ['node', 'app.js']),
      hello(2, 702, { argv: [NODE, '/app/app.js'], ppid: 701 }),
      { type: 'agent-lost', agentId: 2, tMs: 900 },
      { type: 'proc-gone', tMs: 910, pid: 702 },
      { type: 'child-exit', agentId: 1, tMs: 920, pid: 701, code: 134, signal: null },
      done(1, 950, 1),
    ];
    const settle = (fatal?: boolean) => {
      const reg = feed(new ProcessRegistry({ readProc: proc }), records);
      if (fatal) reg.addStderrFatal({ kind: 'oom', message: 'Reached heap limit Allocation failed - JavaScript heap out of memory' });
      return reg.settle({ pid: 700, exit: { code: 1, signal: null }, tMs: 960 });
    };

    const plain = settle();
    expect(plain.unreached).toEqual([]);
    expect(plain.ends.map((e) => [e.pid, e.code, e.signal, e.cause, e.source])).toEqual([
      [700, 1, null, 'exit', 'root'],
      [701, 134, null, 'exit', 'parent-agent'],
      [702, null, 'SIGABRT', 'signal', 'parent-agent'],
    ]);
    expect(plain.ends[2]!.reason).toBe('its parent pid 701 (a shell) exited 134 = 128 + SIGABRT');

    const withStderr = settle(true);
    expect(withStderr.unattributed).toEqual([]);
    expect(withStderr.ends[2]).toMatchObject({ pid: 702, signal: 'SIGABRT', cause: 'oom', source: 'stderr' });
  });

  it('a daemon still running when the command ended, and an agent whose connection was lost', () => {
    const proc = fakeProc({ 800: { exe: NODE }, 801: { exe: NODE, environ: PRELOAD_ENV, alive: true }, 802: { exe: NODE, environ: PRELOAD_ENV } });
    const reg = feed(new ProcessRegistry({ readProc: proc }), [
      hello(1, 800),
      info(1, 801, 800, [NODE, 'daemon.js']),
      hello(2, 801, { ppid: 800 }),
      info(1, 802, 800, [NODE, 'x.js']),
      hello(3, 802, { ppid: 800 }),
      { type: 'agent-lost', agentId: 3, tMs: 50 },
    ]);
    const { ends } = reg.settle({ pid: 800, exit: { code: 0, signal: null }, tMs: 100 });
    expect(ends.map((e) => [e.pid, e.cause, e.source, e.tMs])).toEqual([
      [800, 'exit', 'root', 100],
      [801, 'running', 'proc', 100],
      [802, 'lost', 'own-agent', 50],
    ]);
  });

  it('a stderr block naming a worker thread’s isolate ends that thread, and a pid never seen is still named', () => {
    const reg = feed(new ProcessRegistry({ readProc: fakeProc({ 900: { exe: NODE } }) }), [
      hello(1, 900),
      { type: 'worker-start', agentId: 1, tMs: 10, threadId: 1 },
      hello(2, 900, { threadId: 1, isMainThread: false, isolate: '0x7f00' }),
      { type: 'agent-lost', agentId: 2, tMs: 20 },
    ]);
    reg.addStderrFatal({ kind: 'oom', pid: 900, isolate: '0x7f00', message: 'heap out of memory' });
    reg.addStderrFatal({ kind: 'oom', pid: 999, isolate: '0x1', message: 'heap out of memory' });
    const { ends, unreached } = reg.settle({ pid: 900, exit: { code: null, signal: 'SIGABRT' }, tMs: 30 });
    expect(ends.map((e) => [e.pid, e.threadId, e.cause, e.source])).toEqual([
      [900, undefined, 'signal', 'root'],
      [900, 1, 'oom', 'stderr'],
      [999, undefined, 'oom', 'stderr'],
    ]);
    // Whether 999 ran Node with an agent cannot be told: it is listed, not dropped.
    expect(unreached.map((u) => u.pid)).toEqual([999]);
  });
});

describe('the process registry: witnesses that could mislead', () => {
  it('an uncaught error a handler survived is not how the process ended', () => {
    const reg = feed(new ProcessRegistry({ readProc: fakeProc({}) }), [
      hello(1, 10),
      { type: 'child-spawn', agentId: 1, tMs: 1, pid: 11, file: NODE, argv: [NODE, 'c.js'] },
      hello(2, 11),
      { type: 'error', agentId: 2, phase: 'uncaught', origin: 'uncaughtException', message: 'handled later' },
      done(2, 5, 0),
      { type: 'child-exit', agentId: 1, tMs: 6, pid: 11, code: 0, signal: null },
    ]);
    expect(reg.settle({ pid: 10, exit: { code: 0, signal: null }, tMs: 9 }).ends[1]).toMatchObject({ pid: 11, cause: 'exit', code: 0 });
  });

  it('two lone FATAL lines and two processes that aborted: both out of heap; with three aborted, none guessed', () => {
    const records = (n: number): SampleRecord[] => [
      hello(1, 20),
      ...Array.from({ length: n }, (_, i): SampleRecord[] => [
        { type: 'child-spawn', agentId: 1, tMs: i, pid: 21 + i, file: NODE, argv: [NODE, 'w.js'] },
        { type: 'child-exit', agentId: 1, tMs: 10 + i, pid: 21 + i, code: null, signal: 'SIGABRT' },
      ]).flat(),
    ];
    const run = (n: number) => {
      const reg = feed(new ProcessRegistry({ readProc: fakeProc({}) }), records(n));
      for (let i = 0; i < 2; i++) reg.addStderrFatal({ kind: 'oom', message: 'JavaScript heap out of memory' });
      return reg.settle({ pid: 20, exit: { code: 0, signal: null }, tMs: 30 });
    };
    const two = run(2);
    expect(two.unattributed).toEqual([]);
    expect(two.ends.slice(1).map((e) => e.cause)).toEqual(['oom', 'oom']);
    const three = run(3);
    expect(three.unattributed).toHaveLength(2);
    expect(three.ends.slice(1).map((e) => e.cause)).toEqual(['signal', 'signal', 'signal']);
  });

  it('a root nothing described is named by the command memkit spawned (a shell: no unreached)', () => {
    const reg = new ProcessRegistry({ readProc: fakeProc({}) });
    const { ends, unreached } = reg.settle({ pid: 5, exit: { code: 0, signal: null }, tMs: 1, argv: ['sh', '-c', 'true'] });
    expect(unreached).toEqual([]);
    expect(reg.describe(ends[0]!)).toBe('pid 5 (sh -c true)');
  });
});

describe('NODE_OPTIONS as Node splits it', () => {
  it('finds the preload however it was written', () => {
    expect(preloadsOf('--require "/tmp/dir with space/preload.cjs" --max-old-space-size=64')).toEqual(['/tmp/dir with space/preload.cjs']);
    expect(preloadsOf('--require="/a/b.cjs" -r /c.cjs --import=/d.mjs --inspect')).toEqual(['/a/b.cjs', '/c.cjs', '/d.mjs']);
    expect(preloadsOf('--require "/x/q\\"uote.cjs"')).toEqual(['/x/q"uote.cjs']);
    expect(preloadsOf('')).toEqual([]);
  });
});

describe.runIf(process.platform === 'linux')('the real /proc', () => {
  it('tells a Node child started with env {} and one whose NODE_OPTIONS lost the preload, while they live', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memkit-registry-'));
    const preload = join(dir, 'preload.cjs'); // loads, says nothing: an agent that never reports
    writeFileSync(preload, '');
    const start = (env: NodeJS.ProcessEnv) => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { env, stdio: 'ignore' });
    const children = [start({}), start({ NODE_OPTIONS: '--max-old-space-size=100' }), start({ ...process.env, NODE_OPTIONS: `--require "${preload}" --expose-gc` })];
    try {
      await Promise.all(children.map((c) => once(c, 'spawn')));
      expect(linuxProcReader.exe(children[0]!.pid!)).toBe(process.execPath);
      const reg = new ProcessRegistry(); // the real reader
      reg.add(hello(1, process.pid));
      for (const c of children) {
        const stat = readProcStat(c.pid!)!;
        reg.add({ type: 'proc-info', tMs: 1, pid: c.pid!, ppid: process.pid, comm: stat.comm, argv: [process.execPath, '-e', '…'], startTicks: stat.startTicks });
        expect(linuxProcReader.alive(c.pid!, stat.startTicks)).toBe(true);
        expect(linuxProcReader.alive(c.pid!, stat.startTicks + 1)).toBe(false);
      }
      for (const c of children) c.kill('SIGKILL');
      const { unreached } = reg.settle({ pid: process.pid, exit: { code: 0, signal: null }, tMs: 2 });
      expect(unreached.map((u) => [u.pid, u.reason])).toEqual([
        [children[0]!.pid, 'its environment dropped NODE_OPTIONS (started with a custom env)'],
        [children[1]!.pid, 'its NODE_OPTIONS does not load memkit\'s agent (set to "--max-old-space-size=100")'],
        [children[2]!.pid, "memkit's agent never reported (it ended before its first event-loop turn, or the agent failed silently)"],
      ]);
    } finally {
      for (const c of children) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a process that is gone has no environment to judge', () => {
    expect(linuxProcReader.environ(2 ** 22 + 7)).toBe('gone');
    expect(linuxProcReader.exe(2 ** 22 + 7)).toBe('gone');
  });
});

describe('the process registry: Python processes', () => {
  const PY = '/usr/lib/python3.11/bin/python3.11';
  const SITE_ENV = ['PYTHONPATH=/opt/memkit/python/site:/home/u/lib', 'MEMKIT_CHANNEL=/tmp/memkit-x/ch.sock'];
  const reasons = (reg: ProcessRegistry) =>
    Object.fromEntries(reg.settle({ pid: 10, exit: { code: 0, signal: null }, tMs: 900 }).unreached.map((u) => [u.pid, u.reason]));

  it('a Python process with no hello is listed with why its agent could not load, or that it never reported', () => {
    const proc = fakeProc({
      10: { exe: PY, environ: SITE_ENV },
      11: { exe: PY, environ: ['PATH=/usr/bin'] },
      12: { exe: PY, environ: ['PYTHONPATH=/home/u/lib', 'MEMKIT_CHANNEL=/tmp/memkit-x/ch.sock'] },
      13: { exe: PY, environ: SITE_ENV },
      14: { exe: PY, environ: SITE_ENV },
      15: { exe: PY, environ: SITE_ENV },
      16: { exe: PY, environ: SITE_ENV },
    });
    const reg = feed(new ProcessRegistry({ readProc: proc }), [
      info(1, 10, 1, [PY, 'app.py']),
      hello(1, 10, { runtime: 'python', node: '', v8: '' } as Partial<HelloMessage>),
      info(2, 11, 10, [PY, 'a.py']),
      info(3, 12, 10, [PY, 'b.py']),
      info(4, 13, 10, [PY, '-S', 'c.py']),
      info(5, 14, 10, [PY, '-u', '-I', '-c', 'pass']),
      info(6, 15, 10, [PY, 'app.py']), // a fork caught before its hello: it said hello after
      hello(2, 15, { runtime: 'python', role: 'fork', node: '', v8: '' } as Partial<HelloMessage>),
      info(7, 16, 10, [PY, 'd.py']), // everything in place, and still no word
    ]);
    expect(reasons(reg)).toEqual({
      11: "its environment dropped PYTHONPATH (started with a custom env): memkit's Python agent did not load",
      12: "its PYTHONPATH does not hold memkit's agent folder (replaced by its parent)",
      13: "started with -S (no site, so no sitecustomize: memkit's agent did not load)",
      14: "started with -I (Python ignores PYTHONPATH, where memkit's agent is)",
      16: expect.stringMatching(/^memkit's Python agent never reported \(it could not connect/),
    });
  });
});

describe('the process registry: a SIGKILL the kernel OOM killer sent', () => {
  /** A v1 memory cgroup per pid whose oom_kill count the test raises as the kernel would. */
  function cgroups(): { watch: OomKillWatch; kill(pid: number): void } {
    const files: Record<string, string> = { '/proc/self/mountinfo': '34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n' };
    for (const pid of [100, 101, 102]) {
      files[`/proc/${pid}/cgroup`] = `4:memory:/job${pid}\n`;
      files[`/sys/fs/cgroup/memory/job${pid}/memory.oom_control`] = 'oom_kill 0\n';
      files[`/sys/fs/cgroup/memory/job${pid}/memory.limit_in_bytes`] = String(96 * 2 ** 20);
    }
    return {
      watch: new OomKillWatch({ read: (p) => files[p] }, () => undefined),
      kill: (pid) => void (files[`/sys/fs/cgroup/memory/job${pid}/memory.oom_control`] = 'oom_kill 1\n'),
    };
  }

  it("the root's and a child's SIGKILL with their cgroup's count risen since first seen: cause oom, the cgroup named; a SIGKILL with no rise stays a signal", () => {
    const cg = cgroups();
    const reg = new ProcessRegistry({ readProc: fakeProc({ 100: { exe: '/usr/bin/python3' }, 101: { exe: NODE }, 102: { exe: NODE } }), oomKills: cg.watch });
    feed(reg, [
      info(0, 100, 1, ['/usr/bin/python3', 'app.py']),
      hello(1, 101, { ppid: 100 }),
      info(5, 102, 100, [NODE, 'other.js']),
      { type: 'child-exit', tMs: 40, pid: 101, code: null, signal: 'SIGKILL', agentId: 1 } as SampleRecord,
      { type: 'child-exit', tMs: 45, pid: 102, code: null, signal: 'SIGKILL', agentId: 1 } as SampleRecord,
    ]);
    cg.kill(100);
    cg.kill(101);
    const { ends } = reg.settle({ pid: 100, exit: { code: null, signal: 'SIGKILL' }, tMs: 50 });
    const reason = (pid: number): string => `killed by the kernel OOM killer (memory cgroup /job${pid}: oom_kill +1; limit 96 MiB)`;
    expect(ends.find((e) => e.pid === 100)).toMatchObject({ cause: 'oom', signal: 'SIGKILL', source: 'root', reason: reason(100) });
    expect(ends.find((e) => e.pid === 101)).toMatchObject({ cause: 'oom', signal: 'SIGKILL', reason: reason(101) });
    expect(ends.find((e) => e.pid === 102)).toMatchObject({ cause: 'signal', signal: 'SIGKILL' });
    const cls = classifyTree({
      root: { code: null, signal: 'SIGKILL', stopCause: null, sawDone: false, stderrTail: '', command: true },
      rootPid: 100,
      ends,
    });
    expect(cls.status).toBe('crashed');
    expect(cls.reason).toBe(`pid 101 was ${reason(101)}; the program was ${reason(100)}`);
    expect(cls.notes).toEqual(['pid 102 was killed by SIGKILL (by its parent, or the kernel OOM killer)']);
  });
});
