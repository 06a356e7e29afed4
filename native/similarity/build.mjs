#!/usr/bin/env node
// Builds the similarity kernel addon at `npm ci` / `npm install` (the root package's own
// install script). Everything it needs is local: Node's headers and a C++ compiler;
// node-gyp is npm's bundled copy (npm tells its scripts where it is). A failed build is
// not a failed install: memkit then uses its portable JavaScript kernel (much slower) and
// `memkit similarity-build` says so. MEMKIT_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artifact = resolve(here, 'build/Release/memkit_similarity.node');

if (process.env.MEMKIT_SKIP_NATIVE === '1') {
  console.log('memkit: MEMKIT_SKIP_NATIVE=1: similarity kernel addon not built (the JS kernel will be used)');
  process.exit(0);
}

const prefix = resolve(dirname(process.execPath), '..');
// npm sets npm_config_node_gyp for its scripts; run by hand, fall back to npm's copy
// installed beside this node.
const gypJs = [process.env.npm_config_node_gyp, resolve(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')]
  .find((p) => p && existsSync(p));

const args = ['rebuild'];
// Without a nodedir node-gyp downloads Node's headers; the ones installed beside this
// node binary are the right ones, and nothing may be downloaded at install time.
if (!process.env.npm_config_nodedir && existsSync(resolve(prefix, 'include/node/common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}

let why;
if (!gypJs) {
  why = 'node-gyp not found';
} else {
  const res = spawnSync(process.execPath, [gypJs, ...args], { cwd: here, stdio: 'inherit' });
  if (res.error) why = res.error.message;
  else if (res.status !== 0) why = `node-gyp exited with ${res.status ?? res.signal}`;
  else if (!existsSync(artifact)) why = `node-gyp did not produce ${artifact}`;
}
if (why) {
  console.warn(
    `memkit: warning: the native similarity kernel could not be built (${why}); ` +
      'similarity-build will use the portable JavaScript kernel, which is much slower',
  );
}
