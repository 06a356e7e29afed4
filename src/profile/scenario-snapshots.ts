import { resolve } from 'node:path';
import type { ParamValue } from '../baseline/schema.js';
import type { ResolvedTarget, TargetOptions } from './target.js';
import type { InterruptSignal } from '../run/interrupts.js';
import type { RunOutcome } from '../run/runner.js';
import { openSession, runSeries } from './session.js';

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
  const session = await openSession('mem-snapshot', { ...s.target, command: [] }, { outDir: resolve(s.outDir) });
  const { resolved } = session;
  const stem = session.baselinePath.replace(/\.json$/, '');
  const checkpoints = [0, s.steps, 2 * s.steps];
  const names = ['setup', `step${s.steps}`, `step${2 * s.steps}`];
  const settings: Record<string, ParamValue | null> = { steps: s.steps, intervalMs: s.intervalMs, timeoutMs: s.timeoutMs ?? null };
  const snapshots: CapturedSnapshot[] = [];
  const pending = new Map<string, number>();

  const { runs, interrupted } = await runSeries(
    {
      session,
      repeat: 1,
      child: { intervalMs: s.intervalMs, nodeArgs: s.nodeArgs, timeoutMs: s.timeoutMs },
      // One step past the last checkpoint: the agent's loop ends on its step limit before
      // it would pause at a checkpoint equal to it.
      agent: { intervalMs: s.intervalMs, maxSteps: 2 * s.steps, checkpoints },
      settings,
      // Nothing is analysed here: the command hands the snapshot files to the leak finder.
      analyze: () => undefined,
      onRecord: (rec, control) => {
        if (rec.type === 'checkpoint') {
          const i = checkpoints.indexOf(rec.steps);
          const path = `${stem}.${names[i === -1 ? rec.index : i] ?? `checkpoint${rec.index}`}.heapsnapshot`;
          pending.set(path, rec.steps);
          control.send({ type: 'heap-snapshot', path });
        } else if (rec.type === 'heap-snapshot-done') {
          snapshots.push({ path: rec.path, steps: pending.get(rec.path) ?? -1, bytes: rec.bytes, durationMs: rec.durationMs });
          control.send({ type: 'resume' });
        }
      },
      progressText: (_index, rec) => {
        if (rec.type === 'checkpoint') return { text: `${resolved.label}: heap snapshot ${snapshots.length + 1} of 3 after ${rec.steps} steps` };
        if (rec.type === 'progress') return { text: `${resolved.label}: step ${rec.steps} of ${2 * s.steps}, ${snapshots.length} of 3 snapshots taken` };
        return undefined;
      },
    },
    {
      update: (text) => s.onProgress?.(text),
      print: (chunk) => s.onOutput?.(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
    },
  );
  // A series always starts its first run (the guard is new): one outcome.
  const outcome = runs[0]!.outcome;
  return {
    resolved,
    runId: session.runId,
    startedAt: session.startedAt,
    snapshots,
    outcome,
    samplesPath: outcome.samplesPath,
    interrupted,
    settings,
  };
}
