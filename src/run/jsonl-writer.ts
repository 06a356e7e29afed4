import { closeSync, openSync, writeSync } from 'node:fs';
import { ensureParentDir } from '../baseline/io.js';

/**
 * Appends one JSON document per line, synchronously, as records arrive: a run killed at
 * hour 23 of 24 keeps 23 hours of data, and there is no userland buffer to lose. A new
 * run starts a new file: samples of an earlier run at the same path are replaced.
 */
export class JsonlWriter {
  private fd: number | undefined;

  constructor(readonly path: string) {
    ensureParentDir(path);
    this.fd = openSync(path, 'w');
  }

  write(record: unknown): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, JSON.stringify(record) + '\n');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
