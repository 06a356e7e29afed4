import { basename, resolve } from 'node:path';
import type { BaselineOf, Environment, MetricEntry, ParamValue, Target } from '../baseline/schema.js';
import { assembleBaseline, runRecord, singleValueMetric } from '../baseline/envelope.js';
import { slug, timestamp } from '../baseline/naming.js';
import { unitFromName } from '../metrics/registry.js';
import { describeEnvironment } from '../baseline/environment.js';
import type { HeapSummary } from '../heap/summary.js';

/**
 * A summary as a `heap-summary` baseline that `memkit diff` reads: totals plus, per class,
 * `heap.class.<Name>.count|self_bytes|retained_bytes`. Only the largest classes become
 * metrics (a heap has thousands, most of them a few bytes of engine internals); the
 * full table stays under extra.heapSummary.
 */

export interface SummaryBaselineOptions {
  argv: string[];
  startedAt: Date;
  durationMs: number;
  /** Classes kept as metrics: the top N by retained size, plus the top N by self size. */
  metricClasses: number;
  /** Defaults to this memkit's version. */
  toolVersion?: string;
  /** For scenario runs: what produced the snapshot, and where it ran. */
  target?: Target;
  environment?: Environment;
  runId?: string;
  settings?: Record<string, ParamValue | null>;
  notes?: string[];
}

/** Classes kept as metrics in the baseline of a measured run's snapshots. */
const CAPTURED_METRIC_CLASSES = 100;

/** The snapshots of a measured run (scenario or command): its target, id and settings. */
export interface CapturedRun {
  resolved: { target: Target };
  runId: string;
  settings: Record<string, ParamValue | null>;
}

/** A measured run's last snapshot as a heap-summary baseline, with the run's own target, id and settings. */
export function capturedSummaryBaseline(
  summary: HeapSummary,
  run: CapturedRun,
  o: { argv: string[]; startedAt: Date; environment: Environment; notes: string[] },
): BaselineOf<'heap-summary'> {
  return summaryToBaseline(summary, {
    argv: o.argv,
    startedAt: o.startedAt,
    durationMs: Date.now() - o.startedAt.getTime(),
    metricClasses: CAPTURED_METRIC_CLASSES,
    target: run.resolved.target,
    runId: run.runId,
    environment: o.environment,
    settings: run.settings,
    notes: o.notes,
  });
}

export function summaryToBaseline(s: HeapSummary, o: SummaryBaselineOptions): BaselineOf<'heap-summary'> {
  const metrics: Record<string, MetricEntry> = {};
  const put = (name: string, value: number): void => {
    metrics[name] = singleValueMetric(value, unitFromName(name));
  };
  put('heap.snapshot.total_bytes', s.totalSelfBytes);
  put('heap.snapshot.reachable_bytes', s.reachableBytes);
  put('heap.snapshot.nodes.count', s.nodeCount);
  put('heap.snapshot.classes.count', s.classes.length);

  const keep = new Set(s.classes.slice(0, o.metricClasses));
  for (const c of [...s.classes].sort((a, b) => b.selfBytes - a.selfBytes).slice(0, o.metricClasses)) keep.add(c);
  for (const c of s.classes) {
    if (!keep.has(c)) continue;
    const key = `heap.class.${metricSafe(c.className)}`;
    put(`${key}.count`, c.count);
    put(`${key}.self_bytes`, c.selfBytes);
    put(`${key}.retained_bytes`, c.retainedBytes);
  }
  const notes = [...(o.notes ?? [])];
  if (keep.size < s.classes.length) {
    notes.push(`${s.classes.length - keep.size} smaller classes are in extra.heapSummary.classes only, not in the metrics`);
  }
  return assembleBaseline({
    kind: 'heap-summary',
    runId: o.runId ?? `mem-snapshot-${slug(basename(s.file).replace(/\.heapsnapshot$/, ''))}-${timestamp(o.startedAt)}`,
    startedAt: o.startedAt.toISOString(),
    durationMs: o.durationMs,
    argv: o.argv,
    target: o.target ?? { type: 'snapshot', files: [resolve(s.file)] },
    // A snapshot file says nothing about the process it came from: the machine that read it.
    environment: o.environment ?? describeEnvironment([]),
    settings: { dominators: s.dominatorRule, metricClasses: o.metricClasses, ...(o.settings ?? {}) },
    runs: [runRecord({ index: 0, status: 'complete', startedAt: o.startedAt.toISOString(), durationMs: o.durationMs })],
    metrics,
    notes,
    extra: {
      heapSummary: {
        file: resolve(s.file),
        fileBytes: s.fileBytes,
        nodeCount: s.nodeCount,
        edgeCount: s.edgeCount,
        unreachableCount: s.unreachableCount,
        classes: s.classes,
        top: s.top,
      },
    },
    toolVersion: o.toolVersion,
  });
}

/** Class names become part of a dotted metric name: no control characters, bounded length. */
export function metricSafe(className: string): string {
  const flat = className.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() || '(anonymous)';
  return flat.length > 100 ? flat.slice(0, 100) : flat;
}
