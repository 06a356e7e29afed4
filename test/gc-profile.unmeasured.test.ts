import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES, readJson, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// Until every process of a command has its own agent (issue 13), `npm start` is measured
// inside npm's own process only: the baseline must say so, naming the app's process, and
// not let npm's GC and heap figures pass for the program's.
describe('gc-profile -- npm start', () => {
  it('names the Node processes it did not measure inside', async () => {
    const out = join(tmp.path, 'npm.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', 'npm', 'start'], { cwd: join(FIXTURES, 'apps', 'npm-start'), env: { npm_config_update_notifier: 'false', npm_config_fund: 'false' } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const b = readJson(out);
    const note = (b.notes as string[]).find((n) => n.startsWith('totals leave out'));
    expect(note, JSON.stringify(b.notes)).toBeDefined();
    expect(note).toMatch(/^totals leave out 1 process not measured \(no GC or heap figures from it\): \d+ \(node app\.cjs\): no memkit agent reported from it$/);
    // The table lists it, measured from outside.
    const rows = b.extra.processes.runs[0].rows as Array<{ argv: string[]; measured: string }>;
    expect(rows.find((r) => r.argv.join(' ') === 'node app.cjs')?.measured).toBe('outside');
    // The app's memory is in the tree's RSS all the same.
    expect(b.metrics['rss.peak_bytes'].value).toBeGreaterThan(b.metrics['heap.used.peak_bytes'].value);
  });

  it('says nothing of the kind for a single Node process', async () => {
    const out = join(tmp.path, 'plain.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', 'node', join(FIXTURES, 'apps', 'npm-start', 'app.cjs')]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect((readJson(out).notes as string[]).some((n) => n.startsWith('totals leave out'))).toBe(false);
  });
});
