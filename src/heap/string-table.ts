import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The snapshot's `strings` section, kept as positions in the file rather than as JS
 * strings. A 1 GB snapshot holds millions of strings (every string object's text), of
 * which a summary shows a few thousand (constructor names, property names on paths):
 * they are read back from the file and decoded only when asked for.
 */
export class StringTable {
  /** Byte offset in the file of each string's first character (after the quote). */
  private starts: Float64Array;
  /** Byte length of the raw (still JSON-escaped) text; high bit set when it has escapes. */
  private lengths: Uint32Array;
  private n = 0;
  private fd: number | undefined;
  private readonly decoded = new Map<number, string>();

  constructor(
    private readonly path: string,
    initialCapacity = 1024,
  ) {
    this.starts = new Float64Array(Math.max(16, initialCapacity));
    this.lengths = new Uint32Array(Math.max(16, initialCapacity));
  }

  get count(): number {
    return this.n;
  }

  /** Called by the parser for each string, in order. */
  add(start: number, rawLength: number, hasEscapes: boolean): void {
    if (this.n === this.starts.length) this.grow();
    if (rawLength > 0x7fffffff) rawLength = 0x7fffffff; // longer than V8 can hold anyway
    this.starts[this.n] = start;
    this.lengths[this.n] = hasEscapes ? (rawLength | 0x80000000) >>> 0 : rawLength;
    this.n++;
  }

  private grow(): void {
    const cap = Math.ceil(this.starts.length * 1.5);
    const s = new Float64Array(cap);
    s.set(this.starts);
    const l = new Uint32Array(cap);
    l.set(this.lengths);
    this.starts = s;
    this.lengths = l;
  }

  /** Drops the spare capacity once parsing is done. */
  seal(): void {
    this.starts = this.starts.slice(0, this.n);
    this.lengths = this.lengths.slice(0, this.n);
  }

  get(index: number): string {
    const cached = this.decoded.get(index);
    if (cached !== undefined) return cached;
    if (index < 0 || index >= this.n) return `<bad string #${index}>`;
    const raw = this.lengths[index]!;
    const len = raw & 0x7fffffff;
    const buf = Buffer.allocUnsafe(len);
    if (this.fd === undefined) this.fd = openSync(this.path, 'r');
    let got = 0;
    while (got < len) {
      const r = readSync(this.fd, buf, got, len - got, this.starts[index]! + got);
      if (r === 0) break;
      got += r;
    }
    const text = buf.toString('utf8', 0, got);
    let value: string;
    if (raw & 0x80000000) {
      try {
        value = JSON.parse(`"${text}"`) as string;
      } catch {
        value = text;
      }
    } else {
      value = text;
    }
    this.decoded.set(index, value);
    return value;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
