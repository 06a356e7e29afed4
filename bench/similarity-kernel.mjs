#!/usr/bin/env node
// The top-K kernel alone, one thread, every level this machine offers, on the same data:
// GFLOP/s per wall second and per CPU second (the latter is steadier on a shared
// machine), for a small K (nearly the product alone) and the K, with ratios
// against the portable C++ level measured in the same run.
//
//   node bench/similarity-kernel.mjs [--items 100000] [--rows 2048] [--dims 128] [--micro-batch 256]
import { dirname, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { availableKernels, loadKernel } = await import(join(root, 'dist/src/similarity/kernel-loader.js'));
const { panelFloats, panelOffset } = await import(join(root, 'dist/src/similarity/panel-layout.js'));
const { SyntheticRows } = await import(join(root, 'dist/src/similarity/synthetic.js'));

const args = process.argv.slice(2);
const value = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const items = value('--items', 100000);
const rows = value('--rows', 2048);
const dims = value('--dims', 128);
const batch = value('--micro-batch', 256);

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`top-K kernel, 1 thread: ${rows} rows x ${items} items, D=${dims}, micro-batch ${batch}; load average before: ${loadavg()}`);

// Normalised synthetic data straight into the panel layout.
const panels = new Float32Array(panelFloats(items, dims));
const gen = new SyntheticRows(1);
const row = new Float32Array(dims);
for (let i = 0; i < items; i++) {
  gen.fill(row);
  let s = 0;
  for (let k = 0; k < dims; k++) s += row[k] * row[k];
  const f = 1 / Math.sqrt(s);
  for (let k = 0; k < dims; k++) panels[panelOffset(i, k, dims)] = row[k] * f;
}

function measure(level, k) {
  const kernel = loadKernel(level);
  const ids = new Int32Array(batch * k);
  const scores = new Float32Array(batch * k);
  kernel.topkBatch(panels, items, dims, 0, Math.min(batch, 16), k, ids, scores); // warm up
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let candidates = 0;
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const n = Math.min(batch, rows - r0);
    candidates += kernel.topkBatch(panels, items, dims, r0, n, k, ids, scores)[0];
  }
  const wall = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  const flops = 2 * rows * items * dims;
  return { level, k, wallGflops: flops / wall / 1e9, cpuGflops: flops / cpu / 1e9, candidatesPerRow: candidates / rows };
}

// The JavaScript fallback (tens of times slower) is left out: it would dominate the run.
const levels = availableKernels().filter((l) => l !== 'js');
const results = [];
for (const k of [10, 200]) for (const level of levels) results.push(measure(level, k));
const ref = (k) => results.find((r) => r.k === k && r.level === 'generic');
console.log('');
console.log('level     K   GFLOP/s wall  GFLOP/s cpu  vs generic  candidates/row');
for (const r of results) {
  const g = ref(r.k);
  console.log(
    `${r.level.padEnd(8)} ${String(r.k).padStart(3)} ${r.wallGflops.toFixed(1).padStart(13)} ${r.cpuGflops.toFixed(1).padStart(12)} ` +
      `${g ? (r.cpuGflops / g.cpuGflops).toFixed(2).padStart(10) : '-'.padStart(10)} ${r.candidatesPerRow.toFixed(0).padStart(15)}`,
  );
}
console.log(`\nGFLOP/s count 2·rows·N·D; K=10 is nearly the product alone, K=200 adds the selection. load average after: ${loadavg()}`);
