import { lastPythonTraceback, tracebackTail } from '../../samples/python-traceback.js';
import type { Baseline, MetricEntry } from '../../baseline/schema.js';
import { gcRunsOf, gcStartupOf, type GcKindName, type PauseSummaryMs } from '../../baseline/sections.js';
import { median } from '../../analyze/percentiles.js';
import { formatBytes, formatCount, formatMs, formatPercent, formatRate } from '../../units/format.js';
import { palette } from './color.js';
import { renderProcessTable } from './process-table.js';
import { renderAllocSites } from './alloc-sites-table.js';
import { renderTable } from './table.js';

const KINDS: Array<[GcKindName, string]> = [
  ['minor', 'minor (Scavenge)'],
  ['major', 'major (Mark-Compact)'],
  ['incremental', 'incremental marking'],
  ['weakcb', 'weak callbacks'],
];

function m(b: Baseline, name: string): MetricEntry | undefined {
  return b.metrics[name];
}

function cell(entry: MetricEntry | undefined, fmt: (v: number) => string): string {
  return entry ? fmt(entry.value) : '–';
}

/** The terminal report of a gc-profile (or mem-stress) baseline. */
export function renderGcProfile(b: Baseline, opts: { color: boolean }): string {
  const c = palette(opts.color);
  const out: string[] = [];
  // Runs without an agent inside (a non-Node command) have no GC details.
  const runs = gcRunsOf(b);
  const t = b.target;
  const what =
    t.type === 'scenario' ? `${t.scenario} · ${t.variant}` : t.type === 'command' ? t.argv.join(' ') : t.type;
  const status =
    b.status === 'complete' ? c.green('complete') : b.status === 'interrupted' ? c.yellow('interrupted') : c.red('crashed');
  const n = b.runs.length;
  const runtime = b.environment.runtime === 'python' ? ` · Python ${b.environment.python ?? '(version unknown)'}` : '';
  out.push(
    `${c.bold(what)} · ${n} run${n === 1 ? '' : 's'} · ${formatMs(b.durationMs / Math.max(1, n))} measured${n > 1 ? ' each' : ''}${runtime} · ${status}`,
  );
  if (b.statusReason) out.push(`  ${b.status === 'complete' ? '' : c.red('!')} ${b.statusReason}`.trimEnd());
  // A Python traceback's innermost frames, kept with the run (the program's stderr scrolls away).
  for (const r of b.runs) {
    const tb = r.status === 'crashed' && r.stderrTail ? lastPythonTraceback(r.stderrTail) : undefined;
    if (!tb) continue;
    out.push(c.dim(`  run ${r.index + 1}'s traceback (tail):`));
    for (const line of tracebackTail(tb)) out.push(`    ${line}`);
  }
  if (n > 1) out.push(c.dim(`  figures are medians of ${n} runs`));
  for (const note of b.notes) out.push(c.dim(`  note: ${note}`));

  if (runs.length > 0) {
    const rows = KINDS.map(([kind, label]) => {
      const per = runs.map((r) => r.gcByKind[kind]);
      const count = median(per.map((p) => p.count));
      const pick = (f: (s: PauseSummaryMs) => number) => {
        const vals = per.filter((p) => p.count > 0).map((p) => f(p.pauseMs));
        return vals.length ? formatMs(median(vals)) : '–';
      };
      return [label, formatCount(count), pick((s) => s.sum), pick((s) => s.p50), pick((s) => s.p95), pick((s) => s.p99), pick((s) => s.max)];
    });
    rows.push([
      c.bold('all'),
      cell(sumCounts(b), formatCount),
      cell(m(b, 'gc.pause.total_ms'), formatMs),
      cell(m(b, 'gc.pause.p50_ms'), formatMs),
      cell(m(b, 'gc.pause.p95_ms'), formatMs),
      cell(m(b, 'gc.pause.p99_ms'), formatMs),
      cell(m(b, 'gc.pause.max_ms'), formatMs),
    ]);
    // A command is counted over its whole life; what came before its first line (Node's
    // start-up and memkit's preload) is in the counts above, and its own line says how much.
    const startups = runs.map(gcStartupOf);
    if (startups.length > 0 && startups.every((s) => s !== undefined)) {
      const count = median(startups.map((s) => KINDS.reduce((n, [k]) => n + s.counts[k], 0)));
      const pause = median(startups.map((s) => s.pauseMs));
      rows.push([c.dim('  of which before the program (start-up)'), formatCount(count), formatMs(pause), '', '', '', '']);
    }
    const checkpoints = runs[0]?.gcCheckpointCount ?? 0;
    out.push('');
    out.push(
      renderTable({
        title: `GC by kind${checkpoints ? c.dim(` (memkit's ${checkpoints} checkpoint GCs per run left out)`) : ''}`,
        head: ['kind', 'count', 'total pause', 'p50', 'p95', 'p99', 'max'],
        rows,
        alignRight: [1, 2, 3, 4, 5, 6],
        color: opts.color,
      }),
    );
  }

  const python = renderPythonGc(b, opts.color);
  if (python) out.push('', python);

  // --alloc-sites: where the allocation came from, right after what it cost in GC.
  const sites = renderAllocSites(b, opts);
  if (sites) out.push('', sites);

  const memRows: string[][] = [];
  const slope = (name: string) => cell(m(b, name), (v) => `${formatBytes(v, { signed: true })}/min`);
  if (m(b, 'rss.peak_bytes')) {
    memRows.push([
      'RSS (from outside)',
      cell(m(b, 'rss.start_bytes'), formatBytes),
      cell(m(b, 'rss.end_bytes'), formatBytes),
      cell(m(b, 'rss.peak_bytes'), formatBytes),
      cell(m(b, 'rss.growth_bytes'), (v) => formatBytes(v, { signed: true })),
      slope('rss.slope_bytes_per_min'),
    ]);
  }
  if (m(b, 'heap.used.peak_bytes')) {
    const basis = runs[0]?.heapBasis === 'checkpoint' ? ' (live, after GC)' : '';
    memRows.push([
      `V8 heap used${basis}`,
      cell(m(b, 'heap.used.start_bytes'), formatBytes),
      cell(m(b, 'heap.used.end_bytes'), formatBytes),
      cell(m(b, 'heap.used.peak_bytes'), formatBytes),
      cell(m(b, 'heap.used.growth_bytes'), (v) => formatBytes(v, { signed: true })),
      slope('heap.used.slope_bytes_per_min'),
    ]);
    memRows.push(['V8 heap total', '', '', cell(m(b, 'heap.total.peak_bytes'), formatBytes), '', '']);
    memRows.push(['external + array buffers', '', '', cell(m(b, 'external.peak_bytes'), formatBytes), '', '']);
  }
  if (m(b, 'python.allocated_blocks.peak')) {
    // Where Node shows its heap: Python's own figure, a count of pymalloc blocks (not bytes).
    memRows.push([
      'Python allocated blocks (count)',
      '',
      '',
      cell(m(b, 'python.allocated_blocks.peak'), formatCount),
      cell(m(b, 'python.allocated_blocks.growth'), (v) => `${v > 0 ? '+' : ''}${formatCount(v)}`),
      '',
    ]);
  }
  if (memRows.length) {
    out.push('');
    out.push(
      renderTable({
        title: 'Memory',
        head: ['', 'start', 'end', 'peak', 'growth', 'slope'],
        rows: memRows,
        alignRight: [1, 2, 3, 4, 5],
        color: opts.color,
      }),
    );
  }

  const rateRows: string[][] = [];
  const alloc = m(b, 'alloc.rate_bytes_per_s');
  if (alloc) {
    const perOp = m(b, 'alloc.bytes_per_op');
    rateRows.push(['allocation rate', `${formatBytes(alloc.value)}/s${perOp ? ` (${formatBytes(perOp.value)}/op)` : ''}`]);
  }
  if (m(b, 'gc.time_ratio')) rateRows.push(['time in GC pauses', cell(m(b, 'gc.time_ratio'), (v) => formatPercent(v, 2))]);
  if (m(b, 'ops.rate_per_s')) {
    rateRows.push(['throughput', `${cell(m(b, 'ops.rate_per_s'), (v) => formatRate(v, 'ops/s'))} (${cell(m(b, 'ops.count'), formatCount)} steps)`]);
  }
  if (m(b, 'cpu.time_ms')) rateRows.push(['CPU time (from outside)', cell(m(b, 'cpu.time_ms'), formatMs)]);
  if (rateRows.length) {
    out.push('');
    out.push(renderTable({ title: 'Rates', head: ['', 'value'], rows: rateRows, alignRight: [1], color: opts.color }));
  }

  const custom = Object.keys(b.metrics).filter((k) => k.startsWith('custom.'));
  if (custom.length) {
    out.push('');
    out.push(
      renderTable({
        title: 'Custom metrics',
        head: ['metric', 'value'],
        rows: custom.map((k) => [k, formatCustom(b.metrics[k]!)]),
        alignRight: [1],
        color: opts.color,
      }),
    );
  }

  // A command's tree: each process and thread, and the totals of the selection.
  const processes = t.type === 'command' ? renderProcessTable(b, { color: opts.color }) : undefined;
  if (processes) out.push('', processes);
  return out.join('\n');
}

function sumCounts(b: Baseline): MetricEntry | undefined {
  const names = ['gc.count.minor', 'gc.count.major', 'gc.count.incremental', 'gc.count.weakcb'];
  if (!names.every((n) => b.metrics[n])) return undefined;
  const runs = b.metrics['gc.count.minor']!.values.length;
  const values = Array.from({ length: runs }, (_, i) => names.reduce((s, n) => s + (b.metrics[n]!.values[i] ?? 0), 0));
  return { value: median(values), values, unit: 'count' };
}

function formatCustom(e: MetricEntry): string {
  switch (e.unit) {
    case 'ratio':
      return formatPercent(e.value, 2);
    case 'bytes':
      return formatBytes(e.value);
    case 'ms':
      return formatMs(e.value);
    default:
      return formatCount(e.value);
  }
}

/** CPython's collections by generation (memkit's Python agent), from the baseline's metrics. */
function renderPythonGc(b: Baseline, color: boolean): string | undefined {
  if (!m(b, 'gc.count.gen0')) return undefined;
  const rows = [0, 1, 2].map((g) => [
    `gen${g}`,
    cell(m(b, `gc.count.gen${g}`), formatCount),
    cell(m(b, `gc.collected.gen${g}`), formatCount),
    cell(m(b, `gc.uncollectable.gen${g}`), formatCount),
    cell(m(b, `gc.pause.gen${g}.total_ms`), formatMs),
    cell(m(b, `gc.pause.gen${g}.p95_ms`), formatMs),
  ]);
  rows.push([
    'all',
    formatCount([0, 1, 2].reduce((n, g) => n + (m(b, `gc.count.gen${g}`)?.value ?? 0), 0)),
    cell(m(b, 'gc.collected'), formatCount),
    cell(m(b, 'gc.uncollectable'), formatCount),
    cell(m(b, 'gc.pause.total_ms'), formatMs),
    cell(m(b, 'gc.pause.p95_ms'), formatMs),
  ]);
  return renderTable({
    title: 'Python GC by generation (gc.callbacks, from the program\'s first line to its exit handlers)',
    head: ['generation', 'collections', 'collected', 'uncollectable', 'total pause', 'p95'],
    rows,
    alignRight: [1, 2, 3, 4, 5],
    color,
  });
}
