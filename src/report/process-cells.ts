import type { ProcessRow, ProcessRunSection } from '../baseline/sections.js';
import { formatBytes, formatCount, formatMs } from '../units/format.js';

/**
 * The cells of a command's process table (extra.processes), as the terminal and the HTML
 * report both show them.
 */

/**
 * The minor and major columns. A Python process has generations, not V8's kinds: its
 * young collections (gen0 and gen1) go in the minor column as "g0 812 · g1 71", its full
 * ones (gen2) in the major column as "g2 3" — the same split as V8's scavenges versus
 * mark-compacts, each generation still named.
 */
export function gcCount(r: ProcessRow, kind: 'minor' | 'major'): string {
  const py = r.pythonGc;
  if (py) return kind === 'minor' ? `g0 ${formatCount(py.counts.gen0)} · g1 ${formatCount(py.counts.gen1)}` : `g2 ${formatCount(py.counts.gen2)}`;
  if (!r.gc) return '–';
  const startup = r.gc.startup?.counts[kind] ?? 0;
  return kind === 'minor' && startup > 0 ? `${formatCount(r.gc.counts[kind])} (${formatCount(startup)})` : formatCount(r.gc.counts[kind]);
}

/** Pause p95 or max, whichever runtime's collections the row has. */
export function pauseCell(r: ProcessRow, which: 'p95' | 'max'): string {
  const v = (r.gc ?? r.pythonGc)?.pauseMs[which];
  return v != null ? formatMs(v) : '–';
}

/** Whether the table has a "collected" column: some row is a Python process (V8 has no such count). */
export function hasCollectedColumn(run: ProcessRunSection): boolean {
  return run.rows.some((r) => r.pythonGc !== undefined);
}

/** Objects a Python process's collections freed, and "(N uncollectable)" when there were any. */
export function collectedCell(r: ProcessRow): string {
  const py = r.pythonGc;
  if (!py) return '–';
  return py.uncollectable > 0 ? `${formatCount(py.collected)} (${formatCount(py.uncollectable)} uncollectable)` : formatCount(py.collected);
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
      // A SIGKILL is the kernel OOM killer's (the registry read it from the memory cgroup); V8's out-of-heap aborts.
      return e.signal === 'SIGKILL' ? 'OOM-killed' : 'out of heap';
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

/**
 * The command for a narrow column: a Python interpreter named by its file name (python3.11),
 * not its path, which takes the column's width and says nothing the name does not.
 */
export function commandText(argv: readonly string[]): string {
  const [bin, ...rest] = argv;
  if (bin === undefined) return '';
  const name = bin.split('/').pop() ?? bin;
  return [/^python[\d.]*$/.test(name) ? name : bin, ...rest].join(' ');
}

export function shorten(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}
