import { findMark, type RunData } from '../samples/run-data.js';

/**
 * The measured window of a run: for a scenario, from the start checkpoint (after setup
 * and memkit's forced GC) to the end of the last step; for a command, from the agent's
 * first word (or the first outside sample) to the program's exit.
 */
export interface Window {
  startMs: number;
  endMs: number;
}

export function measuredWindow(data: RunData): Window {
  const start =
    findMark(data, 'measure-start')?.tMs ?? data.hello?.tMs ?? data.proc.tMs[0] ?? data.mem.tMs[0] ?? data.header?.startedAtMs ?? 0;
  const end =
    findMark(data, 'measure-end')?.tMs ??
    data.done?.tMs ??
    lastOf(data.mem.tMs, data.proc.tMs, data.gc.tMs) ??
    data.end?.tMs ??
    start;
  return { startMs: start, endMs: Math.max(start, end) };
}

function lastOf(...series: number[][]): number | undefined {
  let last: number | undefined;
  for (const s of series) {
    const v = s[s.length - 1];
    if (v !== undefined && (last === undefined || v > last)) last = v;
  }
  return last;
}

export function inWindow(t: number, w: Window): boolean {
  return t >= w.startMs && t <= w.endMs;
}
