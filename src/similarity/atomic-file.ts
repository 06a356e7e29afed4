import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError, describeFsError } from '../cli/errors.js';

/**
 * A file written piece by piece and published atomically: temp file in the same folder,
 * fsync, rename (as src/fsx/atomic-write.ts does for whole buffers). Neighbour files are
 * hundreds of MB, too big to build as one string or buffer first.
 */
export class AtomicFile {
  private readonly tmp: string;
  private fd: number;
  private closed = false;

  constructor(readonly path: string) {
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
    try {
      this.fd = openSync(this.tmp, 'w', 0o644);
    } catch (err) {
      throw new UsageError(describeFsError(err, path) ?? `${path}: cannot write (${(err as Error).message})`);
    }
  }

  write(data: Uint8Array | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  /** Writes a typed array's bytes (little-endian on every platform Node runs on here). */
  writeArray(a: Int32Array | Float32Array): void {
    // In slices: writeSync takes at most 2 GB at once.
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let off = 0; off < bytes.length; off += 1 << 30) this.write(bytes.subarray(off, Math.min(bytes.length, off + (1 << 30))));
  }

  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    try {
      unlinkSync(this.tmp);
    } catch {
      // nothing to clean up
    }
  }
}

/** Runs `fill` on a new atomic file; a failure leaves no temp file and no partial target. */
export function writeAtomically(path: string, fill: (f: AtomicFile) => void): void {
  const f = new AtomicFile(path);
  try {
    fill(f);
    f.commit();
  } catch (err) {
    f.abort();
    throw err;
  }
}
