import { describe, expect, it } from 'vitest';
import { mergedView, parseProcessSelection } from '../src/analyze/process-selection.js';
import { processRunSection } from '../src/analyze/process-table.js';
import { analyzeRun } from '../src/analyze/run-metrics.js';
import type { Baseline } from '../src/baseline/schema.js';
import { renderGcProfile } from '../src/report/terminal/gc-profile-table.js';
import { renderProcessTable } from '../src/report/terminal/process-table.js';
import type { SampleRecord } from '../src/samples/run-data.js';
import { makeBaseline } from './fixtures/baselines/builder.mjs';
import { runOf, shAppTree } from './helpers/tree-records.js';

/** A command baseline as the session writes it: top-level metrics of the selection, and the table. */
function baselineOf(records: SampleRecord[], selection: string): Baseline {
  const data = runOf(records);
  const s = parseProcessSelection(selection);
  const metrics = Object.fromEntries(Object.entries(analyzeRun(mergedView(data, s)).metrics).map(([k, v]) => [k, [v]]));
  return makeBaseline({
    metrics,
    target: { type: 'command', argv: ['sh', '-c', 'node app.js'], instrumented: true },
    overrides: { extra: { processes: { selection, runs: [processRunSection(data, s, { cwd: '/work' })] } } },
  }) as Baseline;
}

describe('terminal process table', () => {
  it('one line per process and thread, the selection marked, its totals, and the unmeasured listed', () => {
    const records: SampleRecord[] = [
      ...shAppTree(),
      { type: 'unreached', tMs: 300, pid: 77, argv: ['node', 'leaf.js'], reason: 'its environment dropped NODE_OPTIONS (started with a custom env)' },
    ];
    const text = renderProcessTable(baselineOf(records, 'main'), { color: false })!;
    const lines = text.split('\n');
    expect(lines[0]).toBe('Processes (--process main: the rows marked * make the totals)');
    const row = (start: string) => lines.find((l) => l.startsWith(`│ ${start}`))?.split('│').map((c) => c.trim()).slice(1, -1);
    expect(row('  10')).toEqual(['10', '1', 'non-node', 'sh -c node app.js', '0.00s–0.41s', '–', '–', '–', '–', '–', '2.00 MB', 'exit 0']);
    expect(row('* 11 ')).toEqual(['* 11', '10', 'process', 'node /work/app.js', '0.01s–0.40s', '2 (1)', '1', '4.70 ms', '5.00 ms', '8.00 MB', '70.00 MB', '']);
    expect(row('* 11/1')).toEqual(['* 11/1', '11', 'worker-thread', 'node /work/app.js', '0.05s–0.30s', '2 (1)', '0', '3.95 ms', '4.00 ms', '6.00 MB', '–', '']);
    expect(row('  12')).toEqual(['12', '11', 'fork', '/usr/bin/node /work/child.js', '0.10s–0.25s', '0', '1', '10.0 ms', '10.0 ms', '3.00 MB', '90.00 MB', 'exit 0']);
    // The totals are the baseline's own figures for the selection (app.js and its worker):
    // 4 minor, 1 major, p95 over the five pauses, the summed heap's peak, the process's RSS peak.
    expect(row('total')).toEqual(['total', '', '', '--process main', '385.0 ms', '4', '1', '4.80 ms', '5.00 ms', '13.00 MB', '70.00 MB', '']);
    expect(lines.at(-1)).toBe('not measured: pid 77 node leaf.js — its environment dropped NODE_OPTIONS (started with a custom env) (RSS/CPU only)');
  });

  it('is part of the gc-profile report of a command with several processes, and absent for one process', () => {
    expect(renderGcProfile(baselineOf(shAppTree(), 'all'), { color: false })).toContain('\nProcesses\n');
    const agentOne = (r: SampleRecord) => (r as { agentId?: number }).agentId === 1;
    const b = baselineOf(shAppTree().filter((r) => r.type === 'run' || agentOne(r)), 'all');
    expect(renderProcessTable(b, { color: false })).toBeUndefined();
  });
});
