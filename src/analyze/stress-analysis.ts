import { findMark, type RunData } from '../samples/run-data.js';
import { judgeLeak, type LeakOptions, type LeakVerdict, type LivePoint } from './leak-verdict.js';
import { livePointsAfterWarmup, programLivePoints, pythonLiveLabel, pythonLiveNotMeasured } from './live-points.js';
import { phaseReport, type PhaseReport } from './phases.js';
import { fitSlope, type SlopeFit } from './regression.js';
import { analyzeRun, type RunAnalysis } from './run-metrics.js';
import { summarizeBuckets, type LatencySummary } from './latency-stats.js';
import { inWindow, type Window } from './window.js';
import { rssAtEdges } from './memory-stats.js';
import { growingSites } from './alloc-leak-sites.js';
import { originalPositionsOf } from './alloc-source-map.js';

/**
 * A mem-stress run: everything gc-profile measures over the window, plus what a soak test
 * asks after warm-up — growth and slopes of RSS and of the live memory, step latency,
 * throughput, time per phase, and the leak verdict.
 */
export interface StressAnalysis extends RunAnalysis {
  /** From the end of warm-up to the end of the window. */
  steady: Window;
  steadySteps: number | undefined;
  latency?: LatencySummary;
  rssSlope?: SlopeFit;
  liveSlope?: SlopeFit;
  livePoints: LivePoint[];
  leak: LeakVerdict;
  phases?: PhaseReport;
}

const PER_MIN = 60_000;

export { livePointsAfterWarmup, programLivePoints } from './live-points.js';

export function analyzeStressRun(data: RunData, opts: { phaseOrder?: string[]; minLeakBytes?: number; cwd?: string } = {}): StressAnalysis {
  const base = analyzeRun(data);
  // A command's tree: its isolates' checkpoints added up (live-points.ts); its top-level
  // marks are only the window's edges, and it has no steps of its own.
  const isCommand = data.isolates.size > 0;
  const program = programLivePoints(data);
  const warm = isCommand ? undefined : findMark(data, 'warmup-end');
  const steady: Window = { startMs: (isCommand ? program.warmupEndMs : warm?.tMs) ?? base.window.startMs, endMs: base.window.endMs };
  const m = { ...base.metrics };

  // RSS after warm-up, from outside.
  const idx: number[] = [];
  for (let i = 0; i < data.proc.tMs.length; i++) if (inWindow(data.proc.tMs[i]!, steady)) idx.push(i);
  const rssSlope = fitSlope(idx.map((i) => data.proc.tMs[i]!), idx.map((i) => data.proc.rssBytes[i]!));
  const rssEdges = rssAtEdges(data, steady);
  if (rssEdges) m['rss.growth_bytes'] = rssEdges.endBytes - rssEdges.startBytes;
  if (rssSlope) m['rss.slope_bytes_per_min'] = rssSlope.slope * PER_MIN;

  // The live memory at memkit's checkpoints after warm-up.
  const readings = program.points;
  const livePoints: LivePoint[] = readings.map(({ heapBytes: _, ...p }) => p);
  const liveSlope = fitSlope(livePoints.map((p) => p.tMs), livePoints.map((p) => p.liveBytes));
  // A scenario reads its heap at the window's end too; a command's last reading is its last checkpoint.
  const heapAtWarmup = isCommand ? readings[0]?.heapBytes : warm?.heapUsedAfterGcBytes;
  const heapAtEnd = isCommand ? readings[readings.length - 1]?.heapBytes : findMark(data, 'measure-end')?.heapUsedAfterGcBytes;
  // A Python program has no V8 heap: its checkpoints' figure is the live memory itself (RSS or tracemalloc), already live.*.
  const v8Heap = data.hello?.runtime !== 'python';
  if (v8Heap && heapAtWarmup !== undefined && heapAtEnd !== undefined) m['heap.used.growth_bytes'] = heapAtEnd - heapAtWarmup;
  if (livePoints.length >= 2) m['live.growth_bytes'] = livePoints[livePoints.length - 1]!.liveBytes - livePoints[0]!.liveBytes;
  if (liveSlope) m['live.slope_bytes_per_min'] = liveSlope.slope * PER_MIN;
  const heapPoints = isCommand
    ? readings.map((r) => ({ tMs: r.tMs, bytes: r.heapBytes }))
    : data.marks.filter((k) => k.heapUsedAfterGcBytes !== undefined && k.tMs >= steady.startMs).map((k) => ({ tMs: k.tMs, bytes: k.heapUsedAfterGcBytes! }));
  const heapSlope = fitSlope(heapPoints.map((k) => k.tMs), heapPoints.map((k) => k.bytes));
  if (v8Heap && heapSlope) m['heap.used.slope_bytes_per_min'] = heapSlope.slope * PER_MIN;

  // Steps and their latency after warm-up (a command has steps only from a load driver's progress).
  const endSteps = isCommand ? data.progress?.steps : (findMark(data, 'measure-end')?.steps ?? data.progress?.steps);
  const steadySteps = endSteps !== undefined ? endSteps - (warm?.steps ?? 0) : undefined;
  const steadyMs = steady.endMs - steady.startMs;
  if (steadySteps !== undefined && steadyMs > 0) m['ops.rate_per_s'] = steadySteps / (steadyMs / 1000);
  let latency: LatencySummary | undefined;
  const l = data.latency;
  if (l.tMs.length > 0) {
    let sumMs = 0;
    for (let i = 0; i < l.tMs.length; i++) if (!warm || l.tMs[i]! > warm.tMs) sumMs += l.sumMs[i]!;
    // No warm-up mark (a run cut short, a program whose agent marks none): the whole window is steady, as above.
    latency = warm ? summarizeBuckets(l.afterWarmup, sumMs, l.afterWarmupMaxMs) : summarizeBuckets(l.whole, sumMs, l.wholeMaxMs);
    if (latency.count > 0) {
      m['latency.p50_ms'] = latency.p50Ms;
      m['latency.p95_ms'] = latency.p95Ms;
      m['latency.p99_ms'] = latency.p99Ms;
      m['latency.max_ms'] = latency.maxMs;
      m['latency.mean_ms'] = latency.meanMs;
    }
  }

  const phases = phaseReport(data.progress, data.progressAtWarmupEnd, opts.phaseOrder);
  for (const p of phases?.phases ?? []) {
    m[`phase.${p.name}.mean_ms`] = p.meanMs;
    m[`phase.${p.name}.share_ratio`] = p.share;
  }

  const verdict = judgeLeak(livePoints, rssSlope, { minEffectBytes: opts.minLeakBytes, startRssBytes: rssEdges?.startBytes, liveLabel: pythonLiveLabel(data), liveNotMeasured: pythonLiveNotMeasured(data) });
  const leak = withLeakSites(verdict, data, { fromMs: steady.startMs, cwd: opts.cwd ?? '', startLiveBytes: livePoints[0]?.liveBytes ?? 0 });
  return { ...base, metrics: m, steady, steadySteps, latency, rssSlope, liveSlope, livePoints, leak, phases };
}

/**
 * One process's (or worker thread's) own verdict in a command's tree, from its own
 * checkpoints; `rss` is its process's outside samples (none for a worker thread, whose RSS
 * is its process's). Undefined when it took no checkpoint (gc-profile, an isolate that
 * ended before its first).
 */
export function isolateLeak(
  iso: RunData,
  rss: { tMs: number[]; rssBytes: number[] } | undefined,
  opts: Pick<LeakOptions, 'minEffectBytes'> = {},
): LeakVerdict | undefined {
  if (!iso.marks.some((m) => m.label === 'gc-checkpoint' || m.label === 'warmup-end')) return undefined;
  const points = livePointsAfterWarmup(iso).map(({ heapBytes: _, ...p }) => p);
  const fromMs = points[0]?.tMs ?? Infinity;
  const idx: number[] = [];
  for (let i = 0; i < (rss?.tMs.length ?? 0); i++) if (rss!.tMs[i]! >= fromMs) idx.push(i);
  const rssSlope = rss ? fitSlope(idx.map((i) => rss.tMs[i]!), idx.map((i) => rss.rssBytes[i]!)) : undefined;
  return judgeLeak(points, rssSlope, { minEffectBytes: opts.minEffectBytes, startRssBytes: idx.length ? rss!.rssBytes[idx[0]!] : undefined, liveLabel: pythonLiveLabel(iso), liveNotMeasured: pythonLiveNotMeasured(iso) });
}

/** Sites named: at most this many in the reason (all of them in `sites`). */
const REASON_SITES = 3;

/**
 * --alloc-sites: the sites whose in-use bytes climb over the checkpoints, as the verdict's
 * evidence (`sites`), and named in its reason when it says "leak". The smallest growth
 * worth naming: four samples' worth, and 1 % of the live memory at the start.
 */
function withLeakSites(v: LeakVerdict, data: RunData, o: { fromMs: number; cwd: string; startLiveBytes: number }): LeakVerdict {
  const intervalBytes = data.alloc.find((r) => r.view === 'inuse')?.intervalBytes;
  if (intervalBytes === undefined) return v;
  const sites = growingSites(data.alloc, { fromMs: o.fromMs, cwd: o.cwd, original: originalPositionsOf(data.allocSourceMap), minGrowthBytes: Math.max(4 * intervalBytes, 0.01 * o.startLiveBytes) });
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const named = sites.slice(0, REASON_SITES).map((s) => `${s.label} +${mb(s.slopeBytesPerMin)}/min`);
  const more = sites.length > REASON_SITES ? ` and ${sites.length - REASON_SITES} more` : '';
  const reason = v.verdict === 'leak' && named.length > 0 ? `${v.reason}; growing in use: ${named.join(', ')}${more}` : v.reason;
  return { ...v, reason, sites: sites.map((s) => ({ ...s })) };
}
