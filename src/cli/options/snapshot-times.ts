import { UsageError } from '../../core/errors.js';
import { parseDurationMs } from '../../units/parse.js';

/**
 * mem-snapshot's --at / --every for a command: when to snapshot, as milliseconds from the
 * program's start (its first agent's hello), ascending. --every needs --duration (it says
 * how many); at most MAX_SNAPSHOTS, since each is a file the size of the heap.
 */
const MAX_SNAPSHOTS = 100;

export function parseSnapshotTimes(o: { at?: string; every?: string; durationMs?: number }): number[] {
  if (o.at !== undefined && o.every !== undefined) throw new UsageError('mem-snapshot: give --at or --every, not both');
  let times: number[];
  if (o.at !== undefined) {
    times = o.at.split(',').map((t) => parseDurationMs(t.trim(), { what: '--at', defaultUnit: 's' }));
    const sorted = [...times].sort((a, b) => a - b);
    if (sorted.some((t, i) => i > 0 && t === sorted[i - 1])) throw new UsageError(`--at: '${o.at}' names the same time twice`);
    times = sorted;
  } else if (o.every !== undefined) {
    const every = parseDurationMs(o.every, { what: '--every', defaultUnit: 's', allowZero: false });
    if (o.durationMs === undefined) throw new UsageError('--every: give --duration too (snapshots at every, 2×every, … up to it)');
    const n = Math.floor(o.durationMs / every);
    if (n < 1) throw new UsageError(`--every: ${o.every} is longer than --duration`);
    if (n > MAX_SNAPSHOTS) throw new UsageError(`--every: ${n} snapshots in --duration; at most ${MAX_SNAPSHOTS} (each is a file the size of the heap)`);
    times = Array.from({ length: n }, (_, i) => (i + 1) * every);
  } else {
    throw new UsageError('mem-snapshot: give --at TIMES (e.g. 30s,5m,10m) or --every TIME with --duration for a command');
  }
  if (times.length > MAX_SNAPSHOTS) throw new UsageError(`--at: ${times.length} times; at most ${MAX_SNAPSHOTS}`);
  const last = times[times.length - 1]!;
  if (o.durationMs !== undefined && last > o.durationMs) {
    throw new UsageError(`--at: ${o.at} goes past --duration (the program is stopped before the last snapshot)`);
  }
  return times;
}
