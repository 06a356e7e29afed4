import type { Baseline } from '../baseline/schema.js';
import { UsageError } from '../core/errors.js';
import { memkitVersion } from '../core/version.js';
import { compareHeaps, type HeapComparison } from '../heap/compare.js';
import type { PageOwnershipRule } from '../heap/dominators.js';
import { findLeaks, idIndex, type LeakFinderOptions, type LeakReport, type PathLabel } from '../heap/leaks.js';
import { edgeLabel, retainerPaths, shortestPaths } from '../heap/retainer-paths.js';
import { describeObject, summarizeHeap, type HeapObjectInfo, type HeapSummary } from '../heap/summary.js';
import { summaryToBaseline } from './snapshot-baseline.js';
import { analyzeSnapshotFile, openSnapshotGraph, type StatusListener } from './snapshot-files.js';

/**
 * The views `memkit mem-snapshot` gives of .heapsnapshot files: summarize, compare, leaks
 * and path. Each reads its files, runs the engine, frees the graphs and returns typed
 * data; the command renders it.
 */

export interface SummarizeSettings {
  file: string;
  rule: PageOwnershipRule;
  topObjects: number;
  /** Also assemble a heap-summary baseline (for --out / --json). */
  baseline?: { argv: string[]; metricClasses: number };
  onStatus?: StatusListener;
}

export async function summarizeSnapshotFile(s: SummarizeSettings): Promise<{ summary: HeapSummary; baseline?: Baseline }> {
  const startedAt = new Date();
  const analyzed = await analyzeSnapshotFile(s.file, s.rule, { onStatus: s.onStatus });
  const summary = summarizeHeap(analyzed.graph, analyzed.dom, { topObjects: s.topObjects, dominatorRule: s.rule });
  analyzed.graph.close();
  if (!s.baseline) return { summary };
  const baseline = summaryToBaseline(summary, {
    argv: s.baseline.argv,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    metricClasses: s.baseline.metricClasses,
    toolVersion: memkitVersion(),
  });
  return { summary, baseline };
}

export async function compareSnapshotFiles(before: string, after: string, onStatus?: StatusListener): Promise<HeapComparison> {
  const a = await openSnapshotGraph(before, { label: '1/2 ', onStatus });
  const b = await openSnapshotGraph(after, { label: '2/2 ', onStatus });
  const comparison = compareHeaps(a, b);
  a.close();
  b.close();
  return comparison;
}

export interface LeakFileSettings extends LeakFinderOptions {
  rule: PageOwnershipRule;
  /** Also summarize FINAL, listing this many top objects (scenario mode prints both). */
  summaryTop?: number;
  onStatus?: StatusListener;
}

/** BASE and TARGET are reduced to their sorted ids as soon as they are read: only FINAL stays whole. */
export async function findLeaksInFiles(files: [string, string, string], s: LeakFileSettings): Promise<{ report: LeakReport; summary?: HeapSummary }> {
  const [base, target, final] = files;
  const baseGraph = await openSnapshotGraph(base, { label: '1/3 ', onStatus: s.onStatus });
  const baseIds = idIndex(baseGraph);
  baseGraph.close();
  const targetGraph = await openSnapshotGraph(target, { label: '2/3 ', onStatus: s.onStatus });
  const targetIds = idIndex(targetGraph);
  targetGraph.close();
  const analyzed = await analyzeSnapshotFile(final, s.rule, { label: '3/3 ', onStatus: s.onStatus });
  s.onStatus?.(`finding leaks in ${final}`);
  const report = findLeaks(baseIds, targetIds, analyzed.graph, analyzed.dom, s);
  const summary =
    s.summaryTop !== undefined ? summarizeHeap(analyzed.graph, analyzed.dom, { topObjects: s.summaryTop, dominatorRule: s.rule }) : undefined;
  analyzed.graph.close();
  return { report, summary };
}

/** --fail-on-leak: the listed leaks retain more than the limit. */
export function leaksExceed(report: LeakReport, failOnBytes: number | undefined): boolean {
  return failOnBytes !== undefined && report.leakedRetainedBytes > failOnBytes;
}

export interface PathSettings {
  file: string;
  /** One object: by id, or the largest (by retained size) of a constructor. */
  object: { id: number } | { className: string };
  maxPaths: number;
  rule: PageOwnershipRule;
  onStatus?: StatusListener;
}

export interface ObjectPaths {
  object: HeapObjectInfo;
  /** The shortest path from the roots, then one through each other direct retainer (at most maxPaths). */
  paths: PathLabel[][];
  /** How many paths there are, up to maxPaths + 1 (so "more than shown" can be said). */
  totalPaths: number;
}

export async function findObjectPaths(s: PathSettings): Promise<ObjectPaths> {
  const { graph, dom } = await analyzeSnapshotFile(s.file, s.rule, { onStatus: s.onStatus });
  try {
    let ordinal: number;
    if ('id' in s.object) {
      ordinal = graph.findById(s.object.id);
      if (ordinal < 0) throw new UsageError(`path: ${s.file} has no object with id ${s.object.id}`);
    } else {
      const cls = graph.classNames.indexOf(s.object.className);
      if (cls < 0) throw new UsageError(`path: ${s.file} has no object of constructor '${s.object.className}'`);
      ordinal = -1;
      for (let i = 0; i < graph.nodeCount; i++) {
        if (graph.nodeClass[i] === cls && (ordinal < 0 || dom.retainedSize[i]! > dom.retainedSize[ordinal]!)) ordinal = i;
      }
    }
    const found = retainerPaths(graph, shortestPaths(graph), ordinal, s.maxPaths + 1);
    const paths = found
      .slice(0, s.maxPaths)
      .map((steps) => steps.map((x) => ({ edge: edgeLabel(graph, x.edge), className: graph.className(x.to), id: graph.nodeId[x.to]! })));
    return { object: describeObject(graph, dom, ordinal), paths, totalPaths: found.length };
  } finally {
    graph.close();
  }
}
