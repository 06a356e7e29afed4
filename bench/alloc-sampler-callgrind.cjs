#!/usr/bin/env node
// The sampler's own cost in instructions, which repeat run after run where wall time on a
// shared machine does not. Each target runs under valgrind's callgrind with no sampler and
// with V8's sampler as --alloc-sites runs it (512 KiB), without memkit's agent around it:
// under callgrind a program runs ~50x slower, so the agent's reads every 10 s of wall time
// would come 50x as often per unit of work as they really do, and be counted as the
// sampler's cost (bench/alloc-sites-overhead.mjs's part 3 measures with the agent).
//  - alloc-loop: a loop allocating ~2 KB a call (about 2 GB/s, a GC every MB or so: the
//    harvest's worst case, one per GC), N calls; the gc-hooks harvest (both views) and
//    node:inspector's sampler keeping every sample (the allocated view only);
//  - scenarios (lru-cache, backpressure, ...): STEPS1 and STEPS2 steps each, so the
//    difference cancels start-up: instructions per step.
//   node bench/alloc-sampler-callgrind.cjs                        (alloc-loop; ~2 minutes)
//   TARGETS=alloc-loop,lru-cache,backpressure node bench/alloc-sampler-callgrind.cjs   (~15 minutes)
const { spawnSync } = require('node:child_process');
const { readFileSync, mkdtempSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const INTERVAL = 512 * 1024;
const ROOT = join(__dirname, '..');

function startSampler(which) {
  if (which === 'gc-hooks') {
    require(join(ROOT, 'native/gc-hooks/build/Release/memkit_gc_hooks.node')).allocStart(INTERVAL, 128);
  } else if (which === 'inspector') {
    const { Session } = require('node:inspector');
    const session = new Session();
    session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    globalThis.memkitBenchSession = session;
  }
}

if (process.argv[2] === 'loop') {
  startSampler(process.argv[3]);
  const make = () => new Array(256).fill(1);
  let s = 0;
  for (let i = 0; i < Number(process.env.N || 300000); i++) s += make().length;
  process.stdout.write(`${s}\n`);
} else if (require.main === module) {
  const dir = mkdtempSync(join(tmpdir(), 'memkit-cg-'));
  const count = (name, args, env = {}) => {
    const out = join(dir, `${name}.out`);
    const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: ROOT });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr.slice(-800)}`);
    return Number(/^summary: (\d+)/m.exec(readFileSync(out, 'utf8'))[1]);
  };
  const pct = (a, b) => `${(((a / b) - 1) * 100).toFixed(2)} %`;
  try {
    for (const target of (process.env.TARGETS ?? 'alloc-loop').split(',')) {
      if (target === 'alloc-loop') {
        const ir = {};
        for (const which of ['none', 'gc-hooks', 'inspector']) ir[which] = count(`loop-${which}`, [process.execPath, __filename, 'loop', which]);
        console.log(`alloc-loop (N=${process.env.N || 300000}): none ${(ir.none / 1e9).toFixed(3)} G, gc-hooks ${(ir['gc-hooks'] / 1e9).toFixed(3)} G (+${pct(ir['gc-hooks'], ir.none)}), inspector ${(ir.inspector / 1e9).toFixed(3)} G (+${pct(ir.inspector, ir.none)}) (whole process)`);
        continue;
      }
      const [s1, s2] = [Number(process.env.STEPS1 ?? 1000), Number(process.env.STEPS2 ?? 5000)];
      const perStep = {};
      for (const which of ['none', 'gc-hooks']) {
        const run = (steps) =>
          count(`${target}-${which}-${steps}`, [process.execPath, '--require', join(__dirname, 'alloc-sampler-preload.cjs'), join(__dirname, 'alloc-sites-scenario-cmd.mjs')], {
            SCENARIO: target,
            STEPS: String(steps),
            MEMKIT_BENCH_SAMPLER: which,
          });
        perStep[which] = (run(s2) - run(s1)) / (s2 - s1);
      }
      console.log(`${target} (${s1} and ${s2} steps): ${Math.round(perStep.none)} instructions a step without a sampler, ${Math.round(perStep['gc-hooks'])} with the gc-hooks sampler: ${pct(perStep['gc-hooks'], perStep.none)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
module.exports = { startSampler };
