import { createRequire } from 'node:module';
import type TableType from 'cli-table3';

// CommonJS, required directly: no ESM scan of its source for named exports.
const Table = createRequire(import.meta.url)('cli-table3') as typeof TableType;

/**
 * A terminal table. cli-table3 colours headers and borders red/grey by default; that is
 * switched off unless colour is enabled, so piped output and NO_COLOR stay plain text.
 */
export interface TableSpec {
  title?: string;
  head: string[];
  rows: Array<Array<string | number>>;
  /** Columns to right-align (numbers). */
  alignRight?: number[];
  color: boolean;
}

export function renderTable(spec: TableSpec): string {
  const table = new Table({
    head: spec.head,
    // No rule between body rows: a table of twenty metrics should fit on a screen.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: spec.color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
    colAligns: spec.head.map((_, i) => (spec.alignRight?.includes(i) ? 'right' : 'left')),
  });
  for (const row of spec.rows) table.push(row.map((c) => String(c)));
  const body = table.toString();
  return spec.title ? `${spec.title}\n${body}` : body;
}
