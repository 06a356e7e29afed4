import { open, stat } from 'node:fs/promises';
import { HeapSnapshotError } from './snapshot-error.js';
import { EdgeField, NodeField, layoutFromHeader, type SnapshotLayout } from './snapshot-layout.js';
import { StringTable } from './string-table.js';

/**
 * Streaming parser for `.heapsnapshot` files (V8 / Chrome DevTools JSON). The file is read
 * in chunks and never becomes one string: the small `snapshot` header is JSON.parse'd,
 * `nodes` and `edges` are scanned byte by byte straight into typed columns, `strings`
 * are recorded as file positions (see StringTable), every other section is skipped.
 */

export interface ParsedSnapshot {
  path: string;
  fileBytes: number;
  layout: SnapshotLayout;
  nodeCount: number;
  edgeCount: number;
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  /** Float64: an ArrayBuffer's backing store can exceed 4 GB. */
  nodeSelfSize: Float64Array;
  /** CSR offsets: node i's edges are [firstEdge[i], firstEdge[i+1]). */
  firstEdge: Uint32Array;
  nodeDetachedness: Uint8Array | undefined;
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  /** Target node ordinal (the file's to_node divided by the node field count). */
  edgeToNode: Uint32Array;
  strings: StringTable;
}

export interface ParseProgress {
  bytesRead: number;
  totalBytes: number;
  /** The section being read: "nodes", "edges", "strings", ... */
  section: string;
}

export interface ParseOptions {
  onProgress?: (p: ParseProgress) => void;
  /** Read size; tests use tiny chunks to exercise every chunk boundary. */
  chunkBytes?: number;
}

// biome-ignore lint/suspicious/noConstEnum: the parser's states, inlined as numbers in its hot loop; module-local, so per-file compilers are unaffected
const enum S {
  TopStart,
  TopKeyOrEnd,
  TopKey,
  TopColon,
  ValueStart,
  TopAfterValue,
  TopDone,
  Collect,
  Skip,
  Numbers,
  Strings,
}

const MAX_HEADER_BYTES = 64 * 1024 * 1024;
const U32_MAX = 0xffffffff;

export async function parseHeapSnapshotFile(path: string, opts: ParseOptions = {}): Promise<ParsedSnapshot> {
  const totalBytes = (await stat(path)).size;
  const fh = await open(path, 'r');
  const parser = new SnapshotStreamParser(path, totalBytes);
  const chunk = Buffer.allocUnsafe(opts.chunkBytes ?? 4 * 1024 * 1024);
  let pos = 0;
  let lastReport = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      parser.feed(chunk, bytesRead, pos);
      pos += bytesRead;
      if (opts.onProgress && (pos - lastReport >= 32 * 1024 * 1024 || pos === totalBytes)) {
        lastReport = pos;
        opts.onProgress({ bytesRead: pos, totalBytes, section: parser.section });
      }
    }
  } finally {
    await fh.close();
  }
  return parser.finish(pos);
}

/** Exported for tests that feed bytes directly; use parseHeapSnapshotFile otherwise. */
export class SnapshotStreamParser {
  private state = S.TopStart;
  private key = '';
  private keyBytes: number[] = [];
  private readonly seenKeys: string[] = [];
  section = '(start)';

  // Generic value skipper / collector (header and unknown sections).
  private depth = 0;
  private inString = false;
  private escaped = false;
  private primitive = false;
  private collected: Buffer[] = [];
  private collectedBytes = 0;
  private collecting = false;

  // Number arrays.
  private target: 'nodes' | 'edges' = 'nodes';
  private num = 0;
  private inNum = false;
  private afterSpace = false;
  private field = 0;
  private record = 0;
  private sawValue = false;

  // Strings.
  private strInside = false;
  private strStart = 0;
  private strEscapes = false;
  private strPendingEscape = false;
  private strExpectValue = true;

  // Results.
  private layout: SnapshotLayout | undefined;
  private nodeCap = 0;
  private edgeCap = 0;
  private nodeType = new Uint8Array(0);
  private nodeName = new Uint32Array(0);
  private nodeId = new Uint32Array(0);
  private nodeSelfSize = new Float64Array(0);
  private nodeEdgeCount = new Uint32Array(0);
  private nodeDetachedness: Uint8Array | undefined;
  private edgeType = new Uint8Array(0);
  private edgeNameOrIndex = new Uint32Array(0);
  private edgeToNode = new Uint32Array(0);
  private nodesDone = false;
  private edgesDone = false;
  private stringsDone = false;
  private strings: StringTable;

  constructor(
    private readonly path: string,
    private readonly totalBytes: number,
  ) {
    this.strings = new StringTable(path, 1024);
  }

  feed(buf: Buffer, len: number, filePos: number): void {
    let i = 0;
    while (i < len) {
      switch (this.state) {
        case S.Numbers:
          i = this.target === 'nodes' ? this.scanNodes(buf, i, len, filePos) : this.scanEdges(buf, i, len, filePos);
          break;
        case S.Strings:
          i = this.scanStrings(buf, i, len, filePos);
          break;
        case S.Skip:
        case S.Collect:
          i = this.scanValue(buf, i, len, filePos);
          break;
        default:
          i = this.structural(buf, i, len, filePos);
      }
    }
  }

  /** Top-level object: keys, colons, commas. Consumes one byte per call. */
  private structural(buf: Buffer, i: number, len: number, filePos: number): number {
    const c = buf[i]!;
    if (isSpace(c)) return i + 1;
    switch (this.state) {
      case S.TopStart:
        if (c === 0xef && filePos + i === 0) return Math.min(i + 3, len); // UTF-8 BOM
        if (c !== 0x7b) throw this.notSnapshot(c, filePos + i, 'expected a JSON object');
        this.state = S.TopKeyOrEnd;
        return i + 1;
      case S.TopKeyOrEnd:
        if (c === 0x22) {
          this.state = S.TopKey;
          this.keyBytes = [];
          return i + 1;
        }
        if (c === 0x7d && this.seenKeys.length === 0) {
          this.state = S.TopDone;
          return i + 1;
        }
        throw this.malformed(c, filePos + i, 'expected a key');
      case S.TopKey: {
        if (c === 0x22) {
          this.key = Buffer.from(this.keyBytes).toString('utf8');
          this.state = S.TopColon;
          return i + 1;
        }
        if (this.keyBytes.length > 1024) throw this.notSnapshot(c, filePos + i, 'a top-level key longer than 1 KB');
        this.keyBytes.push(c);
        return i + 1;
      }
      case S.TopColon:
        if (c !== 0x3a) throw this.malformed(c, filePos + i, 'expected ":"');
        this.state = S.ValueStart;
        return i + 1;
      case S.ValueStart:
        return this.startValue(c, i, filePos);
      case S.TopAfterValue:
        if (c === 0x2c) {
          this.state = S.TopKeyOrEnd;
          return i + 1;
        }
        if (c === 0x7d) {
          this.state = S.TopDone;
          this.section = '(end)';
          return i + 1;
        }
        throw this.malformed(c, filePos + i, 'expected "," or "}" after a section');
      case S.TopDone:
        throw this.malformed(c, filePos + i, 'data after the end of the snapshot');
      default:
        throw new Error(`parser in unexpected state ${this.state}`);
    }
  }

  private startValue(c: number, i: number, filePos: number): number {
    const key = this.key;
    this.seenKeys.push(key);
    this.section = key;
    if (key === 'snapshot') {
      if (c !== 0x7b) throw this.notSnapshot(c, filePos + i, '"snapshot" is not an object');
      this.beginGenericValue(true);
      this.state = S.Collect;
      return i; // scanValue consumes the '{'
    }
    if (key === 'nodes' || key === 'edges') {
      if (c !== 0x5b) throw this.malformed(c, filePos + i, `"${key}" is not an array`);
      if (!this.layout) throw new HeapSnapshotError(`${this.path}: unsupported heap snapshot: "${key}" comes before "snapshot.meta"`);
      this.beginNumbers(key);
      this.state = S.Numbers;
      return i + 1;
    }
    if (key === 'strings') {
      if (c !== 0x5b) throw this.malformed(c, filePos + i, '"strings" is not an array');
      this.strExpectValue = true;
      this.strInside = false;
      this.state = S.Strings;
      return i + 1;
    }
    this.beginGenericValue(false);
    this.state = S.Skip;
    return i;
  }

  private beginGenericValue(collect: boolean): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.primitive = false;
    this.collecting = collect;
    this.collected = [];
    this.collectedBytes = 0;
  }

  /** Skips (or collects) one JSON value of any shape, tracking nesting and strings. */
  private scanValue(buf: Buffer, i: number, len: number, filePos: number): number {
    const start = i;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let end = -1;
    if (depth === 0 && !inString && !this.primitive) {
      const c = buf[i]!;
      if (c === 0x7b || c === 0x5b) {
        depth = 1;
        i++;
      } else if (c === 0x22) {
        inString = true;
        i++;
      } else {
        this.primitive = true;
      }
    }
    for (; i < len; i++) {
      const c = buf[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) {
          inString = false;
          if (depth === 0) {
            end = i + 1;
            break;
          }
        }
      } else if (this.primitive) {
        if (c === 0x2c || c === 0x7d || isSpace(c)) {
          end = i;
          break;
        }
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) {
          end = i + 1;
          break;
        }
      }
    }
    const stop = end < 0 ? len : end;
    if (this.collecting) {
      this.collectedBytes += stop - start;
      if (this.collectedBytes > MAX_HEADER_BYTES) {
        throw new HeapSnapshotError(`${this.path}: not a heap snapshot (the "snapshot" header is larger than 64 MB)`);
      }
      this.collected.push(Buffer.from(buf.subarray(start, stop)));
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    if (end >= 0) {
      this.primitive = false;
      if (this.collecting) this.finishHeader();
      this.state = S.TopAfterValue;
    }
    void filePos;
    return stop;
  }

  private finishHeader(): void {
    let header: unknown;
    try {
      header = JSON.parse(Buffer.concat(this.collected).toString('utf8'));
    } catch (err) {
      throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: the "snapshot" header is not valid JSON (${(err as Error).message})`);
    }
    this.collected = [];
    try {
      this.layout = layoutFromHeader(header);
    } catch (err) {
      if (err instanceof HeapSnapshotError) throw new HeapSnapshotError(`${this.path}: ${err.message}`);
      throw err;
    }
    const l = this.layout;
    if (l.declaredNodeCount !== undefined) this.allocNodes(l.declaredNodeCount);
    if (l.declaredEdgeCount !== undefined) this.allocEdges(l.declaredEdgeCount);
    // A guess for the strings table: about one string per four nodes in V8 snapshots.
    if (l.declaredNodeCount !== undefined) this.strings = new StringTable(this.path, Math.ceil(l.declaredNodeCount / 4));
  }

  private allocNodes(cap: number): void {
    const grow = <T extends Uint8Array | Uint32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const a = make(cap);
      a.set(old.subarray(0, Math.min(old.length, cap)) as never);
      return a;
    };
    this.nodeType = grow(this.nodeType, (n) => new Uint8Array(n));
    this.nodeName = grow(this.nodeName, (n) => new Uint32Array(n));
    this.nodeId = grow(this.nodeId, (n) => new Uint32Array(n));
    this.nodeSelfSize = grow(this.nodeSelfSize, (n) => new Float64Array(n));
    this.nodeEdgeCount = grow(this.nodeEdgeCount, (n) => new Uint32Array(n));
    if (this.layout!.hasDetachedness) this.nodeDetachedness = grow(this.nodeDetachedness ?? new Uint8Array(0), (n) => new Uint8Array(n));
    this.nodeCap = cap;
  }

  private allocEdges(cap: number): void {
    const t = new Uint8Array(cap);
    t.set(this.edgeType.subarray(0, Math.min(this.edgeType.length, cap)));
    const n = new Uint32Array(cap);
    n.set(this.edgeNameOrIndex.subarray(0, Math.min(this.edgeNameOrIndex.length, cap)));
    const to = new Uint32Array(cap);
    to.set(this.edgeToNode.subarray(0, Math.min(this.edgeToNode.length, cap)));
    this.edgeType = t;
    this.edgeNameOrIndex = n;
    this.edgeToNode = to;
    this.edgeCap = cap;
  }

  private beginNumbers(key: 'nodes' | 'edges'): void {
    if ((key === 'nodes' && this.nodesDone) || (key === 'edges' && this.edgesDone)) {
      throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: "${key}" appears twice`);
    }
    this.target = key;
    this.num = 0;
    this.inNum = false;
    this.afterSpace = false;
    this.field = 0;
    this.record = 0;
    this.sawValue = false;
  }

  /**
   * The hot loop for `nodes`: digits accumulate into `num`, a comma or the closing
   * bracket stores it into the column its field feeds. Locals mirror the fields so
   * V8 keeps them in registers; they are written back at the end of the chunk.
   */
  private scanNodes(buf: Buffer, i: number, len: number, filePos: number): number {
    const layout = this.layout!;
    const roles = layout.nodeFieldRoles;
    const fieldCount = layout.nodeFieldCount;
    let num = this.num;
    let inNum = this.inNum;
    let afterSpace = this.afterSpace;
    let field = this.field;
    let record = this.record;
    let type = this.nodeType;
    let name = this.nodeName;
    let id = this.nodeId;
    let self = this.nodeSelfSize;
    let edgeCount = this.nodeEdgeCount;
    let detached = this.nodeDetachedness;
    for (; i < len; i++) {
      const c = buf[i]!;
      if (c >= 0x30 && c <= 0x39) {
        if (afterSpace && inNum) throw this.malformed(c, filePos + i, 'two numbers without a comma in "nodes"');
        num = num * 10 + (c - 0x30);
        inNum = true;
        continue;
      }
      if (c === 0x2c || c === 0x5d) {
        if (!inNum) {
          if (c === 0x5d && !this.sawValue) {
            i++;
            this.endNumbers('nodes', 0, 0);
            break;
          }
          throw this.malformed(c, filePos + i, 'expected a number in "nodes"');
        }
        if (record >= this.nodeCap) {
          if (layout.declaredNodeCount !== undefined) {
            throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: "nodes" has more than the ${layout.declaredNodeCount} nodes snapshot.node_count declares`);
          }
          this.allocNodes(Math.max(1024, Math.ceil(this.nodeCap * 1.5)));
          type = this.nodeType;
          name = this.nodeName;
          id = this.nodeId;
          self = this.nodeSelfSize;
          edgeCount = this.nodeEdgeCount;
          detached = this.nodeDetachedness;
        }
        switch (roles[field]) {
          case NodeField.Type:
            if (num > 255) throw this.badValue('node type', num, filePos + i);
            type[record] = num;
            break;
          case NodeField.Name:
            if (num > U32_MAX) throw this.badValue('node name', num, filePos + i);
            name[record] = num;
            break;
          case NodeField.Id:
            if (num > U32_MAX) throw this.badValue('node id', num, filePos + i);
            id[record] = num;
            break;
          case NodeField.SelfSize:
            self[record] = num;
            break;
          case NodeField.EdgeCount:
            if (num > U32_MAX) throw this.badValue('edge count', num, filePos + i);
            edgeCount[record] = num;
            break;
          case NodeField.Detachedness:
            detached![record] = num;
            break;
        }
        this.sawValue = true;
        num = 0;
        inNum = false;
        afterSpace = false;
        if (++field === fieldCount) {
          field = 0;
          record++;
        }
        if (c === 0x5d) {
          i++;
          this.endNumbers('nodes', record, field);
          break;
        }
        continue;
      }
      if (isSpace(c)) {
        if (inNum) afterSpace = true;
        continue;
      }
      throw this.malformed(c, filePos + i, 'expected a whole number in "nodes"');
    }
    this.num = num;
    this.inNum = inNum;
    this.afterSpace = afterSpace;
    this.field = field;
    this.record = record;
    return i;
  }

  private scanEdges(buf: Buffer, i: number, len: number, filePos: number): number {
    const layout = this.layout!;
    const roles = layout.edgeFieldRoles;
    const fieldCount = layout.edgeFieldCount;
    const nodeFieldCount = layout.nodeFieldCount;
    let num = this.num;
    let inNum = this.inNum;
    let afterSpace = this.afterSpace;
    let field = this.field;
    let record = this.record;
    let type = this.edgeType;
    let nameOrIndex = this.edgeNameOrIndex;
    let toNode = this.edgeToNode;
    for (; i < len; i++) {
      const c = buf[i]!;
      if (c >= 0x30 && c <= 0x39) {
        if (afterSpace && inNum) throw this.malformed(c, filePos + i, 'two numbers without a comma in "edges"');
        num = num * 10 + (c - 0x30);
        inNum = true;
        continue;
      }
      if (c === 0x2c || c === 0x5d) {
        if (!inNum) {
          if (c === 0x5d && !this.sawValue) {
            i++;
            this.endNumbers('edges', 0, 0);
            break;
          }
          throw this.malformed(c, filePos + i, 'expected a number in "edges"');
        }
        if (record >= this.edgeCap) {
          if (layout.declaredEdgeCount !== undefined) {
            throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: "edges" has more than the ${layout.declaredEdgeCount} edges snapshot.edge_count declares`);
          }
          this.allocEdges(Math.max(1024, Math.ceil(this.edgeCap * 1.5)));
          type = this.edgeType;
          nameOrIndex = this.edgeNameOrIndex;
          toNode = this.edgeToNode;
        }
        switch (roles[field]) {
          case EdgeField.Type:
            if (num > 255) throw this.badValue('edge type', num, filePos + i);
            type[record] = num;
            break;
          case EdgeField.NameOrIndex:
            if (num > U32_MAX) throw this.badValue('edge name', num, filePos + i);
            nameOrIndex[record] = num;
            break;
          case EdgeField.ToNode: {
            const ordinal = num / nodeFieldCount;
            if (ordinal !== Math.floor(ordinal) || ordinal > U32_MAX) {
              throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: edge ${record} points at ${num}, not the start of a node (byte ${filePos + i})`);
            }
            toNode[record] = ordinal;
            break;
          }
        }
        this.sawValue = true;
        num = 0;
        inNum = false;
        afterSpace = false;
        if (++field === fieldCount) {
          field = 0;
          record++;
        }
        if (c === 0x5d) {
          i++;
          this.endNumbers('edges', record, field);
          break;
        }
        continue;
      }
      if (isSpace(c)) {
        if (inNum) afterSpace = true;
        continue;
      }
      throw this.malformed(c, filePos + i, 'expected a whole number in "edges"');
    }
    this.num = num;
    this.inNum = inNum;
    this.afterSpace = afterSpace;
    this.field = field;
    this.record = record;
    return i;
  }

  private endNumbers(key: 'nodes' | 'edges', records: number, field: number): void {
    const layout = this.layout!;
    if (field !== 0) {
      const per = key === 'nodes' ? layout.nodeFieldCount : layout.edgeFieldCount;
      throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: "${key}" does not hold a whole number of ${per}-field records`);
    }
    const declared = key === 'nodes' ? layout.declaredNodeCount : layout.declaredEdgeCount;
    if (declared !== undefined && records !== declared) {
      throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: "${key}" has ${records} records, snapshot.${key === 'nodes' ? 'node' : 'edge'}_count says ${declared}`);
    }
    if (key === 'nodes') {
      this.nodesDone = true;
      if (this.nodeCap !== records) this.allocNodes(records);
    } else {
      this.edgesDone = true;
      if (this.edgeCap !== records) this.allocEdges(records);
    }
    this.state = S.TopAfterValue;
  }

  /**
   * `strings`: memchr for the closing quote (Buffer.indexOf), with the next backslash
   * position cached per chunk so escapes are found in linear time.
   */
  private scanStrings(buf: Buffer, i: number, len: number, filePos: number): number {
    let nextBackslash = -2;
    while (i < len) {
      if (this.strInside) {
        if (this.strPendingEscape) {
          this.strPendingEscape = false;
          i++;
          continue;
        }
        const quote = buf.indexOf(0x22, i);
        const q = quote < 0 || quote >= len ? len : quote;
        if (nextBackslash !== -1 && nextBackslash < i) {
          const b = buf.indexOf(0x5c, i);
          nextBackslash = b < 0 || b >= len ? -1 : b;
        }
        if (nextBackslash !== -1 && nextBackslash < q) {
          this.strEscapes = true;
          if (nextBackslash + 1 >= len) {
            this.strPendingEscape = true;
            return len;
          }
          i = nextBackslash + 2;
          continue;
        }
        if (q === len) return len;
        this.strings.add(this.strStart, filePos + q - this.strStart, this.strEscapes);
        this.strInside = false;
        this.strExpectValue = false;
        i = q + 1;
        continue;
      }
      const c = buf[i]!;
      if (isSpace(c)) {
        i++;
      } else if (c === 0x22 && this.strExpectValue) {
        this.strInside = true;
        this.strEscapes = false;
        this.strStart = filePos + i + 1;
        i++;
      } else if (c === 0x2c && !this.strExpectValue) {
        this.strExpectValue = true;
        i++;
      } else if (c === 0x5d && (!this.strExpectValue || this.strings.count === 0)) {
        this.stringsDone = true;
        this.state = S.TopAfterValue;
        return i + 1;
      } else {
        throw this.malformed(c, filePos + i, 'expected a string in "strings"');
      }
    }
    return i;
  }

  finish(endPos: number): ParsedSnapshot {
    if (this.state !== S.TopDone) {
      if (this.state === S.TopStart) throw new HeapSnapshotError(`${this.path}: empty file, not a heap snapshot`);
      if (!this.layout && !this.seenKeys.includes('snapshot') && this.section !== 'snapshot') {
        throw new HeapSnapshotError(`${this.path}: not a heap snapshot (a JSON object without a "snapshot" section${this.seenKeys.length ? `; it has ${this.keyList()}` : ''}), and it is cut short`);
      }
      throw new HeapSnapshotError(`${this.path}: truncated heap snapshot: the file ends at byte ${endPos} inside ${this.where()}`);
    }
    if (!this.layout) {
      throw new HeapSnapshotError(`${this.path}: not a heap snapshot (a JSON object without a "snapshot" section${this.seenKeys.length ? `; it has ${this.keyList()}` : ''})`);
    }
    for (const [done, key] of [
      [this.nodesDone, 'nodes'],
      [this.edgesDone, 'edges'],
      [this.stringsDone, 'strings'],
    ] as const) {
      if (!done) throw new HeapSnapshotError(`${this.path}: not a complete heap snapshot (no "${key}" section)`);
    }
    this.strings.seal();
    return this.validate();
  }

  /** Cross-checks that make later stages safe: edge totals, targets, type and name codes. */
  private validate(): ParsedSnapshot {
    const layout = this.layout!;
    const nodeCount = this.nodeCap;
    const edgeCount = this.edgeCap;
    const firstEdge = new Uint32Array(nodeCount + 1);
    let sum = 0;
    const ec = this.nodeEdgeCount;
    for (let n = 0; n < nodeCount; n++) {
      firstEdge[n] = sum;
      sum += ec[n]!;
    }
    if (sum !== edgeCount) {
      throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: the nodes' edge counts add up to ${sum}, but "edges" holds ${edgeCount}`);
    }
    firstEdge[nodeCount] = sum;
    this.nodeEdgeCount = new Uint32Array(0);
    if (nodeCount === 0) throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: no nodes`);
    if (layout.rootNodeOrdinal >= nodeCount) throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: root_index is past the last node`);

    const stringCount = this.strings.count;
    const nodeTypes = layout.nodeTypeNames.length;
    const edgeTypes = layout.edgeTypeNames.length;
    const to = this.edgeToNode;
    const et = this.edgeType;
    const en = this.edgeNameOrIndex;
    const elementType = layout.edgeTypeNames.indexOf('element');
    const hiddenType = layout.edgeTypeNames.indexOf('hidden');
    for (let e = 0; e < edgeCount; e++) {
      if (to[e]! >= nodeCount) throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: edge ${e} points past the last node`);
      const t = et[e]!;
      if (t >= edgeTypes) throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: edge ${e} has unknown type ${t}`);
      if (t !== elementType && t !== hiddenType && en[e]! >= stringCount) {
        throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: edge ${e} names string ${en[e]}, past the ${stringCount} strings`);
      }
    }
    const nt = this.nodeType;
    const nn = this.nodeName;
    for (let n = 0; n < nodeCount; n++) {
      if (nt[n]! >= nodeTypes) throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: node ${n} has unknown type ${nt[n]}`);
      if (nn[n]! >= stringCount) throw new HeapSnapshotError(`${this.path}: malformed heap snapshot: node ${n} names string ${nn[n]}, past the ${stringCount} strings`);
    }
    return {
      path: this.path,
      fileBytes: this.totalBytes,
      layout,
      nodeCount,
      edgeCount,
      nodeType: this.nodeType,
      nodeName: this.nodeName,
      nodeId: this.nodeId,
      nodeSelfSize: this.nodeSelfSize,
      firstEdge,
      nodeDetachedness: this.nodeDetachedness,
      edgeType: this.edgeType,
      edgeNameOrIndex: this.edgeNameOrIndex,
      edgeToNode: this.edgeToNode,
      strings: this.strings,
    };
  }

  private where(): string {
    const l = this.layout;
    if (this.state === S.Numbers && l) {
      const declared = this.target === 'nodes' ? l.declaredNodeCount : l.declaredEdgeCount;
      return `"${this.target}" (${this.record.toLocaleString('en-US')}${declared !== undefined ? ` of ${declared.toLocaleString('en-US')}` : ''} ${this.target} read)`;
    }
    if (this.state === S.Strings) return `"strings" (${this.strings.count.toLocaleString('en-US')} strings read)`;
    if (this.state === S.Collect || this.state === S.Skip || this.state === S.ValueStart) return `"${this.section}"`;
    return `the top-level object (after ${this.keyList() || 'no section'})`;
  }

  private keyList(): string {
    return this.seenKeys.map((k) => `"${k}"`).join(', ');
  }

  private notSnapshot(c: number, at: number, why: string): HeapSnapshotError {
    return new HeapSnapshotError(`${this.path}: not a heap snapshot (${why}, found ${describeByte(c)} at byte ${at})`);
  }

  private malformed(c: number, at: number, why: string): HeapSnapshotError {
    return new HeapSnapshotError(`${this.path}: malformed heap snapshot at byte ${at}: ${why}, found ${describeByte(c)}`);
  }

  private badValue(what: string, value: number, at: number): HeapSnapshotError {
    return new HeapSnapshotError(`${this.path}: malformed heap snapshot at byte ${at}: ${what} ${value} is out of range`);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function describeByte(c: number): string {
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
