#!/usr/bin/env node
// Bundles the bin's entry (dist/src/cli/entry.js, compiled by tsc) into one CommonJS file,
// dist/src/cli/entry.bundle.cjs, so that `memkit diff` starts from a single read and
// compile, without Node's ES module loader, instead of resolving and loading ~50 modules
// (its cold start went from ~2x `node -e 0` to ~1.4x: bench/diff-cold-start.mjs).
// Run by `npm run build` (and so by `npm ci`, through prepare), the Makefile's dist/.built
// rule and test/global-setup.ts, always after tsc.
//
// Why esbuild: a well-kept, widely used bundler that ships its binary for each platform as
// an ordinary npm registry package (its install script only re-checks that binary; it is
// not needed and not allowed in package.json's allowScripts); it bundles tsc's output as
// it is, in well under a second.
//
// The bundle stays in dist/src/cli/ so that what is resolved at run time relative to a
// module resolves as it does unbundled: ./main.js (the full CLI, left outside: every other
// command runs from dist/ as before), `new URL('../../../package.json', import.meta.url)`
// (every dist/src/<folder>/ is at the same depth), packages required at run time.
// dist/src/cli/entry.bundle.meta.json lists the modules inside it, for the test that
// checks what `memkit diff` loads.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}dist/src/cli`;

const result = await build({
  absWorkingDir: root,
  entryPoints: [`${cli}/entry.js`],
  outfile: `${cli}/entry.bundle.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // commander is inlined. tinyglobby, imported only for a glob, and cli-table3, required
  // only for a coloured or unusual table, load from node_modules when they are needed.
  external: ['./main.js', 'tinyglobby', 'cli-table3'],
  // CommonJS has no import.meta: the modules' own URL is the bundle's.
  define: { 'import.meta.url': '__memkitModuleUrl' },
  banner: { js: "const __memkitModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(`${cli}/entry.bundle.meta.json`, JSON.stringify(result.metafile, null, 1) + '\n');
