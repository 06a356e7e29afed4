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
  /** Steps completed when it was taken. */
  steps: number;
  bytes: number;
  durationMs: number;
}

export type HeapLeaksSection = LeakReport & { growingOnly: boolean };

export interface GcProfileExtra {
  runs?: GcRunEntry[];
}

export interface MemStressExtra {
  runs?: Array<GcRunEntry & StressRunSection>;
  leak?: LeakSection;
  assertions?: AssertionSection[];
}

export interface HeapSummaryExtra {
  heapSummary?: HeapSummarySection;
  /** Scenario mode: the three snapshots and what the leak finder found in them. */
  snapshots?: SnapshotSection[];
  leaks?: HeapLeaksSection;
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
