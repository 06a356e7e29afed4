#!/usr/bin/env node
// Kept in plain JS so the bin starts without a loader; the compiled CLI lives in dist/.
let main;
try {
  ({ main } = await import('../dist/src/cli/main.js'));
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    process.stderr.write('memkit: error: memkit is not built yet: run `npm ci` (or `make build`) in its folder\n');
    process.exit(2);
  }
  throw err;
}
await main(process.argv);
