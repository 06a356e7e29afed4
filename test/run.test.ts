import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyExit, classifyTree, type ExitFacts } from '../src/run/exit-classifier.js';
import { jobChild } from '../src/run/job-child.js';
import { startChild } from '../src/run/runtime.js';
import { StderrTail } from '../src/run/stderr-tail.js';
import { readRunData, type ProcessEndRecord } from '../src/samples/run-data.js';
import { readJsonl, tempDir } from './helpers/cli.js';

const base: ExitFacts = { code: 0, signal: null, stopCause: null, sawDone: true, stderrTail: '', command: false };

describe('how a child ended', () => {
  it('complete when the agent finished and the child exited 0', () => {
    expect(classifyExit(base)).toEqual({ status: 'complete' });
  });
  it('out of heap is named, with the user’s limit, even while memkit was stopping it', () => {
    const c = classifyExit({
      ...base, code: null, signal: 'SIGABRT', sawDone: false, stopCause: 'sigint', nodeFlags: ['--max-old-space-size=64'],
      heapSizeLimitBytes: 112 * 2 ** 20, stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    });
    expect(c.status).toBe('crashed');
    expect(c.reason).toBe('the child ran out of V8 heap memory (--max-old-space-size=64, V8 heap limit 112 MiB): JavaScript heap out of memory');
  });
  it('interrupted by the user', () => {
    expect(classifyExit({ ...base, sawDone: true, stopCause: 'sigint' })).toEqual({ status: 'interrupted', reason: 'interrupted by SIGINT' });
  });
  it('a timeout is a crash', () => {
    expect(classifyExit({ ...base, sawDone: false, code: null, signal: 'SIGKILL', stopCause: 'timeout', timeoutMs: 75_000 }).reason).toBe(
      'the child did not finish within the timeout of 75 s and was killed',
    );
  });
  it('a SIGKILL nobody sent points at the OOM killer', () => {
    expect(classifyExit({ ...base, sawDone: false, code: null, signal: 'SIGKILL' }).reason).toMatch(/OOM killer/);
  });
  it('a scenario that throws', () => {
    const c = classifyExit({ ...base, sawDone: false, code: 1, error: { type: 'error', phase: 'step', message: 'boom\nmore' } });
    expect(c).toEqual({ status: 'crashed', reason: 'scenario step() threw: boom' });
  });
  it('a command memkit stopped at the end of --duration is complete', () => {
    expect(classifyExit({ ...base, command: true, sawDone: false, code: null, signal: 'SIGTERM', stopCause: 'duration' }).status).toBe('complete');
  });
  it('a job child that throws', () => {
    const c = classifyExit({ ...base, sawDone: false, code: 70, error: { type: 'error', phase: 'job', message: 'no space left\nstack' } });
    expect(c).toEqual({ status: 'crashed', reason: 'the measured job threw: no space left' });
  });
  it('a command that fails on its own is a crash', () => {
    expect(classifyExit({ ...base, command: true, sawDone: false, code: 4 }).reason).toBe('the child exited with code 4');
  });
});

describe('how a command\'s tree ended', () => {
  const root: ExitFacts = { ...base, command: true };
  const end = (pid: number, over: Partial<ProcessEndRecord>): ProcessEndRecord => ({
    type: 'process-end', tMs: pid, pid, code: 0, signal: null, cause: 'exit', source: 'parent-agent', ...over,
  });
  const rootEnd = end(1, { source: 'root' });
  const names: Record<number, string> = { 3615: 'pid 3615 (cluster worker 1: node cluster.js)', 3620: 'pid 3620 (cluster worker 2: node cluster.js)' };
  const describe = (e: ProcessEndRecord): string => names[e.pid] ?? `pid ${e.pid}`;

  it('a root alone decides as classifyExit does', () => {
    expect(classifyTree({ root, rootPid: 1, ends: [rootEnd] })).toEqual({ status: 'complete', notes: [] });
    expect(classifyTree({ root: { ...root, code: 4 }, rootPid: 1, ends: [] })).toEqual({ status: 'crashed', reason: 'the child exited with code 4', notes: [] });
  });

  it('a descendant out of heap makes the run crashed, named; several: the first, and how many more', () => {
    const oom = end(3615, { signal: 'SIGABRT', cause: 'oom', source: 'stderr', code: null });
    expect(classifyTree({ root, rootPid: 1, ends: [rootEnd, oom], describe })).toEqual({
      status: 'crashed', reason: 'pid 3615 (cluster worker 1: node cluster.js) ran out of V8 heap memory', notes: [],
    });
    const more = [
      rootEnd, oom,
      end(3620, { cause: 'uncaught', code: 1, reason: 'boom' }),
      end(3630, { cause: 'signal', code: null, signal: 'SIGSEGV' }),
    ];
    expect(classifyTree({ root: { ...root, code: 1 }, rootPid: 1, ends: more, describe })).toEqual({
      status: 'crashed',
      reason: 'pid 3615 (cluster worker 1: node cluster.js) ran out of V8 heap memory, and 2 more; the child exited with code 1',
      notes: ['pid 3620 (cluster worker 2: node cluster.js) ended on an uncaught error: boom', 'pid 3630 was killed by SIGSEGV'],
    });
  });

  it('a descendant stopped by a signal or exiting non-zero on its own is a note, not a crash (Q4)', () => {
    const ends = [
      rootEnd,
      end(10, { cause: 'signal', code: null, signal: 'SIGTERM' }),
      end(11, { cause: 'signal', code: null, signal: 'SIGKILL' }),
      end(12, { code: 2 }),
      end(13, { code: 0 }),
      end(14, { threadId: 1, code: 1, cause: 'exit' }),
    ];
    expect(classifyTree({ root, rootPid: 1, ends })).toEqual({
      status: 'complete',
      notes: [
        'pid 10 was killed by SIGTERM',
        'pid 11 was killed by SIGKILL (by its parent, or the kernel OOM killer)',
        'pid 12 exited with code 2',
        'worker thread 1 of pid 14 exited with code 1',
      ],
    });
  });

  it('the tree memkit itself stopped at the end of --duration: its SIGTERMs are not noted', () => {
    const ends = [end(1, { source: 'root', signal: 'SIGTERM', code: null, cause: 'signal' }), end(10, { cause: 'signal', code: null, signal: 'SIGTERM' })];
    expect(classifyTree({ root: { ...root, sawDone: false, code: null, signal: 'SIGTERM', stopCause: 'duration' }, rootPid: 1, ends })).toEqual({
      status: 'complete', reason: 'stopped at the end of --duration', notes: [],
    });
  });

  it('one stderr for the tree: a descendant’s out-of-heap text does not make the root out of heap', () => {
    const stderrTail = 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory';
    const oom = end(3615, { signal: 'SIGABRT', cause: 'oom', source: 'stderr', code: null });
    expect(classifyTree({ root: { ...root, code: 1, stderrTail }, rootPid: 1, ends: [rootEnd, oom], describe }).reason).toBe(
      'pid 3615 (cluster worker 1: node cluster.js) ran out of V8 heap memory; the child exited with code 1',
    );
    // The registry named the root itself: today's wording, with its limit.
    const rootOom = end(1, { source: 'stderr', cause: 'oom', signal: 'SIGABRT', code: null });
    expect(classifyTree({ root: { ...root, code: null, signal: 'SIGABRT', sawDone: false, stderrTail }, rootPid: 1, ends: [rootOom] }).reason).toBe(
      'the child ran out of V8 heap memory: JavaScript heap out of memory',
    );
    // An OOM block nobody could be matched to is still a crash, said as such.
    expect(classifyTree({ root: { ...root, stderrTail }, rootPid: 1, ends: [rootEnd], unattributed: [{ kind: 'oom', message: 'x' }] }).reason).toBe(
      'a process of the command ran out of V8 heap memory (memkit could not tell which one)',
    );
  });

  it('the root’s own uncaught error is named from its agent', () => {
    const ends = [end(1, { source: 'own-agent', cause: 'uncaught', code: 1, reason: 'boom' })];
    expect(classifyTree({ root: { ...root, code: 1, sawDone: true }, rootPid: 1, ends }).reason).toBe('the program ended on an uncaught error: boom');
    expect(classifyExit({ ...root, code: 1, error: { type: 'error', phase: 'uncaught', origin: 'unhandledRejection', message: 'nope\nstack' } }).reason).toBe(
      'the program had an unhandled promise rejection: nope',
    );
  });
});

describe('stderr tail', () => {
  it('keeps the last bytes, cut at a line boundary', () => {
    const t = new StderrTail(20);
    for (let i = 0; i < 10; i++) t.push(Buffer.from(`line ${i}\n`));
    expect(t.text()).toBe('line 8\nline 9\n');
  });
});

const tmp = tempDir('memkit-run-');
afterAll(() => tmp.cleanup());

/** A job child as plain .js: speaks the job protocol, and ends as `how` says. */
function jobFixture(how: 'done' | 'throw' | 'die'): string {
  const path = join(tmp.path, `job-${how}.js`);
  writeFileSync(
    path,
    `
const send = (m) => process.send(m);
process.on('message', (m) => {
  if (m.type === 'exit') return process.disconnect();
  const keep = Buffer.alloc(m.job.bytes, 1); // committed, so the high-water mark sees it
  send({ type: 'job-phase', phase: 'loaded', tMs: Date.now(), bytes: keep.length });
  for (let i = 1; i <= 3; i++) send({ type: 'job-progress', done: i, total: 3 });
  setTimeout(() => {
    if (${JSON.stringify(how)} === 'throw') {
      process.stderr.write('Error: boom\\n    at the job\\n');
      process.send({ type: 'error', phase: 'job', message: 'boom' }, undefined, undefined, () => process.exit(70));
    } else if (${JSON.stringify(how)} === 'die') {
      process.kill(process.pid, 'SIGKILL');
    } else {
      send({ type: 'job-done', tMs: Date.now() });
    }
  }, 200);
});
`,
  );
  return path;
}

describe('the child runtime with a job child', () => {
  const run = (how: 'done' | 'throw' | 'die') => {
    const progress: number[] = [];
    const samplesPath = join(tmp.path, `job-${how}.jsonl`);
    const handle = startChild(
      jobChild({ entry: jobFixture(how), job: { bytes: 64 * 2 ** 20 }, onProgress: (done) => progress.push(done) }),
      { intervalMs: 20, samplesPath, header: { runId: `job-${how}`, index: 0, target: { type: 'job' }, settings: {} } },
    );
    return handle.result.then((outcome) => ({ outcome, progress, samplesPath }));
  };

  it('records its phases, outside samples and the high-water mark in the one dialect, and not its progress', async () => {
    const { outcome, progress, samplesPath } = await run('done');
    expect(outcome.status).toBe('complete');
    expect(progress).toEqual([1, 2, 3]);
    const types = readJsonl(samplesPath).map((r) => r.type);
    expect(types[0]).toBe('run');
    expect(types.at(-1)).toBe('end');
    expect(types).not.toContain('job-progress');
    // Outside samples: the tree's sums (proc) and, on Linux, each process of it.
    const outside = ['proc', 'proc-info', 'proc-tree', 'proc-gone'];
    expect(types.filter((t) => !['run', 'end', ...outside].includes(t))).toEqual(['job-phase', 'job-done', 'rss-hwm']);
    if (process.platform === 'linux') expect(types.filter((t) => t === 'proc-tree').length).toBe(types.filter((t) => t === 'proc').length);
    // The file read back is what the live run reduced.
    const { data } = await readRunData(samplesPath);
    expect(data.proc).toEqual(outcome.data.proc);
    expect(data.proc.rssBytes.length).toBeGreaterThan(0);
    expect(data.rssHighWaterMark!.rssBytes).toBeGreaterThan(64 * 2 ** 20); // the 64 MiB it filled
    expect(data.rssHighWaterMark!.pid).toBe(outcome.pid);
  });

  it('a job that throws is named by the exit classifier, with its stderr kept', async () => {
    const { outcome, samplesPath } = await run('throw');
    expect(outcome.status).toBe('crashed');
    expect(outcome.statusReason).toBe('the measured job threw: boom');
    expect(outcome.exit.code).toBe(70);
    expect(outcome.stderrTail).toMatch(/Error: boom/);
    expect(readJsonl(samplesPath).at(-1)).toMatchObject({ type: 'end', status: 'crashed' });
  });

  it('a job killed by SIGKILL leaves every sample until then', async () => {
    const { outcome, samplesPath } = await run('die');
    expect(outcome.status).toBe('crashed');
    expect(outcome.statusReason).toMatch(/killed by SIGKILL \(the kernel OOM killer/);
    const records = readJsonl(samplesPath);
    expect(records.some((r) => r.type === 'job-phase' && r.phase === 'loaded')).toBe(true);
    expect(records.filter((r) => r.type === 'proc').length).toBeGreaterThan(0);
    expect(records.at(-1)).toMatchObject({ type: 'end', status: 'crashed', exit: { code: null, signal: 'SIGKILL' } });
  });
});
