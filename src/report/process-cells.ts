import type { ProcessRow, ProcessRunSection } from '../baseline/sections.js';
import { formatBytes, formatCount } from '../units/format.js';

/**
 * The cells of a command's process table (extra.processes), as the terminal and the HTML
 * report both show them.
 */

export function gcCount(r: ProcessRow, kind: 'minor' | 'major'): string {
  if (!r.gc) return '–';
  const startup = r.gc.startup?.counts[kind] ?? 0;
  return kind === 'minor' && startup > 0 ? `${formatCount(r.gc.counts[kind])} (${formatCount(startup)})` : formatCount(r.gc.counts[kind]);
}

/**
 * mem-stress: the row's own leak verdict and its live-memory slope ("leak +127.0 MB/min");
 * '–' for a row without one (no checkpoint in that isolate).
 */
export function leakCell(r: ProcessRow): string {
  const l = r.leak;
  if (!l) return '–';
  return l.liveSlopeBytesPerMin === undefined ? l.verdict : `${l.verdict} ${formatBytes(l.liveSlopeBytesPerMin, { signed: true })}/min`;
}

/** Whether the table has a leak column: a mem-stress run's rows carry verdicts. */
export function hasLeakColumn(run: ProcessRunSection): boolean {
  return run.rows.some((r) => r.leak !== undefined);
}

export function lifetime(r: ProcessRow): string {
  const start = formatSeconds(r.startMs);
  return r.endMs === undefined ? `${start}–` : `${start}–${formatSeconds(r.endMs)}`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

export function endText(r: ProcessRow): string {
  const e = r.end;
  if (!e) return r.endMs === undefined ? 'running' : '';
  switch (e.cause) {
    case 'exit':
      return `exit ${e.code ?? '?'}`;
    case 'running':
      return 'still running';
    case 'oom':
      return 'out of heap';
    case 'uncaught':
      return `uncaught (exit ${e.code ?? '?'})`;
    case 'signal':
      return e.signal ?? 'signal';
    case 'lost':
      return 'lost (no last word)';
  }
}

/** "not measured:" one line each: the registry's unreached list, and Node processes seen only from outside. */
export function notMeasuredLines(run: ProcessRunSection): string[] {
  const lines = run.unreached.map(
    (u) => `not measured: pid ${u.pid}${u.threadId !== undefined ? ` worker thread ${u.threadId}` : ''} ${shorten(u.argv.join(' '), 60)} — ${u.reason} (RSS/CPU only)`,
  );
  const listed = new Set(run.unreached.filter((u) => u.threadId === undefined).map((u) => u.pid));
  for (const r of run.rows) {
    if (r.measured !== 'outside' || r.role === 'non-node' || listed.has(r.pid)) continue;
    lines.push(`not measured: pid ${r.pid} ${shorten(r.argv.join(' '), 60)} — no memkit agent reported from it (RSS/CPU only)`);
  }
  return lines;
}

export function shorten(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}
