import { HeapGraph } from './heap-graph.js';
import { parseHeapSnapshotFile, type ParseOptions } from './parse-snapshot.js';

/** Parses a .heapsnapshot file into a HeapGraph (classes assigned, no dominators yet). */
export async function loadHeapGraph(path: string, opts: ParseOptions = {}): Promise<HeapGraph> {
  return new HeapGraph(await parseHeapSnapshotFile(path, opts));
}
