import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { type CliResult, FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';
import { createMemoryCgroup, type MemoryCgroup } from './helpers/memory-cgroup.js';
import { findPython } from './helpers/python.js';

/**
 * A program the kernel's OOM killer ends, in a memory cgroup this test makes with a 128 MiB
 * limit: memkit names the killer from the cgroup's oom_kill count (no longer "SIGKILL, by
 * its parent or the OOM killer"), exits 3, and keeps every record taken before the kill.
 */

const LIMIT_BYTES = 128 * 2 ** 20;
const PYTHON = findPython();
const tmp = tempDir();
const cgroups: MemoryCgroup[] = [];
const made = createMemoryCgroup('memkit-test-oom', LIMIT_BYTES);
const noCgroup = typeof made === 'string' ? made : undefined;
afterAll(() => {
  for (const c of cgroups) c.remove();
  tmp.cleanup();
});

interface Run {
  result: CliResult;
  cgroup: MemoryCgroup;
  baseline: any;
  records: any[];
}
const runs: Record<string, Run> = {};

/** The program runs under `sh -c` that moves itself into its own cgroup, then execs it. */
async function runInCgroup(label: string, argv: string[]): Promise<void> {
  const cgroup = label === 'python' && typeof made !== 'string' ? made : createMemoryCgroup(`memkit-test-oom-${label}`, LIMIT_BYTES);
  if (typeof cgroup === 'string') throw new Error(cgroup);
  cgroups.push(cgroup);
  const out = join(tmp.path, `${label}.json`);
  const script = `echo $$ > ${cgroup.procsFile} && exec "$@"`;
  const result = await runCli(['gc-profile', '--no-progress', '--out', out, '--', 'sh', '-c', script, 'sh', ...argv]);
  runs[label] = { result, cgroup, baseline: readJson(out), records: readJsonl(out.replace(/\.json$/, '.jsonl')) };
}

beforeAll(async () => {
  if (noCgroup) return;
  await Promise.all([
    PYTHON ? runInCgroup('python', [PYTHON, join(FIXTURES, 'python', 'grow-until-oom-killed.py')]) : undefined,
    runInCgroup('node', [process.execPath, join(FIXTURES, 'oom', 'grow-until-oom-killed.cjs')]),
    PYTHON ? runInCgroup('python-child', [PYTHON, join(FIXTURES, 'python', 'parent-of-oom-killed.py')]) : undefined,
  ]);
}, 120_000);

function expectKernelOomKill(r: Run): void {
  expect(r.result.code, r.result.stderr.slice(-2000)).toBe(3);
  const reason = new RegExp(
    `^the program was killed by the kernel OOM killer \\(memory cgroup ${r.cgroup.path}: oom_kill \\+1; limit 128 MiB(; the kernel log names this pid)?\\)$`,
  );
  const b = r.baseline;
  expect(b.status).toBe('crashed');
  expect(b.statusReason).toMatch(reason);
  expect(r.result.stderr).toContain(`memkit: the measured child crashed: ${b.statusReason}`);
  const row = b.extra.processes.runs[0].rows.find((x: any) => x.role === 'main');
  expect(row.end).toMatchObject({ cause: 'oom', signal: 'SIGKILL', code: null });
  expect(`the program was ${row.end.reason}`).toBe(b.statusReason);
  // Kept: the collections and samples from before the kill, none after it.
  const end = r.records.find((x) => x.type === 'process-end' && x.pid === row.pid);
  const gcTimes = r.records.filter((x) => x.type === 'gc').flatMap((x) => x.tMs as number[]);
  expect(gcTimes.length).toBeGreaterThan(0);
  expect(Math.max(...gcTimes)).toBeLessThan(end.tMs);
  // It grew to the limit: the outside sampler's last RSS of it is well above its start.
  const rss = r.records.filter((x) => x.type === 'proc' && x.pid === row.pid).map((x) => x.rssBytes as number);
  expect(Math.max(...rss)).toBeGreaterThan(LIMIT_BYTES / 2);
}

describe.skipIf(noCgroup !== undefined)(`a program the kernel OOM killer ends${noCgroup ? ` (skipped: ${noCgroup})` : ''}`, () => {
  it.skipIf(!PYTHON)('Python: exit 3, the kernel OOM killer named from its memory cgroup, the collections kept', () => {
    const r = runs['python']!;
    expectKernelOomKill(r);
    expect(r.baseline.metrics['gc.count.gen0'].value).toBeGreaterThan(0);
  });

  it('Node: exit 3, the kernel OOM killer named from its memory cgroup, the collections kept', () => {
    const r = runs['node']!;
    expectKernelOomKill(r);
    expect(r.baseline.metrics['gc.count.minor'].value).toBeGreaterThan(0);
  });

  it.skipIf(!PYTHON)("a Python parent's Python child: the child's row OOM-killed (its parent reaped its SIGKILL), the run crashed though the parent exited 0", () => {
    const r = runs['python-child']!;
    expect(r.result.stdout + r.result.stderr).toContain('CHILD-EXIT code=-9'); // what the parent saw
    expect(r.result.code, r.result.stderr.slice(-2000)).toBe(3);
    const rows = r.baseline.extra.processes.runs[0].rows;
    const child = rows.find((x: any) => x.argv.some((a: string) => a.endsWith('grow-until-oom-killed.py')));
    const reason = `killed by the kernel OOM killer (memory cgroup ${r.cgroup.path}: oom_kill +1; limit 128 MiB`;
    expect(child.end).toMatchObject({ cause: 'oom', signal: 'SIGKILL' });
    expect(child.end.reason).toContain(reason);
    expect(rows.find((x: any) => x.role === 'main').end).toMatchObject({ cause: 'exit', code: 0 });
    expect(r.baseline.statusReason).toMatch(new RegExp(`^pid ${child.pid} \\(python[\\d.]* .*grow-until-oom-killed\\.py\\) was ${reason.replace(/[()+.]/g, '\\$&')}`));
    expect(r.result.stdout).toMatch(new RegExp(`│ ${child.pid} .*│ OOM-killed │`)); // the process table's end column
    expect(child.pythonGc.counts.gen0).toBeGreaterThan(0); // its collections kept
  });
});
