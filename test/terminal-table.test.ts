import { createRequire } from 'node:module';
import type TableType from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { ONE_COLUMN, renderTable, type TableSpec } from '../src/report/terminal/table.js';

/**
 * renderTable draws plain tables itself (cli-table3's layout is most of `memkit diff`'s cold
 * start) and hands the rest to cli-table3. Either way its output must be cli-table3's, to
 * the byte: checked here against cli-table3 itself, with the options memkit always used.
 */
const require = createRequire(import.meta.url);
const Table = require('cli-table3') as typeof TableType;
const stringWidth = createRequire(require.resolve('cli-table3'))('string-width') as (s: string) => number;

function reference(spec: TableSpec): string {
  const table = new Table({
    head: spec.head,
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: spec.color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
    colAligns: spec.head.map((_, i) => (spec.alignRight?.includes(i) ? 'right' : 'left')),
  });
  for (const row of spec.rows) table.push(row.map((c) => String(c)));
  const body = table.toString();
  return spec.title ? `${spec.title}\n${body}` : body;
}

/** Every character drawn by hand is one column to string-width, cli-table3's measure. */
const oneColumnChars: string[] = [];
for (let code = 0; code <= 0xffff; code++) {
  if (code >= 0xd800 && code <= 0xdfff) continue;
  const ch = String.fromCharCode(code);
  if (ONE_COLUMN.test(ch)) oneColumnChars.push(ch);
}

describe('renderTable draws what cli-table3 draws', () => {
  it('counts each of its one-column characters as string-width does', () => {
    expect(oneColumnChars.length).toBeGreaterThan(1000);
    const wider = oneColumnChars.filter((ch) => stringWidth(ch) !== 1 || stringWidth(`a${ch}b`) !== 3);
    expect(wider).toEqual([]);
  });

  it('lays out every one-column character as cli-table3 does', () => {
    // Cells of 3 to 40 characters (three spec columns, the last right-aligned), so that a
    // character measured differently would move a border.
    const rows: string[][] = [];
    for (let i = 0; i < oneColumnChars.length; ) {
      const row = [3, 40, 17].map((n) => oneColumnChars.slice(i, (i += n)).join(''));
      rows.push(row.map((c) => c || 'x'));
    }
    for (let r = 0; r < rows.length; r += 25) {
      const spec: TableSpec = { head: ['a', 'bb', 'ccc'], rows: rows.slice(r, r + 25), alignRight: [2], color: false };
      expect(renderTable(spec)).toBe(reference(spec));
    }
  });

  it('matches cli-table3 on random tables: plain, coloured, multi-line, wide, emoji, ragged', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const plain = ['gc.pause.p95_ms', '12.5 ms', '+3.1%', '16.85 KB/s [16.51–17.47]', 'µs', '≤ 0.05', '→', '█▇▆', '', ' ', 'p=0.85 > 0.05, not significant'];
    const unusual = ['\u001b[31mred\u001b[39m', 'two\nlines', '日本語', '🙂', 'e\u0301', '©', 'tab\there', '\u001b[1mbold'];
    let plainTables = 0;
    for (let n = 0; n < 300; n++) {
      const width = 1 + Math.floor(random() * 5);
      const exotic = random() < 0.3;
      const cell = () => (exotic && random() < 0.2 ? pick(unusual) : random() < 0.2 ? Math.round(random() * 1e6) : pick(plain));
      const spec: TableSpec = {
        title: random() < 0.3 ? 'title' : undefined,
        head: Array.from({ length: width }, (_, i) => `col ${i}`),
        rows: Array.from({ length: Math.floor(random() * 6) }, () => Array.from({ length: exotic && random() < 0.2 ? width - 1 || 1 : width }, cell)),
        alignRight: Array.from({ length: width }, (_, i) => i).filter(() => random() < 0.5),
        color: random() < 0.2,
      };
      if (!spec.color && spec.rows.every((row) => row.length === width && row.every((c) => ONE_COLUMN.test(String(c))))) plainTables++;
      expect(renderTable(spec)).toBe(reference(spec));
    }
    // Most of them took the hand-drawn path, the one that could differ.
    expect(plainTables).toBeGreaterThan(150);
  });
});
