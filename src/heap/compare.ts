import type { HeapGraph } from './heap-graph.js';
import { ordinalsSortedById } from './id-order.js';

/**
 * DevTools' Comparison view, by constructor: objects are matched by node id within their
 * class; an object of B whose id is not in A's class is new, an object of A whose id is
 * not in B's class is deleted. Counted objects are the Summary's (non-zero self size, or
 * native), so the two views agree.
 */

export interface CompareRow {
  className: string;
  newCount: number;
  deletedCount: number;
  deltaCount: number;
  allocBytes: number;
  freedBytes: number;
  deltaBytes: number;
}

export interface HeapComparison {
  before: string;
  after: string;
  rows: CompareRow[];
  totals: Omit<CompareRow, 'className'>;
  /** Objects of B whose id exists in A: near 0 means the snapshots are of different processes. */
  matchedCount: number;
}

export function compareHeaps(a: HeapGraph, b: HeapGraph): HeapComparison {
  const names: string[] = [];
  const byName = new Map<string, number>();
  const shared = (name: string): number => {
    let c = byName.get(name);
    if (c === undefined) {
      c = names.length;
      names.push(name);
      byName.set(name, c);
    }
    return c;
  };
  const aShared = Uint32Array.from(a.classNames, shared);
  const bShared = Uint32Array.from(b.classNames, shared);
  const counted = (g: HeapGraph) => (i: number) => g.nodeSelfSize[i]! > 0 || g.nodeType[i] === g.types.nodeNative;
  const aOrder = ordinalsSortedById(a.nodeId, counted(a));
  const bOrder = ordinalsSortedById(b.nodeId, counted(b));

  const k = names.length;
  const newCount = new Float64Array(k);
  const delCount = new Float64Array(k);
  const alloc = new Float64Array(k);
  const freed = new Float64Array(k);
  let matched = 0;
  const deleted = (o: number) => {
    const c = aShared[a.nodeClass[o]!]!;
    delCount[c]!++;
    freed[c]! += a.nodeSelfSize[o]!;
  };
  const added = (o: number) => {
    const c = bShared[b.nodeClass[o]!]!;
    newCount[c]!++;
    alloc[c]! += b.nodeSelfSize[o]!;
  };
  let i = 0;
  let j = 0;
  while (i < aOrder.length || j < bOrder.length) {
    const oa = i < aOrder.length ? aOrder[i]! : -1;
    const ob = j < bOrder.length ? bOrder[j]! : -1;
    const ida = oa >= 0 ? a.nodeId[oa]! : Infinity;
    const idb = ob >= 0 ? b.nodeId[ob]! : Infinity;
    if (ida < idb) {
      deleted(oa);
      i++;
    } else if (idb < ida) {
      added(ob);
      j++;
    } else {
      matched++;
      if (aShared[a.nodeClass[oa]!] !== bShared[b.nodeClass[ob]!]) {
        deleted(oa);
        added(ob);
      }
      i++;
      j++;
    }
  }
  const rows: CompareRow[] = [];
  const totals = { newCount: 0, deletedCount: 0, deltaCount: 0, allocBytes: 0, freedBytes: 0, deltaBytes: 0 };
  for (let c = 0; c < k; c++) {
    if (newCount[c] === 0 && delCount[c] === 0) continue;
    const row: CompareRow = {
      className: names[c]!,
      newCount: newCount[c]!,
      deletedCount: delCount[c]!,
      deltaCount: newCount[c]! - delCount[c]!,
      allocBytes: alloc[c]!,
      freedBytes: freed[c]!,
      deltaBytes: alloc[c]! - freed[c]!,
    };
    rows.push(row);
    totals.newCount += row.newCount;
    totals.deletedCount += row.deletedCount;
    totals.deltaCount += row.deltaCount;
    totals.allocBytes += row.allocBytes;
    totals.freedBytes += row.freedBytes;
    totals.deltaBytes += row.deltaBytes;
  }
  rows.sort((x, y) => y.deltaBytes - x.deltaBytes || y.deltaCount - x.deltaCount || (x.className < y.className ? -1 : 1));
  return { before: a.path, after: b.path, rows, totals, matchedCount: matched };
}
