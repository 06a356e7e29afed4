import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES, readJson, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// `npm start` is three processes (npm's node, sh, the app): memkit's agent is in both Node
// processes, so no Node process is left out and no note says so; the app has its own row.
// (A process the agent cannot reach is listed: gc-profile.tree-agents.test.ts.)
describe('gc-profile -- npm start', () => {
  it('measures the app inside npm and sh, leaving no Node process out', async () => {
    const out = join(tmp.path, 'npm.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', 'npm', 'start'], { cwd: join(FIXTURES, 'apps', 'npm-start'), env: { npm_config_update_notifier: 'false', npm_config_fund: 'false' } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const b = readJson(out);
    expect((b.notes as string[]).some((n) => n.startsWith('totals leave out')), JSON.stringify(b.notes)).toBe(false);
    const rows = b.extra.processes.runs[0].rows as Array<{ argv: string[]; measured: string; role: string; gc?: { counts: { minor: number } } }>;
    const app = rows.find((r) => r.argv.join(' ') === 'node app.cjs');
    expect(app?.measured).toBe('agent');
    expect(rows.find((r) => r.role === 'main')?.measured).toBe('agent');
    expect(rows.find((r) => r.role === 'non-node')?.measured).toBe('outside');
    // The totals hold the app's GCs, not only npm's.
    expect(b.metrics['gc.count.minor'].value).toBe(rows.reduce((n, r) => n + (r.gc?.counts.minor ?? 0), 0));
    expect(app!.gc!.counts.minor).toBeGreaterThan(0);
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
