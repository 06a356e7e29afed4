import { resolve } from 'node:path';
import type { ParamValue } from '../baseline/schema.js';
import { ensureParentDir } from '../baseline/io.js';
import { slug, timestamp } from '../baseline/naming.js';
import { resolveTarget, type ResolvedTarget, type TargetOptions } from './target.js';
import { InterruptGuard, type InterruptSignal } from '../run/interrupts.js';
import { startRun, type RunOutcome } from '../run/runner.js';

/**
 * Scenario mode's capture: runs a scenario in a child under memkit's agent and takes a
 * heap snapshot at three checkpoints (after setup, after N steps, after 2N steps). At
 * each checkpoint the child pauses; the parent asks it for a snapshot, which the child
 * streams to disk itself (agent/heap-snapshot-writer.ts); then the parent resumes it.
 * Nothing is analysed here: the command hands the files to the leak finder.
 */

export interface ScenarioSnapshotSettings {
  target: TargetOptions;
  steps: number;
  outDir: string;
  nodeArgs: string[];
  intervalMs: number;
  timeoutMs?: number;
  onProgress?(text: string): void;
  onOutput?(chunk: Buffer): void;
}

export interface CapturedSnapshot {
  path: string;
  /** Steps completed when it was taken. */
  steps: number;
  bytes: number;
  durationMs: number;
}

export interface ScenarioSnapshots {
  resolved: ResolvedTarget;
  runId: string;
  startedAt: Date;
  snapshots: CapturedSnapshot[];
  outcome: RunOutcome;
  samplesPath: string;
  interrupted?: InterruptSignal;
  settings: Record<string, ParamValue | null>;
}

export async function captureScenarioSnapshots(s: ScenarioSnapshotSettings): Promise<ScenarioSnapshots> {
  const resolved = await resolveTarget({ ...s.target, command: [] });
  const startedAt = new Date();
  const stem = resolve(s.outDir, `mem-snapshot-${slug(resolved.label)}-${timestamp(startedAt)}`);
  ensureParentDir(stem); // a folder that cannot be made is exit 2 before any child runs
  const checkpoints = [0, s.steps, 2 * s.steps];
  const names = ['setup', `step${s.steps}`, `step${2 * s.steps}`];
  const runId = `mem-snapshot-${resolved.label}-${timestamp(startedAt)}`;
  const samplesPath = `${stem}.jsonl`;
  const settings: Record<string, ParamValue | null> = { steps: s.steps, intervalMs: s.intervalMs, timeoutMs: s.timeoutMs ?? null };
  const snapshots: CapturedSnapshot[] = [];
  const pending = new Map<string, number>();

  const guard = new InterruptGuard();
  try {
    const handle = startRun({
      // One step past the last checkpoint: the agent's loop ends on its step limit before
      // it would pause at a checkpoint equal to it.
      target: resolved.runTarget({ intervalMs: s.intervalMs, maxSteps: 2 * s.steps, checkpoints }),
      nodeArgs: s.nodeArgs,
      intervalMs: s.intervalMs,
      timeoutMs: s.timeoutMs,
      samplesPath,
      header: { runId, index: 0, target: resolved.target, settings },
      onOutput: (chunk) => s.onOutput?.(chunk),
      onRecord: (rec, control) => {
        if (rec.type === 'checkpoint') {
          const i = checkpoints.indexOf(rec.steps);
          const path = `${stem}.${names[i === -1 ? rec.index : i] ?? `checkpoint${rec.index}`}.heapsnapshot`;
          pending.set(path, rec.steps);
          s.onProgress?.(`${resolved.label}: heap snapshot ${snapshots.length + 1} of 3 after ${rec.steps} steps`);
          control.send({ type: 'heap-snapshot', path });
        } else if (rec.type === 'heap-snapshot-done') {
          snapshots.push({ path: rec.path, steps: pending.get(rec.path) ?? -1, bytes: rec.bytes, durationMs: rec.durationMs });
          control.send({ type: 'resume' });
        } else if (rec.type === 'progress') {
          s.onProgress?.(`${resolved.label}: step ${rec.steps} of ${2 * s.steps}, ${snapshots.length} of 3 snapshots taken`);
        }
      },
    });
    const unsubscribe = guard.subscribe((sig) => handle.control.stop(sig === 'SIGINT' ? 'sigint' : 'sigterm'));
    const outcome = await handle.result;
    unsubscribe();
    return { resolved, runId, startedAt, snapshots, outcome, samplesPath, interrupted: guard.signal, settings };
  } finally {
    guard.dispose();
  }
}
