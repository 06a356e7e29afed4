import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { FIXTURES, ROOT, readJson, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { formatMetric } from '../src/report/metric-format.js';
import { figureLabel } from '../src/report/html/tables.js';
// @ts-expect-error a plain .mjs module without types (the benchmark's generator)
import { writeSyntheticRun } from '../bench/report-synthetic.mjs';

/**
 * The HTML report in a real browser (Debian's chromium, driven by playwright-core): no
 * console errors, no network, every chart drawn with the data the page carries, the
 * summary showing the baseline's values, user strings shown as text and never run.
 * Screenshots are kept in test-artifacts/ for a person to look at.
 */

const CHROMIUM = process.env.MEMKIT_CHROMIUM ?? '/usr/bin/chromium';
const SKIP = process.env.MEMKIT_SKIP_BROWSER === '1';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '</script><script>alert(2)</script>';
const XSS_SCENARIO = join(FIXTURES, 'report', 'xss.scenario.js');
const ALLOC_MARKUP = join(FIXTURES, 'report', 'alloc-markup.cjs');
/** The file name alloc-markup.cjs compiles its allocMarkup function under (V8 reports it as the site's url). */
const MARKUP_FILE = '<script>alert(3)</script>&"q';

if (SKIP) {
  console.warn('\n!!! MEMKIT_SKIP_BROWSER=1: the HTML report is NOT being checked in a browser !!!\n');
}

const tmp = tempDir('memkit-report-');
let context: BrowserContext | undefined;
let userDataDir: string | undefined;
const runs: Record<string, CliResult> = {};
const file = (name: string) => join(tmp.path, name);

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
  failed: string[];
  dialogs: string[];
}

async function open(htmlPath: string): Promise<Opened> {
  const page = await context!.newPage();
  const o: Opened = { page, errors: [], requests: [], failed: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') o.errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => o.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => o.requests.push(r.url()));
  page.on('requestfailed', (r) => o.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('dialog', (d) => {
    o.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`file://${htmlPath}`);
  await page.waitForSelector('body[data-charts-ready]', { timeout: 15_000 });
  return o;
}

/** Nothing went wrong in the page and nothing was fetched but the page itself. */
function expectClean(o: Opened, htmlPath: string): void {
  expect(o.errors).toEqual([]);
  expect(o.failed).toEqual([]);
  expect(o.dialogs).toEqual([]);
  expect(o.requests).toEqual([`file://${htmlPath}`]);
}

interface ChartState {
  id: string;
  drawn: string | null;
  points: number;
  series: number;
  /** Non-white pixels in the chart's canvas. */
  inked: number;
}

async function chartStates(page: Page): Promise<ChartState[]> {
  return page.$$eval('[data-chart]', (els) =>
    els.map((el) => {
      const canvas = el.querySelector('canvas') as HTMLCanvasElement | null;
      let inked = 0;
      if (canvas) {
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && (px[i]! < 235 || px[i + 1]! < 235 || px[i + 2]! < 235)) inked++;
      }
      const h = el as HTMLElement;
      return { id: h.dataset.chart!, drawn: h.dataset.drawn ?? null, points: Number(h.dataset.points), series: Number(h.dataset.series), inked };
    }),
  );
}

/** What each chart must draw: every point of the data the page carries, counted here from its JSON. */
function expectedPoints(data: any): Record<string, number> {
  const len = (a?: unknown[]) => a?.filter((v) => v !== null && v !== undefined).length ?? 0;
  const out: Record<string, number> = {};
  const add = (k: string, n: number) => (out[k] = (out[k] ?? 0) + n);
  for (const t of data.traces) {
    add('memory', len(t.rss?.v) + len(t.heapUsed?.v) + len(t.heapTotal?.v) + len(t.external?.v) + len(t.live?.v));
    if (t.gc) {
      add('gc-pauses', t.gc.tS.length);
      for (const counts of Object.values(t.gc.rate.perMin) as number[][]) if (counts.some((v) => v > 0)) add('gc-rate', counts.length);
    }
    if (t.alloc) add('alloc', len(t.alloc.bytesPerS));
    if (t.latency) add('latency', len(t.latency.p50Ms) + len(t.latency.p99Ms) + len(t.latency.maxMs));
    if (t.throughput) add('throughput', len(t.throughput.perS));
  }
  return out;
}

async function pageData(page: Page): Promise<any> {
  return JSON.parse((await page.textContent('#memkit-data'))!);
}

async function expectChartsDrawn(page: Page, want: string[]): Promise<any> {
  const data = await pageData(page);
  const expected = expectedPoints(data);
  const states = await chartStates(page);
  expect(states.map((s) => s.id).sort()).toEqual([...want].sort());
  for (const s of states) {
    expect(s.drawn, s.id).toBe('1');
    expect(s.points, s.id).toBeGreaterThan(0);
    expect(s.points, s.id).toBe(expected[s.id]);
    expect(s.inked, `${s.id}: canvas pixels drawn`).toBeGreaterThan(500);
  }
  return data;
}

/** Every key figure shows the baseline's own value, formatted as the tables format it. */
async function expectFiguresMatch(page: Page, baseline: any): Promise<void> {
  const figures = await page.$$eval('.figure', (els) =>
    els.map((e) => ({ name: (e as HTMLElement).dataset.metric!, value: (e as HTMLElement).dataset.value!, text: e.querySelector('.figure-value')!.textContent! })),
  );
  expect(figures.length).toBeGreaterThan(5);
  for (const f of figures) {
    const m = baseline.metrics[f.name];
    expect(m, f.name).toBeDefined();
    expect(Number(f.value), f.name).toBe(m.value);
    expect(f.text, f.name).toBe(formatMetric(m.value, m.unit, figureLabel(f.name).signed));
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}

describe.skipIf(SKIP)('the HTML report in headless Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install it (apt-get update && apt-get install -y chromium; .ci/run does) ` +
          'or set MEMKIT_SKIP_BROWSER=1 to skip the browser tests',
      );
    }
    // Two measured children at once: a soak test of the markup-named scenario (latency,
    // leak verdict, assertions and every user string), and a plain Node program profiled
    // with gc-profile --html.
    // Two short --alloc-sites runs of a program whose site names carry markup (the current side's
    // allocB allocates twice as much): the flame graph and its differential.
    const sites = (name: string, bFactor: number) =>
      runCli(['gc-profile', '--alloc-sites', '--no-progress', '--out', file(`${name}.json`), '--', process.execPath, '--max-inlined-bytecode-size=0', ALLOC_MARKUP], {
        env: { AB_CALLS: '20000', B_FACTOR: String(bFactor) },
      });
    const [stress, command] = await Promise.all([
      runCli([
        // 1000 objects a step (~150 KB): GCs in the window even when a busy machine runs few steps (at 64 a step, two CPU hogs
        // once left the window without a GC, and the report without the pause figures the test reads).
        'mem-stress', '--scenario', XSS_SCENARIO, '--param', 'size=1000', '--rate', '500', '--duration', '1.5s', '--warmup', '0.3s', '--no-progress',
        '--assert', 'rss.growth_bytes<1GB', '--assert', 'gc.pause.max_ms<0.001', '--out', file('stress.json'), '--html', file('stress.html'),
      ]),
      runCli(['gc-profile', '--no-progress', '--out', file('command.json'), '--html', file('command.html'), '--', 'node', join(FIXTURES, 'apps', 'alloc-app.js'), '800']),
    ]);
    // After the soak run, not beside it: two more children at once would leave its window fewer steps on a busy machine.
    const [sitesBase, sitesCurrent] = await Promise.all([sites('sites-base', 1), sites('sites-current', 2)]);
    Object.assign(runs, { stress, command, sitesBase, sitesCurrent });
    runs.sitesOne = await runCli(['report', file('sites-current.json'), '--html', file('sites.html')]);
    runs.sitesDiff = await runCli(['report', file('sites-base.json'), file('sites-current.json'), '--html', file('sites-diff.html')]);
    // The comparison's baseline side: the same scenario as a run written the way the runner
    // writes one (bench/report-synthetic.mjs), which spares the suite a third child.
    if (stress.code === 1) {
      const target = readJson(file('stress.json')).target;
      await writeSyntheticRun(tmp.path, 'base', { durationMs: 3000, scenario: target.scenario, variant: target.variant, params: target.params });
    }
    runs.diff = await runCli(['report', file('base.json'), file('stress.json'), '--html', file('diff.html')]);
    const { chromium } = await import('playwright-core');
    userDataDir = mkdtempSync(join(tmpdir(), 'memkit-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    tmp.cleanup();
  });

  it('mem-stress --html: charts drawn, real values shown, user strings shown as text and never run', async () => {
    expect(runs.stress!.code, runs.stress!.stderr).toBe(1); // the second assertion fails on purpose
    expect(runs.stress!.stderr).toContain(`report written: ${file('stress.html')}`);
    const baseline = readJson(file('stress.json'));
    const o = await open(file('stress.html'));
    const { page } = o;
    await expectChartsDrawn(page, ['memory', 'gc-pauses', 'gc-rate', 'alloc', 'latency', 'throughput']);
    await expectFiguresMatch(page, baseline);

    // The markup-named scenario, variant, parameter, counters and gauge, as literal text.
    expect(await page.textContent('#title')).toBe(`${IMG} · ${IMG}`);
    expect(await page.textContent('[data-field=scenario]')).toBe(IMG);
    expect(await page.textContent('[data-field=variant]')).toBe(IMG);
    expect(await page.$$eval('.param-name', (els) => els.map((e) => e.textContent))).toContain(IMG);
    expect(await page.$$eval('.param-value', (els) => els.map((e) => e.textContent))).toContain(SCRIPT);
    const customNames = await page.$$eval('#custom-table .metric-name', (els) => els.map((e) => e.textContent));
    expect(customNames).toEqual(expect.arrayContaining([`custom.${IMG}`, `custom.${IMG}.hit_ratio`, `custom.${SCRIPT}`]));
    expect(await page.title()).toBe(`memkit · ${IMG} · ${IMG}`);
    // Nothing the strings spelled became an element or ran.
    expect(await page.$$eval('img', (els) => els.length)).toBe(0);
    expect(await page.$$eval('script', (els) => els.length)).toBe(3); // data, uPlot, chart code
    expect(await page.evaluate(() => document.querySelector('script#memkit-data')!.textContent!.includes('</'))).toBe(false);

    // The soak test's verdicts, and table cells carrying the baseline's values.
    expect(await page.textContent('[data-field=leak-verdict]')).toBe(baseline.extra.leak.verdict);
    expect(await page.textContent('[data-field=leak-reason]')).toBe(baseline.extra.leak.reason);
    expect(await page.$$eval('#assertions tr[data-pass]', (els) => els.map((e) => (e as HTMLElement).dataset.pass))).toEqual(['true', 'false']);
    const badges = await page.$$eval('header .badge', (els) => els.map((e) => e.textContent));
    expect(badges).toContain(`leak verdict: ${baseline.extra.leak.verdict}`);
    expect(badges).toContain('1 of 2 assertions failed');
    const p95 = await page.getAttribute('#gc-table tr.total [data-metric="gc.pause.p95_ms"]', 'data-value');
    expect(Number(p95)).toBe(baseline.metrics['gc.pause.p95_ms'].value);
    expect(await page.getAttribute('[data-field=duration]', 'data-value')).toBe(String(baseline.durationMs));
    expect(await page.getAttribute('[data-status]', 'data-status')).toBe('complete');
    await shoot(page, 'report.png');

    // Drag across one chart: every chart zooms to the same range; double-click resets.
    const ranges = () => page.$$eval('[data-chart]', (els) => els.map((el) => `${(el as HTMLElement).dataset.xMin}..${(el as HTMLElement).dataset.xMax}`));
    const before = await ranges();
    expect(new Set(before).size).toBe(1); // one time axis for every chart
    const over = page.locator('[data-chart="memory"] .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await ranges();
    expect(zoomed[0]).not.toBe(before[0]);
    expect(new Set(zoomed).size).toBe(1); // zoomed together
    await over.dblclick();
    expect(await ranges()).toEqual(before);
    expectClean(o, file('stress.html'));
    await page.close();
  });

  it("gc-profile --html of a plain Node program: its memory and GCs, drawn", async () => {
    expect(runs.command!.code, runs.command!.stderr).toBe(0);
    const baseline = readJson(file('command.json'));
    const o = await open(file('command.html'));
    expectClean(o, file('command.html'));
    await expectChartsDrawn(o.page, ['memory', 'gc-pauses', 'gc-rate', 'alloc']);
    await expectFiguresMatch(o.page, baseline);
    expect(await o.page.textContent('[data-field=command]')).toBe(`node ${join(FIXTURES, 'apps', 'alloc-app.js')} 800`);
    await o.page.close();
  });

  it('report BASE CURRENT --html: both runs overlaid on every chart, with the comparison table', async () => {
    expect(runs.diff!.code, runs.diff!.stderr).toBe(0);
    const base = readJson(file('base.json'));
    const current = readJson(file('stress.json'));
    const o = await open(file('diff.html'));
    expectClean(o, file('diff.html'));
    const { page } = o;
    const data = await expectChartsDrawn(page, ['memory', 'gc-pauses', 'gc-rate', 'alloc', 'latency', 'throughput']);
    expect(data.compare).toBe(true);
    expect(data.traces.map((t: any) => t.label)).toEqual(['baseline', 'current']);
    const memorySeries = (await chartStates(page)).find((s) => s.id === 'memory')!.series;
    expect(memorySeries).toBe(2 * 5); // RSS, heap used/total, external, live points: for each run
    for (const f of await page.$$eval('.figure', (els) => els.map((e) => ({ ...(e as HTMLElement).dataset })))) {
      // A figure one side lacks (the two runs' custom counters differ) is blank on that side.
      expect(f.value, f.metric).toBe(String(current.metrics[f.metric!]?.value ?? ''));
      expect(f.baseValue, f.metric).toBe(String(base.metrics[f.metric!]?.value ?? ''));
    }
    const rows = await page.$$eval('#diff-table tbody tr', (els) => els.map((e) => (e as HTMLElement).dataset.metricRow));
    expect(rows.sort()).toEqual([...new Set([...Object.keys(base.metrics), ...Object.keys(current.metrics)])].sort());
    await shoot(page, 'report-diff.png');
    await page.close();
  });

  it('--alloc-sites: the flame graph is drawn, zooms on click, searches, and shows a site named <script> as text', async () => {
    for (const k of ['sitesBase', 'sitesCurrent', 'sitesOne', 'sitesDiff']) expect(runs[k]!.code, `${k}: ${runs[k]!.stderr}`).toBe(0);
    const o = await open(file('sites.html'));
    const { page } = o;
    await page.waitForSelector('body[data-flame-ready]');
    expect(await page.getAttribute('body', 'data-flame-ready')).toBe('2');
    const graph = page.locator('#flame-graph');
    expect(await graph.getAttribute('data-view')).toBe('allocated');
    expect(Number(await graph.getAttribute('data-frames'))).toBeGreaterThan(3);
    expect(await page.$$eval('#flame-graph .fl-frame', (els) => els.length)).toBe(Number(await graph.getAttribute('data-frames')));
    // Both views were measured (the gc-hooks harvest): one button each, none "not measured".
    expect(await page.$$eval('[data-flame-view]', (els) => els.map((e) => (e as HTMLElement).dataset.flameView))).toEqual(['allocated', 'inuse']);
    expect(await page.$$eval('[data-not-measured]', (els) => els.length)).toBe(0);
    // The markup-named site: its label is text, and nothing it spells became an element.
    const markupLabel = `allocMarkup (${MARKUP_FILE}:1)`;
    const markup = page.locator('#flame-graph .fl-frame', { hasText: markupLabel });
    expect(await markup.count()).toBe(1);
    expect(await markup.textContent()).toBe(markupLabel);
    expect(await page.$$eval('script', (els) => els.length)).toBe(5); // data, uPlot, chart code, flame data, flame code
    expect(await page.$$eval('#flame script, #flame img', (els) => els.length)).toBe(0);
    // Hover: label, bytes (total and self), objects, share.
    await markup.hover();
    const tip = await page.textContent('#flame-tip');
    expect(tip).toContain(markupLabel);
    expect(tip).toMatch(/total [\d.]+ [KMG]?B \([\d.]+ % of the view\), self [\d.]+ [KMG]?B/);
    expect(tip).toMatch(/objects/);
    // Click zooms into allocB (it then spans the graph); clicking it again goes back to the root.
    const width = (await graph.boundingBox())!.width;
    const allocB = page.locator('#flame-graph .fl-frame[aria-label^="allocB "]');
    await allocB.click();
    const zoomed = Number(await graph.getAttribute('data-zoom'));
    expect(zoomed).toBeGreaterThan(0);
    expect((await allocB.boundingBox())!.width).toBeGreaterThan(width * 0.95);
    expect(await page.locator('#flame-graph .fl-frame[aria-label^="allocA "]').count()).toBe(0); // a sibling: out of the zoomed view
    await allocB.click();
    expect(await graph.getAttribute('data-zoom')).toBe('0');
    // Search: the matching frames are marked and their share of the total is said.
    await page.fill('#flame-search', 'allocA');
    expect(await page.$$eval('.fl-frame.fl-match', (els) => els.map((e) => e.textContent))).toEqual([expect.stringMatching(/^allocA /)]);
    const share = Number(await page.getAttribute('#flame-match', 'data-share'));
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.9);
    expect(await page.textContent('#flame-match')).toMatch(/^1 frame match: [\d.]+ % of the total$/);
    await shoot(page, 'report-flame.png');
    // The in-use view: what was alive at the end, drawn from its own values.
    await page.click('[data-flame-view=inuse]');
    expect(await graph.getAttribute('data-view')).toBe('inuse');
    expect(Number(await graph.getAttribute('data-frames'))).toBeGreaterThan(0);
    expectClean(o, file('sites.html'));
    await page.close();

    // Two runs: the differential first, on the current profile; single runs get no verdict (pale, said in the tooltip).
    const d = await open(file('sites-diff.html'));
    await d.page.waitForSelector('body[data-flame-ready]');
    expect(await d.page.getAttribute('#flame', 'data-graphs')).toBe('diff allocated inuse');
    expect(await d.page.getAttribute('#flame-graph', 'data-view')).toBe('diff');
    expect(Number(await d.page.getAttribute('#flame-graph', 'data-frames'))).toBeGreaterThan(3);
    const b = d.page.locator('#flame-graph .fl-frame[aria-label^="allocB "]');
    await b.hover();
    const dtip = (await d.page.textContent('#flame-tip'))!;
    expect(dtip).toMatch(/baseline [\d.]+ [KMG]?B, \+\d+\.\d %/);
    expect(dtip).toContain('no verdict');
    expect(await d.page.locator('#flame-graph .fl-frame', { hasText: markupLabel }).count()).toBe(1);
    await d.page.click('[data-flame-view=allocated]');
    expect(await d.page.getAttribute('#flame-graph', 'data-view')).toBe('allocated');
    await shoot(d.page, 'report-flame-diff.png');
    expectClean(d, file('sites-diff.html'));
    await d.page.close();
  });

  it('a baseline whose samples are gone still opens, with its tables and a note', async () => {
    const copy = file('orphan.json');
    const b = readJson(file('stress.json'));
    b.runs[0].samplesFile = 'gone.jsonl';
    const { writeFileSync } = await import('node:fs');
    writeFileSync(copy, JSON.stringify(b));
    const r = await runCli(['report', copy, '--html', file('orphan.html')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: run 1 of .*orphan\.json: samples file .*gone\.jsonl not found; the report has its tables only/);
    const o = await open(file('orphan.html'));
    expectClean(o, file('orphan.html'));
    expect(await o.page.getAttribute('body', 'data-charts-ready')).toBe('0');
    expect(await o.page.textContent('#samples-missing')).toContain('gone.jsonl not found');
    expect(await o.page.$$eval('[data-chart]', (els) => els.length)).toBe(0);
    expect(Number(await o.page.getAttribute('#gc-table tr.total [data-metric="gc.pause.p95_ms"]', 'data-value'))).toBe(b.metrics['gc.pause.p95_ms'].value);
    expect(readFileSync(file('orphan.html'), 'utf8')).toContain('The tables below come from the baseline file');
    await o.page.close();
  });
});
