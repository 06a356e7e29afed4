import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { findPython, groundTruth } from './helpers/python.js';

/**
 * `mem-stress -- python worker.py`: the leak verdict from memkit's forced checkpoints inside
 * a Python program (python/memkit_agent/checkpoints.py: gc.collect(), then tracemalloc's
 * traced bytes when the program traces, else its RSS). Three leaks of test/fixtures/python/
 * that work forever at ~500 units/s, and the same work done right. Every run starts at
 * once in beforeAll, as test/mem-stress.command.test.ts does, so the file takes about as
 * long as its longest run.
 */

const PY = join(FIXTURES, 'python');
const LEAKS = ['dict-cache', 'del-cycles', 'closure-list'] as const;
const SOAK_ARGS = (duration: string) => ['--duration', duration, '--warmup', '1s', '--checkpoint-every', '250ms', '--no-progress'];
const RSS_LABEL = 'live memory (Python: RSS right after gc.collect(), tracemalloc off)';

const PYTHON = findPython();

/**
 * A Python program that sees no /proc (as off Linux): its own mount namespace with an empty
 * tmpfs on /proc (root only; memkit's own /proc stays). Undefined where that cannot be done.
 */
const HIDE_PROC = ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs none /proc && exec "$@"', 'sh'];
const noHiddenProc = ((): string | undefined => {
  try {
    execFileSync(HIDE_PROC[0]!, [...HIDE_PROC.slice(1), 'sh', '-c', 'test ! -e /proc/self/statm'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'cannot hide /proc from a process here (needs root and unshare)';
  }
})();

interface Run {
  result: CliResult;
  baseline: any;
  out: string;
}
const tmp = tempDir();
const runs: Record<string, Run> = {};

async function run(label: string, command: 'mem-stress' | 'gc-profile', args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  const out = join(tmp.path, `${label}.json`);
  const result = await runCli([command, '--out', out, ...args], env ? { env: { ...process.env, ...env } } : {});
  runs[label] = { result, out, baseline: existsSync(out) ? readJson(out) : undefined };
}

/**
 * A machine so busy that too few checkpoints were taken gets an 'inconclusive' that says so
 * (rightly); the run is made once more, twice as long: the leak must be found once there is
 * enough data.
 */
async function leakRun(label: string, file: string, env?: NodeJS.ProcessEnv): Promise<void> {
  await run(label, 'mem-stress', [...SOAK_ARGS('6s'), '--', PYTHON!, join(PY, file)], env);
  const leak = runs[label]?.baseline?.extra?.leak;
  if (leak?.verdict === 'inconclusive' && /forced-GC checkpoints after warm-up/.test(leak.reason)) {
    await run(label, 'mem-stress', [...SOAK_ARGS('12s'), '--', PYTHON!, join(PY, file)], env);
  }
}


beforeAll(async () => {
  if (!PYTHON) return;
  await Promise.all([
    ...LEAKS.map((name) => leakRun(`${name}-leak`, `leak-${name}.py`)),
    ...LEAKS.map((name) => run(`${name}-clean`, 'mem-stress', [...SOAK_ARGS('4s'), '--repeat', '2', '--', PYTHON!, join(PY, `leak-${name}.py`), 'clean'])),
    // The program traces (PYTHONTRACEMALLOC, not memkit): the live figure is tracemalloc's.
    leakRun('traced-leak', 'leak-closure-list.py', { PYTHONTRACEMALLOC: '1' }),
    // Ends on its own well before --duration, printing its own gc.get_stats() deltas.
    run('ground-truth', 'mem-stress', ['--duration', '60s', '--warmup', '250ms', '--checkpoint-every', '250ms', '--no-progress', '--', PYTHON!, join(PY, 'gc-ground-truth.py'), '60000']),
    run('uncaught', 'gc-profile', ['--no-progress', '--', PYTHON!, join(PY, 'uncaught.py')]),
    noHiddenProc ? undefined : run('no-proc', 'mem-stress', [...SOAK_ARGS('4s'), '--', ...HIDE_PROC, PYTHON!, join(PY, 'leak-closure-list.py')]),
  ]);
}, 120_000);
afterAll(() => tmp.cleanup());

describe.skipIf(!PYTHON)('mem-stress -- python <leaking program>', () => {
  it.each(LEAKS)('%s: verdict "leak", from checkpoints taken inside the program, on its RSS', (name) => {
    const r = runs[`${name}-leak`]!;
    expect(r.baseline, r.result.stderr.slice(-2000)).toBeDefined();
    expect(r.baseline.environment.runtime).toBe('python');
    expect(r.baseline.extra.leak.verdict, r.baseline.extra.leak.reason).toBe('leak');
    expect(r.result.stdout).toContain(`evidence: ${RSS_LABEL}`);
    expect(r.result.stdout).toMatch(/Leak verdict: leak\n\s+evidence: live memory .* grows steadily/);
    expect(r.baseline.extra.runs[0].leak.points).toBeGreaterThanOrEqual(4);
    expect(r.result.stderr).not.toMatch(/memkit: the Python agent/);
    // No V8 words for a Python program: its live memory is named as what it is, and no V8 heap row or metric.
    expect(r.result.stdout).toMatch(/│ live memory \(right after gc\.collect\(\)\) +│ +\+[\d.]+ [KM]B │/);
    expect(r.result.stdout).not.toMatch(/V8 heap|heap \+ external/);
    expect(r.baseline.metrics['live.growth_bytes'].value).toBeGreaterThan(0);
    expect(r.baseline.metrics['heap.used.growth_bytes']).toBeUndefined();
    expect(r.baseline.metrics['heap.used.slope_bytes_per_min']).toBeUndefined();
  });

  it("a program that traces with tracemalloc: the live figure is tracemalloc's traced bytes, and the verdict says so", () => {
    const r = runs['traced-leak']!;
    expect(r.baseline.extra.leak.verdict, r.baseline.extra.leak.reason).toBe('leak');
    expect(r.result.stdout).toContain("evidence: live memory (Python: tracemalloc's traced bytes after gc.collect())");
    const marks = readJsonl(r.out.replace(/\.json$/, '.jsonl')).filter((x) => x.type === 'mark' && x.heapUsedAfterGcBytes !== undefined);
    expect(marks.length).toBeGreaterThanOrEqual(5);
    for (const m of marks) {
      expect(m.liveSource).toBe('tracemalloc');
      // Traced bytes are what Python's allocators hold, well under the process's resident memory.
      expect(m.heapUsedAfterGcBytes).toBeLessThan(m.rssBytes);
      expect(m.pythonAllocatedBlocks).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(!PYTHON)('mem-stress -- python <the same work done right>', () => {
  it.each(LEAKS)('%s: never "leak" in 2 runs (--repeat)', (name) => {
    const r = runs[`${name}-clean`]!;
    expect(r.baseline, r.result.stderr.slice(-2000)).toBeDefined();
    expect(r.baseline.runs).toHaveLength(2);
    const verdicts = r.baseline.extra.runs.map((x: any) => x.leak.verdict);
    expect(verdicts, r.baseline.extra.runs.map((x: any) => x.leak.reason).join('\n')).not.toContain('leak');
    expect(verdicts).toContain('no leak');
    expect(r.baseline.extra.leak.verdict).not.toBe('leak');
  });
});

describe.skipIf(!PYTHON)("the interpreter's own figures: sys.getallocatedblocks() and gc.get_count() over time", () => {
  it('python.allocated_blocks.* in the baseline, a count: the dict cache keyed by fresh strings grows by a block per key, its clean counterpart does not', () => {
    const leak = runs['dict-cache-leak']!.baseline.metrics;
    const clean = runs['dict-cache-clean']!.baseline.metrics;
    expect(leak['python.allocated_blocks.peak']).toMatchObject({ unit: 'count' });
    expect(leak['python.allocated_blocks.growth']).toMatchObject({ unit: 'count' });
    // About 500 fresh keys per second for seconds (a key is a small str: one pymalloc block).
    expect(leak['python.allocated_blocks.growth'].value).toBeGreaterThan(1000);
    expect(Math.abs(clean['python.allocated_blocks.growth'].value)).toBeLessThan(1000);
    expect(runs['dict-cache-leak']!.result.stdout).toMatch(/Python allocated blocks \(count\) .*\+[\d,]+/);
  });

  it("read as a collection starts: gc.get_count()[0] is then past the program's gen0 threshold", () => {
    const records = readJsonl(runs['ground-truth']!.out.replace(/\.json$/, '.jsonl'));
    const threshold0 = records.find((x) => x.type === 'hello').gcThresholds[0];
    const samples = records.filter((x) => x.type === 'py-mem');
    // Those read as one of the program's collections started (not at memkit's checkpoints nor at the end).
    const gen0 = samples.flatMap((x) => (x.gcCount0 as number[]).filter((_, i) => x.at[i] === 0));
    expect(gen0.length).toBeGreaterThanOrEqual(5); // every --interval (100 ms) over 2 s of collections
    // All but the program's own gc.collect() at its end, if it was read.
    expect(gen0.filter((n) => n > threshold0).length).toBeGreaterThanOrEqual(gen0.length - 1);
    expect(samples.flatMap((x) => x.at).filter((a: number) => a === 1).length).toBeGreaterThanOrEqual(5);
    for (const x of samples) for (const b of x.allocatedBlocks) expect(b).toBeGreaterThan(1000);
  });
});

describe.skipIf(!PYTHON)("memkit's collections", () => {
  it("stay out of the program's counts: the program's own gc.get_stats() = memkit's figures + memkit's tagged collections", () => {
    const r = runs['ground-truth']!;
    expect(r.result.code, r.result.stderr.slice(-2000)).toBe(0);
    const truth = groundTruth(r.result.stdout + r.result.stderr);
    const b = r.baseline;
    const records = readJsonl(r.out.replace(/\.json$/, '.jsonl'));
    // The program's two readings. memkit's checkpoint thread goes on collecting after the last one
    // (gc.disable() stops only automatic collections) until the agent's end, so memkit's collections
    // count between the readings. A collection is in gc.get_stats() from the end of its work, somewhere
    // between its 'start' callback and its 'stop' callback's clock read (start + pause): one with a
    // reading inside that span may be on either side, and the figures must add up for one choice.
    const at = /^GROUND-TRUTH-AT start=([\d.]+) end=([\d.]+)$/m.exec(r.result.stdout + r.result.stderr);
    expect(at).not.toBeNull();
    const [startAt, endAt] = [Number(at![1]), Number(at![2])];
    const memkit: Array<{ tMs: number; endMs: number; collected: number }> = [];
    for (const batch of records.filter((x) => x.type === 'gc')) {
      batch.src.forEach((src: number, i: number) => {
        if (src !== 1) return;
        expect(batch.kind[i]).toBe(1024); // gc.collect(): a full collection, generation 2
        memkit.push({ tMs: batch.tMs[i], endMs: batch.tMs[i] + batch.pauseMs[i], collected: batch.collected[i] });
      });
    }
    const straddles = (c: { tMs: number; endMs: number }, t: number): boolean => c.tMs <= t && t <= c.endMs;
    const undecided = memkit.filter((c) => straddles(c, startAt) || straddles(c, endAt));
    const inside = memkit.filter((c) => !undecided.includes(c) && c.tMs > startAt && c.endMs < endAt);
    // Enough of memkit's collections between the readings that leaving them out shows.
    expect(inside.length).toBeGreaterThanOrEqual(2);
    expect(undecided.length).toBeLessThanOrEqual(2);
    // What to read when it fails: the agent's own check against gc.get_stats() and the window's edges.
    const done = records.find((x) => x.type === 'done');
    const edges = records.filter((x) => x.type === 'mark' && /measure|program/.test(x.label)).map((x) => `${x.label}@${x.tMs}`);
    const why = `done ${JSON.stringify(done)}; ${edges.join(' ')}`;
    expect(b.metrics['gc.count.gen0'].value, why).toBe(truth[0]!.collections);
    expect(b.metrics['gc.count.gen1'].value, why).toBe(truth[1]!.collections);
    const choices = Array.from({ length: 2 ** undecided.length }, (_, mask) => [...inside, ...undecided.filter((_, k) => mask & (1 << k))]).map((ours) => ({
      collections: b.metrics['gc.count.gen2'].value + ours.length,
      collected: b.metrics['gc.collected.gen2'].value + ours.reduce((n, c) => n + c.collected, 0),
    }));
    const expected = { collections: truth[2]!.collections, collected: truth[2]!.collected };
    const match = choices.find((c) => c.collections === expected.collections && c.collected === expected.collected);
    expect(match ?? choices[0], `gen2 with memkit's collections ${JSON.stringify(choices)}; memkit's ${JSON.stringify(memkit)}; readings at ${startAt}, ${endAt}`).toEqual(expected);
  });
});

describe.skipIf(!PYTHON)('a Python program that dies of an uncaught exception', () => {
  it('exit 3, the exception named, the traceback tail in the terminal report and the baseline, the data kept', () => {
    const r = runs['uncaught']!;
    expect(r.result.code).toBe(3);
    const reason = 'the program raised an uncaught exception (exit code 1): ConnectionError: price feed closed by peer after 40 ticks';
    expect(r.result.stderr).toContain(`memkit: the measured child crashed: ${reason}`);
    const b = r.baseline;
    expect(b.status).toBe('crashed');
    expect(b.statusReason).toBe(reason);
    expect(b.runs[0].exit).toMatchObject({ code: 1 });
    expect(b.runs[0].stderrTail).toMatch(/Traceback \(most recent call last\):\n[\s\S]*in read\n\s+raise ConnectionError[^\n]*\nConnectionError: price feed closed by peer after 40 ticks\n?$/);
    // The report's own copy of the tail (the program's stderr above it scrolls away).
    expect(r.result.stdout).toMatch(/run 1's traceback \(tail\):\n[\s\S]*\n {4}ConnectionError: price feed closed by peer after 40 ticks\n/);
    // Every collection until the crash is kept.
    expect(b.metrics['gc.count.gen0'].value).toBeGreaterThan(0);
    const done = readJsonl(r.out.replace(/\.json$/, '.jsonl')).find((x) => x.type === 'done');
    expect(done).toMatchObject({ reason: 'exit', gcDesync: 0 });
  });
});

describe.skipIf(!PYTHON || noHiddenProc !== undefined)(`a Python program with no /proc (as off Linux) and tracemalloc off${noHiddenProc ? ` (skipped: ${noHiddenProc})` : ''}`, () => {
  it('the verdict says the live memory was not measured, and why, instead of asking for more checkpoints', () => {
    const r = runs['no-proc']!;
    expect(r.result.code, r.result.stderr.slice(-2000)).toBe(0);
    const reason = "Python's live memory was not measured: no /proc/self/statm here (not Linux?) and tracemalloc off; run it with PYTHONTRACEMALLOC=1 for tracemalloc's traced bytes";
    expect(r.baseline.extra.leak).toMatchObject({ verdict: 'inconclusive', reason });
    expect(r.baseline.extra.runs[0].leak.points).toBe(0);
    expect(r.result.stdout).toContain(`evidence: ${reason}`);
    // The checkpoints were taken (the leak would have shown in a live figure): each says it has none.
    const marks = readJsonl(r.out.replace(/\.json$/, '.jsonl')).filter((x) => x.type === 'mark' && x.label === 'gc-checkpoint');
    expect(marks.length).toBeGreaterThanOrEqual(4);
    for (const m of marks) {
      expect(m).toMatchObject({ liveSource: 'none' });
      expect(m.heapUsedAfterGcBytes).toBeUndefined();
      expect(m.pythonAllocatedBlocks).toBeGreaterThan(0);
    }
  });
});
