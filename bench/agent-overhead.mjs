#!/usr/bin/env node
// Agent overhead: the same scenario's throughput with memkit's agent collecting (every GC
// through the gc-hooks addon, memory samples, IPC batches at the default 100 ms) and
// with the agent in bare mode (the same step loop, nothing collected). Runs are
// interleaved in pairs so drift on this shared machine hits both sides alike; the figure
// is the median of the per-pair ratios.
//
//   node bench/agent-overhead.mjs [--pairs 7] [--seconds 3] [--interval 100] [--only small-objects/objects]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRun } from '../dist/src/run/runner.js';
import { loadScenario, resolveVariantAndParams } from '../dist/src/scenario/loader.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '7' },
    seconds: { type: 'string', default: '3' },
    interval: { type: 'string', default: '100' },
    only: { type: 'string' },
  },
});
const pairs = Number(values.pairs);
const durationMs = Number(values.seconds) * 1000;
const intervalMs = Number(values.interval);
const CASES = [
  ['lru-cache', 'stable-key'],
  ['lru-cache', 'unstable-key'],
  ['small-objects', 'objects'],
  ['small-objects', 'arena'],
];

const dir = mkdtempSync(join(tmpdir(), 'memkit-bench-'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function opsPerSecond(file, variant, params, bare, tag) {
  const h = startRun({
    target: { kind: 'scenario', agent: { mode: 'scenario', intervalMs, durationMs, bare, scenario: { file, variant, params } } },
    nodeArgs: [],
    intervalMs,
    samplesPath: join(dir, `${tag}.jsonl`),
    header: { runId: tag, index: 0, target: {}, settings: {} },
  });
  const out = await h.result;
  if (out.status !== 'complete') throw new Error(`${tag}: ${out.statusReason}`);
  return out.data.done.steps / (durationMs / 1000);
}

console.log(`agent overhead: ${pairs} interleaved pairs of ${durationMs / 1000} s runs per scenario, sampling every ${intervalMs} ms`);
console.log('scenario                    bare ops/s (median)   agent ops/s (median)   agent/bare (median of pairs)   loss');
const rows = [];
for (const [name, v] of CASES.filter(([n, v]) => !values.only || `${n}/${v}` === values.only)) {
  const { definition, file } = await loadScenario(name);
  const { variant, params } = resolveVariantAndParams(definition, v, {});
  const ratios = [];
  const bare = [];
  const agent = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate which side goes first so a trend in machine speed cancels out.
    const order = i % 2 ? [true, false] : [false, true];
    const r = {};
    for (const isBare of order) r[isBare] = await opsPerSecond(file, variant, params, isBare, `${name}-${v}-${i}-${isBare}`);
    bare.push(r[true]);
    agent.push(r[false]);
    ratios.push(r[false] / r[true]);
  }
  const ratio = median(ratios);
  rows.push({ name: `${name}/${v}`, ratio });
  console.log(
    `${`${name}/${v}`.padEnd(28)}${median(bare).toFixed(0).padStart(19)}   ${median(agent).toFixed(0).padStart(20)}   ${ratio.toFixed(4).padStart(28)}   ${((1 - ratio) * 100).toFixed(2).padStart(5)}%`,
  );
}
rmSync(dir, { recursive: true, force: true });
const worst = Math.min(...rows.map((r) => r.ratio));
console.log(`worst median loss: ${((1 - worst) * 100).toFixed(2)}% (target: <= 2% at the default 100 ms interval)`);
