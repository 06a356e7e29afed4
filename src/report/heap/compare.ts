import type { HeapComparison } from '../../heap/compare.js';
import { formatBytes, formatCount } from '../../units/format.js';
import { palette } from '../terminal/color.js';
import { renderTable } from '../terminal/table.js';

const signedCount = (n: number): string => (n > 0 ? `+${formatCount(n)}` : formatCount(n));

/** DevTools' Comparison view: one row per constructor, largest size delta first. */
export function renderHeapComparison(c: HeapComparison, opts: { color: boolean; limit: number }): string {
  const p = palette(opts.color);
  const rows = c.rows.slice(0, opts.limit);
  const lines = [p.bold(`Comparison ${c.before} → ${c.after}`)];
  lines.push(
    renderTable({
      title: `Constructors by size delta (${rows.length} of ${c.rows.length} that changed)`,
      head: ['Constructor', '# New', '# Deleted', '# Delta', 'Alloc. Size', 'Freed Size', 'Size Delta'],
      rows: [
        ...rows.map((r) => [
          r.className,
          formatCount(r.newCount),
          formatCount(r.deletedCount),
          signedCount(r.deltaCount),
          formatBytes(r.allocBytes),
          formatBytes(r.freedBytes),
          colorDelta(p, r.deltaBytes),
        ]),
        [
          p.bold('total'),
          formatCount(c.totals.newCount),
          formatCount(c.totals.deletedCount),
          signedCount(c.totals.deltaCount),
          formatBytes(c.totals.allocBytes),
          formatBytes(c.totals.freedBytes),
          colorDelta(p, c.totals.deltaBytes),
        ],
      ],
      alignRight: [1, 2, 3, 4, 5, 6],
      color: opts.color,
    }),
  );
  if (c.matchedCount === 0) {
    lines.push(p.yellow('no object of the second snapshot exists in the first: are they from the same process? (ids are per process)'));
  }
  return lines.join('\n');
}

function colorDelta(p: ReturnType<typeof palette>, bytes: number): string {
  const s = formatBytes(bytes, { signed: true });
  return bytes > 0 ? p.red(s) : bytes < 0 ? p.green(s) : s;
}
