import { describe, expect, it } from 'vitest';
import type { Baseline, MetricEntry } from '../src/baseline/schema.js';
// The compiled page, as memkit runs it: it inlines the compiled chart code beside it.
import { renderHtmlReport } from '../dist/src/report/html/page.js';
import { heapClasses } from '../src/report/html/heap-classes.js';
import type { ReportSide } from '../src/report/inputs.js';

/**
 * The page as a string, for the kinds of baseline the browser test does not run: heap
 * summaries (mem-snapshot) with hostile constructor names, crashed runs, runs without
 * samples. The browser test checks the page behaves; these check what it says.
 */

const EVIL = '<img src=x onerror=alert(1)>';
const metric = (value: number, unit: MetricEntry['unit'] = 'bytes'): MetricEntry => ({ value, values: [value], unit });

function baseline(over: Partial<Baseline>): Baseline {
  return {
    schema: 'memkit.baseline/1',
    kind: 'gc-profile',
    runId: 'r',
    status: 'complete',
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1000,
    tool: { name: 'memkit', version: '0.1.0' },
    command: { argv: ['gc-profile', '--', 'node', `${EVIL}.js`], cwd: '/' },
    target: { type: 'command', argv: ['node', `${EVIL}.js`], instrumented: true },
    environment: {
      node: 'v20.20.2', v8: '11.3', platform: 'linux', arch: 'x64', cpuModel: `CPU ${EVIL}`, cpuCount: 2,
      totalMemoryBytes: 8e9, hostname: EVIL, nodeFlags: [`--title=${EVIL}`],
    },
    settings: { intervalMs: 100 },
    runs: [{ index: 0, status: 'complete', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1000 }],
    metrics: {},
    notes: [],
    ...over,
  };
}

const side = (b: Baseline, runs: ReportSide['runs'] = []): ReportSide => ({ path: `/r/${EVIL}.json`, baseline: b, runs });

/** Markup the page's own template writes, with every user string removed: what remains must be ours. */
function userTextOnly(page: string): string {
  return page.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');
}

describe('heap summaries (mem-snapshot baselines)', () => {
  const classes = [
    ['(compiled code)', 50, 2e6, 3e6],
    [EVIL, 1000, 64e3, 9e6],
    ['</script><script>alert(2)</script>', 10, 1e3, 4e6],
    ['Map', 5, 500, 1e5],
  ] as const;
  const metrics: Record<string, MetricEntry> = { 'heap.snapshot.total_bytes': metric(20e6), 'heap.snapshot.nodes.count': metric(12345, 'count') };
  for (const [name, count, self, retained] of classes) {
    metrics[`heap.class.${name}.count`] = metric(count, 'count');
    metrics[`heap.class.${name}.self_bytes`] = metric(self);
    metrics[`heap.class.${name}.retained_bytes`] = metric(retained);
  }
  const b = baseline({ kind: 'heap-summary', target: { type: 'snapshot', files: [`/s/${EVIL}.heapsnapshot`] }, metrics });

  it('reads the classes back from heap.class.<Name>.* metrics, largest retained first', () => {
    expect(heapClasses(b).map((c) => c.className)).toEqual([EVIL, '</script><script>alert(2)</script>', '(compiled code)', 'Map']);
    expect(heapClasses(b)[0]).toEqual({ className: EVIL, count: 1000, selfBytes: 64e3, retainedBytes: 9e6 });
  });

  it("prefers mem-snapshot's full class table when the baseline has it", () => {
    const withExtra = { ...b, extra: { heapSummary: { classes: [{ className: 'Only', count: 1, selfBytes: 2, retainedBytes: 3 }] } } };
    expect(heapClasses(withExtra)).toEqual([{ className: 'Only', count: 1, selfBytes: 2, retainedBytes: 3 }]);
  });

  it('shows the top constructors as text, and no markup of theirs', () => {
    const page = renderHtmlReport([side(b)]);
    const body = userTextOnly(page);
    expect(body).toContain('Top constructors by retained size');
    expect(body).toContain(`<td class="metric-name class-name">&lt;img src=x onerror=alert(1)&gt;</td>`);
    expect(body).not.toContain('<img');
    expect(body).not.toMatch(/<script>alert|onerror=alert\(1\)>/);
    // The inlined data cannot close its script element either.
    const data = /<script type="application\/json" id="memkit-data">([\s\S]*?)<\/script>/.exec(page)![1]!;
    expect(data).not.toContain('<');
    expect(page).not.toContain('id="charts"'); // no time series, no chart section
  });
});

describe('runs that went wrong', () => {
  it("shows a crash's reason and the child's last stderr, escaped", () => {
    const b = baseline({
      status: 'crashed',
      statusReason: `child ran out of V8 heap ${EVIL}`,
      runs: [{ index: 0, status: 'crashed', statusReason: 'oom', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 500, stderrTail: `FATAL ERROR ${EVIL}` }],
    });
    const page = renderHtmlReport([side(b)]);
    const body = userTextOnly(page);
    expect(body).toContain('data-status="crashed"');
    expect(body).toContain(`child ran out of V8 heap &lt;img src=x onerror=alert(1)&gt;`);
    expect(body).toContain(`<pre>FATAL ERROR &lt;img src=x onerror=alert(1)&gt;</pre>`);
    expect(body).not.toContain('<img');
  });

  it('says why a run has no charts', () => {
    const b = baseline({ metrics: { 'rss.peak_bytes': metric(5e7) } });
    const page = renderHtmlReport([side(b, [{ index: 0, badLines: 0, samplesPath: '/r/x.jsonl', problem: 'samples file /r/x.jsonl not found' }])]);
    expect(page).toContain('No charts: run 1: samples file /r/x.jsonl not found');
    expect(page).toContain('data-metric="rss.peak_bytes" data-value="50000000"');
  });

  it('keeps every baseline fact, escaped: command, machine, flags', () => {
    const body = userTextOnly(renderHtmlReport([side(baseline({}))]));
    expect(body).toContain(`node &#39;&lt;img src=x onerror=alert(1)&gt;.js&#39;`); // shell-quoted, then escaped
    expect(body).toContain(`CPU &lt;img src=x onerror=alert(1)&gt; × 2`);
    expect(body).toContain(`--title=&lt;img src=x onerror=alert(1)&gt;`);
    expect(body).not.toContain('<img');
  });
});
