import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

/** --prometheus on the command line: bad input is exit 2 before any child runs; prom-client loads only when asked for. */

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

describe('gc-profile --prometheus, bad input', () => {
  it('a port in use → exit 2, one line, and no child was run', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    const out = join(tmp.path, 'busy.json');
    try {
      const r = await runCli(['gc-profile', '--duration', '1', '--no-progress', '--prometheus', `127.0.0.1:${port}`, '--out', out]);
      expect(r.code).toBe(2);
      expect(oneErrorLine(r.stderr)).toBe(`memkit: error: --prometheus: 127.0.0.1:${port} is already in use (choose another port, or :0 for any free one)`);
      expect(existsSync(out.replace(/\.json$/, '.jsonl'))).toBe(false);
    } finally {
      busy.close();
    }
  });

  it.each([
    ['a bad address', ['--prometheus', 'local host:80'], "memkit: error: --prometheus: 'local host:80' is not a valid host (use host:port, e.g. 127.0.0.1:9464 or :9464)"],
    ['a linger without --prometheus', ['--prometheus-linger', '5s'], 'memkit: error: --prometheus-linger needs --prometheus'],
  ])('%s → exit 2 and one clear line', async (_name, args, line) => {
    const r = await runCli(['gc-profile', '--duration', '1', '--no-progress', '--out', join(tmp.path, 'x.json'), ...args]);
    expect(r.code).toBe(2);
    expect(oneErrorLine(r.stderr)).toBe(line);
  });
});

describe('fast start', () => {
  /** Whether prom-client is in the module cache after running `argv` through the CLI entry. */
  function loadsPromClient(argv: string[], alsoImport?: string): boolean {
    const main = pathToFileURL(join(ROOT, 'dist/src/cli/main.js')).href;
    const extra = alsoImport ? `await import(${JSON.stringify(pathToFileURL(join(ROOT, alsoImport)).href)});` : '';
    const script = `
      const { createRequire } = await import('node:module');
      const { main } = await import(${JSON.stringify(main)});
      await main(['node', 'memkit', ...${JSON.stringify(argv)}]);
      ${extra}
      const cache = createRequire(import.meta.url).cache;
      process.stdout.write('\\nprom-client loaded: ' + Object.keys(cache).some((k) => k.includes('/prom-client/')));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const verdict = /\nprom-client loaded: (true|false)$/.exec(out);
    if (!verdict) throw new Error(`no verdict from the probe: ${out.slice(-500)}`);
    return verdict[1] === 'true';
  }

  it('memkit --help and gc-profile --help do not load prom-client; the exporter does', () => {
    expect(loadsPromClient(['--help'])).toBe(false);
    expect(loadsPromClient(['gc-profile', '--help'])).toBe(false);
    // The check itself can see prom-client when it is loaded.
    expect(loadsPromClient(['--help'], 'dist/src/prometheus/exporter.js')).toBe(true);
  });
});
