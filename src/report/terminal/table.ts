import { createRequire } from 'node:module';
import type TableType from 'cli-table3';

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
  const cells = spec.rows.map((row) => row.map((c) => String(c)));
  const body = isPlainGrid(spec, cells) ? drawPlainGrid(spec, cells) : drawWithCliTable3(spec, cells);
  return spec.title ? `${spec.title}\n${body}` : body;
}

function drawWithCliTable3(spec: TableSpec, cells: string[][]): string {
  // CommonJS, required directly (no ESM scan of its source for named exports), and only
  // here: its layout costs ~50 ms of a cold start (string-width's emoji regex on every
  // cell, several times), which `memkit diff` in CI does not need (see isPlainGrid).
  const Table = createRequire(import.meta.url)('cli-table3') as typeof TableType;
  const table = new Table({
    head: spec.head,
    // No rule between body rows: a table of twenty metrics should fit on a screen.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: spec.color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
    colAligns: spec.head.map((_, i) => (spec.alignRight?.includes(i) ? 'right' : 'left')),
  });
  for (const row of cells) table.push(row);
  return table.toString();
}

/**
 * Characters that string-width (cli-table3's measure) counts as one column each, alone or
 * side by side: printable ASCII, Latin-1 to IPA, Greek, general punctuation without the
 * invisible ones, the four plain arrows, mathematical operators and block elements. None
 * can join an emoji sequence (that takes U+200D, U+FE0F, U+20E3 or astral characters).
 * test/terminal-table.test.ts checks every one against string-width and cli-table3.
 */
export const ONE_COLUMN = /^[\x20-\x7e\u00a0-\u02ff\u0370-\u03ff\u2010-\u2027\u2030-\u205e\u2190-\u2193\u2200-\u22ff\u2580-\u259f]*$/;

/**
 * The tables memkit prints to a pipe or a CI log: no colour, one line per cell, every
 * row as wide as the head, every character one column. For these cli-table3's layout
 * reduces to the few lines of drawPlainGrid, which draw the same characters.
 */
function isPlainGrid(spec: TableSpec, cells: string[][]): boolean {
  if (spec.color || spec.head.length === 0) return false;
  const width = spec.head.length;
  return [spec.head, ...cells].every((row) => row.length === width && row.every((cell) => ONE_COLUMN.test(cell)));
}

/** cli-table3's drawing with memkit's options: padding 1, no rule between rows. */
function drawPlainGrid(spec: TableSpec, cells: string[][]): string {
  const rows = [spec.head, ...cells];
  const widths = spec.head.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const rule = (left: string, mid: string, right: string) => left + widths.map((w) => '─'.repeat(w + 2)).join(mid) + right;
  const line = (row: string[]) =>
    '│' +
    row
      .map((cell, col) => {
        const fill = ' '.repeat(widths[col]! - cell.length);
        return ` ${spec.alignRight?.includes(col) ? fill + cell : cell + fill} `;
      })
      .join('│') +
    '│';
  return [rule('┌', '┬', '┐'), ...rows.map(line), rule('└', '┴', '┘')].join('\n');
}
