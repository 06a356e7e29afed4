import type { ClassRow, HeapObjectInfo } from '../heap/summary.js';
import type { LeakReport } from '../heap/leaks.js';
import type { RunStatus } from '../samples/protocol.js';

/**
 * The command sections of a baseline (`extra`), typed per kind. These shapes are the
 * file format: producers (profile/, similarity/) write them and TypeScript checks that
 * they do; renderers read them only through the accessors below, which validate, since
 * a file on disk may come from an older memkit or a hand edit.
 *
 * analyze/ imports the format (diff reads baselines), so the format cannot import
 * analyze/'s result types back: the shapes of GC, leak, latency, phase and assertion
 * figures are declared here, and the analysis types are checked against them where a
 * producer writes them. The heap engine imports nothing, so its row types are used as
 * they are.
 */

export type GcKindName = 'minor' | 'major' | 'incremental' | 'weakcb';

/**
 * A distribution's summary (analyze/percentiles computes it; here, pause times of one GC
 * kind over a run, in ms). The format owns the shape; analysis fills it.
 */
export interface SummaryStats {
  count: number;
  sum: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Per-run GC details (`extra.runs[i]` of gc-profile and mem-stress), for the GC tables. */
export type PauseSummaryMs = SummaryStats;

export interface GcRunSection {
  gcByKind: Record<GcKindName, { count: number; pauseMs: PauseSummaryMs }>;
  gcLifetimeCounts: Record<GcKindName, number>;
  gcCheckpointCount: number;
  /**
   * A user's command only (counted over its whole life): the GCs before its program
   * started (Node's start-up and memkit's preload), which gcByKind includes.
   */
  gcStartup?: GcStartupSection;
  gcDesync: number;
  heapBasis?: 'checkpoint' | 'samples';
  heapSlopeBasis?: string;
}

export interface GcStartupSection {
  counts: Record<GcKindName, number>;
  /** Their pauses, summed. */
  pauseMs: number;
}

/** A run without memkit's agent inside (a non-Node command) has no GC details. */
export type GcRunEntry = GcRunSection | { gcByKind?: undefined };

export type LeakVerdictKind = 'leak' | 'no leak' | 'inconclusive';

/** One run's leak verdict with its evidence (analyze/leak-verdict decides it). */
export interface RunLeakSection {
  verdict: LeakVerdictKind;
  /** One line of why, with the figures. */
  reason: string;
  points: number;
  /** Live-memory slope in bytes per minute, with its 95 % interval half-width. */
  liveSlopeBytesPerMin?: number;
  liveSlopeHalfWidthBytesPerMin?: number;
  liveGrowthBytes?: number;
  rssSlopeBytesPerMin?: number;
  rssSlopeHalfWidthBytesPerMin?: number;
  minEffectBytes: number;
  spanMs: number;
  /**
   * --alloc-sites: the sites whose sampled in-use bytes climb over the checkpoints (slope
   * above zero, corrected over the sites, and a growth worth naming), steepest first.
   */
  sites?: LeakSiteRow[];
}

export interface LeakSiteRow {
  key: string;
  label: string;
  slopeBytesPerMin: number;
  /** Half-width of the slope's confidence interval, corrected over the sites tested. */
  halfWidthBytesPerMin: number;
  /** Sampled in-use bytes gained from the first checkpoint to the last. */
  growthBytes: number;
  /** Checkpoints in the fit (the most of any isolate). */
  points: number;
}

/** The verdict over all runs (`extra.leak`). */
export interface LeakSection {
  verdict: LeakVerdictKind;
  reason: string;
}

/** Step latencies of a run (analyze/latency-stats summarises the buckets). */
export interface LatencySection {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PhasesSection {
  phases: Array<{ name: string; count: number; totalMs: number; meanMs: number; share: number }>;
  totalMs: number;
  bottleneck?: string;
}

/** What a mem-stress run adds to its GC details (`extra.runs[i]`). */
export interface StressRunSection {
  leak: RunLeakSection;
  latency?: LatencySection;
  phases?: PhasesSection;
  warmup: { endMs: number | null; steps: number | null };
}

export interface AssertionSection {
  assertion: { text: string; metric: string; op: '<' | '<=' | '>' | '>=' | '==' | '!='; threshold: number };
  /** Absent when the run did not produce the metric. */
  measured?: number;
  pass: boolean;
}

export interface HeapSummarySection {
  file: string;
  fileBytes: number;
  nodeCount: number;
  edgeCount: number;
  unreachableCount: number;
  classes: ClassRow[];
  top: HeapObjectInfo[];
}

/** A heap snapshot mem-snapshot's scenario mode took. */
export interface SnapshotSection {
  path: string;
  /** Scenario mode: steps completed when it was taken. */
  steps?: number;
  bytes: number;
  durationMs: number;
  /** A command (mem-snapshot --at): whose heap, and when it was asked for ("30s", from the first hello). */
  pid?: number;
  commandLine?: string;
  at?: string;
  atMs?: number;
  /** A command's agent could not take it (no file). */
  error?: string;
}

export type HeapLeaksSection = LeakReport & { growingOnly: boolean };

/**
 * A command's process tree (`extra.processes`, docs/process-tree.md §3.5): every Node
 * process and worker thread, and the processes measured from outside only, one row each,
 * with its own figures, so `memkit report` can draw the table and `memkit diff --process`
 * can re-select from them. The top-level metrics describe the rows named in `selected`.
 */
export interface ProcessesSection {
  /** --process as given: 'all', 'main', 'largest', a pid, or a part of a command line. */
  selection: string;
  /** One per measured run (--repeat), in order. */
  runs: ProcessRunSection[];
}

export interface ProcessRunSection {
  /** Keys of the rows the top-level metrics describe in this run. */
  selected: string[];
  /** Processes and their worker threads, in start order (a process's threads right after it). */
  rows: ProcessRow[];
  unreached: UnreachedRow[];
}

/** What an agent knows of its own process (protocol's AgentRole), 'main' for the root, 'non-node' for a shell etc. */
export type ProcessRole = 'main' | 'process' | 'fork' | 'cluster-worker' | 'worker-thread' | 'non-node';

export type ProcessEndCauseName = 'exit' | 'uncaught' | 'oom' | 'signal' | 'lost' | 'running';

export interface ProcessRow {
  /**
   * Stable across runs: role, the command line with the node binary, paths under the
   * working directory and temporary directories normalised, and an ordinal among equal
   * keys in start order (`cluster-worker:node cluster.js#2`).
   */
  key: string;
  pid: number;
  ppid: number;
  /** 0 for a process's main thread. */
  threadId: number;
  /** V8's isolate address as --trace-gc prints it. */
  isolate?: string;
  role: ProcessRole;
  argv: string[];
  /** From the run's start. */
  startMs: number;
  endMs?: number;
  /** agent: memkit's agent reported from inside; outside: RSS/CPU only. */
  measured: 'agent' | 'outside';
  end?: { code: number | null; signal: string | null; cause: ProcessEndCauseName; reason?: string };
  gc?: {
    counts: Record<GcKindName, number>;
    startup?: GcStartupSection;
    /** Percentiles null when the isolate had no GC. */
    pauseMs: { p50: number | null; p95: number | null; max: number | null; total: number };
  };
  /**
   * A Python process's collections over its own window (a forked child's from its fork):
   * per generation, with what they freed. `gc` stays absent (V8's kinds are not CPython's).
   */
  pythonGc?: {
    counts: { gen0: number; gen1: number; gen2: number };
    collected: number;
    uncollectable: number;
    pauseMs: { p50: number | null; p95: number | null; max: number | null; total: number };
  };
  /** Per isolate. */
  heapUsedPeakBytes?: number;
  /** Per process (absent on worker-thread rows: a thread has no RSS of its own). */
  rssPeakBytes?: number;
  cpuMs?: number;
  /** mem-stress: this isolate's own leak verdict, from its own forced-GC checkpoints. */
  leak?: RunLeakSection;
}

/** A Node process or worker thread no agent reported from, and why. */
export interface UnreachedRow {
  pid: number;
  threadId?: number;
  argv: string[];
  reason: string;
}

/** --alloc-sites: where the program allocated, per run (the whole profile is in the run's samples file). */
export interface AllocSitesSection {
  /**
   * The sampler, V8's sampling heap profiler in each measured isolate: harvested at each GC
   * by memkit's gc-hooks addon (both views), or through node:inspector (allocated only).
   */
  source: 'gc-hooks' | 'inspector' | 'tracemalloc';
  intervalBytes: number;
  /**
   * The views measured: 'allocated' (everything sampled in the window, collected or not),
   * 'inuse' (what was alive at the end, after memkit's GC). A view not listed was not
   * measured: its figures are absent, never zero.
   */
  views: string[];
  runs: AllocSitesRun[];
  notes: string[];
}

export interface AllocSitesRun {
  /** Isolates whose profile this run has (0: none reported, see notes). */
  profiles: number;
  /** The window's sampled allocation, and the agent's own reads left out of it; absent when the allocated view was not measured (tracemalloc). */
  sampledBytes?: number;
  ownBytes: number;
  steps: number;
  seconds: number;
  /** The top sites by allocated bytes. */
  top: AllocSiteRow[];
  /** In-use view: the sampled live bytes at the end, and the top sites by them. */
  inuseBytes?: number;
  topInuse?: AllocInuseRow[];
  /** gc-hooks: the sampler's harvests in GC prologues, their number and time (its cost, measured). */
  harvests?: number;
  harvestMs?: number;
}

export interface AllocInuseRow {
  key: string;
  label: string;
  inuseBytes: number;
  inuseObjects: number;
  /** Of the run's sampled in-use bytes. */
  inuseShare: number;
  stack: string[];
}

export interface AllocSiteRow {
  key: string;
  label: string;
  allocBytes: number;
  allocObjects: number;
  /** Of the run's sampled allocated bytes. */
  allocShare: number;
  /** Its heaviest stack, root first (labels). */
  stack: string[];
}

export interface GcProfileExtra {
  runs?: GcRunEntry[];
  processes?: ProcessesSection;
  allocSites?: AllocSitesSection;
}

export interface MemStressExtra {
  runs?: Array<GcRunEntry & StressRunSection>;
  processes?: ProcessesSection;
  allocSites?: AllocSitesSection;
  leak?: LeakSection;
  assertions?: AssertionSection[];
}

export interface HeapSummaryExtra {
  heapSummary?: HeapSummarySection;
  /** Scenario mode: the three snapshots and what the leak finder found in them. */
  snapshots?: SnapshotSection[];
  leaks?: HeapLeaksSection;
  /** A command: the leak finder on each process with three snapshots or more (the first is `leaks`). */
  processLeaks?: Array<{ pid: number; commandLine: string; files: string[]; leaks: HeapLeaksSection }>;
}

/** similarity-build's predicted peak memory, by part (similarity/memory-plan.ts fills it). */
export interface SimilarityPredictionSection {
  runtimeBytes: number;
  embeddingsBytes: number;
  blocksBytes: number;
  topkStateBytes: number;
  outputBytes: number;
  ioBytes: number;
  totalBytes: number;
}

export interface SimilaritySection {
  prediction: SimilarityPredictionSection;
  /** One sentence on what the memory budget chose. */
  budgetChoice?: string;
  rows: { start: number; end: number };
  candidatesPerRow: number | null;
  kernel: string | null;
  files: string[];
  fingerprint: string | null;
  zeroRows: number;
}

/** One strategy of --compare: measured, or refused before it could exceed the guard. */
export interface SimilarityCompareRow {
  strategy: string;
  predictedPeakBytes: number;
  peakRssBytes?: number;
  computeMs?: number | null;
  status?: RunStatus;
  refused?: string;
}

export interface SimilarityBuildExtra {
  similarity: SimilaritySection;
  compare?: SimilarityCompareRow[];
  compareGuardBytes?: number;
}

/** Each kind's `extra`: a baseline of kind K carries `extra?: BaselineExtras[K]`. */
export interface BaselineExtras {
  'gc-profile': GcProfileExtra;
  'mem-stress': MemStressExtra;
  'heap-summary': HeapSummaryExtra;
  'similarity-build': SimilarityBuildExtra;
}

// ---- Validated accessors: the only way renderers read `extra`. ----

/** The sections of a baseline as read from disk: any kind, any shape. */
interface Sections {
  extra?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function section(b: Sections, name: string): unknown {
  return isObject(b.extra) ? b.extra[name] : undefined;
}

function runEntries(b: Sections): Record<string, unknown>[] {
  const runs = section(b, 'runs');
  return Array.isArray(runs) ? runs.filter(isObject) : [];
}

function isGcRun(r: Record<string, unknown>): r is Record<string, unknown> & GcRunSection {
  return isObject(r.gcByKind);
}

function isStressRun(r: Record<string, unknown>): r is Record<string, unknown> & StressRunSection {
  return isObject(r.leak) && isVerdict(r.leak.verdict);
}

/** The runs that carry GC details (runs of a non-Node command have none). */
export function gcRunsOf(b: Sections): GcRunSection[] {
  return runEntries(b).filter(isGcRun);
}

/** A run's start-up GCs, when it has a valid section (older files and scenarios have none). */
export function gcStartupOf(run: GcRunSection): GcStartupSection | undefined {
  const s: unknown = run.gcStartup;
  if (!isObject(s) || !isObject(s.counts) || typeof s.pauseMs !== 'number') return undefined;
  const counts = s.counts;
  const kinds = ['minor', 'major', 'incremental', 'weakcb'] as const;
  if (!kinds.every((k) => typeof counts[k] === 'number')) return undefined;
  return s as unknown as GcStartupSection;
}

/** mem-stress's per-run sections: leak verdict, latency, phases, warm-up. */
export function stressRunsOf(b: Sections): StressRunSection[] {
  return runEntries(b).filter(isStressRun);
}

/** The leak verdict over all runs, when the baseline has one. */
export function leakOf(b: Sections): LeakSection | undefined {
  const leak = section(b, 'leak');
  if (!isObject(leak) || !isVerdict(leak.verdict)) return undefined;
  return { verdict: leak.verdict, reason: String(leak.reason ?? '') };
}

const VERDICTS: readonly unknown[] = ['leak', 'no leak', 'inconclusive'] satisfies LeakVerdictKind[];

function isVerdict(v: unknown): v is LeakVerdictKind {
  return VERDICTS.includes(v);
}

export function assertionsOf(b: Sections): AssertionSection[] {
  const results = section(b, 'assertions');
  if (!Array.isArray(results)) return [];
  return results.filter((r): r is AssertionSection => isObject(r) && isObject(r.assertion) && typeof r.assertion.text === 'string');
}

/** mem-snapshot's full class table, when the baseline kept it (else: undefined). */
export function heapSummaryClassesOf(b: Sections): ClassRow[] | undefined {
  const summary = section(b, 'heapSummary');
  const classes = isObject(summary) ? summary.classes : undefined;
  if (!Array.isArray(classes)) return undefined;
  return classes
    .filter((c): c is Record<string, unknown> & { className: string } => isObject(c) && typeof c.className === 'string')
    .map((c) => ({ className: c.className, count: Number(c.count) || 0, selfBytes: Number(c.selfBytes) || 0, retainedBytes: Number(c.retainedBytes) || 0 }));
}

const ROLES: readonly unknown[] = ['main', 'process', 'fork', 'cluster-worker', 'worker-thread', 'non-node'] satisfies ProcessRole[];
const CAUSES: readonly unknown[] = ['exit', 'uncaught', 'oom', 'signal', 'lost', 'running'] satisfies ProcessEndCauseName[];

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function isProcessRow(r: unknown): r is ProcessRow {
  if (!isObject(r)) return false;
  if (typeof r.key !== 'string' || !isNum(r.pid) || !isNum(r.ppid) || !isNum(r.threadId) || !ROLES.includes(r.role)) return false;
  if (!isStrings(r.argv) || !isNum(r.startMs) || (r.endMs !== undefined && !isNum(r.endMs))) return false;
  if (r.measured !== 'agent' && r.measured !== 'outside') return false;
  if (r.end !== undefined && !(isObject(r.end) && CAUSES.includes(r.end.cause))) return false;
  if (r.gc !== undefined) {
    const g = r.gc;
    if (!isObject(g) || !isObject(g.counts) || !isObject(g.pauseMs)) return false;
    const counts = g.counts;
    if (!(['minor', 'major', 'incremental', 'weakcb'] as const).every((k) => isNum(counts[k]))) return false;
    const p = g.pauseMs;
    // An isolate with no GC has NaN percentiles, written as null: still a valid row.
    if (!isNum(p.total) || !(['p50', 'p95', 'max'] as const).every((k) => p[k] === null || isNum(p[k]))) return false;
  }
  for (const k of ['heapUsedPeakBytes', 'rssPeakBytes', 'cpuMs'] as const) if (r[k] !== undefined && !isNum(r[k])) return false;
  if (r.leak !== undefined && !(isObject(r.leak) && VERDICTS.includes(r.leak.verdict) && typeof r.leak.reason === 'string')) return false;
  return true;
}

function isUnreachedRow(r: unknown): r is UnreachedRow {
  return isObject(r) && isNum(r.pid) && isStrings(r.argv) && typeof r.reason === 'string' && (r.threadId === undefined || isNum(r.threadId));
}

/**
 * A command's process table, when the baseline has a valid one (older baselines, scenarios
 * and hand edits have none: undefined). Every run must be whole; a bad row makes the
 * section unusable rather than a table that silently lacks a process.
 */
export function allocSitesOf(b: Sections): AllocSitesSection | undefined {
  const a = section(b, 'allocSites');
  if (!isObject(a) || typeof a.intervalBytes !== 'number' || !isStrings(a.views) || !Array.isArray(a.runs) || !isStrings(a.notes)) return undefined;
  const runs: AllocSitesRun[] = [];
  for (const r of a.runs) {
    const allocatedMeasured = a.views.includes('allocated');
    if (!isObject(r) || (allocatedMeasured && typeof r.sampledBytes !== 'number') || typeof r.profiles !== 'number' || !Array.isArray(r.top)) return undefined;
    const top = r.top.filter(
      (row): row is AllocSiteRow =>
        isObject(row) && typeof row.key === 'string' && typeof row.label === 'string' && typeof row.allocBytes === 'number' && typeof row.allocShare === 'number' && isStrings(row.stack),
    );
    if (top.length !== r.top.length) return undefined;
    const topInuse = Array.isArray(r.topInuse)
      ? r.topInuse.filter(
          (row): row is AllocInuseRow =>
            isObject(row) && typeof row.key === 'string' && typeof row.label === 'string' && typeof row.inuseBytes === 'number' && typeof row.inuseShare === 'number' && isStrings(row.stack),
        )
      : undefined;
    if (topInuse && topInuse.length !== (r.topInuse as unknown[]).length) return undefined;
    runs.push({
      profiles: r.profiles, ...(typeof r.sampledBytes === 'number' ? { sampledBytes: r.sampledBytes } : {}), ownBytes: Number(r.ownBytes) || 0, steps: Number(r.steps) || 0, seconds: Number(r.seconds) || 0, top,
      ...(topInuse && typeof r.inuseBytes === 'number' ? { topInuse, inuseBytes: r.inuseBytes } : {}),
      ...(typeof r.harvestMs === 'number' && typeof r.harvests === 'number' ? { harvestMs: r.harvestMs, harvests: r.harvests } : {}),
    });
  }
  const source = a.source === 'gc-hooks' || a.source === 'tracemalloc' ? a.source : 'inspector';
  return { source, intervalBytes: a.intervalBytes, views: a.views, runs, notes: a.notes };
}

export function processesOf(b: Sections): ProcessesSection | undefined {
  const p = section(b, 'processes');
  if (!isObject(p) || typeof p.selection !== 'string' || !Array.isArray(p.runs)) return undefined;
  const runs: ProcessRunSection[] = [];
  for (const r of p.runs) {
    if (!isObject(r) || !isStrings(r.selected) || !Array.isArray(r.rows) || !Array.isArray(r.unreached)) return undefined;
    if (!r.rows.every(isProcessRow) || !r.unreached.every(isUnreachedRow)) return undefined;
    runs.push({ selected: r.selected, rows: r.rows, unreached: r.unreached });
  }
  return { selection: p.selection, runs };
}
