import { mainIsolateOf } from '../samples/run-data.js';
import type { Baseline } from '../baseline/schema.js';
import { describeEnvironment } from '../baseline/environment.js';
import type { PageOwnershipRule } from '../heap/dominators.js';
import type { LeakReport } from '../heap/leaks.js';
import type { HeapSummary } from '../heap/summary.js';
import { atLabel, captureCommandSnapshots, snapshotsByProcess, type CommandSnapshot, type CommandSnapshotSettings } from './command-snapshots.js';
import { capturedSummaryBaseline } from './snapshot-baseline.js';
import type { StatusListener } from './snapshot-files.js';
import { findLeaksInFiles } from './snapshot-views.js';

/**
 * `memkit mem-snapshot --at … -- <command>`: heap snapshots of the user's own program
 * (command-snapshots.ts), then the three-snapshot leak finder on each process's snapshots:
 * the first, the one nearest the middle in time, and the last, so `--every` over an hour
 * is read as scenario mode reads setup, N and 2N steps. The summary of the lead process's
 * last snapshot becomes a heap-summary baseline; every snapshot file and every process's
 * leak report go under its extra. The command writes and renders.
 */

export interface SnapshotCommandSettings extends Omit<CommandSnapshotSettings, 'onProgress'> {
  rule: PageOwnershipRule;
  minRetainedBytes: number;
  growingOnly: boolean;
  argv: string[];
  onStatus?: StatusListener;
  onCaptured?(snapshots: CommandSnapshot[]): void;
}

export interface ProcessLeaks {
  pid: number;
  commandLine: string;
  /** BASE, TARGET and FINAL, as the finder read them. */
  files: [string, string, string];
  report: LeakReport;
}

export type SnapshotCommandResult =
  | { status: 'interrupted'; snapshots: CommandSnapshot[]; missed: string[] }
  | {
      status: 'complete' | 'crashed';
      /** The run's status line (a crash's reason). */
      reason?: string;
      snapshots: CommandSnapshot[];
      missed: string[];
      /** One per process with three snapshots or more, the lead process first. */
      leaks: ProcessLeaks[];
      /** The lead process's last snapshot, summarised; absent when no process had three. */
      summary?: HeapSummary;
      baseline?: Baseline;
      baselinePath: string;
    };

const REPORT_ROWS = 10;

export async function snapshotCommand(s: SnapshotCommandSettings): Promise<SnapshotCommandResult> {
  const startedAt = new Date();
  const captured = await captureCommandSnapshots({ ...s, onProgress: s.onStatus });
  const { snapshots, missed, outcome } = captured;
  s.onCaptured?.(snapshots);
  if (captured.interrupted) return { status: 'interrupted', snapshots, missed };

  const leaks: ProcessLeaks[] = [];
  let summary: HeapSummary | undefined;
  // Agents in hello order: the root-most process first.
  const byProcess = [...snapshotsByProcess(snapshots).entries()].sort((a, b) => a[0] - b[0]);
  for (const [, list] of byProcess) {
    if (list.length < 3) {
      missed.push(`pid ${list[0]!.pid}: ${list.length} snapshot(s); the leak finder needs three`);
      continue;
    }
    const files = pickThree(list).map((x) => x.path) as [string, string, string];
    const lead = leaks.length === 0;
    const found = await findLeaksInFiles(files, {
      rule: s.rule,
      limit: REPORT_ROWS,
      minRetainedBytes: s.minRetainedBytes,
      growingOnly: s.growingOnly,
      ...(lead ? { summaryTop: REPORT_ROWS } : {}),
      onStatus: s.onStatus,
    });
    if (lead) summary = found.summary;
    leaks.push({ pid: list[0]!.pid, commandLine: list[0]!.commandLine, files, report: found.report });
  }

  const baselinePath = captured.samplesPath.replace(/\.jsonl$/, '.summary.json');
  const status = outcome.status === 'crashed' ? 'crashed' : 'complete';
  const reason = outcome.status === 'crashed' ? outcome.statusReason : undefined;
  if (!summary) return { status, reason, snapshots, missed, leaks, baselinePath };

  const lead = leaks[0]!;
  const leadHello = mainIsolateOf(outcome.data, lead.pid)?.hello;
  const baseline = capturedSummaryBaseline(summary, captured, {
    argv: s.argv,
    startedAt,
    environment: describeEnvironment(s.nodeArgs, leadHello),
    notes: [
      `summary of pid ${lead.pid}'s last snapshot; the leak finder read ${lead.files.length} of its snapshots (first, middle, last)`,
      ...(reason ? [`the program crashed: ${reason}`] : []),
      ...missed,
    ],
  });
  baseline.extra = {
    ...baseline.extra,
    snapshots: snapshots.map((x) => ({ ...x, at: atLabel(x.atMs) })),
    leaks: { ...lead.report, growingOnly: s.growingOnly },
    processLeaks: leaks.map((l) => ({ pid: l.pid, commandLine: l.commandLine, files: l.files, leaks: { ...l.report, growingOnly: s.growingOnly } })),
  };
  return { status, reason, snapshots, missed, leaks, summary, baseline, baselinePath };
}

/** First, nearest the middle in time, last: evenly spaced when the --at times are. */
export function pickThree<T extends { atMs: number }>(list: T[]): [T, T, T] {
  const first = list[0]!;
  const last = list[list.length - 1]!;
  const mid = (first.atMs + last.atMs) / 2;
  let best = list[1]!;
  for (const x of list.slice(1, -1)) if (Math.abs(x.atMs - mid) < Math.abs(best.atMs - mid)) best = x;
  return [first, best, last];
}
