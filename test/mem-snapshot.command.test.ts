import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const SNAP = join(FIXTURES, 'snap');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function classCount(file: string, className: string): Promise<number> {
  return runCli(['mem-snapshot', 'summarize', file, '--json', '--no-progress']).then((r) => {
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).extra.heapSummary.classes as Array<{ className: string; count: number }>;
    return rows.find((c) => c.className === className)?.count ?? 0;
  });
}

describe('mem-snapshot --at on a plain program', () => {
  // 3 s apart: a snapshot freezes the program (1-2 s under load), and the leak finder
  // needs sessions filed between the first two.
  it('snapshots the program itself, and the leak finder names the leaking class and what retains it', async () => {
    const outDir = join(tmp.path, 'at');
    const r = await runCli(['mem-snapshot', '--at', '1s,4s,7s', '--out-dir', outDir, '--no-progress', '--', 'node', join(SNAP, 'leaky-sessions.cjs')]);
    expect(r.code, r.stderr).toBe(0);
    const baselinePath = /summary baseline written: (.+)/.exec(r.stderr)![1]!;
    const b = readJson(baselinePath);

    // The baseline lists the three files, of the program's own process, at the times asked.
    const samples = readJsonl(baselinePath.replace(/\.summary\.json$/, '.jsonl'));
    const hello = samples.find((x) => x.type === 'hello');
    const snaps = b.extra.snapshots as Array<{ path: string; pid: number; at: string; bytes: number }>;
    expect(snaps.map((x) => x.at)).toEqual(['1s', '4s', '7s']);
    for (const x of snaps) {
      expect(x.pid).toBe(hello.pid);
      expect(statSync(x.path).size).toBe(x.bytes);
    }
    // It ended after the last snapshot, not on its own (it never would).
    expect(samples.find((x) => x.type === 'end')).toMatchObject({ status: 'complete', statusReason: 'stopped after its last heap snapshot (--at)' });

    // What leaks: LeakySession, held by the module-level Map through the array it keeps.
    const leaks = b.extra.leaks;
    expect(leaks.byPath[0].classes.map((c: { className: string }) => c.className)).toContain('LeakySession');
    const path = leaks.byPath[0].sample.path as Array<{ edge: string; className: string }>;
    expect(path.some((s) => s.className === 'Map' && s.edge.includes('registry'))).toBe(true);
    expect(path.at(-1)!.className).toBe('LeakySession');
    expect(path.at(-2)!.className).toBe('Array');
    // The clean counterpart, made as often, is not listed.
    const listed = leaks.byClass.map((c: { className: string }) => c.className);
    expect(listed).not.toContain('ShortLivedRequest');
    // Exactly the sessions filed between the first two snapshots: none is ever freed, so
    // the summaries' counts of the two files (another code path) give the ground truth.
    const [base, target] = snaps.map((x) => x.path);
    const expected = (await classCount(target!, 'LeakySession')) - (await classCount(base!, 'LeakySession'));
    expect(expected).toBeGreaterThan(0);
    expect(leaks.byClass.find((c: { className: string }) => c.className === 'LeakySession').count).toBe(expected);
    expect(r.stdout).toMatch(/LeakySession/);
  }, 120_000); // three snapshots and the finder: 40 s with two CPU hogs running

  it('refuses --every without --duration, and --at past --duration (exit 2, one line)', async () => {
    const a = await runCli(['mem-snapshot', '--every', '1s', '--', 'node', '-e', '0']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--every: give --duration too/);
    const b = await runCli(['mem-snapshot', '--at', '1s,5s', '--duration', '2s', '--', 'node', '-e', '0']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/goes past --duration/);
  });
});

describe('a plain program that runs out of V8 heap', () => {
  it('leaves its near-heap-limit figures, read inside V8, and the crash reason names it', async () => {
    const out = join(tmp.path, 'oom.json');
    const r = await runCli([
      'gc-profile', '--no-progress', '--node-arg=--max-old-space-size=24', '--timeout', '120s', '--out', out, '--', 'node', join(SNAP, 'heap-grow.cjs'),
    ]);
    expect(r.code).toBe(3);
    const b = readJson(out);
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const hello = records.find((x) => x.type === 'hello');
    const near = records.filter((x) => x.type === 'near-heap-limit');
    expect(near).toHaveLength(1); // once: the raised limit is its last chance
    const n = near[0];
    expect(n.pid).toBe(hello.pid);
    expect(n.agentId).toBe(hello.agentId);
    // The limit V8 neared is the old generation's, which the program's flag set.
    expect(n.limitBytes).toBe(24 * 2 ** 20);
    expect(n.initialLimitBytes).toBe(24 * 2 ** 20);
    expect(n.raisedLimitBytes).toBe(n.limitBytes + 16 * 2 ** 20);
    // Used heap counts the young generation too, which the old generation's limit does not: it can be a little above
    // that limit (52.6 MB against 48 MiB was seen), never above the raised one.
    expect(n.usedHeapBytes).toBeLessThanOrEqual(n.raisedLimitBytes);
    expect(n.usedHeapBytes).toBeGreaterThan(0.7 * n.limitBytes);
    // The raise let the agent send batches after the callback: a heap past the old limit.
    const heapUsed = records.filter((x) => x.type === 'mem' && x.agentId === n.agentId).flatMap((x) => x.heapUsed as number[]);
    expect(Math.max(...heapUsed)).toBeGreaterThan(n.limitBytes);
    // A small heap: the snapshot, written from the callback after the record, complete.
    const done = records.find((x) => x.type === 'heap-snapshot-done' && x.path === n.snapshotPath);
    expect(done.agentId).toBe(n.agentId);
    expect(statSync(n.snapshotPath).size).toBe(done.bytes);
    const fd = openSync(n.snapshotPath, 'r');
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    closeSync(fd);
    expect(head.toString()).toBe('{"snapshot":');

    const end = records.find((x) => x.type === 'process-end' && x.pid === hello.pid);
    expect(end).toMatchObject({ cause: 'oom', nearHeapLimit: { limitBytes: n.limitBytes, usedHeapBytes: n.usedHeapBytes } });
    const mb = (x: number): number => Math.round(x / 1e6);
    expect(b.statusReason).toContain(`pid ${hello.pid} (node --max-old-space-size=24 `);
    expect(b.statusReason).toContain(`ran out of V8 heap memory (limit ${mb(n.limitBytes)} MB, near-limit at ${mb(n.usedHeapBytes)} MB, growing: heap used `);
    expect(b.statusReason).toMatch(/old_space \d+ MB, heap snapshot /);
    expect(readdirSync(tmp.path).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 180_000); // the snapshot of a 50 MB heap took 13 s on a loaded 2-core machine (now 24 MiB: ~5 s alone)
});

describe('--memory-limit', () => {
  it('kills a tree whose RSS reaches it, after asking for the evidence at 90 %, and the run is crashed with the figures', async () => {
    const out = join(tmp.path, 'memlimit.json');
    const r = await runCli(['gc-profile', '--no-progress', '--memory-limit', '200MB', '--timeout', '120s', '--out', out, '--', 'node', join(SNAP, 'buffer-grow.cjs')]);
    expect(r.code).toBe(3);
    const b = readJson(out);
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const hello = records.find((x) => x.type === 'hello');
    const marks = records.filter((x) => x.type === 'memory-limit');
    expect(marks.map((x) => x.phase)).toEqual(['near', 'reached']);
    const [near, reached] = marks;
    expect(near.rssBytes).toBeGreaterThanOrEqual(0.9 * 200e6);
    expect(near.rssBytes).toBeLessThan(reached.rssBytes);
    expect(reached.rssBytes).toBeGreaterThanOrEqual(200e6);
    // The figure is the outside sampler's sum for the tree at that tick, not another reading.
    const proc = records.find((x) => x.type === 'proc' && x.tMs === reached.tMs);
    expect(proc.rssBytes).toBe(reached.rssBytes);
    expect(reached.largestPid).toBe(hello.pid);
    // The heap (Buffers live outside it) was small: a snapshot was asked for at 90 %.
    expect(near.snapshotPaths).toEqual([expect.stringContaining(`.pid${hello.pid}.memory-limit.heapsnapshot`)]);
    expect(b.statusReason).toMatch(/^the command reached --memory-limit \(RSS \d+ MB of 200 MB; the largest, pid \d+, had \d+ MB\)/);
    expect(records.find((x) => x.type === 'end').exit.signal).toBe('SIGKILL');
    expect(alive(hello.pid)).toBe(false);
    // A snapshot cut by the kill leaves no temp file behind.
    expect(readdirSync(tmp.path).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('is refused for a scenario (exit 2, one line)', async () => {
    const r = await runCli(['gc-profile', '--scenario', 'lru-cache', '--memory-limit', '200MB', '--duration', '1s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--memory-limit: applies to a command/);
  });
});
