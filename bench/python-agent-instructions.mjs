#!/usr/bin/env node
// What memkit's Python agent costs the program, in instructions (issue 16: "costs nothing
// measurable when the program does not collect"). Wall time cannot show a 1 % cost on this
// shared 2-core machine; valgrind's instruction counts of a CPython run repeat to the
// instruction with PYTHONHASHSEED fixed (seen: 966,003,075 twice, at different loads).
//
// Each figure is the difference of two runs of one program at two sizes (N1, N2), which
// cancels the interpreter's start-up and the agent's (a fixed cost: its imports and hello):
//  - no-collect.py: ints only, so CPython's collector never runs and the agent's callback
//    has nothing to do. Its bare run is compared with its run under `memkit gc-profile`
//    (the agent loaded by memkit's sitecustomize) and with the control no-collect-imports.py,
//    the same program after importing what the agent imports: pymalloc's pool layout moves
//    with any import, and that is not the agent's work.
//  - short-lived-containers.py (the sweep test's fixture): 100,000 dicts a round, ~140
//    young collections each; the agent's extra instructions per collection (callback,
//    columns, a batch sent at most once per --interval) and as a share of the program's work.
//
//   node bench/python-agent-instructions.mjs [--python python3] [--keep DIR]
// Measured (CPython 3.11.7, valgrind 3.19, 2 shared cores at load 5-8), 2026-12-02:
//   see the README's "Python programs" section, where the figures are quoted.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { python: { type: 'string', default: process.env.PYTHON || 'python3' }, keep: { type: 'string' } } });
const ROOT = resolve(import.meta.dirname, '..');
const MEMKIT = join(ROOT, 'bin', 'memkit.js');
// The interpreter itself, not a pyenv shim (a shell script valgrind would count too).
const PY = execFileSync(values.python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const dir = values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'memkit-py-instr-'));
mkdirSync(dir, { recursive: true });
const env = { ...process.env, PYTHONHASHSEED: '0' };
delete env.PYTHONPATH;

function run(cmd, args) {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done(stderr) : fail(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${stderr.slice(-2000)}`))));
  });
}

/** Instructions of one run of `program n`, bare or under memkit (then with its window's collections). */
async function instructions(tag, program, n, underMemkit, memkitArgs = []) {
  const out = join(dir, `${tag}.callgrind`);
  const valgrind = ['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`, PY, program, String(n)];
  const baseline = join(dir, `${tag}.json`);
  const stderr = underMemkit
    ? await run(process.execPath, [MEMKIT, 'gc-profile', '--no-progress', ...memkitArgs, '--out', baseline, '--', ...valgrind])
    : await run(valgrind[0], valgrind.slice(1));
  const m = /Collected : (\d+)/.exec(stderr);
  if (!m) throw new Error(`${tag}: no callgrind total\n${stderr.slice(-2000)}`);
  let collections = 0;
  let batches = 0;
  if (underMemkit) {
    const b = JSON.parse(readFileSync(baseline, 'utf8'));
    if (b.status !== 'complete') throw new Error(`${tag}: memkit's run is ${b.status}: ${b.statusReason}`);
    collections = ['gen0', 'gen1', 'gen2'].reduce((s, g) => s + (b.metrics[`gc.count.${g}`]?.value ?? 0), 0);
    const samples = readFileSync(join(dir, b.runs[0].samplesFile), 'utf8').split('\n');
    batches = samples.filter((l) => l.startsWith('{"type":"gc"')).length;
  }
  return { ir: Number(m[1]), collections, batches };
}

const fmt = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} %`;
const NO_COLLECT = join(ROOT, 'bench', 'python', 'no-collect.py');
const CONTROL = join(ROOT, 'bench', 'python', 'no-collect-imports.py');
const CONTAINERS = join(ROOT, 'test', 'fixtures', 'python', 'short-lived-containers.py');
const NOOP_CALLBACK = join(ROOT, 'bench', 'python', 'containers-noop-callback.py');
console.log(`python agent instructions: ${PY} (PYTHONHASHSEED=0), callgrind`);

// Two at a time: two cores, and instruction counts do not care about load.
const [n1, n2] = [100_000, 500_000];
const [b1, b2] = await Promise.all([instructions('bare-1', NO_COLLECT, n1, false), instructions('bare-2', NO_COLLECT, n2, false)]);
const [a1, a2] = await Promise.all([instructions('agent-1', NO_COLLECT, n1, true), instructions('agent-2', NO_COLLECT, n2, true)]);
const [c1, c2] = await Promise.all([instructions('control-1', CONTROL, n1, false), instructions('control-2', CONTROL, n2, false)]);
const work = b2.ir - b1.ir;
console.log(`no-collect.py, ${fmt(n2 - n1)} more iterations: bare ${fmt(work)} Ir; under the agent ${fmt(a2.ir - a1.ir)} (${pct((a2.ir - a1.ir) / work - 1)}, ${a2.collections - a1.collections} collections in the window); control (the agent's imports, no agent) ${fmt(c2.ir - c1.ir)} (${pct((c2.ir - c1.ir) / work - 1)})`);
console.log(`  fixed cost of the agent (start-up, hello, exit): ${fmt(a1.ir - b1.ir)} Ir at ${fmt(n1)} iterations`);

// The callback alone (--interval 60s: one batch at the end), then at the default 100 ms,
// where the batches add up: under callgrind a program runs ~50x slower, so it sends ~50x
// more batches per collection than at full speed, and their cost is given per batch.
const [r1, r2] = [1, 5];
const [cb1, cb2] = await Promise.all([instructions('containers-bare-1', CONTAINERS, r1, false), instructions('containers-bare-2', CONTAINERS, r2, false)]);
const quiet = ['--interval', '60s'];
const [cq1, cq2] = await Promise.all([instructions('containers-quiet-1', CONTAINERS, r1, true, quiet), instructions('containers-quiet-2', CONTAINERS, r2, true, quiet)]);
const [cn1, cn2] = await Promise.all([instructions('containers-noop-1', NOOP_CALLBACK, r1, false), instructions('containers-noop-2', NOOP_CALLBACK, r2, false)]);
const [ca1, ca2] = await Promise.all([instructions('containers-agent-1', CONTAINERS, r1, true), instructions('containers-agent-2', CONTAINERS, r2, true)]);
const containersWork = cb2.ir - cb1.ir;
const callback = cq2.ir - cq1.ir - containersWork;
const collections = cq2.collections - cq1.collections;
const perCollection = callback / collections;
const batches = ca2.batches - ca1.batches - (cq2.batches - cq1.batches);
const perBatch = (ca2.ir - ca1.ir - (cq2.ir - cq1.ir)) / batches;
console.log(`short-lived-containers.py, ${r2 - r1} more rounds: bare ${fmt(containersWork)} Ir, ${collections} more collections`);
const floor = (cn2.ir - cn1.ir - containersWork) / collections;
console.log(`  the callback (--interval 60s): ${fmt(perCollection)} Ir per collection, ${pct(callback / containersWork)} of the program's work; a no-op callback costs ${fmt(floor)} of them (CPython's calls and info dicts)`);
console.log(`  a batch sent (default --interval 100ms, ${batches} more batches under callgrind): ${fmt(perBatch)} Ir each`);
// At full speed: the rounds' CPU seconds natively (user + system, from /usr/bin/time, for
// scale only: a quiet machine's wall time; a loaded one's wall time would inflate it).
async function cpuSeconds(rounds) {
  const stderr = await run('/usr/bin/time', ['-f', 'CPU %U %S', PY, CONTAINERS, String(rounds)]);
  const m = /CPU ([\d.]+) ([\d.]+)/.exec(stderr);
  return m ? Number(m[1]) + Number(m[2]) : Number.NaN;
}
const workSeconds = (await cpuSeconds(r2)) - (await cpuSeconds(r1));
if (workSeconds > 0) {
  const batchShare = (perBatch * 10 * workSeconds) / containersWork;
  console.log(`  at full speed (${(workSeconds * 1000).toFixed(0)} ms of CPU for the rounds, 10 batches a second): batches ${pct(batchShare)}, in all ${pct(callback / containersWork + batchShare)}`);
}
if (!values.keep) rmSync(dir, { recursive: true, force: true });
