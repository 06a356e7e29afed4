import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJson, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// --process on a real command: the baseline records the selection, its top-level figures are
// the selected rows', and a selection that matches nothing is one line and exit 2.
describe('gc-profile --process', () => {
  it('largest: the metrics are the biggest process’s own, and the table says which row', async () => {
    const out = join(tmp.path, 'largest.json');
    const ready = join(tmp.path, 'ready.jsonl');
    const r = await runCli(['gc-profile', '--no-progress', '--process', 'largest', '--out', out, '--', 'node', join(FIXTURES, 'apps', 'two-children.cjs'), ready]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const b = readJson(out);
    const section = b.extra.processes;
    expect(section.selection).toBe('largest');
    const rows = section.runs[0].rows as Array<{ key: string; argv: string[]; rssPeakBytes?: number }>;
    expect(rows).toHaveLength(3);
    expect(section.runs[0].selected).toHaveLength(1);
    const chosen = rows.find((row) => row.key === section.runs[0].selected[0])!;
    expect(chosen.argv.join(' ')).toMatch(/hold-memory\.cjs 100/);
    expect(chosen.rssPeakBytes).toBe(Math.max(...rows.map((row) => row.rssPeakBytes ?? 0)));
    // The run's RSS figure is that process's own peak, not the tree's.
    expect(b.metrics['rss.peak_bytes'].value).toBe(chosen.rssPeakBytes);
  });

  it('a selection that matches nothing: one line naming the processes seen, exit 2, the samples kept', async () => {
    const out = join(tmp.path, 'none.json');
    const r = await runCli(['gc-profile', '--no-progress', '--process', 'no-such-thing', '--out', out, '--', 'node', '-e', 'setTimeout(() => {}, 50)']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^memkit: error: --process no-such-thing: it matched no process; processes seen: \d+ node -e setTimeout/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(out.replace(/\.json$/, '.jsonl'))).toBe(true);
  });

  it('a crashed run whose selected process never started keeps its report, with empty figures said so', async () => {
    const out = join(tmp.path, 'crashed.json');
    const r = await runCli(['gc-profile', '--no-progress', '--process', 'never-started.js', '--out', out, '--', 'node', '-e', "process.kill(process.pid, 'SIGKILL')"]);
    expect(r.code, r.stderr.slice(-2000)).toBe(3);
    const b = readJson(out);
    expect(b.status).toBe('crashed');
    expect(b.notes).toContainEqual(expect.stringMatching(/^--process never-started\.js: it matched no process; processes seen: \d+ node -e .* \(before the run ended: no figures from it\)$/));
    expect(b.metrics['gc.count.minor']).toBeUndefined();
    expect(b.metrics['rss.peak_bytes']).toBeUndefined();
    expect(b.extra.processes.runs[0].selected).toEqual([]);
  });

  it('refuses a narrower selection for a scenario (one process)', async () => {
    const r = await runCli(['gc-profile', '--no-progress', '--process', 'main', '--scenario', 'lru-cache', '--duration', '1s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memkit: error: --process: a scenario runs in one process/);
  });
});
