// Child: builds a heap of UNITS units (snapshot-heap-builder.js) and writes one heap
// snapshot with memkit's capture. Usage: node --expose-gc snapshot-fixture-heap.js OUT UNITS
import { buildHeap } from './snapshot-heap-builder.js';
import { takeHeapSnapshot } from '../dist/src/agent/heap-snapshot-writer.js';

const [out, units] = process.argv.slice(2);
globalThis.__benchHeap = buildHeap(Number(units));
const r = await takeHeapSnapshot(out);
process.stdout.write(JSON.stringify(r) + '\n');
