import { basename, resolve } from 'node:path';
import type { ParamValue } from '../baseline/schema.js';
import { selectIsolates, selectionText, type ProcessSelection } from '../analyze/process-selection.js';
import { commandLineOf } from '../analyze/process-list.js';
import type { InterruptSignal } from '../run/interrupts.js';
import type { RunControl, RunOutcome } from '../run/runner.js';
import type { RunData } from '../samples/run-data.js';
import { openSession, runSeries, type ProgressSink } from './session.js';
import type { ResolvedTarget, TargetOptions } from './target.js';

/**
 * `mem-snapshot --at … -- <command>`'s capture: the user's program runs under memkit's
 * agent (preloaded, as for gc-profile); at each --at time, counted from the first agent's
 * hello (as --duration is: Node with the agent can take seconds to start on a busy
 * machine), memkit asks the main thread of each process --process selects for a heap
 * snapshot, which that agent streams to disk itself (agent/command-snapshots.ts). The run
 * ends after the last snapshot is written (SIGTERM to the tree), or at --duration when
 * given. Nothing is analysed here: snapshot-command.ts hands the files to the leak finder.
 *
 * Main threads only, also for `--process all`: a worker thread's heap is its own isolate,
 * but pools start and end workers, so three snapshots of one worker minutes apart are
 * rarely possible, and snapshotting every thread at once multiplies the pause and the
 * memory V8 needs for its snapshot graph. Processes live the run through.
 */

export interface CommandSnapshotSettings {
  target: TargetOptions;
  /** When to take each snapshot, ascending, from the first hello. */
  atMs: number[];
  /** Stop the program at this time (from the first hello) instead of after the last snapshot. */
  durationMs?: number;
  process: ProcessSelection;
  outDir: string;
  nodeArgs: string[];
  intervalMs: number;
  timeoutMs?: number;
  memoryLimitBytes?: number;
  onProgress?(text: string): void;
  onOutput?(chunk: Buffer): void;
}

export interface CommandSnapshot {
  path: string;
  pid: number;
  agentId: number;
  commandLine: string;
  /** The --at time it was asked for, from the first hello. */
  atMs: number;
  bytes: number;
  durationMs: number;
  /** The agent could not take it (no file). */
  error?: string;
}

export interface CommandSnapshots {
  resolved: ResolvedTarget;
  runId: string;
  snapshots: CommandSnapshot[];
  /** --at times at which no selected process was there to ask (with why). */
  missed: string[];
  outcome: RunOutcome;
  samplesPath: string;
  interrupted?: InterruptSignal;
  settings: Record<string, ParamValue | null>;
}

/** "30s", "5m", "1500ms": an --at time as it names a file. */
export function atLabel(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}

/** The main thread's agent of each selected process now, with its pid and command line. */
function mainAgentsOf(data: RunData, selection: ProcessSelection): { agents: Array<{ agentId: number; pid: number; commandLine: string }>; miss?: string } {
  const picked = selectIsolates(data, selection);
  if (!picked.matched) return { agents: [], miss: picked.message };
  const agents: Array<{ agentId: number; pid: number; commandLine: string }> = [];
  for (const p of picked.processes) {
    const main = p.agentIds.find((id) => {
      const iso = data.isolates.get(id);
      return iso?.hello?.isMainThread !== false && iso?.done === undefined && iso?.lost === undefined;
    });
    if (main !== undefined) agents.push({ agentId: main, pid: p.pid, commandLine: commandLineOf(p) });
  }
  return agents.length ? { agents } : { agents, miss: `no selected process (--process ${selectionText(selection)}) has a running agent` };
}

export async function captureCommandSnapshots(s: CommandSnapshotSettings): Promise<CommandSnapshots> {
  const session = await openSession('mem-snapshot', s.target, { outDir: resolve(s.outDir) });
  const { resolved } = session;
  const stem = session.baselinePath.replace(/\.json$/, '');
  const settings: Record<string, ParamValue | null> = {
    at: s.atMs.map(atLabel).join(','),
    durationMs: s.durationMs ?? null,
    process: selectionText(s.process),
    intervalMs: s.intervalMs,
    timeoutMs: s.timeoutMs ?? null,
  };
  const snapshots: CommandSnapshot[] = [];
  const missed: string[] = [];
  /** Requests sent and not answered, by agentId: the path and what it was asked as. */
  const pending = new Map<number, Array<Omit<CommandSnapshot, 'bytes' | 'durationMs'>>>();
  const timers: NodeJS.Timeout[] = [];
  let asked = 0;
  let started = false;

  const pendingCount = (): number => [...pending.values()].reduce((n, list) => n + list.length, 0);
  const maybeEnd = (control: RunControl): void => {
    // Without --duration the run is for its snapshots: it ends once the last one is written.
    if (s.durationMs === undefined && asked === s.atMs.length && pendingCount() === 0) control.stop('last-snapshot');
  };
  const askAt = (atMs: number, control: RunControl): void => {
    asked++;
    const { agents, miss } = mainAgentsOf(control.data, s.process);
    if (miss) missed.push(`${atLabel(atMs)}: ${miss}`);
    for (const a of agents) {
      const path = `${stem}.pid${a.pid}.${atLabel(atMs)}.heapsnapshot`;
      const list = pending.get(a.agentId) ?? [];
      list.push({ path, pid: a.pid, agentId: a.agentId, commandLine: a.commandLine, atMs });
      pending.set(a.agentId, list);
      control.sendToAgent(a.agentId, { type: 'heap-snapshot', path });
    }
    maybeEnd(control);
  };

  try {
    const { runs, interrupted } = await runSeries(
      {
        session,
        repeat: 1,
        child: { intervalMs: s.intervalMs, nodeArgs: s.nodeArgs, durationMs: s.durationMs, timeoutMs: s.timeoutMs, memoryLimitBytes: s.memoryLimitBytes },
        agent: { intervalMs: s.intervalMs },
        settings,
        analyze: () => undefined,
        onRecord: (rec, control) => {
          const agentId = (rec as { agentId?: number }).agentId;
          if (rec.type === 'hello' && !started) {
            started = true;
            for (const at of s.atMs) {
              const t = setTimeout(() => askAt(at, control), at);
              t.unref();
              timers.push(t);
            }
          } else if (rec.type === 'heap-snapshot-done' && agentId !== undefined) {
            const list = pending.get(agentId) ?? [];
            const i = list.findIndex((x) => x.path === rec.path);
            if (i >= 0) {
              const [asked] = list.splice(i, 1);
              snapshots.push({ ...asked!, bytes: rec.bytes, durationMs: rec.durationMs, ...(rec.error ? { error: rec.error } : {}) });
            }
            maybeEnd(control);
          } else if ((rec.type === 'done' || rec.type === 'agent-lost') && agentId !== undefined && pending.has(agentId)) {
            // Its process ended before answering: those snapshots will not come.
            for (const x of pending.get(agentId)!) missed.push(`${atLabel(x.atMs)}: pid ${x.pid} ended before its snapshot was written`);
            pending.delete(agentId);
            maybeEnd(control);
          }
        },
        progressText: () => ({ text: `${resolved.label}: ${snapshots.length} heap snapshot(s) written, ${asked} of ${s.atMs.length} --at times reached` }),
      },
      progressSink(s),
    );
    const outcome = runs[0]!.outcome;
    for (const list of pending.values()) for (const x of list) missed.push(`${atLabel(x.atMs)}: pid ${x.pid}'s snapshot was not written before the run ended`);
    if (asked < s.atMs.length) missed.push(`${s.atMs.length - asked} --at time(s) came after the program ended (${s.atMs.slice(asked).map(atLabel).join(', ')})`);
    return { resolved, runId: session.runId, snapshots, missed, outcome, samplesPath: outcome.samplesPath, interrupted, settings };
  } finally {
    for (const t of timers) clearTimeout(t);
  }
}

function progressSink(s: CommandSnapshotSettings): ProgressSink {
  return {
    update: (text) => s.onProgress?.(text),
    print: (chunk) => s.onOutput?.(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
  };
}

/** The snapshots of one process, in time order: what the leak finder reads. */
export function snapshotsByProcess(snapshots: CommandSnapshot[]): Map<number, CommandSnapshot[]> {
  const by = new Map<number, CommandSnapshot[]>();
  for (const x of snapshots) {
    if (x.error) continue;
    const list = by.get(x.agentId) ?? [];
    list.push(x);
    by.set(x.agentId, list);
  }
  for (const list of by.values()) list.sort((a, b) => a.atMs - b.atMs);
  return by;
}

/** A short name for a snapshot in lines for people. */
export function snapshotName(x: CommandSnapshot): string {
  return basename(x.path);
}
