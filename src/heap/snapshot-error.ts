/**
 * A heap snapshot file that cannot be used: not a snapshot, truncated, malformed or
 * internally inconsistent. The engine knows nothing about the CLI; the command layer
 * turns this into a UsageError (one line, exit 2).
 */
export class HeapSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeapSnapshotError';
  }
}
