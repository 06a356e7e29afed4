#!/usr/bin/env node
// Bundles `memkit diff`'s entry (dist/src/cli/diff-entry.js, compiled by tsc) into one
// CommonJS file, dist/src/cli/diff-entry.bundle.cjs, and makes its V8 code cache, so that
// the command CI runs on every commit starts from one read and no compiling of what it
// runs, without Node's ES module loader, instead of resolving, reading and compiling ~50
// modules (bench/diff-cold-start.mjs). Run by `npm run build` (and so by `npm ci`, through
// prepare), the Makefile's dist/.built rule and test/global-setup.ts, always after tsc.
//
// Why esbuild: a well-kept, widely used bundler that ships its binary for each platform as
// an ordinary npm registry package (its install script only re-checks that binary; it is
// not needed and not allowed in package.json's allowScripts); it bundles tsc's output as
// it is, in well under a second.
//
// The bundle stays in dist/src/cli/ so that what is resolved at run time relative to a
// module resolves as it does unbundled: `new URL('../../../package.json', import.meta.url)`
// (every dist/src/<folder>/ is at the same depth) and packages required at run time.
// dist/src/cli/diff-entry.bundle.meta.json lists the modules inside it, for the test that
// checks what `memkit diff` loads.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}dist/src/cli`;

// commander requires node:child_process at load, for executable subcommands, which memkit
// has none of; child_process brings net, dgram and their bindings. Inside the bundle that
// require is made on first use instead.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (a) => (/[\\/]commander[\\/]/.test(a.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: [`${cli}/diff-entry.js`],
  outfile: `${cli}/diff-entry.bundle.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Packages are inlined (commander; tinyglobby, imported for a glob, stays uninitialised
  // until then) except cli-table3, required only for a coloured or unusual table.
  external: ['cli-table3'],
  // CommonJS has no import.meta: the modules' own URL is the bundle's.
  define: { 'import.meta.url': '__memkitModuleUrl' },
  banner: { js: "const __memkitModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyChildProcessForCommander],
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(`${cli}/diff-entry.bundle.meta.json`, JSON.stringify(result.metafile, null, 1) + '\n');

// memkit's agent for a user's command, loaded with `--require` into every Node process and
// worker thread of it (src/agent/preload.ts says why CommonJS, and why the part that starts
// the GC hooks is a file of its own).
for (const [entry, external] of [['preload', ['./tree-agent.cjs']], ['tree-agent', []]]) {
  await build({
    absWorkingDir: root,
    entryPoints: [`${root}dist/src/agent/${entry}.js`],
    outfile: `${root}dist/src/agent/${entry}.cjs`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external,
    define: { 'import.meta.url': '__memkitModuleUrl' },
    banner: { js: "const __memkitModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
}

// bin/memkit.js compiles the bundle through vm.Script (for the code cache), where import()
// is not available on Node 20: no import() of anything outside the bundle may be left.
const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports);
const dynamic = imports.filter((i) => i.kind === 'dynamic-import' && i.external);
if (dynamic.length > 0) throw new Error(`bundle-cli: import() left outside the bundle: ${dynamic.map((i) => i.path).join(', ')}`);

// The V8 code cache of the bundle after a real diff (two fixture baselines, 20 metrics),
// so it holds the functions a diff runs, compiled. Made by the Node that builds, which is
// the Node that runs memkit; bin/memkit.js falls back to compiling when V8 rejects it.
const fixtures = `${root}test/fixtures/baselines/builder.mjs`;
rmSync(`${cli}/diff-entry.bundle.cjs.v8-cache`, { force: true });
if (existsSync(fixtures)) {
  const { makeBaseline, writeFixture } = await import(pathToFileURL(fixtures).href);
  const dir = mkdtempSync(join(tmpdir(), 'memkit-code-cache-'));
  try {
    const names = ['gc.pause.p95_ms', 'gc.count.major', 'rss.growth_bytes', 'heap.used.peak_bytes', 'alloc.rate_bytes_per_s', 'duration_ms'];
    const side = (shift) => makeBaseline({ metrics: Object.fromEntries(names.map((n, i) => [n, [1, 2, 3, 4, 5].map((k) => (i + 1) * 1000 + k * shift)])) });
    const a = writeFixture(dir, 'a.json', side(1));
    const b = writeFixture(dir, 'b.json', side(7));
    const r = spawnSync(process.execPath, [`${root}bin/memkit.js`, 'diff', a, b], {
      env: { ...process.env, MEMKIT_WRITE_CODE_CACHE: '1', NO_COLOR: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0 && r.status !== 1) throw new Error(`bundle-cli: the diff that makes the code cache exited ${r.status}: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
