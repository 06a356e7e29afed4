import type { TableSpec } from './table.js';

/**
 * Fitting a table to the terminal by shortening one column of names (constructors can be
 * 150-character C++ template names in Chrome snapshots). Names are cut in the middle:
 * both ends say what it is (`blink::HeapVectorBacking<…::Member<blink::Node>>`).
 */

/** Narrower than this, a name no longer says what it is; the table may then overflow instead. */
export const MIN_NAME_CHARS = 20;

export function truncateMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  if (maxChars <= 1) return '…'.slice(0, maxChars);
  const keep = maxChars - 1;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}

/**
 * The spec with the name columns `cols` cut so the rendered table is at most
 * `widthChars` wide: the widest of them is shortened first, none below MIN_NAME_CHARS
 * (cli-table3: each column is its widest cell plus one space either side, and there is a
 * border before, between and after the columns).
 */
export function fitColumns(spec: TableSpec, cols: number[], widthChars: number): TableSpec {
  const widths = spec.head.map((h, i) => Math.max(h.length, ...spec.rows.map((r) => String(r[i] ?? '').length)));
  const tableChars = (): number => widths.reduce((sum, w) => sum + w + 2, 0) + spec.head.length + 1;
  const before = [...widths];
  while (tableChars() > widthChars) {
    const widest = cols.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
    if (widths[widest]! <= MIN_NAME_CHARS) break;
    widths[widest]!--;
  }
  if (widths.every((w, i) => w === before[i])) return spec;
  return { ...spec, rows: spec.rows.map((r) => r.map((cell, i) => (cols.includes(i) ? truncateMiddle(String(cell), widths[i]!) : cell))) };
}
