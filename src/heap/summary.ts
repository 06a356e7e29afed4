import { classRetainedSizes } from './class-retained.js';
import { dominatorChildren } from './dominator-children.js';
import type { DominatorTree, PageOwnershipRule } from './dominators.js';
import type { HeapGraph } from './heap-graph.js';
import { topKIndices } from './top-k.js';

/**
 * Per-constructor summary (DevTools' Summary view): count, self size and retained size
 * per class, the top objects by retained size, and totals. Like DevTools, the rows count
 * only nodes with a non-zero self size (native nodes always), which leaves out the
 * synthetic root and GC-root groupings.
 */

export interface ClassRow {
  className: string;
  count: number;
  selfBytes: number;
  retainedBytes: number;
}

export interface HeapObjectInfo {
  ordinal: number;
  id: number;
  type: string;
  className: string;
  /** The node's own name: a function's name, a string's text (cut to 120 chars). */
  name: string;
  selfBytes: number;
  retainedBytes: number;
}

export interface HeapSummary {
  file: string;
  fileBytes: number;
  nodeCount: number;
  edgeCount: number;
  /** Sum of every node's self size: the heap as the snapshot saw it. */
  totalSelfBytes: number;
  /** Retained size of the root: what is reachable through retaining edges. */
  reachableBytes: number;
  /** Nodes the root does not reach through retaining edges (hung off the root). */
  unreachableCount: number;
  dominatorRule: PageOwnershipRule;
  /** Every class, by retained size then self size, descending. */
  classes: ClassRow[];
  top: HeapObjectInfo[];
}

export interface SummaryOptions {
  topObjects: number;
  dominatorRule: PageOwnershipRule;
}

export function summarizeHeap(g: HeapGraph, dom: DominatorTree, opts: SummaryOptions): HeapSummary {
  const classCount = g.classNames.length;
  const count = new Float64Array(classCount);
  const self = new Float64Array(classCount);
  const nodeClass = g.nodeClass;
  const nodeSelf = g.nodeSelfSize;
  const nodeType = g.nodeType;
  const native = g.types.nodeNative;
  let totalSelf = 0;
  for (let i = 0; i < g.nodeCount; i++) {
    const s = nodeSelf[i]!;
    totalSelf += s;
    if (s === 0 && nodeType[i] !== native) continue;
    const c = nodeClass[i]!;
    count[c]!++;
    self[c]! += s;
  }
  const children = dominatorChildren(dom.idom, g.rootOrdinal);
  const retained = classRetainedSizes(children, g.rootOrdinal, nodeClass, classCount, dom.retainedSize, nodeSelf);

  const classes: ClassRow[] = [];
  for (let c = 0; c < classCount; c++) {
    if (count[c] === 0) continue;
    classes.push({ className: g.classNames[c]!, count: count[c]!, selfBytes: self[c]!, retainedBytes: retained[c]! });
  }
  classes.sort((a, b) => b.retainedBytes - a.retainedBytes || b.selfBytes - a.selfBytes || cmp(a.className, b.className));

  const synthetic = g.types.nodeSynthetic;
  const top = topKIndices(dom.retainedSize, opts.topObjects, (i) => i !== g.rootOrdinal && nodeType[i] !== synthetic).map((i) =>
    describeObject(g, dom, i),
  );
  return {
    file: g.path,
    fileBytes: g.fileBytes,
    nodeCount: g.nodeCount,
    edgeCount: g.edgeCount,
    totalSelfBytes: totalSelf,
    reachableBytes: dom.retainedSize[g.rootOrdinal]!,
    unreachableCount: dom.unreachableCount,
    dominatorRule: opts.dominatorRule,
    classes,
    top,
  };
}

export function describeObject(g: HeapGraph, dom: DominatorTree | undefined, ordinal: number): HeapObjectInfo {
  const name = g.name(ordinal);
  return {
    ordinal,
    id: g.nodeId[ordinal]!,
    type: g.typeName(ordinal),
    className: g.className(ordinal),
    name: name.length > 120 ? `${name.slice(0, 117)}...` : name,
    selfBytes: g.nodeSelfSize[ordinal]!,
    retainedBytes: dom ? dom.retainedSize[ordinal]! : NaN,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
