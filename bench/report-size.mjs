#!/usr/bin/env node
// The HTML report of a 24 h run sampled every 100 ms (~860k samples per series, ~260k GC
// events, 860k latency batches): its size, the time memkit takes to write it, and how the
// page behaves in Chromium. Targets (issue 7): under 5 MB and interactive.
//
// Timings are ratios against references measured in the same run, because this machine is
// shared and noisy:
//  - generation: `memkit report` end to end vs. only reading the samples back (readRunData,
//    the floor any report of this run must pay);
//  - browser: the 24 h page vs. the page of a 60 s run, time to charts drawn and to a zoom.
//
//   node bench/report-size.mjs [--hours 24] [--repeat 3] [--keep]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSyntheticRun } from './report-synthetic.mjs';
import { readRunData } from '../dist/src/samples/run-data.js';
import { median } from '../dist/src/analyze/percentiles.js';
import { formatBytes, formatMs } from '../dist/src/units/format.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { hours: { type: 'string', default: '24' }, repeat: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } },
});
const hours = Number(values.hours);
const repeat = Number(values.repeat);
const dir = join(ROOT, '.bench', 'report');
mkdirSync(dir, { recursive: true });
const name = `synthetic-${hours}h`;

// 1. The run: generated once and kept in .bench/ (it is ~680 MB for 24 h).
let t = performance.now();
const baselinePath = join(dir, `${name}.json`);
const samplesPath = join(dir, `${name}.jsonl`);
if (!existsSync(baselinePath) || !existsSync(samplesPath)) {
  process.stdout.write(`generating a ${hours} h synthetic run in ${dir} ...\n`);
  const r = await writeSyntheticRun(dir, name, { durationMs: hours * 3600_000, seed: 24 });
  process.stdout.write(`  ${r.lines.toLocaleString('en-US')} records in ${formatMs(performance.now() - t)}\n`);
}
const small = await writeSyntheticRun(dir, 'synthetic-60s', { durationMs: 60_000, seed: 24 });
const { data } = await readRunData(samplesPath);
process.stdout.write(
  `run: ${hours} h, samples file ${formatBytes(statSync(samplesPath).size)}; ` +
    `${data.mem.tMs.length.toLocaleString('en-US')} heap samples, ${data.proc.tMs.length.toLocaleString('en-US')} RSS samples, ` +
    `${data.gc.tMs.length.toLocaleString('en-US')} GC events, ${data.latency.tMs.length.toLocaleString('en-US')} latency batches\n\n`,
);

// 2. Generation: memkit report end to end, vs. reading the samples alone; interleaved.
const htmlPath = join(dir, `${name}.html`);
const readMs = [];
const reportMs = [];
let peakRssKb = 0;
for (let i = 0; i < repeat; i++) {
  t = performance.now();
  const child = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(join(ROOT, 'dist/src/samples/run-data.js'))}).then(m => m.readRunData(${JSON.stringify(samplesPath)}))`]);
  if (child.status !== 0) throw new Error(child.stderr.toString());
  readMs.push(performance.now() - t);
  t = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/memkit.js'), 'report', baselinePath, '--html', htmlPath], { encoding: 'utf8' });
  reportMs.push(performance.now() - t);
  if (r.status !== 0) throw new Error(`memkit report failed: ${r.stderr}`);
  // The same report once more under GNU time, if present, for its peak memory.
  if (i === 0 && existsSync('/usr/bin/time')) {
    const timed = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bin/memkit.js'), 'report', baselinePath, '--html', htmlPath], { encoding: 'utf8' });
    peakRssKb = Number(timed.stderr.trim().split('\n').pop());
  }
}
const size = statSync(htmlPath).size;
const page = readFileSync(htmlPath, 'utf8');
const json = /<script type="application\/json" id="memkit-data">(.*?)<\/script>/s.exec(page)[1];
const trace = JSON.parse(json).traces[0];
const drawn = (s) => s?.tS.length ?? 0;

process.stdout.write('generation (median of ' + repeat + ', busy shared machine):\n');
process.stdout.write(`  memkit report --html          ${formatMs(median(reportMs)).padStart(9)}\n`);
process.stdout.write(`  reference: readRunData alone  ${formatMs(median(readMs)).padStart(9)}\n`);
process.stdout.write(`  ratio report / read           ${(median(reportMs) / median(readMs)).toFixed(2).padStart(9)}\n`);
if (peakRssKb) process.stdout.write(`  peak RSS of memkit report     ${formatBytes(peakRssKb * 1024).padStart(9)}\n`);
process.stdout.write(`\nreport: ${formatBytes(size)} (target < 5 MB: ${size < 5e6 ? 'met' : 'MISSED'}); inlined data ${formatBytes(json.length)}\n`);
process.stdout.write(
  `  drawn: RSS ${drawn(trace.rss)} of ${trace.rss.raw}, heap ${drawn(trace.heapUsed)} of ${trace.heapUsed.raw}, ` +
    `GC marks ${trace.gc.tS.length} of ${trace.gc.totalEvents} (${trace.gc.outlierCount} pauses >= P99 ${trace.gc.outlierThresholdMs} ms kept), ` +
    `latency ${trace.latency.tS.length} of ${trace.latency.raw} batches\n`,
);

// 3. The page in Chromium: time to charts drawn and to a zoom, vs. a 60 s run's page.
const chromiumPath = process.env.MEMKIT_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  process.stdout.write(`\nbrowser: skipped (no ${chromiumPath}; apt-get install chromium)\n`);
} else {
  const smallHtml = join(dir, 'synthetic-60s.html');
  spawnSync(process.execPath, [join(ROOT, 'bin/memkit.js'), 'report', small.baselinePath, '--html', smallHtml]);
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'memkit-bench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const measure = async (file) => {
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const t0 = performance.now();
    await p.goto(`file://${file}`);
    await p.waitForSelector('body[data-charts-ready]', { timeout: 60_000 });
    const loadMs = performance.now() - t0;
    const over = p.locator('[data-chart="memory"] .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    const range = () => p.$$eval('[data-chart]', (els) => els.map((e) => e.dataset.xMin).join());
    const before = await range();
    const t1 = performance.now();
    await p.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await p.mouse.down();
    await p.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await p.mouse.up();
    await p.waitForFunction((b) => [...document.querySelectorAll('[data-chart]')].map((e) => e.dataset.xMin).join() !== b, before);
    const zoomMs = performance.now() - t1;
    const heap = await p.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
    await p.close();
    return { loadMs, zoomMs, heap, errors };
  };
  const big = [];
  const ref = [];
  for (let i = 0; i < repeat; i++) {
    ref.push(await measure(smallHtml));
    big.push(await measure(htmlPath));
  }
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
  const med = (xs, k) => median(xs.map((x) => x[k]));
  process.stdout.write(`\nbrowser (Chromium, median of ${repeat}):\n`);
  process.stdout.write(`  24 h page: charts drawn in ${formatMs(med(big, 'loadMs'))}, zoom of all charts ${formatMs(med(big, 'zoomMs'))}, JS heap ${formatBytes(med(big, 'heap'))}\n`);
  process.stdout.write(`  reference (60 s run page): drawn in ${formatMs(med(ref, 'loadMs'))}, zoom ${formatMs(med(ref, 'zoomMs'))}\n`);
  process.stdout.write(`  ratio 24 h / 60 s: load ${(med(big, 'loadMs') / med(ref, 'loadMs')).toFixed(2)}, zoom ${(med(big, 'zoomMs') / med(ref, 'zoomMs')).toFixed(2)}\n`);
  const errs = big.flatMap((b) => b.errors);
  if (errs.length) process.stdout.write(`  page errors: ${errs.join('; ')}\n`);
}
if (!values.keep) rmSync(htmlPath, { force: true });
