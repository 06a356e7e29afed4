import { findMark, type RunData } from '../samples/run-data.js';
import { formatBytes, formatClock, formatCount } from '../units/format.js';

/** What the spinner and the plain progress lines say about a running measurement. */
export interface ProgressShape {
  repeat: number;
  durationMs?: number;
  maxSteps?: number;
}

/** The agents of a run: each isolate of a command's tree, or the run itself (a scenario). */
function agentsOf(data: RunData): RunData[] {
  return data.isolates.size ? [...data.isolates.values()] : [data];
}

function elapsedMs(data: RunData): number {
  const starts = agentsOf(data).map((a) => findMark(a, 'measure-start')?.tMs ?? Infinity);
  const start = Math.min(...starts, data.header?.startedAtMs ?? Date.now());
  return Math.max(0, Date.now() - start);
}

/** Heap used now: the sum of each running agent's latest sample (none before the first). */
function heapUsedNow(data: RunData): number | undefined {
  let sum: number | undefined;
  for (const a of agentsOf(data)) {
    const last = a.mem.heapUsed[a.mem.heapUsed.length - 1];
    if (last !== undefined && !a.done && !a.lost) sum = (sum ?? 0) + last;
  }
  return sum;
}

export function liveProgressText(label: string, index: number, s: ProgressShape, data: RunData, extra?: string): string {
  const elapsed = elapsedMs(data);
  const parts = [label];
  if (s.repeat > 1) parts.push(`run ${index + 1}/${s.repeat}`);
  parts.push(s.durationMs ? `${formatClock(elapsed)} / ${formatClock(s.durationMs)}` : formatClock(elapsed));
  const steps = data.progress?.steps;
  if (steps !== undefined) parts.push(s.maxSteps ? `${formatCount(steps)}/${formatCount(s.maxSteps)} signals` : `${formatCount(steps)} steps`);
  const rss = data.proc.rssBytes[data.proc.rssBytes.length - 1];
  if (rss !== undefined) parts.push(`RSS ${formatBytes(rss)}`);
  const heap = heapUsedNow(data);
  if (heap !== undefined) parts.push(`heap ${formatBytes(heap)}`);
  const gcs = agentsOf(data).reduce((n, a) => n + a.gc.tMs.length, 0);
  if (gcs) parts.push(`${gcs} GCs`);
  if (data.isolates.size > 1) parts.push(`${data.isolates.size} isolates`);
  if (extra) parts.push(extra);
  return parts.join('  ');
}

/** The non-TTY line, in seed 001's words: "Progress: 25000/500000 signals (5.0%)". */
export function plainProgressLine(index: number, s: ProgressShape, data: RunData, extra?: string): string {
  const elapsed = elapsedMs(data);
  const run = s.repeat > 1 ? ` (run ${index + 1}/${s.repeat})` : '';
  const steps = data.progress?.steps ?? 0;
  const tail = extra ? `, ${extra}` : '';
  if (s.maxSteps) {
    const pct = Math.min(100, (steps / s.maxSteps) * 100).toFixed(1);
    return `Progress: ${steps}/${s.maxSteps} signals (${pct}%)${run}${tail}`;
  }
  if (s.durationMs) {
    const pct = Math.min(100, (elapsed / s.durationMs) * 100).toFixed(1);
    return `Progress: ${Math.round(elapsed / 1000)}/${Math.round(s.durationMs / 1000)} s (${pct}%), ${steps} steps${run}${tail}`;
  }
  return `Progress: ${Math.round(elapsed / 1000)} s, ${steps} steps${run}${tail}`;
}
