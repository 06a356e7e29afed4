import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError, describeFsError } from './errors.js';

/**
 * A file that a reader sees either as it was or whole as written, never half-written,
 * even if memkit is killed mid-write: temp file in the same folder, fsync, rename over the
 * target. Written piece by piece, so outputs of hundreds of MB (similarity's neighbour
 * files) need not be built as one buffer first. A file that cannot be written is the
 * user's path problem: one line naming it (exit 2), whichever writer hit it.
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
      throw cannotWrite(err, path);
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
    try {
      renameSync(this.tmp, this.path);
    } catch (err) {
      this.abort();
      throw cannotWrite(err, this.path);
    }
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

/** A whole string or buffer, written atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeAtomically(path, (f) => f.write(data));
}

function cannotWrite(err: unknown, path: string): UsageError {
  if (err instanceof UsageError) return err;
  return new UsageError(describeFsError(err, path) ?? `${path}: cannot write (${(err as Error).message})`, { cause: err });
}
