// Benchmark: memkit's heap-snapshot engine against memlab on the same files, in the same
// run, each reading in its own child measured from outside (CPU time, peak RSS). Prints
// the ratios and the agreement of per-constructor count, self and retained sizes.
//
//   node bench/snapshot-engine.js            # 50 MB, 300 MB, and a ≥ 1 GB snapshot (memkit only)
//   SNAPSHOT_BENCH_BIG=0 node bench/...      # skip the 1 GB run
//   SNAPSHOT_BENCH_MEMLAB_BIG=1 ...          # also try memlab on the 1 GB file
//
// memlab is installed here, into .bench/memlab, never as a project dependency.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, mb, pad, requireTime } from './snapshot-measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = join(ROOT, '.bench');
const SNAPS = join(BENCH, 'snapshots');
const MEMLAB = join(BENCH, 'memlab');
const BIN = join(ROOT, 'bin', 'memkit.js');
const node = process.execPath;
const TARGET_CPU = 1 / 3;
const TARGET_RSS = 1 / 2;

requireTime();
mkdirSync(SNAPS, { recursive: true });
installMemlab();

const sizes = [
  { label: '50 MB', units: 35_000, memlab: true },
  { label: '300 MB', units: 215_000, memlab: true },
];
if (process.env.SNAPSHOT_BENCH_BIG !== '0') sizes.push({ label: '1 GB+', units: 760_000, memlab: process.env.SNAPSHOT_BENCH_MEMLAB_BIG === '1' });

const results = [];
for (const s of sizes) {
  const file = await ensureSnapshot(s.units);
  const fileBytes = statSync(file).size;
  console.log(`\n== ${s.label}: ${file} (${mb(fileBytes)})`);
  const memkitOut = join(BENCH, `memkit-${s.units}.json`);
  const mk = await measure([node, BIN, 'mem-snapshot', 'summarize', file, '--json', '--top', '0', '--dominators', 'memlab', '--no-progress']);
  if (mk.code !== 0) throw new Error(`memkit failed on ${file}: ${mk.stderr}`);
  writeFileSync(memkitOut, mk.stdout);
  const summary = JSON.parse(mk.stdout).extra.heapSummary;
  console.log(`memkit: ${mk.cpuS.toFixed(2)} CPU s, ${mb(mk.peakRssBytes)} peak RSS, ${summary.nodeCount.toLocaleString('en-US')} nodes, ${summary.edgeCount.toLocaleString('en-US')} edges`);
  const dt = await measure([node, BIN, 'mem-snapshot', 'summarize', file, '--json', '--top', '0', '--dominators', 'devtools', '--no-progress']);
  const devtools = JSON.parse(dt.stdout).extra.heapSummary;
  const r = { label: s.label, fileBytes, nodes: summary.nodeCount, edges: summary.edgeCount, memkit: pick(mk), memkitDevtools: pick(dt) };

  if (fileBytes < 600e6) {
    const jp = await measure([node, '-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`]);
    r.jsonParse = pick(jp);
    console.log(`JSON.parse alone: ${jp.cpuS.toFixed(2)} CPU s, ${mb(jp.peakRssBytes)} peak RSS`);
  }
  if (s.memlab) {
    const out = join(BENCH, `memlab-${s.units}.json`);
    const ml = await measure([node, '--max-old-space-size=16000', join(ROOT, 'bench', 'snapshot-memlab-sums.cjs'), MEMLAB, file, out]);
    if (ml.code !== 0) {
      console.log(`memlab FAILED (exit ${ml.code}) after ${ml.cpuS.toFixed(1)} CPU s, ${mb(ml.peakRssBytes)}: ${ml.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      r.memlab = { failed: true, ...pick(ml) };
    } else {
      const ref = JSON.parse(readFileSync(out, 'utf8'));
      r.memlab = pick(ml);
      r.cpuRatio = mk.cpuS / ml.cpuS;
      r.rssRatio = mk.peakRssBytes / ml.peakRssBytes;
      r.agreement = agreement(summary.classes, ref.classes);
      r.devtoolsVsMemlab = agreement(devtools.classes, ref.classes);
      console.log(`memlab: ${ml.cpuS.toFixed(2)} CPU s, ${mb(ml.peakRssBytes)} peak RSS`);
      console.log(
        `ratio memkit/memlab: CPU ${r.cpuRatio.toFixed(3)} (target ≤ ${TARGET_CPU.toFixed(3)}), peak RSS ${r.rssRatio.toFixed(3)} (target ≤ ${TARGET_RSS.toFixed(3)})`,
      );
      printAgreement('memkit --dominators memlab vs memlab', r.agreement);
      printAgreement('memkit --dominators devtools (default) vs memlab', r.devtoolsVsMemlab);
    }
  }
  results.push(r);
}

// Past JS's limits: > 16.7 M nodes (a Set or Map of them throws), ~0.9 GB of text.
if (process.env.SNAPSHOT_BENCH_BIG !== '0') {
  const n = 24_000_000;
  const file = join(SNAPS, `synthetic-${n}.heapsnapshot`);
  const expectedFile = `${file}.expected.json`;
  if (!existsSync(file) || !existsSync(expectedFile)) {
    console.log(`\ngenerating ${file} (${n.toLocaleString('en-US')} objects)...`);
    writeFileSync(expectedFile, execFileSync(node, [join(ROOT, 'bench', 'snapshot-synthetic.js'), file, String(n)], { maxBuffer: 1 << 20 }));
  }
  const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
  const fileBytes = statSync(file).size;
  console.log(`\n== synthetic: ${file} (${mb(fileBytes)}, ${expected.nodes.toLocaleString('en-US')} nodes)`);
  const mk = await measure([node, BIN, 'mem-snapshot', 'summarize', file, '--json', '--top', '0', '--no-progress']);
  if (mk.code !== 0) throw new Error(`memkit failed on ${file}: ${mk.stderr}`);
  const b = JSON.parse(mk.stdout);
  const got = b.extra.heapSummary;
  const wrong = Object.entries(expected.classes).filter(([name, e]) => {
    const c = got.classes.find((x) => x.className === name);
    return !c || c.count !== e.count || c.selfBytes !== e.selfBytes;
  });
  const ok = got.nodeCount === expected.nodes && got.edgeCount === expected.edges && wrong.length === 0 &&
    b.metrics['heap.snapshot.reachable_bytes'].value === expected.totalSelfBytes;
  console.log(`memkit: ${mk.cpuS.toFixed(2)} CPU s, ${mb(mk.peakRssBytes)} peak RSS; counts, self sizes and reachable size ${ok ? 'as expected' : 'WRONG'}`);
  results.push({ label: 'synthetic', fileBytes, nodes: got.nodeCount, edges: got.edgeCount, memkit: pick(mk), expectedFiguresMatch: ok });
  if (process.env.SNAPSHOT_BENCH_MEMLAB_BIG === '1') {
    const ml = await measure([node, '--max-old-space-size=16000', join(ROOT, 'bench', 'snapshot-memlab-sums.cjs'), MEMLAB, file, join(BENCH, 'memlab-synthetic.json')]);
    console.log(`memlab: exit ${ml.code} after ${ml.cpuS.toFixed(1)} CPU s, ${mb(ml.peakRssBytes)}: ${ml.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  }
}

console.log('\nSummary (busy shared machine: compare the ratios, not the absolute times)');
console.log(`${'snapshot'.padEnd(8)} ${pad('file', 8)} ${pad('nodes', 11)} ${pad('memkit CPU', 11)} ${pad('memlab CPU', 11)} ${pad('CPU ratio', 9)} ${pad('memkit peak', 12)} ${pad('memlab peak', 12)} ${pad('RSS ratio', 9)} ${pad('max class diff', 15)}`);
for (const r of results) {
  const ml = r.memlab && !r.memlab.failed ? r.memlab : undefined;
  console.log(
    `${r.label.padEnd(8)} ${pad(mb(r.fileBytes), 8)} ${pad(r.nodes.toLocaleString('en-US'), 11)} ${pad(r.memkit.cpuS.toFixed(2) + ' s', 11)} ` +
      `${pad(ml ? ml.cpuS.toFixed(2) + ' s' : r.memlab ? 'failed' : '-', 11)} ${pad(ml ? r.cpuRatio.toFixed(3) : '-', 9)} ` +
      `${pad(mb(r.memkit.peakRssBytes), 12)} ${pad(ml ? mb(ml.peakRssBytes) : '-', 12)} ${pad(ml ? r.rssRatio.toFixed(3) : '-', 9)} ` +
      `${pad(ml ? (r.agreement.maxRelDiff * 100).toFixed(4) + ' %' : '-', 15)}`,
  );
}
const big = results.find((r) => r.label === '300 MB');
if (big?.cpuRatio !== undefined) {
  const ok = big.cpuRatio <= TARGET_CPU && big.rssRatio <= TARGET_RSS && big.agreement.maxRelDiff <= 0.001;
  console.log(`\n300 MB targets (CPU ≤ 1/3, peak RSS ≤ 1/2, per-class agreement ≤ 0.1 %): ${ok ? 'MET' : 'NOT MET'}`);
}
writeFileSync(join(BENCH, 'snapshot-engine-results.json'), JSON.stringify(results, null, 2));

function pick(m) {
  return { wallS: m.wallS, cpuS: m.cpuS, peakRssBytes: m.peakRssBytes };
}

/** Per class: counts must be equal; self and retained sizes are compared relatively. */
function agreement(mine, theirs) {
  const byName = new Map(mine.map((c) => [c.className, c]));
  let maxRelDiff = 0;
  let countMismatches = 0;
  let missing = 0;
  let compared = 0;
  const worst = [];
  for (const [name, t] of Object.entries(theirs)) {
    const m = byName.get(name);
    if (!m) {
      missing++;
      continue;
    }
    compared++;
    if (m.count !== t.count) countMismatches++;
    const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1);
    const d = Math.max(rel(m.selfBytes, t.self), rel(m.retainedBytes, t.retained));
    if (d > 0.001) worst.push({ name, selfBytes: [m.selfBytes, t.self], retainedBytes: [m.retainedBytes, t.retained] });
    maxRelDiff = Math.max(maxRelDiff, d);
  }
  worst.sort((a, b) => b.retainedBytes[1] - a.retainedBytes[1]);
  return { compared, missing, extra: mine.length - compared, countMismatches, maxRelDiff, over01Percent: worst.length, worst: worst.slice(0, 3) };
}

function printAgreement(what, a) {
  console.log(
    `${what}: ${a.compared} classes compared, ${a.countMismatches} count mismatches, ${a.missing + a.extra} classes on one side only, ` +
      `max relative difference of self/retained ${(a.maxRelDiff * 100).toFixed(4)} %, ${a.over01Percent} classes over 0.1 %`,
  );
  for (const w of a.worst) console.log(`   e.g. ${w.name}: retained ${w.retainedBytes[0]} vs ${w.retainedBytes[1]}`);
}

async function ensureSnapshot(units) {
  const file = join(SNAPS, `bench-${units}.heapsnapshot`);
  if (existsSync(file)) return file;
  console.log(`generating ${file} (${units} units)...`);
  const r = await measure([node, '--expose-gc', '--max-old-space-size=16000', join(ROOT, 'bench', 'snapshot-fixture-heap.js'), file, String(units)]);
  if (r.code !== 0) throw new Error(`snapshot generation failed: ${r.stderr}`);
  return file;
}

function installMemlab() {
  if (existsSync(join(MEMLAB, 'node_modules', '@memlab', 'heap-analysis'))) return;
  console.log('installing memlab into .bench/memlab (bench only, not a project dependency)...');
  mkdirSync(MEMLAB, { recursive: true });
  writeFileSync(join(MEMLAB, 'package.json'), JSON.stringify({ name: 'memkit-bench-memlab', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', MEMLAB, 'memlab'], {
    stdio: 'inherit',
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
  });
}
