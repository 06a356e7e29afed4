import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJson, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
const pidFile = join(tmp.path, 'app.pid');
// An app a failing run left behind (without the tree stop memkit itself waits on it, holding
// its pipes, until the test times out) is ended here, so a failure does not leak a process.
afterAll(() => {
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  if (pid > 0 && appAlive(pid)) process.kill(pid, 'SIGKILL');
  tmp.cleanup();
});

/** The fixture app still running under this pid (a pid reused by another program does not count). */
function appAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    if (/\) [ZX] /.test(stat)) return false; // exited, not reaped yet
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('forever.js');
  } catch {
    return false;
  }
}

/** Polls until the app is gone; a bound, not a wait: it returns as soon as /proc says so. */
async function appGone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (appAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

// `npm start` exits at SIGTERM and leaves the app it started running, orphaned
// (docs/process-tree.md F7): memkit's stop must reach every process of the command.
describe.runIf(process.platform === 'linux')('gc-profile --duration -- npm start', () => {
  it('stops the app npm started, not only npm', async () => {
    const termFile = join(tmp.path, 'app.sigterm');
    const out = join(tmp.path, 'b.json');
    const r = await runCli(['gc-profile', '--no-progress', '--duration', '3s', '-o', out, '--', 'npm', 'start'], {
      cwd: join(FIXTURES, 'tree', 'npm-forever'),
      env: { FOREVER_PID_FILE: pidFile, FOREVER_TERM_FILE: termFile, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    });
    expect(existsSync(pidFile), `the app never started: ${r.stderr.slice(-2000)}`).toBe(true);
    const appPid = Number(readFileSync(pidFile, 'utf8'));
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(readJson(out).status).toBe('complete');
    expect(existsSync(termFile), 'the app got no SIGTERM').toBe(true);
    expect(readFileSync(termFile, 'utf8')).toBe(`SIGTERM ${appPid}`);
    expect(await appGone(appPid, 10_000), `app ${appPid} still running after the run`).toBe(true);
  });

  it('leaves a scenario run as it was (stopped by its own agent, complete)', async () => {
    const out = join(tmp.path, 'scenario.json');
    const r = await runCli(['gc-profile', '--no-progress', '--scenario', 'small-objects', '--duration', '1s', '-o', out]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const b = readJson(out);
    expect(b.status).toBe('complete');
    expect(b.target).toMatchObject({ type: 'scenario' });
    expect(b.metrics['gc.count.minor'].value).toBeGreaterThan(0);
  });
});
