#!/usr/bin/env node
// Benchmark of `memkit similarity-build` against faiss (IndexFlatIP, exact) and the seed's
// old scikit-learn way, on the same synthetic data written once as .npy, in the same run.
// Not a test: it prints figures and ratios; it fails only when memkit's neighbours differ
// from faiss's beyond exact (near-)ties.
//
//   node bench/similarity-bench.mjs [--items 100000] [--dims 128] [--top-k 200] [--seed 1]
//        [--with-references] [--no-sklearn] [--repeat 1]
//
// --repeat N alternates memkit and faiss N times (memkit, faiss, memkit, faiss, ...) and
// reports the median times, so a burst of load on the shared machine hits both.
// --with-references (or MEMKIT_BENCH_REFERENCES=1) installs Debian's python3-faiss and
// python3-sklearn with apt-get when they are missing. Without them, the reference is
// memkit's own portable C++ kernel (no SIMD intrinsics) on 1/20 of the rows.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { syntheticMatrix } = await import(join(root, 'dist/src/similarity/synthetic.js'));
const { npyHeader } = await import(join(root, 'dist/src/similarity/npy.js'));

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const items = value('--items', 100000);
const dims = value('--dims', 128);
const k = value('--top-k', 200);
const seed = value('--seed', 1);
const withReferences = flag('--with-references') || process.env.MEMKIT_BENCH_REFERENCES === '1';
const runSklearn = !flag('--no-sklearn');
const repeat = Math.max(1, value('--repeat', 1));
const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};
/** Median wall and compute over the runs, the highest peak. */
const combine = (runs) => ({
  ...runs[0],
  wallMs: median(runs.map((r) => r.wallMs)),
  computeMs: median(runs.map((r) => r.computeMs)),
  peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
  runs: runs.map((r) => ({ wallMs: r.wallMs, computeMs: r.computeMs, peakRssBytes: r.peakRssBytes })),
});
const PY = '/usr/bin/python3';
const work = join(root, '.bench', 'similarity');
mkdirSync(work, { recursive: true });
const flops = 2 * items * items * dims;

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadBefore = loadavg();
console.log(`similarity-build benchmark: N=${items} D=${dims} K=${k} seed=${seed}; load average before: ${loadBefore}`);

// 1. The data, once, as .npy (float32 C order), shared by every tool.
const dataPath = join(work, `items-${items}x${dims}-seed${seed}.npy`);
if (!existsSync(dataPath)) {
  const m = syntheticMatrix(items, dims, seed);
  writeFileSync(dataPath, Buffer.concat([npyHeader('f4', [items, dims]), Buffer.from(m.buffer, m.byteOffset, m.byteLength)]));
}

/** Runs a command, timing it from outside; resolves with wall ms and stdout. */
function timed(cmd, argv) {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}\n${out}`));
      else resolvePromise({ wallMs, stdout: out });
    });
  });
}

const results = [];

// 2. memkit.
async function runMemkit(label, extra, scale = 1) {
  const out = join(work, label.replace(/[^a-z0-9]+/gi, '-'));
  const r = await timed(process.execPath, [
    join(root, 'bin/memkit.js'), 'similarity-build', '--input', dataPath, '--top-k', String(k),
    '--format', 'npy', '--out', out, '--no-progress', ...extra,
  ]);
  const b = JSON.parse(readFileSync(join(out, 'baseline.json'), 'utf8'));
  return {
    tool: label,
    wallMs: r.wallMs * scale,
    computeMs: b.metrics['similarity.compute_ms'].value * scale,
    peakRssBytes: b.metrics['rss.peak_bytes'].value,
    predictedBytes: b.metrics['similarity.predicted_peak_bytes'].value,
    kernel: b.settings.kernel,
    workers: b.settings.workers,
    out,
  };
}
const memkitRuns = [await runMemkit('memkit similarity-build', [])];

// 3. References.
const hasPython = (mod) => spawnSync(PY, ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
if (withReferences && (!hasPython('faiss') || (runSklearn && !hasPython('sklearn')))) {
  console.log('installing Debian python3-faiss and python3-sklearn (apt-get) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let res = spawnSync('apt-get', ['install', '-y', '-q', 'python3-faiss', 'python3-sklearn'], { stdio: 'inherit', env });
  if (res.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    res = spawnSync('apt-get', ['install', '-y', '-q', 'python3-faiss', 'python3-sklearn'], { stdio: 'inherit', env });
  }
}
let reference;
let check;
let memkit;
if (hasPython('faiss')) {
  const fOut = join(work, 'faiss');
  const faissRuns = [];
  for (let i = 0; i < repeat; i++) {
    if (i > 0) memkitRuns.push(await runMemkit('memkit similarity-build', []));
    const r = await timed(PY, [join(root, 'bench/similarity-faiss.py'), dataPath, String(k), fOut]);
    const j = JSON.parse(r.stdout.trim().split('\n').pop());
    faissRuns.push({ tool: `faiss ${j.version} IndexFlatIP (${j.threads} threads)`, wallMs: r.wallMs, computeMs: j.compute_s * 1000, peakRssBytes: j.peak_rss_bytes });
  }
  memkit = combine(memkitRuns);
  reference = combine(faissRuns);
  results.push(memkit, reference);
  const c = spawnSync(PY, [join(root, 'bench/similarity-check.py'), memkit.out, fOut], { encoding: 'utf8' });
  check = { ok: c.status === 0, ...JSON.parse(c.stdout.trim() || '{}') };
  if (runSklearn && hasPython('sklearn')) {
    const sOut = join(work, 'sklearn');
    const s = await timed(PY, [join(root, 'bench/similarity-sklearn.py'), dataPath, String(k), sOut]);
    const js = JSON.parse(s.stdout.trim().split('\n').pop());
    results.push({ tool: `sklearn ${js.version}, batches of 1000 (seed's old way)`, wallMs: s.wallMs, computeMs: js.compute_s * 1000, peakRssBytes: js.peak_rss_bytes });
  }
} else {
  console.log('faiss not installed (use --with-references to install it): the reference is memkit\'s portable kernel on 1/20 of the rows, times scaled x20');
  memkit = combine(memkitRuns);
  results.push(memkit);
  reference = await runMemkit('memkit generic C++ kernel, 1/20 rows x20', ['--kernel', 'generic', '--shard', '0/20'], 20);
  results.push(reference);
}

// 4. The table.
const loadAfter = loadavg();
const gb = (b) => `${(b / 1e6).toFixed(0)} MB`;
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const rows = results.map((r) => [
  r.tool,
  s(r.wallMs),
  s(r.computeMs),
  (flops / (r.wallMs / 1000) / 1e9).toFixed(1),
  (flops / (r.computeMs / 1000) / 1e9).toFixed(1),
  gb(r.peakRssBytes),
  reference ? (r.wallMs / reference.wallMs).toFixed(2) : '-',
  reference ? (r.peakRssBytes / reference.peakRssBytes).toFixed(2) : '-',
]);
const head = ['tool', 'wall', 'compute', 'GFLOP/s wall', 'GFLOP/s compute', 'peak RSS', 'wall / ref', 'peak / ref'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
console.log('');
console.log(line(head));
for (const r of rows) console.log(line(r));
console.log('');
if (repeat > 1) console.log(`memkit and faiss alternated ${repeat} times: median times, highest peak (every run in results.json).`);
console.log(`GFLOP/s count 2·N²·D = ${(flops / 1e12).toFixed(2)} TFLOP; wall = the whole process from outside (start, load, compute, write); compute = the tool's own timing of the search.`);
console.log(`memkit: kernel ${memkit.kernel}, ${memkit.workers} workers; peak RSS is the computing child's (memkit's parent process is not counted), predicted ${gb(memkit.predictedBytes)}.`);
if (check) console.log(`neighbours vs faiss: ${JSON.stringify(check)}`);
const wallRatio = reference ? memkit.wallMs / reference.wallMs : NaN;
console.log(`targets: wall <= 0.8x faiss: ${reference?.tool.startsWith('faiss') ? `${wallRatio.toFixed(2)}x ${wallRatio <= 0.8 ? 'met' : 'NOT met'}` : 'faiss not run'}; ` +
  `>= 65 GFLOP/s (wall): ${(flops / (memkit.wallMs / 1000) / 1e9).toFixed(1)} ${flops / (memkit.wallMs / 1000) / 1e9 >= 65 ? 'met' : 'NOT met'}; ` +
  `peak <= 600 MB: ${gb(memkit.peakRssBytes)} ${memkit.peakRssBytes <= 600e6 ? 'met' : 'NOT met'}`);
console.log(`load average before: ${loadBefore}; after: ${loadAfter} (2 cores; other work on the machine slows every tool alike only approximately)`);
writeFileSync(join(work, 'results.json'), JSON.stringify({ items, dims, k, seed, loadBefore, loadAfter, results, check }, null, 2) + '\n');
if (check && !check.ok) {
  console.error('memkit: bench: memkit\'s neighbours differ from faiss\'s beyond ties');
  process.exit(1);
}
