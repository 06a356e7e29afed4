#!/usr/bin/env node
// Plain CommonJS (bin/package.json says so), so that the bin starts without a loader and
// `memkit diff` without Node's ES module loader: it requires one file, the CLI's entry
// bundled at build time (scripts/bundle-cli.mjs). Every other command goes on from there
// to the ES modules compiled in dist/.
'use strict';
let entry;
try {
  entry = require('../dist/src/cli/entry.bundle.cjs');
} catch (err) {
  if (err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/entry.bundle.cjs')) {
    process.stderr.write('memkit: error: memkit is not built yet: run `npm ci` (or `make build`) in its folder\n');
    process.exit(2);
  }
  throw err;
}
entry.main(process.argv);
