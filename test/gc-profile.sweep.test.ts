import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';
import { parseSweepOption } from '../src/cli/options/sweep.js';
import { RoundRobin } from '../src/profile/round-robin.js';
import { findPython } from './helpers/python.js';

/**
 * `memkit gc-profile --sweep`: each setting applied from outside the program (Python: by
 * memkit's agent; Node: on the child's command line), its runs interleaved with the other
 * settings', one baseline each, and one table comparing every setting with the first.
 */

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const PYTHON = findPython();

/** The table's data row of a setting: its cells, split on the box's bars. */
function tableRow(stdout: string, label: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`│ ${label} `));
  if (!line) throw new Error(`no row ${label} in:\n${stdout}`);
  return line.split('│').slice(1, -1).map((c) => c.trim());
}

function column(stdout: string, title: string): number {
  const head = stdout.split('\n').find((l) => l.includes(title));
  if (!head) throw new Error(`no column ${title} in:\n${stdout}`);
  return head.split('│').slice(1, -1).map((c) => c.trim()).indexOf(title);
}

describe.skipIf(!PYTHON)('gc-profile --sweep gc.threshold (Python)', () => {
  it('applies each threshold through the agent; gen0 falls as it rises, equal to the program\'s own count, and the table says so', async () => {
    const out = join(tmp.path, 'thr.json');
    const spec = 'gc.threshold=700,10,10|7000,10,10|70000,10,10';
    const r = await runCli(['gc-profile', '--no-progress', '--sweep', spec, '--repeat', '3', '--out', out, '--', PYTHON!, join(FIXTURES, 'python', 'short-lived-containers.py'), '3']);
    expect(r.code, r.stderr).toBe(0);

    // Ground truth: what each run of the program itself saw (its thresholds and gen0 count).
    const truth = new Map<string, number[]>();
    for (const m of (r.stdout + r.stderr).matchAll(/SWEEP-TRUTH threshold=(\S+) gen0=(\d+)/g)) {
      truth.set(m[1]!, [...(truth.get(m[1]!) ?? []), Number(m[2])]);
    }
    const labels = ['700,10,10', '7000,10,10', '70000,10,10'];
    expect([...truth.keys()].sort()).toEqual([...labels].sort());
    const baselines = labels.map((_, i) => readJson(join(tmp.path, `thr.sweep-${i + 1}.json`)));
    labels.forEach((label, i) => {
      expect(baselines[i].settings.sweepSetting).toBe(`gc.threshold=${label}`);
      // memkit's per-run gen0 counts are the program's own, run by run (same order: one run per round).
      expect(baselines[i].metrics['gc.count.gen0'].values).toEqual(truth.get(label));
    });
    const gen0 = baselines.map((b) => b.metrics['gc.count.gen0'].value as number);
    // 300,000 container allocations: about 430, 43 and 4 young collections.
    expect(gen0[0]).toBeGreaterThan(gen0[1]! * 5);
    expect(gen0[1]).toBeGreaterThan(gen0[2]!);

    // Interleaved round by round: 1, 2, 3, 1, 2, 3, … by the runs' start times.
    type RunRecord = { startedAt: string; durationMs: number };
    const starts = baselines.flatMap((b, s) => b.runs.map((run: RunRecord, round: number) => ({ s, round, t: Date.parse(run.startedAt), ms: run.durationMs })));
    const sorted = [...starts].sort((a, b) => a.t - b.t);
    expect(sorted.map((x) => `${x.round}:${x.s}`)).toEqual([0, 1, 2].flatMap((round) => [0, 1, 2].map((s) => `${round}:${s}`)));
    // One child at a time: a run starts after the one before it has ended.
    for (let k = 1; k < sorted.length; k++) expect(sorted[k]!.t).toBeGreaterThanOrEqual(sorted[k - 1]!.t + sorted[k - 1]!.ms);

    // The table: rows in the sweep's order, gen0 falling against the first with an arrow and a decision.
    const rows = r.stdout.split('\n').filter((l) => /^│ \d/.test(l)).map((l) => l.split('│')[1]!.trim());
    expect(rows).toEqual(['700,10,10 (ref)', '7000,10,10', '70000,10,10']);
    const g = column(r.stdout, 'gen0 GCs');
    expect(tableRow(r.stdout, '700,10,10 (ref)')[g]).toBe(String(gen0[0]));
    for (const label of ['7000,10,10', '70000,10,10']) {
      // 3 runs a side cannot reach the test's level: decided on the threshold (†), as memkit diff does.
      expect(tableRow(r.stdout, label)[g]).toMatch(/^\d+ ↓ -\d+\.\d% †$/);
    }
  }, 60_000);

  it('gc.freeze=on freezes at the program\'s first line; off leaves the collector as it is', async () => {
    const out = join(tmp.path, 'freeze.json');
    const r = await runCli(['gc-profile', '--no-progress', '--sweep', 'gc.freeze=off|on', '--out', out, '--', PYTHON!, join(FIXTURES, 'python', 'short-lived-containers.py'), '1']);
    expect(r.code, r.stderr).toBe(0);
    const frozen = [...(r.stdout + r.stderr).matchAll(/SWEEP-TRUTH \S+ gen0=\d+ frozen=(-?\d+)/g)].map((m) => Number(m[1]));
    // One run each, in the sweep's order: off, then on (start-up's objects, thousands of them).
    expect(frozen).toHaveLength(2);
    expect(frozen[0]).toBe(0);
    expect(frozen[1]).toBeGreaterThan(1000);
    expect(r.stdout).toMatch(/│ off \(ref\) /);
  }, 30_000);
});

describe('gc-profile --sweep node-arg', () => {
  it('passes each flag to the scenario child: the scavenge count falls as the semi-space grows', async () => {
    const out = join(tmp.path, 'semi.json');
    const r = await runCli([
      'gc-profile', '--no-progress', '--sweep', 'node-arg=--max-semi-space-size=1|16',
      '--scenario', join(FIXTURES, 'scenarios', 'young-churn.js'), '--steps', '200', '--out', out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [small, large] = [1, 2].map((i) => readJson(join(tmp.path, `semi.sweep-${i}.json`)));
    // The child's own execArgv, as its agent reported it.
    const execArgv = (i: number) => readJsonl(join(tmp.path, `semi.sweep-${i}.jsonl`)).find((rec) => rec.type === 'hello').execArgv;
    expect(execArgv(1)).toEqual(['--expose-gc', '--max-semi-space-size=1']);
    expect(execArgv(2)).toEqual(['--expose-gc', '--max-semi-space-size=16']);
    const minor = [small, large].map((b) => b.metrics['gc.count.minor'].value as number);
    expect(minor[0]).toBeGreaterThan(minor[1]! * 2);
    const m = column(r.stdout, 'minor GCs');
    expect(tableRow(r.stdout, '--max-semi-space-size=16')[m]).toMatch(/^\d+ ↓ -\d+\.\d% †$/);
  }, 30_000);
});

describe('gc-profile --sweep: bad specs', () => {
  it.each([
    ['gc.treshold=700|7000', /^memkit: error: --sweep gc.treshold=700\|7000: write KNOB=VALUE\|VALUE…/],
    ['gc.threshold=700,10,10', /at least two/],
    ['gc.threshold=700,x|7000', /700,x is not 1 to 3 non-negative integers/],
    ['gc.freeze=off|maybe', /maybe is neither on nor off/],
    ['node-arg=16|64', /16 is not a node flag/],
  ])('%s: one line, exit 2', async (spec, message) => {
    const r = await runCli(['gc-profile', '--no-progress', '--sweep', spec, '--', 'python3', '-c', 'pass']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('a Python knob with a scenario, and --html with a sweep: exit 2 before any child runs', async () => {
    const py = await runCli(['gc-profile', '--no-progress', '--sweep', 'gc.freeze=off|on', '--scenario', 'small-objects']);
    expect(py.code).toBe(2);
    expect(py.stderr).toMatch(/Python setting.*give a Python command after --/);
    const html = await runCli(['gc-profile', '--no-progress', '--sweep', 'node-arg=--max-semi-space-size=1|16', '--html', join(tmp.path, 'r.html')]);
    expect(html.code).toBe(2);
    expect(html.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('node-arg: a bare value is the previous flag\'s new value', () => {
    const spec = parseSweepOption({ sweep: 'node-arg=--max-semi-space-size=1|4|--max-old-space-size=64 --max-semi-space-size=8' }, false);
    expect(spec?.settings.map((s) => s.nodeArgs)).toEqual([
      ['--max-semi-space-size=1'],
      ['--max-semi-space-size=4'],
      ['--max-old-space-size=64', '--max-semi-space-size=8'],
    ]);
  });
});

describe('RoundRobin', () => {
  it('gives turns round by round, one at a time, and skips the turns of a series that ended early', async () => {
    const robin = new RoundRobin(3);
    const order: string[] = [];
    const series = (seat: number, runs: number) =>
      (async () => {
        const turn = robin.turn(seat);
        for (let i = 0; i < runs; i++) {
          await turn.before(i);
          order.push(`${i}:${seat}`);
          await new Promise((r) => setTimeout(r, 1));
          turn.after(i);
        }
        robin.leave(seat);
      })();
    // Series 1 crashes after its first run: 0 and 2 must go on without it.
    await Promise.all([series(2, 3), series(1, 1), series(0, 3)]);
    expect(order).toEqual(['0:0', '0:1', '0:2', '1:0', '1:2', '2:0', '2:2']);
  });
});
