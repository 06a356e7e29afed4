import type { Baseline } from '../baseline/schema.js';
import { describeEnvironment } from '../baseline/environment.js';
import type { PageOwnershipRule } from '../heap/dominators.js';
import type { LeakReport } from '../heap/leaks.js';
import type { HeapSummary } from '../heap/summary.js';
import { captureScenarioSnapshots, type CapturedSnapshot } from './scenario-snapshots.js';
import { capturedSummaryBaseline } from './snapshot-baseline.js';
import type { StatusListener } from './snapshot-files.js';
import { findLeaksInFiles } from './snapshot-views.js';
import type { TargetOptions } from './target.js';

/**
 * `memkit mem-snapshot --scenario`: three snapshots of a scenario (after setup, N and 2N
 * steps), the leak finder on the three, and the summary of the last as a heap-summary
 * baseline with the leak report under extra.leaks. The command writes and renders.
 */

export interface SnapshotScenarioSettings {
  target: TargetOptions;
  steps: number;
  outDir: string;
  nodeArgs: string[];
  rule: PageOwnershipRule;
  minRetainedBytes: number;
  /** List only leak groups that kept growing after the second snapshot. */
  growingOnly: boolean;
  argv: string[];
  onStatus?: StatusListener;
  /** The child's own output, which must reach the terminal. */
  onOutput?(chunk: Buffer): void;
  /** The snapshots on disk, before the (long) analysis starts; also when the run ended early. */
  onCaptured?(snapshots: CapturedSnapshot[]): void;
}

export type SnapshotScenarioResult =
  | { status: 'interrupted'; snapshots: CapturedSnapshot[] }
  | { status: 'crashed' | 'incomplete'; reason: string; snapshots: CapturedSnapshot[] }
  | { status: 'complete'; snapshots: CapturedSnapshot[]; summary: HeapSummary; leaks: LeakReport; baseline: Baseline; baselinePath: string };

/** Rows of the leak report and top objects of the summary kept in the baseline. */
const REPORT_ROWS = 10;
/** The same number of classes a summarize baseline keeps as metrics by default. */
/** Sampling while the snapshots are taken: the run is for its snapshots, not a timeline. */
const INTERVAL_MS = 100;

export async function snapshotScenario(s: SnapshotScenarioSettings): Promise<SnapshotScenarioResult> {
  const startedAt = new Date();
  const captured = await captureScenarioSnapshots({
    target: { ...s.target, command: [] },
    steps: s.steps,
    outDir: s.outDir,
    nodeArgs: s.nodeArgs,
    intervalMs: INTERVAL_MS,
    onProgress: s.onStatus,
    onOutput: s.onOutput,
  });
  const { snapshots, outcome } = captured;
  s.onCaptured?.(snapshots);
  if (captured.interrupted) return { status: 'interrupted', snapshots };
  if (outcome.status !== 'complete' || snapshots.length < 3) {
    const reason = outcome.statusReason ?? `the child ended after ${snapshots.length} of 3 snapshots`;
    return { status: outcome.status === 'crashed' ? 'crashed' : 'incomplete', reason, snapshots };
  }
  const files = snapshots.map((x) => x.path) as [string, string, string];
  const { report, summary } = await findLeaksInFiles(files, {
    rule: s.rule,
    limit: REPORT_ROWS,
    minRetainedBytes: s.minRetainedBytes,
    growingOnly: s.growingOnly,
    summaryTop: REPORT_ROWS,
    onStatus: s.onStatus,
  });
  const baseline = capturedSummaryBaseline(summary!, captured, {
    argv: s.argv,
    startedAt,
    environment: describeEnvironment(['--expose-gc', ...s.nodeArgs], outcome.data.hello),
    notes: [`summary of the last of three snapshots (${snapshots.map((x) => x.steps).join(', ')} steps)`],
  });
  baseline.extra = { ...baseline.extra, snapshots, leaks: { ...report, growingOnly: s.growingOnly } };
  const baselinePath = captured.samplesPath.replace(/\.jsonl$/, '.summary.json');
  return { status: 'complete', snapshots, summary: summary!, leaks: report, baseline, baselinePath };
}
