import type { Counter, Gauge } from 'prom-client';
import type { ProgressMessage } from '../samples/protocol.js';
import { customMetrics } from '../analyze/custom-metrics.js';
import { GC_KIND_NAMES } from '../analyze/gc-stats.js';
import { PYTHON_GC_KIND_NAMES } from '../analyze/python-gc-stats.js';
import { measuredWindow } from '../analyze/window.js';
import { addRecord, emptyRunData, findMark, type RunData, type SampleRecord } from '../samples/run-data.js';
import { GcWindowGate } from './gc-window-gate.js';
import type { MetricFamilies } from './metric-families.js';
import { RecentAllocation } from './recent-allocation.js';

/**
 * One run's records turned into metric updates. The child reports cumulative totals
 * (steps, scenario counters, phase times, CPU); Prometheus counters are increased by the
 * difference, so each run's counters end at the child's final totals.
 */

type Labels = Record<string, string>;

export class RunFeed {
  private readonly gate: GcWindowGate;
  private readonly recentAlloc = new RecentAllocation();
  /** hello, marks, done, end: enough for measuredWindow() (the columns stay in the runner). */
  private readonly edges: RunData = emptyRunData();
  /** The last cumulative total behind each counter series. */
  private readonly lastTotals = new Map<Counter<string>, Map<string, number>>();
  /** Gauge series this run set, removed when the next run starts (its child is gone). */
  private readonly gaugeSeries: Array<[Gauge<string>, Labels]> = [];
  private readonly gaugeKeys = new Map<Gauge<string>, Set<string>>();
  private ended = false;

  constructor(
    private readonly m: MetricFamilies,
    readonly labels: Labels,
  ) {
    this.gate = new GcWindowGate((gc) => {
      const l = { ...labels, kind: gc.kind };
      m.gcCollections.inc(l);
      m.gcPause.observe(l, gc.pauseMs / 1000);
    });
    // Every kind exists from the start at 0, so rate() and the final values see all four.
    for (const kind of GC_KIND_NAMES) {
      m.gcCollections.inc({ ...labels, kind }, 0);
      m.gcPause.zero({ ...labels, kind });
    }
    m.steps.inc(labels, 0);
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  onRecord(r: SampleRecord): void {
    this.gate.onRecord(r);
    switch (r.type) {
      case 'run':
      case 'done':
      case 'error':
        addRecord(this.edges, r);
        break;
      case 'hello':
        addRecord(this.edges, r);
        // A Python program has generations, not V8's kinds: its series say so, none is a made-up zero.
        if (r.runtime === 'python' && r === this.edges.hello) {
          for (const kind of GC_KIND_NAMES) {
            this.m.gcCollections.remove({ ...this.labels, kind });
            this.m.gcPause.remove({ ...this.labels, kind });
          }
          for (const kind of PYTHON_GC_KIND_NAMES) {
            this.m.gcCollections.inc({ ...this.labels, kind }, 0);
            this.m.gcPause.zero({ ...this.labels, kind });
          }
        }
        this.setGauge(this.m.runInfo, { ...this.labels, pid: String(r.pid), node_version: r.node, v8_version: r.v8, mode: r.mode }, 1);
        break;
      case 'mark':
        addRecord(this.edges, r);
        if (r.heapUsedAfterGcBytes !== undefined) this.setGauge(this.m.liveMemory, { ...this.labels, area: 'heap' }, r.heapUsedAfterGcBytes);
        if (r.externalAfterGcBytes !== undefined) this.setGauge(this.m.liveMemory, { ...this.labels, area: 'external' }, r.externalAfterGcBytes);
        break;
      case 'mem': {
        const last = r.tMs.length - 1;
        if (last < 0) break;
        this.setGauge(this.m.heapUsed, this.labels, r.heapUsed[last]!);
        this.setGauge(this.m.heapTotal, this.labels, r.heapTotal[last]!);
        this.setGauge(this.m.external, this.labels, r.external[last]!);
        this.recentAlloc.addMem(r);
        break;
      }
      case 'gc':
        this.recentAlloc.addGc(r);
        break;
      case 'proc':
        this.setGauge(this.m.rss, this.labels, r.rssBytes);
        this.raiseTo(this.m.cpu, this.labels, r.cpuMs / 1000);
        break;
      case 'progress':
        this.onProgress(r);
        break;
      case 'latency':
        this.m.latency.add(this.labels, r);
        break;
      case 'end':
        addRecord(this.edges, r);
        this.ended = true;
        this.m.runEnded.set({ ...this.labels, status: r.status }, 1);
        break;
      default:
        break;
    }
  }

  private onProgress(p: ProgressMessage): void {
    this.raiseTo(this.m.steps, this.labels, p.steps);
    for (const [name, total] of Object.entries(p.counters)) this.raiseTo(this.m.customCounter, { ...this.labels, name }, total);
    for (const [name, value] of Object.entries(p.gauges)) this.setGauge(this.m.customGauge, { ...this.labels, name }, value);
    for (const [phase, { totalMs }] of Object.entries(p.phases)) this.raiseTo(this.m.phaseSeconds, { ...this.labels, phase }, totalMs / 1000);
    // The baseline's own rule for which counters form a hit ratio (custom-metrics.ts).
    for (const [key, value] of Object.entries(customMetrics(p))) {
      const m = /^custom\.(.*)\.hit_ratio$/.exec(key);
      const own = key.slice('custom.'.length);
      if (m && !(own in p.counters) && !(own in p.gauges)) this.setGauge(this.m.cacheHitRatio, { ...this.labels, cache: m[1]! }, value);
    }
  }

  /** At scrape time: the allocation rate of the last minute of the window so far. */
  refreshAllocationRate(): void {
    const start = findMark(this.edges, 'measure-start');
    if (!start && !this.ended) return; // still in setup: nothing measured yet
    const window = measuredWindow(this.edges);
    const open = !findMark(this.edges, 'measure-end') && !this.edges.done && !this.ended;
    const rate = this.recentAlloc.ratePerSecond(open ? { startMs: window.startMs, endMs: Infinity } : window, start?.heapUsedAfterGcBytes);
    if (rate !== undefined) this.setGauge(this.m.allocationRate, this.labels, rate);
  }

  /** The run's child is gone and another run starts: its gauges no longer describe anything. */
  retire(): void {
    for (const [gauge, labels] of this.gaugeSeries) gauge.remove(labels);
    this.gaugeSeries.length = 0;
  }

  private setGauge(gauge: Gauge<string>, labels: Labels, value: number): void {
    let keys = this.gaugeKeys.get(gauge);
    if (!keys) this.gaugeKeys.set(gauge, (keys = new Set()));
    const key = JSON.stringify(labels);
    if (!keys.has(key)) {
      keys.add(key);
      this.gaugeSeries.push([gauge, labels]);
    }
    gauge.set(labels, value);
  }

  /** Increases a counter to a cumulative total the child reported. */
  private raiseTo(counter: Counter<string>, labels: Labels, total: number): void {
    let totals = this.lastTotals.get(counter);
    if (!totals) this.lastTotals.set(counter, (totals = new Map()));
    const key = JSON.stringify(labels);
    const prev = totals.get(key);
    if (prev !== undefined && total <= prev) return;
    counter.inc(labels, Math.max(0, total - (prev ?? 0)));
    totals.set(key, total);
  }
}
