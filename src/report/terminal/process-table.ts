import type { Baseline } from '../../baseline/schema.js';
import { processesOf, stressRunsOf } from '../../baseline/sections.js';
import { formatBytes, formatCount, formatMs } from '../../units/format.js';
import { collectedCell, commandText, endText, gcCount, hasCollectedColumn, hasLeakColumn, leakCell, lifetime, notMeasuredLines, pauseCell, shorten } from '../process-cells.js';
import { palette } from './color.js';
import { renderTable } from './table.js';

/**
 * A command's processes and worker threads, one line each (docs/process-tree.md §3.7):
 * who it is, how long it lived, its GCs (start-up apart), pauses, heap and RSS peaks and
 * how it ended; then the selection's totals (the baseline's top-level figures) and the
 * processes no agent reported from. Read from `extra.processes` only; undefined when the
 * baseline has none, or one process and nothing unmeasured (the tables above say it all).
 */
export function renderProcessTable(b: Baseline, opts: { color: boolean; run?: number }): string | undefined {
  const section = processesOf(b);
  const index = opts.run ?? 0;
  const run = section?.runs[index];
  if (!section || !run) return undefined;
  const unmeasured = notMeasuredLines(run);
  if (run.rows.length <= 1 && unmeasured.length === 0) return undefined;
  const c = palette(opts.color);
  const selected = new Set(run.selected);
  const everything = selected.size === run.rows.length;
  const leaks = hasLeakColumn(run);
  const collected = hasCollectedColumn(run);
  const rows = run.rows.map((r) => [
    `${everything ? '' : selected.has(r.key) ? '* ' : '  '}${r.pid}${r.threadId ? `/${r.threadId}` : ''}`,
    String(r.ppid),
    r.role,
    shorten(commandText(r.argv), 40),
    lifetime(r),
    gcCount(r, 'minor'),
    gcCount(r, 'major'),
    ...(collected ? [collectedCell(r)] : []),
    pauseCell(r, 'p95'),
    pauseCell(r, 'max'),
    r.heapUsedPeakBytes !== undefined ? formatBytes(r.heapUsedPeakBytes) : '–',
    r.rssPeakBytes !== undefined ? formatBytes(r.rssPeakBytes) : '–',
    endText(r),
    ...(leaks ? [leakCell(r)] : []),
  ]);
  // The program's verdict (the selection's live memory, summed over its isolates) on the totals row.
  const total = totalsRow(b, index, section.selection, collected);
  rows.push(leaks ? [...total, stressRunsOf(b)[index]?.leak.verdict ?? '–'] : total);
  const runs = section.runs.length;
  const title =
    `Processes${runs > 1 ? ` (run ${index + 1} of ${runs})` : ''}` +
    (everything ? '' : c.dim(` (--process ${section.selection}: the rows marked * make the totals)`));
  const out = [
    renderTable({
      title,
      head: [
        'pid', 'parent', 'role', 'command', 'lifetime', 'minor (start-up)', 'major', ...(collected ? ['collected'] : []),
        'pause p95', 'pause max', 'heap peak', 'RSS peak', 'end', ...(leaks ? ['leak (live slope)'] : []),
      ],
      rows,
      alignRight: collected ? [1, 5, 6, 7, 8, 9, 10, 11] : [1, 5, 6, 7, 8, 9, 10],
      color: opts.color,
    }),
  ];
  for (const line of unmeasured) out.push(c.dim(line));
  return out.join('\n');
}

/** The selection's own figures: the baseline's top-level metrics of this run. */
function totalsRow(b: Baseline, run: number, selection: string, collected: boolean): string[] {
  const v = (name: string): number | undefined => b.metrics[name]?.values[run];
  const fmt = (name: string, f: (n: number) => string) => {
    const x = v(name);
    return x === undefined ? '–' : f(x);
  };
  // A Python selection's totals are by generation, as its rows are.
  const python = v('gc.count.gen0') !== undefined && v('gc.count.minor') === undefined;
  const gens = (names: string[]) => names.map((n) => `g${n.slice(-1)} ${fmt(n, formatCount)}`).join(' · ');
  return [
    'total',
    '',
    '',
    `--process ${selection}`,
    fmt('duration_ms', formatMs),
    python ? gens(['gc.count.gen0', 'gc.count.gen1']) : fmt('gc.count.minor', formatCount),
    python ? gens(['gc.count.gen2']) : fmt('gc.count.major', formatCount),
    ...(collected ? [fmt('gc.collected', formatCount)] : []),
    fmt('gc.pause.p95_ms', formatMs),
    fmt('gc.pause.max_ms', formatMs),
    fmt('heap.used.peak_bytes', formatBytes),
    fmt('rss.peak_bytes', formatBytes),
    '',
  ];
}
