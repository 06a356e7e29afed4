import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Takes a heap snapshot of this process and streams it to `path` chunk by chunk as V8
 * serialises it (node:inspector's HeapProfiler.addHeapSnapshotChunk events), so the
 * snapshot text never sits in memory whole: the extra memory is V8's own snapshot graph
 * plus one chunk. A full GC runs first so the snapshot holds only live objects. The
 * file appears under its name only once complete (temp file + rename).
 *
 * Measured against v8-profiler-next (bench/snapshot-capture.js): see README, mem-snapshot.
 */
export async function takeHeapSnapshot(path: string): Promise<{ bytes: number; durationMs: number }> {
  const started = performance.now();
  forceGc();
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  let bytes = 0;
  let writeError: unknown;
  const session = inspectorSession();
  const onChunk = (message: { params: { chunk: string } }): void => {
    if (writeError) return;
    try {
      const buf = Buffer.from(message.params.chunk, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      bytes += buf.length;
    } catch (err) {
      writeError = err;
    }
  };
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    if (writeError) throw writeError;
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean
    }
    throw err;
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  return { bytes, durationMs: performance.now() - started };
}

/**
 * One session for the life of the process, never disabled or disconnected: disabling
 * the heap profiler (which disconnecting does) clears V8's object-id map, and the leak
 * finder matches objects across snapshots by those ids.
 */
let session: Session | undefined;
function inspectorSession(): Session {
  if (!session) {
    session = new Session();
    session.connect();
  }
  return session;
}

function post(session: Session, method: string, params?: object): Promise<void> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err) => (err ? reject(err) : resolve()));
  });
}

/** The child runs with --expose-gc; without it, V8 can still hand us gc() this way. */
function forceGc(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
