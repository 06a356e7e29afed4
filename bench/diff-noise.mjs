#!/usr/bin/env node
// Does `memkit diff` hold up against noise? Runs `memkit gc-profile --repeat 5` of the
// same scenario and variant twice per round (A, B) and once with a real regression
// injected (C), then diffs A against B (any exit 1 is a false regression) and A against
// C (exit 1 is a caught regression). Targets: <= 1 false of 20, >= 19 caught of 20.
//
//   node bench/diff-noise.mjs                         (make bench-diff)
//   ROUNDS=20 DURATION=2s REPEAT=5 node bench/diff-noise.mjs
//   STEPS=6000000 DURATION=4s node bench/diff-noise.mjs   work-bounded runs (what CI should do)
//   REUSE=1 node bench/diff-noise.mjs                 re-diff the runs already measured
//   TAG=fresh node bench/diff-noise.mjs               measure a new set beside the old one
//   SCENARIO=small-objects VARIANT=objects BAD_PARAM=chunk=48 node bench/diff-noise.mjs
//                                                     a subtler ~20 % extra allocation
//
// Runs are kept in .bench/diff-noise/<scenario>/ so thresholds can be re-tuned on the
// same data (REUSE=1) without measuring again.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const rounds = Number(process.env.ROUNDS ?? 20);
const duration = process.env.DURATION ?? '2s';
// Work-bounded runs (--steps, with --duration as a cap): a fixed amount of work makes
// memory figures independent of how fast the shared machine happens to be.
const steps = process.env.STEPS;
const repeat = process.env.REPEAT ?? '5';
const scenario = process.env.SCENARIO ?? 'lru-cache';
const variant = process.env.VARIANT ?? 'stable-key';
const badVariant = process.env.BAD_VARIANT ?? (process.env.BAD_PARAM ? variant : 'unstable-key');
const badParam = process.env.BAD_PARAM;
const reuse = process.env.REUSE === '1';
const bin = resolve('bin/memkit.js');
const tag = (process.env.TAG ? `-${process.env.TAG}` : '') + (steps ? `-steps${steps}` : '');
const dir = resolve('.bench/diff-noise', `${scenario}-${variant}-vs-${badVariant}${badParam ? `-${badParam.replace(/[^\w.-]/g, '_')}` : ''}${tag}`);
mkdirSync(dir, { recursive: true });

function profile(out, v, params) {
  if (reuse && existsSync(out)) return;
  const args = [bin, 'gc-profile', '--scenario', scenario, '--variant', v, '--duration', duration, '--repeat', repeat, '--out', out, '--no-progress'];
  if (steps) args.push('--steps', steps);
  for (const p of params) args.push('--param', p);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gc-profile exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
}

function diff(base, current) {
  const r = spawnSync(process.execPath, [bin, 'diff', base, current, '--format', 'json'], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`diff exited ${r.status}: ${r.stderr.trim()}`);
  const doc = JSON.parse(r.stdout);
  const regressed = doc.metrics.filter((m) => m.gating && m.verdict === 'regressed').map((m) => m.name);
  return { code: r.status, regressed };
}

const t0 = Date.now();
// Interleaved A, B, C per round: a drift of the machine's load hits all three alike.
for (let i = 0; i < rounds; i++) {
  profile(join(dir, `a-${i}.json`), variant, []);
  profile(join(dir, `b-${i}.json`), variant, []);
  profile(join(dir, `c-${i}.json`), badVariant, badParam ? [badParam] : []);
  process.stderr.write(`\rmeasured round ${i + 1}/${rounds} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
process.stderr.write('\n');

let falseAlarms = 0;
let caught = 0;
const falseBy = new Map();
const caughtBy = new Map();
const count = (map, names) => names.forEach((n) => map.set(n, (map.get(n) ?? 0) + 1));
for (let i = 0; i < rounds; i++) {
  const same = diff(join(dir, `a-${i}.json`), join(dir, `b-${i}.json`));
  if (same.code === 1) falseAlarms++;
  count(falseBy, same.regressed);
  const bad = diff(join(dir, `a-${i}.json`), join(dir, `c-${i}.json`));
  if (bad.code === 1) caught++;
  count(caughtBy, bad.regressed);
}
const top = (map) => [...map].sort((x, y) => y[1] - x[1]).map(([n, c]) => `${n} (${c})`).join(', ') || 'none';
const injected = badParam ? `variant ${variant} with --param ${badParam}` : `variant ${badVariant}`;
console.log(`diff noise: ${scenario}, ${rounds} rounds, gc-profile --repeat ${repeat} --duration ${duration}${steps ? ` --steps ${steps}` : ''} per side`);
console.log(`  same variant (${variant} vs ${variant}): ${falseAlarms}/${rounds} diffs called a regression (target <= 1): ${falseAlarms <= 1 ? 'met' : 'MISSED'}`);
console.log(`    metrics that regressed: ${top(falseBy)}`);
console.log(`  injected regression (${injected}): ${caught}/${rounds} caught (target >= 19): ${caught >= 19 ? 'met' : 'MISSED'}`);
console.log(`    metrics that regressed: ${top(caughtBy)}`);
console.log(`  measured in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
