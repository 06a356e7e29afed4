import { formatBytes, formatCount, formatMs, formatPercent } from '../../units/format.js';
import { renderTable } from '../terminal/table.js';

/** The seed's comparison table: items, strategy, measured peak, time, reduction. */

export interface CompareRow {
  items: number;
  strategy: string;
  /** undefined when the strategy was refused or crashed. */
  peakRssBytes?: number;
  predictedBytes: number;
  timeMs?: number;
  /** e.g. "refused: predicted 25.0 GB > budget 19.3 GB". */
  note?: string;
}

export function renderCompareTable(rows: readonly CompareRow[], color: boolean): string {
  const old = rows[0];
  const body = rows.map((r, i) => {
    const reduction =
      i > 0 && old?.peakRssBytes !== undefined && r.peakRssBytes !== undefined
        ? `${formatPercent(1 - r.peakRssBytes / old.peakRssBytes)} ↓`
        : i > 0 && old?.peakRssBytes === undefined && r.peakRssBytes !== undefined
          ? `${formatPercent(1 - r.peakRssBytes / old!.predictedBytes)} ↓ vs predicted`
          : '';
    return [
      formatCount(r.items),
      r.strategy,
      r.peakRssBytes !== undefined ? formatBytes(r.peakRssBytes) : r.note ?? 'n/a',
      formatBytes(r.predictedBytes),
      r.timeMs !== undefined ? formatMs(r.timeMs) : '-',
      reduction,
    ];
  });
  return renderTable({
    head: ['items', 'strategy', 'peak memory (measured)', 'predicted', 'time', 'reduction'],
    rows: body,
    alignRight: [0, 2, 3, 4, 5],
    color,
  });
}
