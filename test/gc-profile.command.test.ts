import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('gc-profile -- <command>', () => {
  it('preloads the agent into a plain Node program, which exits on its own', async () => {
    const out = join(tmp.path, 'app.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', 'node', join(FIXTURES, 'apps', 'alloc-app.js'), '800']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/alloc-app done after \d+ rounds/); // the program's own output is passed through
    const b = readJson(out);
    expect(b.status).toBe('complete');
    expect(b.target).toMatchObject({ type: 'command', instrumented: true });
    expect(b.metrics['gc.count.minor'].value).toBeGreaterThan(5);
    expect(b.metrics['alloc.rate_bytes_per_s'].value).toBeGreaterThan(1e6);
    expect(b.metrics['rss.peak_bytes'].value).toBeGreaterThan(10e6);
    expect(b.notes).toEqual([]);
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    expect(records.find((x) => x.type === 'done')?.reason).toBe('exit');
  });

  it('stops a program at the end of --duration and still counts it complete', async () => {
    const out = join(tmp.path, 'long.json');
    const t0 = Date.now();
    const r = await runCli(['gc-profile', '--no-progress', '--duration', '1s', '--out', out, '--', 'node', join(FIXTURES, 'apps', 'alloc-app.js'), '60000']);
    const cliWallMs = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    const b = readJson(out);
    expect(b.status).toBe('complete');
    // --duration is the program's time: it counts from the agent's hello (starting Node with
    // the agent took 1.4-2.7 s on a busy machine, which a count from the spawn used up), so
    // the agent is always in, and the window (agent up to SIGTERM) lasts the whole second.
    expect(b.target.instrumented, `the agent reported before the SIGTERM; notes: ${b.notes}`).toBe(true);
    expect(b.durationMs).toBeGreaterThan(900);
    expect(b.durationMs).toBeLessThan(cliWallMs);
    expect(b.metrics['gc.count.minor'].value).toBeGreaterThan(0);
  });

  it('samples a non-Node command from outside only, and says so', async () => {
    const out = join(tmp.path, 'sleep.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', 'sleep', '0.6']);
    expect(r.code, r.stderr).toBe(0);
    const b = readJson(out);
    expect(b.target).toMatchObject({ type: 'command', instrumented: false });
    expect(b.notes.join(' ')).toMatch(/RSS and CPU only/);
    expect(b.metrics['rss.peak_bytes'].value).toBeGreaterThan(0);
    expect(b.metrics['gc.count.minor']).toBeUndefined();
    expect(readFileSync(out, 'utf8')).toContain('"schema": "memkit.baseline/1"');
  });

  it('reports a command that fails as crashed, exit 3', async () => {
    const out = join(tmp.path, 'fail.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', 'node', '-e', 'process.exit(4)']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/memkit: the measured child crashed: the child exited with code 4/);
    expect(readJson(out).status).toBe('crashed');
  });
});
