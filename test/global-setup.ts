import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * CLI tests run the built bin (dist/, and the entry bundled from it), as users do.
 * `make test` builds first; running vitest directly rebuilds here (tsc, then the bundle,
 * as `npm run build` does) when dist/ is missing or older than a source file's build
 * stamp, and rebundles when the bundle is older than any module in it (after a bare
 * `tsc`, say), so a stale build or a stale bundle can never be what a test measures.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const main = `${root}/dist/src/cli/main.js`;
  const stamp = `${root}/dist/.built`;
  const stale = !existsSync(main) || !existsSync(stamp) || newerThanStamp(root, stamp);
  if (stale) execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', root], { stdio: 'inherit' });
  if (stale || bundleIsStale(root)) execFileSync(process.execPath, [`${root}/scripts/bundle-cli.mjs`], { stdio: 'inherit' });
  if (stale) writeFileSync(stamp, '');
}

function newerThanStamp(root: string, stamp: string): boolean {
  const out = execFileSync('find', [`${root}/src`, `${root}/scenarios`, '-name', '*.ts', '-newer', stamp], { encoding: 'utf8' });
  return out.trim() !== '';
}

/** The bundle against what went into it (its metafile) and the script that made it. */
function bundleIsStale(root: string): boolean {
  const bundle = `${root}/dist/src/cli/diff-entry.bundle.cjs`;
  const meta = `${root}/dist/src/cli/diff-entry.bundle.meta.json`;
  if (!existsSync(bundle) || !existsSync(meta)) return true;
  const inputs = Object.keys((JSON.parse(readFileSync(meta, 'utf8')) as { inputs: Record<string, unknown> }).inputs);
  const bundledMs = statSync(bundle).mtimeMs;
  return [...inputs.map((f) => `${root}/${f}`), `${root}/scripts/bundle-cli.mjs`].some((f) => !existsSync(f) || statSync(f).mtimeMs > bundledMs);
}
