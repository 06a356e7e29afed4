import type { ParsedSnapshot } from './parse-snapshot.js';
import type { StringTable } from './string-table.js';

/**
 * A parsed heap snapshot as a graph over typed arrays: node i's outgoing edges are
 * [firstEdge[i], firstEdge[i+1]); every per-node fact is a column indexed by the node's
 * ordinal. No per-node JS objects exist, so node counts past JS's 16.7 M Set/Map limit
 * are fine. Nodes are grouped into classes the way Chrome DevTools' Summary view does.
 */

/** Type codes of the node and edge types the analyses care about; -1 when absent. */
export interface TypeCodes {
  nodeHidden: number;
  nodeObject: number;
  nodeNative: number;
  nodeCode: number;
  nodeSynthetic: number;
  nodeClosure: number;
  nodeString: number;
  nodeArray: number;
  nodeObjectShape: number;
  edgeContext: number;
  edgeElement: number;
  edgeProperty: number;
  edgeInternal: number;
  edgeHidden: number;
  edgeShortcut: number;
  edgeWeak: number;
}

export class HeapGraph {
  readonly path: string;
  readonly fileBytes: number;
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly nodeType: Uint8Array;
  readonly nodeName: Uint32Array;
  readonly nodeId: Uint32Array;
  readonly nodeSelfSize: Float64Array;
  readonly firstEdge: Uint32Array;
  readonly nodeDetachedness: Uint8Array | undefined;
  readonly edgeType: Uint8Array;
  readonly edgeNameOrIndex: Uint32Array;
  readonly edgeToNode: Uint32Array;
  readonly strings: StringTable;
  readonly rootOrdinal: number;
  readonly nodeTypeNames: readonly string[];
  readonly edgeTypeNames: readonly string[];
  readonly types: TypeCodes;
  /** Class (DevTools "constructor" row) of every node; see classNames. */
  readonly nodeClass: Uint32Array;
  readonly classNames: readonly string[];

  constructor(p: ParsedSnapshot) {
    this.path = p.path;
    this.fileBytes = p.fileBytes;
    this.nodeCount = p.nodeCount;
    this.edgeCount = p.edgeCount;
    this.nodeType = p.nodeType;
    this.nodeName = p.nodeName;
    this.nodeId = p.nodeId;
    this.nodeSelfSize = p.nodeSelfSize;
    this.firstEdge = p.firstEdge;
    this.nodeDetachedness = p.nodeDetachedness;
    this.edgeType = p.edgeType;
    this.edgeNameOrIndex = p.edgeNameOrIndex;
    this.edgeToNode = p.edgeToNode;
    this.strings = p.strings;
    this.rootOrdinal = p.layout.rootNodeOrdinal;
    this.nodeTypeNames = p.layout.nodeTypeNames;
    this.edgeTypeNames = p.layout.edgeTypeNames;
    const nt = (name: string) => p.layout.nodeTypeNames.indexOf(name);
    const et = (name: string) => p.layout.edgeTypeNames.indexOf(name);
    this.types = {
      nodeHidden: nt('hidden'),
      nodeObject: nt('object'),
      nodeNative: nt('native'),
      nodeCode: nt('code'),
      nodeSynthetic: nt('synthetic'),
      nodeClosure: nt('closure'),
      nodeString: nt('string'),
      nodeArray: nt('array'),
      nodeObjectShape: nt('object shape'),
      edgeContext: et('context'),
      edgeElement: et('element'),
      edgeProperty: et('property'),
      edgeInternal: et('internal'),
      edgeHidden: et('hidden'),
      edgeShortcut: et('shortcut'),
      edgeWeak: et('weak'),
    };
    const classes = buildClasses(this);
    this.nodeClass = classes.nodeClass;
    this.classNames = classes.names;
  }

  name(ordinal: number): string {
    return this.strings.get(this.nodeName[ordinal]!);
  }

  typeName(ordinal: number): string {
    return this.nodeTypeNames[this.nodeType[ordinal]!] ?? 'unknown';
  }

  className(ordinal: number): string {
    return this.classNames[this.nodeClass[ordinal]!]!;
  }

  edgeTypeName(edge: number): string {
    return this.edgeTypeNames[this.edgeType[edge]!] ?? 'unknown';
  }

  /** Element and hidden edges carry an index; every other type a string. */
  edgeName(edge: number): string {
    const t = this.edgeType[edge]!;
    const v = this.edgeNameOrIndex[edge]!;
    if (t === this.types.edgeElement || t === this.types.edgeHidden) return String(v);
    return this.strings.get(v);
  }

  /** The node an edge starts from, by binary search over firstEdge (for cold paths only). */
  edgeFrom(edge: number): number {
    let lo = 0;
    let hi = this.nodeCount - 1;
    const fe = this.firstEdge;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (fe[mid]! <= edge) lo = mid;
      else hi = mid - 1;
    }
    // Nodes without edges share their firstEdge with the next one: step past them.
    while (lo < this.nodeCount - 1 && fe[lo + 1]! <= edge) lo++;
    return lo;
  }

  /** Ordinal of the node with this id, or -1. Linear: for one-off lookups. */
  findById(id: number): number {
    const ids = this.nodeId;
    for (let i = 0; i < ids.length; i++) if (ids[i] === id) return i;
    return -1;
  }

  close(): void {
    this.strings.close();
  }
}

/**
 * DevTools' className(): objects and native nodes are grouped by their name (the
 * constructor), everything else by its type: "(string)", "(closure)", "(compiled code)",
 * "(system)" for hidden nodes. Objects the embedder marks detached (detachedness 2: a
 * DOM node or Node binding object no longer attached to its tree) get a "Detached "
 * prefix, as in DevTools and memlab. Names are decoded once per distinct name index and
 * merged by text, so a class is one row even if a producer repeats a string.
 */
function buildClasses(g: HeapGraph): { nodeClass: Uint32Array; names: string[] } {
  const { nodeObject, nodeNative, nodeHidden, nodeCode } = g.types;
  const names: string[] = [];
  const byText = new Map<string, number>();
  const classOf = (text: string): number => {
    let c = byText.get(text);
    if (c === undefined) {
      c = names.length;
      names.push(text);
      byText.set(text, c);
    }
    return c;
  };
  const typeClass = g.nodeTypeNames.map((t, code) => {
    if (code === nodeHidden) return classOf('(system)');
    if (code === nodeCode) return classOf('(compiled code)');
    if (code === nodeObject || code === nodeNative) return -1;
    return classOf(`(${t})`);
  });
  // Class per name index, filled lazily for object/native nodes (-1: not seen yet).
  const nameClass = new Int32Array(g.strings.count).fill(-1);
  const detachedClass = new Map<number, number>();
  const detachedness = g.nodeDetachedness;
  const nodeClass = new Uint32Array(g.nodeCount);
  const type = g.nodeType;
  const nameIdx = g.nodeName;
  for (let i = 0; i < g.nodeCount; i++) {
    const t = type[i]!;
    const tc = typeClass[t]!;
    if (tc >= 0) {
      nodeClass[i] = tc;
      continue;
    }
    const s = nameIdx[i]!;
    if (detachedness && detachedness[i] === 2) {
      let d = detachedClass.get(s);
      if (d === undefined) {
        d = classOf(`Detached ${g.strings.get(s)}`);
        detachedClass.set(s, d);
      }
      nodeClass[i] = d;
      continue;
    }
    let c = nameClass[s]!;
    if (c < 0) {
      c = classOf(g.strings.get(s));
      nameClass[s] = c;
    }
    nodeClass[i] = c;
  }
  return { nodeClass, names };
}
