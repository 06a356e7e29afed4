import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { vmRss } from './helpers/proc.js';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';
import { readRunData, type ProcessSeries, type RunData } from '../src/samples/run-data.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const HOLD = join(FIXTURES, 'apps', 'hold-memory.cjs');
const TWO_CHILDREN = join(FIXTURES, 'apps', 'two-children.cjs');


interface Ready {
  pid: number;
  ppid: number;
  holdMs: number;
}

/**
 * While memkit runs, polls the fixture's ready file (each memory-holding process appends its
 * pid once its memory is resident) and reads those processes' VmRSS from /proc: per process,
 * and summed over the processes of `together` that were all readable in one poll.
 */
function watchVmRss(readyFile: string, together: number) {
  const perPid = new Map<number, number[]>();
  const sums: number[] = [];
  let ready: Ready[] = [];
  const onSpawn = (child: ChildProcess): void => {
    const poll = setInterval(() => {
      if (ready.length < together && existsSync(readyFile)) {
        ready = readFileSync(readyFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ready);
      }
      let sum = 0;
      let seen = 0;
      for (const r of ready) {
        const rss = vmRss(r.pid);
        if (rss === undefined) continue;
        if (!perPid.has(r.pid)) perPid.set(r.pid, []);
        perPid.get(r.pid)!.push(rss);
        sum += rss;
        seen++;
      }
      if (seen === together) sums.push(sum);
    }, 15);
    child.on('exit', () => clearInterval(poll));
  };
  return { onSpawn, perPid, sums, ready: () => ready };
}

async function runOf(out: string): Promise<{ b: any; data: RunData }> {
  const b = readJson(out);
  const { data, badLines } = await readRunData(join(tmp.path, b.runs[0].samplesFile));
  expect(badLines).toBe(0);
  return { b, data };
}

/** The saved per-process samples add up, sample by sample, to the `proc` record's sum. */
function expectTreeSums(data: RunData): void {
  expect(data.proc.tMs.length, 'outside samples').toBeGreaterThan(10);
  for (let i = 0; i < data.proc.tMs.length; i++) {
    const t = data.proc.tMs[i]!;
    let sum = 0;
    for (const p of data.processes) {
      const j = p.tMs.indexOf(t);
      if (j >= 0) sum += p.rssBytes[j]!;
    }
    expect(sum, `tree sum at sample ${i}`).toBe(data.proc.rssBytes[i]);
  }
}

function maxOf(xs: number[]): number {
  return xs.reduce((a, b) => Math.max(a, b), 0);
}

/**
 * The children's memory is filled before they report ready and then held untouched for
 * seconds, so the kernel's readings and memkit's samples of a child see the same plateau:
 * within 2 % of each other, whatever the sampling interval or CPU contention (a hold is 100x
 * the interval). Without tree sampling a child has no samples at all, and the run's peak is
 * the ~45 MB parent alone against ~290 MB of children.
 */
function expectChildMatchesKernel(p: ProcessSeries | undefined, kernel: number[] | undefined, pid: number): void {
  expect(p, `memkit's samples of pid ${pid}`).toBeDefined();
  expect(kernel?.length ?? 0, `kernel readings of pid ${pid}`).toBeGreaterThan(3);
  const truth = maxOf(kernel!);
  expect(truth).toBeGreaterThan(100e6);
  expect(Math.abs(p!.peakRssBytes - truth) / truth, `pid ${pid}: memkit ${p!.peakRssBytes} B vs VmRSS ${truth} B`).toBeLessThan(0.02);
}

/** The processes whose agents reported (one per Node process here: no worker threads). */
function agentPids(data: { isolates: Map<number, { hello?: { pid: number } }> }): number[] {
  return [...data.isolates.values()].map((i) => i.hello!.pid);
}

describe.runIf(process.platform === 'linux')('RSS and CPU of the whole process tree', () => {
  it('sums two children of ~100 MB into the peak, names each with its parent, keeps an exited child', async () => {
    const out = join(tmp.path, 'two.json');
    const readyFile = join(tmp.path, 'two-ready.jsonl');
    const watch = watchVmRss(readyFile, 2);
    const r = await runCli(['gc-profile', '--no-progress', '--interval', '20ms', '--out', out, '--', 'node', TWO_CHILDREN, readyFile], {
      onSpawn: watch.onSpawn,
    });
    expect(r.code, r.stderr).toBe(0);
    const { b, data } = await runOf(out);
    const ready = watch.ready();
    expect(ready).toHaveLength(2);

    // The root is the command memkit started; the proc record names it.
    const rootPid = data.processes[0]!.pid;
    expect(agentPids(data)).toContain(rootPid);
    const procPids = readJsonl(join(tmp.path, b.runs[0].samplesFile)).filter((x) => x.type === 'proc').map((x) => x.pid);
    expect(new Set(procPids)).toEqual(new Set([rootPid]));
    const root = data.processes.find((p) => p.pid === rootPid)!;
    expect(root.argv.slice(1)).toEqual([TWO_CHILDREN, readyFile]);
    expectTreeSums(data);

    for (const child of ready) {
      expect(child.ppid).toBe(rootPid);
      const p = data.processes.find((x) => x.pid === child.pid);
      expectChildMatchesKernel(p, watch.perPid.get(child.pid), child.pid);
      expect(p!.ppid).toBe(rootPid);
      expect(p!.argv.slice(1)).toEqual([HOLD, '100', String(child.holdMs), readyFile]);
    }

    // The program's peak holds both children at once (and the parent besides): at least the
    // kernel's largest reading of the two together.
    expect(watch.sums.length, 'polls that read both children').toBeGreaterThan(3);
    const peak = b.metrics['rss.peak_bytes'].value;
    expect(peak).toBeGreaterThanOrEqual(maxOf(watch.sums));
    expect(peak).toBe(maxOf(data.proc.rssBytes));

    // The child that exits first keeps its samples, and the run goes on without it.
    const early = data.processes.find((p) => p.pid === ready.find((c) => c.holdMs === 2000)!.pid)!;
    const late = data.processes.find((p) => p.pid === ready.find((c) => c.holdMs === 5000)!.pid)!;
    expect(early.goneMs, 'the early child was seen to go').toBeDefined();
    expect(early.lastSeenMs).toBeLessThan(late.lastSeenMs);
    expect(early.tMs.length).toBeGreaterThan(20);
    expect(data.proc.tMs.filter((t) => t > early.goneMs! && t < late.lastSeenMs).length, 'samples after it left').toBeGreaterThan(5);

    // CPU: the tree's time includes the children's, those that exited too (their time passes
    // to the parent that reaped them): at the end at least each process's own last reading.
    const lastCpuMs = data.proc.cpuMs[data.proc.cpuMs.length - 1]!;
    const ownSum = data.processes.reduce((a, p) => a + p.cpuMs[p.cpuMs.length - 1]!, 0);
    expect(lastCpuMs).toBeGreaterThanOrEqual(ownSum);
    for (let i = 1; i < data.proc.cpuMs.length; i++) expect(data.proc.cpuMs[i]!).toBeGreaterThanOrEqual(data.proc.cpuMs[i - 1]!);
  });

  it('counts a shell wrapper and the Node process it starts', async () => {
    const out = join(tmp.path, 'sh.json');
    const readyFile = join(tmp.path, 'sh-ready.jsonl');
    const watch = watchVmRss(readyFile, 1);
    // `&& echo` keeps the shell alive beside its child (a lone command would be exec'd).
    const script = `node ${JSON.stringify(HOLD)} 100 1500 ${JSON.stringify(readyFile)} && echo shell-still-here`;
    const r = await runCli(['gc-profile', '--no-progress', '--interval', '20ms', '--out', out, '--', 'sh', '-c', script], {
      onSpawn: watch.onSpawn,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('shell-still-here');
    const { b, data } = await runOf(out);
    const [node] = watch.ready();
    expect(node).toBeDefined();

    // An agent reports from the Node grandchild (none from the shell); the samples' root is the shell.
    expect(agentPids(data)).toEqual([node!.pid]);
    const shell = data.processes[0]!;
    expect(shell.comm).toBe('sh');
    expect(shell.argv).toEqual(['sh', '-c', script]);
    expect(node!.ppid).toBe(shell.pid);
    const procPids = readJsonl(join(tmp.path, b.runs[0].samplesFile)).filter((x) => x.type === 'proc').map((x) => x.pid);
    expect(new Set(procPids)).toEqual(new Set([shell.pid]));
    const p = data.processes.find((x) => x.pid === node!.pid);
    expectChildMatchesKernel(p, watch.perPid.get(node!.pid), node!.pid);
    expect(p!.ppid).toBe(shell.pid);
    expect(p!.comm).toBe('node');

    // The shell counts: it has samples of its own, in every sum (checked sample by sample).
    expect(shell.tMs.length).toBe(data.proc.tMs.length);
    expect(Math.min(...shell.rssBytes)).toBeGreaterThan(0);
    expectTreeSums(data);
    // The node process's memory is in the program's peak. The peak is taken over the window,
    // which ends at the agent's end mark; the process's last few hundred KB (the agent's final
    // batches, its exit) can come after it: hence 2 % of the kernel's reading.
    const peak = b.metrics['rss.peak_bytes'].value;
    const nodeTruth = maxOf(watch.perPid.get(node!.pid)!);
    expect(peak).toBeGreaterThanOrEqual(0.98 * nodeTruth + Math.min(...shell.rssBytes));
  });
});
