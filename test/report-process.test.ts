import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedView, parseProcessSelection } from '../src/analyze/process-selection.js';
import { processRunSection } from '../src/analyze/process-table.js';
import { analyzeRun } from '../src/analyze/run-metrics.js';
import { gcRunEntryOf } from '../src/profile/run-extra.js';
import { makeBaseline, writeFixture } from './fixtures/baselines/builder.mjs';
import { runOf, shAppTree } from './helpers/tree-records.js';

// memkit report --process on a command baseline: its figures redone from the samples file for
// another selection (the built CLI; the samples are the hand-written tree of helpers/tree-records).
const BIN = resolve('bin/memkit.js');
const dir = mkdtempSync(join(tmpdir(), 'memkit-report-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memkit(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let path = '';
beforeAll(() => {
  const records = shAppTree();
  writeFileSync(join(dir, 'fixture-run-0.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const data = runOf(records);
  const all = parseProcessSelection('all');
  const view = mergedView(data, all);
  const analysis = analyzeRun(view);
  const metrics = Object.fromEntries(Object.entries(analysis.metrics).map(([k, v]) => [k, [v]]));
  path = writeFixture(
    dir,
    'tree.json',
    makeBaseline({
      metrics,
      target: { type: 'command', argv: ['sh', '-c', 'node app.js'], instrumented: true },
      overrides: { command: { argv: ['memkit'], cwd: '/work' }, extra: { runs: [gcRunEntryOf(analysis, view)], processes: { selection: 'all', runs: [processRunSection(data, all, { cwd: '/work' })] } } },
    }),
  );
});

const cells = (text: string, start: string) =>
  text.split('\n').find((l) => l.startsWith(`│ ${start}`))?.split('│').map((c) => c.trim()).slice(1, -1);

describe('memkit report --process', () => {
  it('as recorded: every process in the totals', () => {
    const r = memkit(['report', path]);
    expect(r.code, r.stderr).toBe(0);
    expect(cells(r.stdout, 'all ')?.slice(0, 2)).toEqual(['all', '6']); // 4 minor + 2 major, every isolate
    expect(r.stdout).toContain('\nProcesses\n');
  });

  it('main: the figures and the GC table redone for app.js and its worker, the rows marked', () => {
    const r = memkit(['report', path, '--process', 'main']);
    expect(r.code, r.stderr).toBe(0);
    expect(cells(r.stdout, 'all ')?.slice(0, 2)).toEqual(['all', '5']); // child.js's major GC left out
    expect(cells(r.stdout, 'minor (Scavenge)')?.slice(0, 2)).toEqual(['minor (Scavenge)', '4']);
    expect(cells(r.stdout, 'major (Mark-Compact)')?.slice(0, 2)).toEqual(['major (Mark-Compact)', '1']);
    expect(r.stdout).toContain('Processes (--process main: the rows marked * make the totals)');
    expect(cells(r.stdout, 'total')?.slice(3, 7)).toEqual(['--process main', '385.0 ms', '4', '1']);
    expect(r.stdout).toContain('note: --process main: figures redone from the samples');
  });

  it('a selection that matches nothing, or one for a scenario: one line, exit 2', () => {
    const none = memkit(['report', path, '--process', 'nothing-like-this']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('memkit: error: --process nothing-like-this: it matched no process; processes seen: 10 sh -c node app.js, 11 node /work/app.js, 12 /usr/bin/node /work/child.js\n');
    const scenario = writeFixture(dir, 'scenario.json', makeBaseline({ metrics: { 'gc.count.minor': [1] } }));
    const r = memkit(['report', scenario, '--process', 'main']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memkit: error: --process: .*scenario\.json is not a command's gc-profile or mem-stress baseline/);
  });
});
