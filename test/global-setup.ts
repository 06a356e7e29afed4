import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * CLI tests run the built bin (dist/), as users do. `make test` builds first; running
 * vitest directly rebuilds here when dist/ is missing or older than a source file's
 * build stamp, so a stale build can never be what a test measures.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const main = `${root}/dist/src/cli/main.js`;
  const stamp = `${root}/dist/.built`;
  const stale = !existsSync(main) || !existsSync(stamp) || newestSource(root) > statSync(stamp).mtimeMs;
  if (stale) execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', root], { stdio: 'inherit' });
}

function newestSource(root: string): number {
  const out = execFileSync('find', [`${root}/src`, `${root}/scenarios`, '-name', '*.ts', '-newer', `${root}/dist/.built`], {
    encoding: 'utf8',
  });
  return out.trim() ? Infinity : 0;
}
