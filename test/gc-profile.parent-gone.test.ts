import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, runCli, tempDir } from './helpers/cli.js';

/**
 * memkit killed mid-run (SIGKILL: no handler of its own runs) must not leave the command it
 * started running: each agent sees memkit's end of the socket close without memkit's
 * `detach` and ends its own process with SIGTERM — through npm and sh too.
 */

const tmp = tempDir();
const pids: number[] = [];
afterAll(() => {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  tmp.cleanup();
});

function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'latin1')) && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('forever.js');
  } catch {
    return false;
  }
}

async function until(check: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

describe.runIf(process.platform === 'linux').each([
  ['node forever.js', ['node', 'forever.js']],
  ['npm start', ['npm', 'start']],
])('memkit SIGKILLed while measuring `%s`', (label, command) => {
  it('the program ends too (it got SIGTERM from its own agent)', async () => {
    const tag = label.replace(/\W+/g, '-');
    const pidFile = join(tmp.path, `${tag}.pid`);
    const termFile = join(tmp.path, `${tag}.term`);
    let memkit: import('node:child_process').ChildProcess | undefined;
    const run = runCli(['gc-profile', '--no-progress', '-o', join(tmp.path, `${tag}.json`), '--', ...command], {
      cwd: join(FIXTURES, 'tree', 'npm-forever'),
      env: { FOREVER_PID_FILE: pidFile, FOREVER_TERM_FILE: termFile, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
      onSpawn: (c) => {
        memkit = c;
      },
    });
    expect(await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 60_000), 'the app started').toBe(true);
    const appPid = Number(readFileSync(pidFile, 'utf8'));
    pids.push(appPid);
    memkit!.kill('SIGKILL');
    await run;
    expect(await until(() => !alive(appPid), 15_000), `app ${appPid} still running after memkit was killed`).toBe(true);
    expect(readFileSync(termFile, 'utf8')).toBe(`SIGTERM ${appPid}`);
  });
});
