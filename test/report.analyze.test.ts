import { describe, expect, it } from 'vitest';
import { bucketExtremes, bucketIndex, bucketedRate, downsampleM4, timeGrid } from '../src/analyze/downsample.js';
import { allocationInWindow, allocationRateSeries, allocationStretches } from '../src/analyze/alloc-rate.js';
import { GC_MARK_KINDS, gcCountsByKind, gcTimeline } from '../src/analyze/gc-timeline.js';
import { evaluateAlertRules } from '../src/analyze/alert-rules.js';
import { quantileSorted, sortedCopy } from '../src/analyze/percentiles.js';
import { emptyRunData } from '../src/samples/run-data.js';
import { seededRandom } from '../src/scenario/random.js';
import { escapeHtml, html, jsonForScript, scriptSafe, trusted } from '../src/report/html/escape.js';
import { renderMemorySparklines, sparkline } from '../src/report/terminal/sparkline.js';
import { traceData } from '../src/report/html/chart-data.js';

/** Seeded, so a failure reproduces. */
const rand = seededRandom;

function randomWalk(n: number, seed: number, stepMs = 100): { t: number[]; v: number[] } {
  const r = rand(seed);
  const t: number[] = [];
  const v: number[] = [];
  let x = 50e6;
  for (let i = 0; i < n; i++) {
    x += (r() - 0.5) * 1e6 + (r() < 0.001 ? 3e7 : 0); // rare spikes must survive
    t.push(1_700_000_000_000 + i * stepMs + Math.floor(r() * 20));
    v.push(Math.round(x));
  }
  return { t, v };
}

describe('M4 downsampling keeps every peak', () => {
  const { t, v } = randomWalk(100_000, 1);
  const grid = timeGrid(t[0]!, t[t.length - 1]!, 500);
  const d = downsampleM4(t, v, grid);

  it('keeps at most four real samples per bucket, in time order', () => {
    expect(d.rawCount).toBe(100_000);
    expect(d.tMs.length).toBeLessThanOrEqual(4 * grid.count);
    expect(d.tMs.length).toBeGreaterThan(2 * grid.count);
    const raw = new Map(t.map((ti, i) => [ti, v[i]]));
    for (let i = 0; i < d.tMs.length; i++) {
      expect(raw.get(d.tMs[i]!)).toBe(d.values[i]); // a real sample, at its real time
      if (i > 0) expect(d.tMs[i]!).toBeGreaterThan(d.tMs[i - 1]!);
    }
  });

  it("keeps each bucket's first, last, lowest and highest sample", () => {
    const { min, max } = bucketExtremes(t, v, grid);
    const outMin = new Array(grid.count).fill(Infinity);
    const outMax = new Array(grid.count).fill(-Infinity);
    for (let i = 0; i < d.tMs.length; i++) {
      const b = bucketIndex(grid, d.tMs[i]!);
      outMin[b] = Math.min(outMin[b], d.values[i]!);
      outMax[b] = Math.max(outMax[b], d.values[i]!);
    }
    for (let b = 0; b < grid.count; b++) {
      if (Number.isNaN(min[b]!)) continue;
      expect(outMin[b]).toBe(min[b]);
      expect(outMax[b]).toBe(max[b]);
    }
    expect(Math.max(...d.values)).toBe(Math.max(...v));
    expect(d.tMs[0]).toBe(t[0]);
    expect(d.tMs[d.tMs.length - 1]).toBe(t[t.length - 1]);
  });

  it('returns a series that already fits unchanged', () => {
    const small = downsampleM4([1, 2, 3], [5, 6, 7], timeGrid(1, 3, 10));
    expect(small).toEqual({ tMs: [1, 2, 3], values: [5, 6, 7], rawCount: 3 });
  });

  it('bucket extremes agree with a brute-force scan', () => {
    const g = timeGrid(t[0]!, t[t.length - 1]!, 37);
    const { min, max } = bucketExtremes(t, v, g);
    for (const b of [0, 5, 36]) {
      const inB = v.filter((_, i) => bucketIndex(g, t[i]!) === b);
      expect(min[b]).toBe(Math.min(...inB));
      expect(max[b]).toBe(Math.max(...inB));
    }
  });
});

describe('rates per bucket', () => {
  it('gives a counter that grows 50 per second as 50/s in every bucket', () => {
    const t = Array.from({ length: 601 }, (_, i) => 1000 + i * 100);
    const steps = t.map((_, i) => i * 5); // 5 per 100 ms
    const r = bucketedRate(t, steps, timeGrid(1000, 61_000, 60, 1000));
    expect(r.perSecond.length).toBeGreaterThan(55);
    for (const v of r.perSecond) expect(v).toBeCloseTo(50, 9);
  });
});

const gcCols = (rows: Array<[t: number, kind: number, pause: number, before: number, after: number, src?: number]>) => ({
  tMs: rows.map((r) => r[0]),
  kind: rows.map((r) => r[1]),
  pauseMs: rows.map((r) => r[2]),
  flags: rows.map(() => 0),
  usedBefore: rows.map((r) => r[3]),
  usedAfter: rows.map((r) => r[4]),
  totalAfter: rows.map(() => 0),
  src: rows.map((r) => r[5] ?? 0),
});

describe('GC events for display', () => {
  const r = rand(3);
  const rows: Array<[number, number, number, number, number, number?]> = [];
  const kinds = [1, 1, 1, 1, 1, 1, 4, 8, 16];
  for (let i = 0; i < 50_000; i++) {
    const kind = kinds[Math.floor(r() * kinds.length)]!;
    rows.push([i * 300, kind, Math.round(r() ** 4 * 100 * 1000) / 1000, 20e6, 10e6, i % 5000 === 0 ? 1 : 0]);
  }
  const gc = gcCols(rows);
  const grid = timeGrid(0, 50_000 * 300, 200);

  it('shows every event of a short run', () => {
    const tl = gcTimeline(gcCols(rows.slice(0, 100)), grid);
    expect(tl.mode).toBe('events');
    expect(tl.marks.tMs.length).toBe(100);
  });

  it("keeps every pause at or above P99, and each bucket's longest pause per kind", () => {
    const tl = gcTimeline(gc, grid, { maxEvents: 1000, maxOutliers: 10_000, outlierQuantile: 0.99 });
    expect(tl.mode).toBe('buckets');
    const program = rows.filter((x) => !x[5]).map((x) => x[2]);
    const p99 = quantileSorted(sortedCopy(program), 0.99);
    expect(tl.outlierThresholdMs).toBe(p99);
    const kept = new Set(tl.marks.tMs);
    for (const x of rows) if (x[2] >= p99) expect(kept.has(x[0])).toBe(true);
    expect(tl.outlierCount).toBe(rows.filter((x) => x[2] >= p99).length);
    // The longest pause of each kind in each bucket is among the marks.
    const longest = new Map<string, number>();
    for (const x of rows) {
      const key = `${bucketIndex(grid, x[0])}/${x[5] ? 'cp' : x[1]}`;
      if (!longest.has(key) || x[2] > longest.get(key)!) longest.set(key, x[2]);
    }
    const markMax = new Map<string, number>();
    tl.marks.tMs.forEach((t, i) => {
      const key = `${bucketIndex(grid, t)}/${GC_MARK_KINDS[tl.marks.kind[i]!] === 'checkpoint' ? 'cp' : gc.kind[t / 300]}`;
      markMax.set(key, Math.max(markMax.get(key) ?? 0, tl.marks.pauseMs[i]!));
    });
    for (const [key, pause] of longest) expect(markMax.get(key), key).toBe(pause);
    expect(tl.marks.tMs.length).toBeLessThan(rows.length / 5);
  });

  it('caps the outliers at the longest N', () => {
    const tl = gcTimeline(gc, grid, { maxEvents: 1000, maxOutliers: 50, outlierQuantile: 0.5 });
    expect(tl.outlierCount).toBe(50);
    const fiftieth = [...rows.filter((x) => !x[5]).map((x) => x[2])].sort((a, b) => b - a)[49]!;
    expect(tl.outlierThresholdMs).toBe(fiftieth);
  });

  it('counts every GC once, by kind, checkpoints apart', () => {
    const counts = gcCountsByKind(gc, grid);
    const sum = (k: string) => counts[k as keyof typeof counts].reduce((a, b) => a + b, 0);
    expect(sum('checkpoint')).toBe(10);
    expect(sum('major')).toBe(rows.filter((x) => x[1] === 4 && !x[5]).length);
    expect(GC_MARK_KINDS.reduce((s, k) => s + sum(k), 0)).toBe(rows.length);
  });
});

describe('allocation rate over time', () => {
  const noMem = { tMs: [], rss: [], heapUsed: [], heapTotal: [], external: [], arrayBuffers: [] };

  it('adds up to exactly the allocation the baseline reports', () => {
    const r = rand(9);
    const rows: Array<[number, number, number, number, number]> = [];
    let after = 10e6;
    for (let i = 1; i <= 500; i++) {
      const before = after + Math.round(r() * 8e6);
      rows.push([i * 173 + Math.floor(r() * 50), i % 17 ? 1 : 4, 1, before, (after = 9e6 + Math.round(r() * 3e6))]);
    }
    const gc = gcCols(rows);
    const window = { startMs: 100, endMs: 90_000 };
    const edges = { startHeapUsed: 10e6, endHeapUsed: 15e6 };
    const total = allocationInWindow(gc, noMem, window, edges);
    const { stretches } = allocationStretches(gc, noMem, window, edges);
    const series = allocationRateSeries(stretches, timeGrid(window.startMs, window.endMs, 300));
    expect(series.bytes.reduce((a, b) => a + b, 0)).toBeCloseTo(total.bytes, 0);
    expect(total.bytes).toBeGreaterThan(1e9);
  });

  it('spreads a stretch evenly over the time it took', () => {
    // 10 MB allocated between GCs 10 s apart: 1 MB/s in each 1-second bucket.
    const gc = gcCols([[10_000, 1, 1, 20e6, 5e6]]);
    const { stretches } = allocationStretches(gc, noMem, { startMs: 0, endMs: 10_000 }, { startHeapUsed: 10e6 });
    const s = allocationRateSeries(stretches, timeGrid(0, 10_000, 10, 1000));
    expect(s.bytesPerSecond).toEqual(new Array(10).fill(1e6));
  });
});

describe('sparkline', () => {
  it('maps the range onto eight levels', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([3, 3, 3])).toBe('▁▁▁');
    expect(sparkline([0, NaN, 7])).toBe('▁ █');
  });

  it("draws a run's RSS and heap over its window with their real figures", () => {
    const data = emptyRunData();
    data.marks.push({ type: 'mark', label: 'measure-start', tMs: 0, steps: 0 }, { type: 'mark', label: 'measure-end', tMs: 9_900, steps: 0 });
    for (let i = 0; i < 100; i++) {
      data.proc.tMs.push(i * 100);
      data.proc.rssBytes.push(50e6 + i * 1e6); // a steady climb
      data.proc.cpuMs.push(0);
      data.proc.cpuPercent.push(0);
      data.mem.tMs.push(i * 100);
      data.mem.heapUsed.push(i === 50 ? 99e6 : 10e6); // one spike
    }
    const out = renderMemorySparklines(data, { width: 20, color: false });
    const [rss, heap] = out.split('\n');
    const m = /^RSS {3}(\S{20}) {2}50\.00 MB → 149\.0 MB, peak 149\.0 MB$/.exec(rss!);
    expect(m, rss).not.toBeNull();
    const levels = [...m![1]!].map((ch) => '▁▂▃▄▅▆▇█'.indexOf(ch));
    expect(levels[0]).toBe(0);
    expect(levels[19]).toBe(7);
    for (let i = 1; i < 20; i++) expect(levels[i]!).toBeGreaterThanOrEqual(levels[i - 1]!); // a climb draws as one
    expect(heap).toContain('▁▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁▁▁'); // the spike is not averaged away
    expect(heap).toContain('peak 99.00 MB');
  });
});

describe('escaping', () => {
  const evil = `</script><script>alert(1)</script><!-- \u2028\u2029 & "quotes" 'single' <img src=x onerror=alert(1)>`;

  it('HTML text and attributes', () => {
    expect(escapeHtml(evil)).not.toMatch(/[<>"']/);
    const markup = html`<p title="${evil}">${evil}</p>`.html;
    expect(markup.startsWith('<p title="&lt;/script&gt;')).toBe(true);
    expect(markup.match(/</g)!.length).toBe(2); // only the <p> and </p> of the template
    expect(html`<b>${trusted('<i>x</i>')}</b>`.html).toBe('<b><i>x</i></b>');
    expect(html`${[evil, evil]}${null}${undefined}${false}`.html).toBe(escapeHtml(evil) + escapeHtml(evil));
  });

  it('JSON inside a script element cannot end it, and reads back exactly', () => {
    const json = jsonForScript({ name: evil, nested: [evil] });
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual({ name: evil, nested: [evil] });
  });

  it('inlined code cannot close its own script element', () => {
    expect(scriptSafe('var s = "</script>"; // <!--')).toBe('var s = "<\\/script>"; // <\\!--');
  });
});

describe('chart data of a run', () => {
  it('puts t = 0 at the start of the measured window and keeps setup before it', () => {
    const data = emptyRunData();
    data.hello = { type: 'hello', pid: 1, tMs: 500, node: 'v20', v8: '11', execArgv: [], heapSizeLimitBytes: 0, constrainedMemoryBytes: null, mode: 'scenario' };
    data.marks.push(
      { type: 'mark', label: 'measure-start', tMs: 1000, steps: 0, heapUsedAfterGcBytes: 5e6 },
      { type: 'mark', label: 'warmup-end', tMs: 3000, steps: 10 },
      { type: 'mark', label: 'measure-end', tMs: 11_000, steps: 100 },
    );
    for (let t = 0; t <= 11_000; t += 100) {
      data.mem.tMs.push(t);
      data.mem.heapUsed.push(5e6 + t);
      data.mem.heapTotal.push(20e6);
      data.mem.external.push(1e6);
      data.mem.rss.push(40e6);
      data.mem.arrayBuffers.push(0);
    }
    Object.assign(data.gc, gcCols([[2000, 1, 0.5, 7e6, 5e6], [6000, 4, 4, 11e6, 5e6], [11_500, 4, 3, 16e6, 5e6, 1]]));
    const trace = traceData(data, { id: 'a', label: 'run', side: 0, run: 0 });
    expect(trace.fromS).toBe(-1);
    expect(trace.windowEndS).toBe(10);
    expect(trace.warmupEndS).toBe(2);
    expect(trace.heapUsed!.tS[0]).toBe(-1);
    expect(trace.heapUsed!.raw).toBe(111);
    expect(trace.gc!.tS).toEqual([1, 5, 10.5]);
    expect(trace.gc!.kinds[trace.gc!.kind[2]!]).toBe('checkpoint');
    // 2 MB before the first GC, 6 MB before the second, 11 MB to the end checkpoint's "before".
    expect(trace.alloc!.totalBytes).toBe(2e6 + 6e6 + 11e6);
  });
});

describe("seed 000's alert rules on a run", () => {
  const MIN = 60_000;
  const run = (rss: Array<[min: number, bytes: number]>, majors: number[] = [], counters: Record<string, number> = {}) => {
    const data = emptyRunData();
    data.hello = { type: 'hello', pid: 1, tMs: 0, node: 'v20', v8: '11', execArgv: [], heapSizeLimitBytes: 0, constrainedMemoryBytes: null, mode: 'scenario' };
    for (const [m, b] of rss) {
      data.proc.tMs.push(m * MIN);
      data.proc.rssBytes.push(b);
      data.proc.cpuMs.push(0);
      data.proc.cpuPercent.push(0);
    }
    Object.assign(data.gc, gcCols(majors.map((m) => [m * MIN, 4, 5, 0, 0] as [number, number, number, number, number])));
    data.gc.tMs.push(1 * MIN); // a checkpoint major GC: memkit's, never the program's
    data.gc.kind.push(4);
    data.gc.src.push(1);
    data.progress = { type: 'progress', tMs: 0, steps: 1, counters, gauges: {}, phases: {} };
    return data;
  };
  const window = { startMs: 0, endMs: 180 * MIN };
  const find = (rs: ReturnType<typeof evaluateAlertRules>, id: string) => rs.find((r) => r.id === id)!;

  it('takes the largest RSS rise over an hour (delta), not over the whole run', () => {
    // +40 MB in the first hour, flat, +40 MB in the third: 80 MB over the run, 40 within any hour.
    const slow = run([[0, 100e6], [60, 140e6], [120, 140e6], [180, 180e6]]);
    expect(find(evaluateAlertRules(slow, window), 'rss-increase')).toMatchObject({ worst: 40e6, fires: false, windowMs: 3600_000 });
    // +60 MB between minute 100 and 130 (after a dip): fires, at minute 130.
    const fast = run([[0, 100e6], [60, 120e6], [100, 90e6], [130, 150e6], [180, 150e6]]);
    expect(find(evaluateAlertRules(fast, window), 'rss-increase')).toMatchObject({ worst: 60e6, fires: true, atMs: 130 * MIN });
  });

  it('counts major GCs in the busiest 10 minutes, leaving memkit’s own out', () => {
    const majors = [...Array.from({ length: 51 }, (_, i) => 20 + i * 0.1), ...Array.from({ length: 30 }, (_, i) => 100 + i)];
    const rs = evaluateAlertRules(run([[0, 1], [180, 1]], majors), window);
    expect(find(rs, 'major-gc-count')).toMatchObject({ worst: 51, fires: true, atMs: 25 * MIN });
    expect(find(rs, 'major-gc-rate')).toMatchObject({ worst: 51 / 600, fires: false }); // the YAML rule: > 5 per second
    const calm = find(evaluateAlertRules(run([[0, 1], [180, 1]], majors.slice(1)), window), 'major-gc-count');
    expect(calm).toMatchObject({ worst: 50, fires: false });
  });

  it('checks every hit/miss pair against 80 %, and judges a short run on the run', () => {
    const rs = evaluateAlertRules(run([[0, 1], [2, 1]], [], { 'ma.hit': 9, 'ma.miss': 1, 'atr.hit': 1, 'atr.miss': 3 }), { startMs: 0, endMs: 2 * MIN });
    expect(rs.filter((r) => r.id === 'hit-ratio').map((r) => [r.subject, r.worst, r.fires])).toEqual([['ma', 0.9, false], ['atr', 0.25, true]]);
    expect(find(rs, 'rss-increase').windowMs).toBe(2 * MIN);
  });
});
