/** The last bytes a child wrote to stderr, kept for crash reports (vitest keeps the same). */
export class StderrTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes = 16 * 1024) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0]!.length >= this.maxBytes) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  /** The kept text, starting at a line boundary when it was cut. */
  text(): string {
    let s = Buffer.concat(this.chunks).toString('utf8');
    if (this.size > this.maxBytes) {
      s = s.slice(s.length - this.maxBytes);
      const nl = s.indexOf('\n');
      if (nl >= 0) s = s.slice(nl + 1);
    }
    return s;
  }
}
