import type { Baseline, MetricEntry } from '../../baseline/schema.js';
import { assertionsOf, leakOf, stressRunsOf, type AssertionSection } from '../../baseline/sections.js';
import { formatBytes, formatCount, formatMs, formatPercent, formatRate } from '../../units/format.js';
import { palette } from './color.js';
import { renderGcProfile } from './gc-profile-table.js';
import { renderTable } from './table.js';
import { liveMemoryLabel } from '../live-memory-label.js';

/** The terminal report of a mem-stress baseline: gc-profile's tables plus the soak test's. */
export function renderMemStress(b: Baseline, opts: { color: boolean }): string {
  const c = palette(opts.color);
  const out = [renderGcProfile(b, opts)];
  const runs = stressRunsOf(b);
  const m = (name: string): MetricEntry | undefined => b.metrics[name];
  const v = (name: string, fmt: (x: number) => string) => (m(name) ? fmt(m(name)!.value) : '–');

  if (m('latency.p50_ms')) {
    out.push('');
    out.push(
      renderTable({
        title: 'Step latency after warm-up',
        head: ['steps', 'mean', 'p50', 'p95', 'p99', 'max', 'throughput'],
        rows: [[
          formatCount(runs[0]?.latency?.count ?? 0),
          v('latency.mean_ms', formatMs), v('latency.p50_ms', formatMs), v('latency.p95_ms', formatMs),
          v('latency.p99_ms', formatMs), v('latency.max_ms', formatMs), v('ops.rate_per_s', (x) => formatRate(x, 'ops/s')),
        ]],
        alignRight: [0, 1, 2, 3, 4, 5, 6],
        color: opts.color,
      }),
    );
  }

  const phases = runs[0]?.phases;
  if (phases && phases.phases.length) {
    out.push('');
    out.push(
      renderTable({
        title: `Time per phase after warm-up${phases.bottleneck ? ` — bottleneck: ${c.bold(phases.bottleneck)} (> 50 % of the time)` : ''}`,
        head: ['phase', 'calls', 'total', 'mean', 'share'],
        rows: phases.phases.map((p) => [p.name, formatCount(p.count), formatMs(p.totalMs), formatMs(p.meanMs), formatPercent(p.share)]),
        alignRight: [1, 2, 3, 4],
        color: opts.color,
      }),
    );
  }

  const leak = leakOf(b);
  if (leak) {
    const slope = (name: string) => v(name, (x) => `${formatBytes(x, { signed: true })}/min`);
    out.push('');
    out.push(
      renderTable({
        title: 'After warm-up',
        head: ['', 'growth', 'slope'],
        rows: [
          ['RSS (from outside)', v('rss.growth_bytes', (x) => formatBytes(x, { signed: true })), slope('rss.slope_bytes_per_min')],
          [liveMemoryLabel(b), v('live.growth_bytes', (x) => formatBytes(x, { signed: true })), slope('live.slope_bytes_per_min')],
          ...(b.environment.runtime === 'python' ? [] : [['V8 heap (after GC)', v('heap.used.growth_bytes', (x) => formatBytes(x, { signed: true })), slope('heap.used.slope_bytes_per_min')]]),
        ],
        alignRight: [1, 2],
        color: opts.color,
      }),
    );
    const paint = leak.verdict === 'leak' ? c.red : leak.verdict === 'no leak' ? c.green : c.yellow;
    out.push(`Leak verdict: ${paint(c.bold(leak.verdict))}${runs.length > 1 ? ` (over ${runs.length} runs)` : ''}`);
    out.push(`  evidence: ${leak.reason}`);
    if (runs.length > 1) runs.forEach((r, i) => out.push(c.dim(`  run ${i + 1}: ${r.leak.verdict}`)));
  }

  const assertions = assertionsOf(b);
  if (assertions.length) {
    out.push('');
    out.push(renderAssertions(assertions, b, opts));
  }
  return out.join('\n');
}

export function renderAssertions(results: AssertionSection[], b: Baseline, opts: { color: boolean }): string {
  const c = palette(opts.color);
  return renderTable({
    title: 'Assertions',
    head: ['assertion', 'measured', 'result'],
    rows: results.map((r) => [
      r.assertion.text,
      r.measured === undefined ? 'not measured' : formatValue(r.measured, b.metrics[r.assertion.metric]?.unit),
      r.pass ? c.green('pass') : c.red('FAIL'),
    ]),
    alignRight: [1],
    color: opts.color,
  });
}

function formatValue(x: number, unit: string | undefined): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(x);
    case 'bytes_per_min':
      return `${formatBytes(x, { signed: true })}/min`;
    case 'bytes_per_s':
      return `${formatBytes(x)}/s`;
    case 'ms':
      return formatMs(x);
    case 'ratio':
      return `${x.toFixed(4)} (${formatPercent(x)})`;
    default:
      return formatCount(x);
  }
}
