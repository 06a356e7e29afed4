#!/usr/bin/env node
// `make example-python`: seed 000's W1 table, measured. Runs examples/python/strategy.py's two
// variants under `memkit gc-profile --repeat N` (fixed work: --ticks), compares them with
// `memkit diff --format json`, and prints before, after, the change and memkit diff's verdict.
//
//   node examples/python/seed-table.mjs [--ticks 200000] [--repeat 4] [--out-dir reports/example-python] [--python python3]
//
// Every figure comes from a run: RSS growth, GC counts and pause p95 from memkit's baselines;
// the hit ratios from each cache's cache_info(), and the net allocation rate from the
// program's own sys.getallocatedblocks() (memkit measures no allocation rate for a Python
// program), both read from the JSON lines the program appends (--stats-out).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const MEMKIT = join(ROOT, 'bin', 'memkit.js');
const PROGRAM = join(HERE, 'strategy.py');
const VARIANTS = ['before', 'after'];
const MEMKIT_METRICS = ['rss.growth_bytes', 'gc.count.gen0', 'gc.count.gen1', 'gc.count.gen2', 'gc.pause.p95_ms'];

function fail(message) {
  process.stderr.write(`seed-table: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { ticks: 200_000, repeat: 4, outDir: join(ROOT, 'reports', 'example-python'), python: process.env.PYTHON || 'python3' };
  const flags = { '--ticks': 'ticks', '--repeat': 'repeat', '--out-dir': 'outDir', '--python': 'python' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = flags[argv[i]];
    if (!key || argv[i + 1] === undefined) fail(`unknown option or missing value: ${argv[i]} (options: ${Object.keys(flags).join(', ')})`);
    opts[key] = argv[i + 1];
  }
  for (const key of ['ticks', 'repeat']) {
    const n = Number(opts[key]);
    if (!Number.isInteger(n) || n < 1) fail(`--${key} must be a whole number >= 1, got ${opts[key]}`);
    opts[key] = n;
  }
  opts.outDir = resolve(opts.outDir);
  return opts;
}

/** The interpreter's real executable: a version manager's shim would be measured as a tree of shells. */
function realPython(python) {
  try {
    return execFileSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  } catch {
    fail(`cannot run ${python} (set PYTHON or --python to a Python 3.8+ interpreter)`);
  }
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function measure(opts, python, variant) {
  const baseline = join(opts.outDir, `${variant}.json`);
  const stats = join(opts.outDir, `${variant}.stats.jsonl`);
  rmSync(stats, { force: true }); // one line per run of this measurement only
  const args = [MEMKIT, 'gc-profile', '--no-progress', '--repeat', String(opts.repeat), '--out', baseline, '--', python, PROGRAM, '--variant', variant, '--ticks', String(opts.ticks), '--stats-out', stats];
  process.stderr.write(`seed-table: memkit gc-profile --repeat ${opts.repeat} -- python strategy.py --variant ${variant} --ticks ${opts.ticks}\n`);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  writeFileSync(join(opts.outDir, `${variant}.log`), r.stdout + r.stderr);
  if (r.status !== 0) fail(`memkit gc-profile (${variant}) exited ${r.status}: see ${join(opts.outDir, `${variant}.log`)}`);
  const runs = readFileSync(stats, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (runs.length !== opts.repeat) fail(`${stats}: ${runs.length} runs written, ${opts.repeat} expected`);
  return { baseline, runs };
}

/** The program's own figures, the median over the runs. */
function programFigures(runs) {
  const cache = (name) => median(runs.map((r) => r.caches[name].hitRatio ?? Number.NaN));
  return {
    allocRate: median(runs.map((r) => (r.allocatedBlocksEnd - r.allocatedBlocksStart) / r.workSeconds)),
    // Per tick too: the work is fixed, so this one does not move with the machine's load.
    allocPerTick: median(runs.map((r) => (r.allocatedBlocksEnd - r.allocatedBlocksStart) / r.ticks)),
    ma: cache('ma'),
    atr: cache('atr'),
    window: cache('window'),
  };
}

const MB = 1e6;
const fmt = {
  bytes: (v) => `${v >= 0 ? '+' : '-'}${(Math.abs(v) / MB).toFixed(2)} MB`,
  rate: (v, p) => `${Math.round(v).toLocaleString('en-US')} blocks/s (${p.allocPerTick.toFixed(2)}/tick)`,
  ratio: (v) => (Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`),
  count: (v) => String(v),
  ms: (v) => `${v.toFixed(2)} ms`,
};

function relativeChange(before, after) {
  if (before === after) return '0%';
  if (before === 0) return 'n/a (before is 0)';
  const pct = ((after - before) / Math.abs(before)) * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** memkit diff's verdict on a metric: its word, with the test's p-value or "threshold only". */
function verdict(diff, name) {
  const m = diff.metrics.find((x) => x.name === name);
  if (!m) return 'absent from the diff';
  if (m.testSkipped) return `${m.verdict} (threshold only: too few runs)`;
  const side = m.verdict === 'regressed' ? m.test?.regression : m.test?.improvement;
  if (!side) return m.verdict;
  return `${m.verdict} (p=${side.pValue.toPrecision(2)}, ${m.test.correction} ${side.adjustedP.toPrecision(2)})`;
}

function tableRows(baselines, program, diff) {
  const metric = (variant, name) => {
    const value = baselines[variant].metrics[name]?.value;
    if (value === undefined) fail(`${name} is not in the ${variant} baseline`);
    return value;
  };
  const rows = [];
  const fromMemkit = (label, name, format) => {
    const before = metric('before', name);
    const after = metric('after', name);
    rows.push({ label, metric: name, before, after, text: [format(before), format(after), relativeChange(before, after), verdict(diff, name)] });
  };
  const fromProgram = (label, key, format, change, note) => {
    const before = program.before[key];
    const after = program.after[key];
    rows.push({ label, metric: key, before, after, text: [format(before, program.before), format(after, program.after), change(before, after), note] });
  };
  const points = (b, a) => `${a - b >= 0 ? '+' : ''}${((a - b) * 100).toFixed(1)} pp`;
  fromMemkit('RSS growth', 'rss.growth_bytes', fmt.bytes);
  fromProgram('allocation rate (net)', 'allocRate', fmt.rate, relativeChange, "the program's sys.getallocatedblocks(): memkit has none for Python");
  fromProgram('MA hit ratio', 'ma', fmt.ratio, points, 'cache_info()');
  fromProgram('ATR hit ratio', 'atr', fmt.ratio, points, 'cache_info()');
  fromProgram('window hit ratio', 'window', fmt.ratio, points, 'cache_info()');
  fromMemkit('gen0 collections', 'gc.count.gen0', fmt.count);
  fromMemkit('gen1 collections', 'gc.count.gen1', fmt.count);
  fromMemkit('gen2 collections', 'gc.count.gen2', fmt.count);
  fromMemkit('GC pause p95', 'gc.pause.p95_ms', fmt.ms);
  return rows;
}

function renderMarkdown(rows) {
  const head = ['metric', 'before', 'after', 'change', 'memkit diff / source'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.label, ...r.text].join(' | ')} |`);
  return lines.join('\n');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const python = realPython(opts.python);
  mkdirSync(opts.outDir, { recursive: true });
  const measured = Object.fromEntries(VARIANTS.map((v) => [v, measure(opts, python, v)]));
  const baselines = Object.fromEntries(VARIANTS.map((v) => [v, JSON.parse(readFileSync(measured[v].baseline, 'utf8'))]));
  const program = Object.fromEntries(VARIANTS.map((v) => [v, programFigures(measured[v].runs)]));
  // Exit 1 would only mean "after regressed somewhere": the table shows it either way.
  // The table's memkit metrics are the tested family: corrected across these five rather than
  // the baseline's twenty, 4 runs per side can reach significance (memkit diff's own advice).
  const decide = ['--metrics', MEMKIT_METRICS.join(',')];
  const d = spawnSync(process.execPath, [MEMKIT, 'diff', measured.before.baseline, measured.after.baseline, '--format', 'json', ...decide], { cwd: ROOT, encoding: 'utf8' });
  if (d.status !== 0 && d.status !== 1) fail(`memkit diff exited ${d.status}: ${d.stderr.trim().split('\n').pop()}`);
  const diff = JSON.parse(d.stdout);
  const rows = tableRows(baselines, program, diff);
  const markdown = renderMarkdown(rows);
  const py = baselines.before.environment.python;
  const header = `Seed 000, W1 in Python ${py}: ${opts.ticks} ticks per run, ${opts.repeat} run${opts.repeat === 1 ? '' : 's'} per variant (medians)`;
  writeFileSync(join(opts.outDir, 'table.md'), `${header}\n\n${markdown}\n`);
  writeFileSync(join(opts.outDir, 'table.json'), `${JSON.stringify({ ticks: opts.ticks, repeat: opts.repeat, python: py, rows }, null, 2)}\n`);
  process.stdout.write(`${header}\n\n${markdown}\n\nbaselines, logs and this table: ${opts.outDir}\n`);
}

main();
