#!/usr/bin/env node
// Plain CommonJS (bin/package.json says so), so that the bin starts without a loader.
// `memkit diff`, the command CI runs on every commit, runs from one file bundled at build
// time (scripts/bundle-cli.mjs) with the V8 code cache made for it then: no ES module
// loader, no module resolution, the functions a diff runs come compiled (Node 20 has no
// module.enableCompileCache). Every other command line goes to the full CLI in dist/.
'use strict';
const NOT_BUILT = 'memkit: error: memkit is not built yet: run `npm ci` (or `make build`) in its folder\n';

// The command word as src/cli/command-word.ts reads it (after --debug; `help diff` is diff),
// read here too so that other commands do not load the bundle first.
const args = process.argv.slice(2).filter((a) => a !== '--debug');
if ((args[0] === 'help' ? args[1] : args[0]) === 'diff') runDiff();
else {
  import('../dist/src/cli/main.js').then(
    ({ main }) => main(process.argv),
    (err) => {
      if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/src/cli/main.js')) throw err;
      process.stderr.write(NOT_BUILT);
      process.exit(2);
    },
  );
}

function runDiff() {
  const { readFileSync, writeFileSync } = require('node:fs');
  const { createRequire, wrap } = require('node:module');
  const { dirname, join } = require('node:path');
  const { Script } = require('node:vm');

  const file = join(__dirname, '../dist/src/cli/diff-entry.bundle.cjs');
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    if (err?.code !== 'ENOENT') throw err;
    process.stderr.write(NOT_BUILT);
    process.exit(2);
  }
  const cacheFile = `${file}.v8-cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache (yet): V8 compiles the bundle as usual, as it does when it rejects one.
  }
  // What require() would do, with the cache: CommonJS's wrapper, run with the bundle's own
  // module object, require, __filename and __dirname.
  const script = new Script(wrap(source), { filename: file, cachedData });
  const entry = { exports: {} };
  script.runInThisContext().call(entry.exports, entry.exports, createRequire(file), entry, file, dirname(file));
  const done = entry.exports.main(process.argv);
  // scripts/bundle-cli.mjs makes the cache with this set, on a diff it runs for the purpose.
  if (process.env.MEMKIT_WRITE_CODE_CACHE === '1') done.then(() => writeFileSync(cacheFile, script.createCachedData()));
}
