// Child for bench/snapshot-capture.js: builds a heap, then takes one heap snapshot the
// chosen way and reports the heap and RSS just before it. The parent reads the peak RSS.
// Usage: node --expose-gc snapshot-capture-child.js MODE UNITS OUT [V8PN_DIR]
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { buildHeap } from './snapshot-heap-builder.js';
import { takeHeapSnapshot } from '../dist/src/agent/heap-snapshot-writer.js';

const [mode, units, out, v8pnDir] = process.argv.slice(2);
globalThis.__benchHeap = buildHeap(Number(units));
globalThis.gc();
const before = process.memoryUsage();
const t0 = performance.now();
if (mode === 'inspector') {
  await takeHeapSnapshot(out);
} else if (mode === 'v8-profiler-next') {
  const profiler = createRequire(join(v8pnDir, 'package.json'))('v8-profiler-next');
  globalThis.gc();
  const snapshot = profiler.takeSnapshot();
  await new Promise((resolve, reject) => {
    snapshot.export().pipe(createWriteStream(out)).on('finish', resolve).on('error', reject);
  });
  snapshot.delete();
} else if (mode === 'writeHeapSnapshot') {
  globalThis.gc();
  writeHeapSnapshot(out);
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(JSON.stringify({ heapUsedBytes: before.heapUsed, rssBeforeBytes: before.rss, snapshotMs: performance.now() - t0 }) + '\n');
