#!/usr/bin/env node
// The sampler's cost in instructions, which repeat run after run where wall time on a
// shared machine does not: a loop allocating ~2 KB a call (about 2 GB/s, a scavenge every
// MB or so: the harvest's worst case, one per GC) run under valgrind's callgrind with no
// sampler, with memkit's gc-hooks harvest (both views), and with node:inspector's sampler
// keeping every sample (the allocated view only), 512 KiB interval.
//   node bench/alloc-sampler-callgrind.cjs            (N=300000 calls; ~2 minutes)
// Prints each mode's instructions and the ratio to no sampler.
const { spawnSync } = require('node:child_process');
const { readFileSync, mkdtempSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const mode = process.argv[2];
const INTERVAL = 512 * 1024;
if (mode === 'child') {
  const which = process.argv[3];
  let addon;
  let session;
  if (which === 'gc-hooks') {
    addon = require('../native/gc-hooks/build/Release/memkit_gc_hooks.node');
    addon.allocStart(INTERVAL, 128);
  } else if (which === 'inspector') {
    const { Session } = require('node:inspector');
    session = new Session();
    session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const make = () => new Array(256).fill(1);
  let s = 0;
  for (let i = 0; i < Number(process.env.N || 300000); i++) s += make().length;
  // The end read, as the agent does it.
  if (addon) addon.allocRead(true);
  if (session) session.post('HeapProfiler.stopSampling', () => {});
  process.stdout.write(`${s}\n`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'memkit-cg-'));
  const ir = {};
  try {
    for (const which of ['none', 'gc-hooks', 'inspector']) {
      const out = join(dir, `${which}.out`);
      const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, __filename, 'child', which], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${which}: ${r.stderr.slice(-500)}`);
      ir[which] = Number(/^summary: (\d+)/m.exec(readFileSync(out, 'utf8'))[1]);
      console.log(`${which.padEnd(10)} ${(ir[which] / 1e9).toFixed(3)} G instructions${which === 'none' ? '' : `  ×${(ir[which] / ir.none).toFixed(4)}`}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
