#!/usr/bin/env node
// Builds memkit's native addons at `npm ci` / `npm install` (the root package's own
// install script), or one of them: `node native/build.mjs similarity`. Everything they
// need is local: Node's headers and a C++ compiler; node-gyp is npm's bundled copy (npm
// tells its scripts where it is). A failed build is not a failed install: each addon has
// a JavaScript fallback, and the command that uses it says so:
//  - similarity: the top-K kernels; without it similarity-build uses a portable (much
//    slower) JavaScript kernel;
//  - gc-hooks: every GC's figures for the agent; without it the agent uses
//    PerformanceObserver + v8.GCProfiler, which cost more on programs with many GCs.
// MEMKIT_SKIP_NATIVE=1 skips every build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ADDONS = {
  similarity: { artifact: 'memkit_similarity.node', fallback: 'similarity-build will use the portable JavaScript kernel, which is much slower' },
  'gc-hooks': { artifact: 'memkit_gc_hooks.node', fallback: "the agent will record GCs with PerformanceObserver and v8.GCProfiler, which cost more on GC-heavy programs" },
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in ADDONS)) {
    console.error(`memkit: unknown addon ${name} (known: ${Object.keys(ADDONS).join(', ')})`);
    process.exit(2);
  }
}

if (process.env.MEMKIT_SKIP_NATIVE === '1') {
  console.log('memkit: MEMKIT_SKIP_NATIVE=1: native addons not built (their JavaScript fallbacks will be used)');
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

for (const name of wanted.length ? wanted : Object.keys(ADDONS)) {
  const dir = resolve(here, name);
  const artifact = resolve(dir, 'build/Release', ADDONS[name].artifact);
  let why;
  if (!gypJs) {
    why = 'node-gyp not found';
  } else {
    const res = spawnSync(process.execPath, [gypJs, ...args], { cwd: dir, stdio: 'inherit' });
    if (res.error) why = res.error.message;
    else if (res.status !== 0) why = `node-gyp exited with ${res.status ?? res.signal}`;
    else if (!existsSync(artifact)) why = `node-gyp did not produce ${artifact}`;
  }
  if (why) console.warn(`memkit: warning: the native ${name} addon could not be built (${why}); ${ADDONS[name].fallback}`);
}
