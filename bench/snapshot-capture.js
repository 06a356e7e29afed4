// Benchmark: the peak RSS of a child while it snapshots a ~200 MB heap, for memkit's
// capture (node:inspector, chunks streamed to disk as they arrive) against
// v8-profiler-next (takeSnapshot + export stream) and Node's v8.writeHeapSnapshot, each
// in its own child, same heap, same run. v8-profiler-next is a native addon, built from
// source into .bench/v8pn (never a project dependency; see README).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, mb, pad, requireTime } from './snapshot-measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = join(ROOT, '.bench');
const V8PN = join(BENCH, 'v8pn');
const UNITS = Number(process.env.SNAPSHOT_CAPTURE_UNITS ?? 250_000);
const node = process.execPath;

requireTime();
mkdirSync(BENCH, { recursive: true });
const haveV8pn = installV8pn();
const modes = ['inspector', 'writeHeapSnapshot', ...(haveV8pn ? ['v8-profiler-next'] : [])];
const rows = [];
// Each mode twice, interleaved, so machine noise hits all of them alike; the lower peak counts.
for (let round = 0; round < Number(process.env.SNAPSHOT_CAPTURE_ROUNDS ?? 2); round++) {
  for (const mode of modes) {
    const out = join(BENCH, `capture-${mode}.heapsnapshot`);
    const r = await measure([node, '--expose-gc', join(ROOT, 'bench', 'snapshot-capture-child.js'), mode, String(UNITS), out, V8PN]);
    if (r.code !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
    const info = JSON.parse(r.stdout.trim().split('\n').pop());
    const fileBytes = statSync(out).size;
    rmSync(out);
    const prev = rows.find((x) => x.mode === mode);
    const row = { mode, peakRssBytes: r.peakRssBytes, ...info, fileBytes };
    if (!prev) rows.push(row);
    else if (row.peakRssBytes < prev.peakRssBytes) Object.assign(prev, row);
  }
}
const ref = rows.find((r) => r.mode === 'inspector');
console.log(`Heap snapshot capture, ${UNITS} units (busy shared machine: compare ratios)`);
console.log(`${'mode'.padEnd(18)} ${pad('heap used', 10)} ${pad('RSS before', 11)} ${pad('peak RSS', 10)} ${pad('peak - before', 14)} ${pad('vs inspector', 13)} ${pad('time', 8)} ${pad('file', 8)}`);
for (const r of rows) {
  console.log(
    `${r.mode.padEnd(18)} ${pad(mb(r.heapUsedBytes), 10)} ${pad(mb(r.rssBeforeBytes), 11)} ${pad(mb(r.peakRssBytes), 10)} ` +
      `${pad(mb(r.peakRssBytes - r.rssBeforeBytes), 14)} ${pad((r.peakRssBytes / ref.peakRssBytes).toFixed(3), 13)} ${pad((r.snapshotMs / 1000).toFixed(1) + ' s', 8)} ${pad(mb(r.fileBytes), 8)}`,
  );
}
if (!haveV8pn) console.log('v8-profiler-next could not be built here: see .bench/v8pn/install.log');
writeFileSync(join(BENCH, 'snapshot-capture-results.json'), JSON.stringify(rows, null, 2));

function installV8pn() {
  if (existsSync(join(V8PN, 'node_modules', 'v8-profiler-next', 'build', 'Release', 'profiler.node'))) return true;
  console.log('building v8-profiler-next from source into .bench/v8pn (bench only)...');
  mkdirSync(V8PN, { recursive: true });
  // npm 11 runs a dependency's install script only when package.json's allowScripts approves it.
  writeFileSync(join(V8PN, 'package.json'), JSON.stringify({ name: 'memkit-bench-v8pn', private: true, allowScripts: { 'v8-profiler-next': true } }));
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', V8PN, 'v8-profiler-next'], { stdio: 'inherit' });
    return existsSync(join(V8PN, 'node_modules', 'v8-profiler-next', 'build', 'Release', 'profiler.node'));
  } catch {
    return false;
  }
}
