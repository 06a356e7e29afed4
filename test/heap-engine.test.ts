import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSnapshot, dominatorFixture, type SynthNode } from './fixtures/heap/synthetic-snapshot.js';
import { parseHeapSnapshotFile } from '../src/heap/parse-snapshot.js';
import { loadHeapGraph } from '../src/heap/load-snapshot.js';
import { computeDominators } from '../src/heap/dominators.js';
import { summarizeHeap } from '../src/heap/summary.js';
import { compareHeaps } from '../src/heap/compare.js';
import { HeapSnapshotError } from '../src/heap/snapshot-error.js';

/** The engine on hand-built snapshots whose every figure is known. */
const dir = mkdtempSync(join(tmpdir(), 'memkit-heap-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const write = (text: string): string => {
  const file = join(dir, `s${seq++}.heapsnapshot`);
  writeFileSync(file, text);
  return file;
};

const tricky: SynthNode[] = [
  { type: 'synthetic', name: '', id: 1, self: 0, edges: [{ type: 'shortcut', name: 'global', to: 1 }] },
  { type: 'object', name: 'Quote"And\\Slash', id: 3, self: 4_294_967_296 * 2, edges: [
    { type: 'property', name: 'ünïcode 漢字', to: 2 },
    { type: 'element', name: 4_000_000_000, to: 2 },
  ] },
  { type: 'string', name: 'line\nbreak\t\u0001 é', id: 4_294_967_295, self: 24 },
];

describe('streaming parser', () => {
  it('reads every field, in any chunking, with escaped and non-ASCII strings', async () => {
    const file = write(buildSnapshot(tricky));
    for (const chunkBytes of [1, 2, 3, 7, 64, 1 << 20]) {
      const p = await parseHeapSnapshotFile(file, { chunkBytes });
      expect(p.nodeCount).toBe(3);
      expect(p.edgeCount).toBe(3);
      expect([...p.nodeId]).toEqual([1, 3, 4_294_967_295]);
      expect([...p.nodeSelfSize]).toEqual([0, 4_294_967_296 * 2, 24]); // > 32 bits survives
      expect([...p.firstEdge]).toEqual([0, 1, 3, 3]);
      expect([...p.edgeToNode]).toEqual([1, 2, 2]);
      expect(p.edgeNameOrIndex[2]).toBe(4_000_000_000);
      expect(p.strings.get(p.nodeName[1]!)).toBe('Quote"And\\Slash');
      expect(p.strings.get(p.nodeName[2]!)).toBe('line\nbreak\t\u0001 é');
      expect(p.strings.get(p.edgeNameOrIndex[1]!)).toBe('ünïcode 漢字');
      p.strings.close();
    }
  });

  it('takes the field layout from snapshot.meta: reordered, extra and missing optional fields, no counts', async () => {
    const layouts = [
      { nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count'] },
      { nodeFields: ['edge_count', 'extra', 'self_size', 'id', 'name', 'type', 'trace_node_id'], edgeFields: ['to_node', 'type', 'extra', 'name_or_index'] },
      { omitCounts: true, spaced: true },
    ];
    for (const layout of layouts) {
      const g = await loadHeapGraph(write(buildSnapshot(dominatorFixture(), layout)));
      expect(g.nodeCount).toBe(10);
      expect(g.edgeCount).toBe(14);
      expect([...g.nodeSelfSize]).toEqual([0, 0, 10, 100, 200, 300, 400, 500, 50, 60]);
      expect(g.className(5)).toBe('Link');
      expect(g.edgeName(g.firstEdge[3]!)).toBe('c');
      expect(g.edgeToNode[g.firstEdge[6]! + 1]).toBe(3);
      g.close();
    }
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an empty file', '', /empty file, not a heap snapshot/],
    ['garbage bytes', '\u0000\u0001garbage', /not a heap snapshot \(expected a JSON object/],
    ['a JSON object that is no snapshot', '{"schema":"memkit.baseline/1","metrics":{}}', /not a heap snapshot \(a JSON object without a "snapshot" section; it has "schema", "metrics"\)/],
    ['a JSON array', '[1,2,3]', /not a heap snapshot/],
    ['a snapshot without meta', '{"snapshot":{"node_count":1},"nodes":[]}', /no "snapshot.meta"/],
    ['a float in nodes', buildSnapshot(dominatorFixture()).replace('"nodes":[9', '"nodes":[9.5'), /expected a whole number in "nodes", found '\.'/],
    ['an edge to nowhere', buildSnapshot(dominatorFixture()).replace(/"edges":\[1,1,7/, '"edges":[1,1,9999'), /edge 0 points at 9999, not the start of a node|points past the last node/],
    ['fewer nodes than declared', buildSnapshot(dominatorFixture()).replace('"node_count":10', '"node_count":11'), /"nodes" has 10 records, snapshot.node_count says 11/],
  ];
  it.each(bad)('rejects %s with one clear message', async (_what, text, message) => {
    const err = await parseHeapSnapshotFile(write(text)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeapSnapshotError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('says where a truncated file ends, at every cut point', async () => {
    const text = buildSnapshot(dominatorFixture());
    for (let cut = 1; cut < text.length - 1; cut += 5) {
      const err = await parseHeapSnapshotFile(write(text.slice(0, cut))).catch((e: unknown) => e);
      expect(err, `cut at ${cut}`).toBeInstanceOf(HeapSnapshotError);
      expect((err as Error).message).toMatch(/truncated heap snapshot: the file ends at byte \d+ inside|not a heap snapshot|cut short/);
    }
  });
});

describe('dominators and retained sizes', () => {
  it('match the known dominator tree under DevTools rules (weak, shortcut, page-owned, orphan)', async () => {
    const g = await loadHeapGraph(write(buildSnapshot(dominatorFixture())));
    const d = computeDominators(g, 'devtools');
    //          root (GC roots) global  A  B  C  D  E  W  H
    expect([...d.idom]).toEqual([0, 0, 0, 2, 2, 2, 5, 6, 0, 3]);
    expect([...d.retainedSize]).toEqual([1620, 0, 1570, 160, 200, 1200, 900, 500, 50, 60]);
    g.close();
  });

  it("under memlab's rule the GC roots' edge into the page counts", async () => {
    const g = await loadHeapGraph(write(buildSnapshot(dominatorFixture())));
    const d = computeDominators(g, 'memlab');
    // Page-owned is now what (GC roots) reaches: H; A (not owned) → H no longer counts,
    // and W → E does (neither is owned), so E hangs off the root.
    expect(d.idom[9]).toBe(1);
    expect(d.idom[7]).toBe(0);
    expect(d.retainedSize[3]).toBe(100);
    expect(d.retainedSize[2]).toBe(1010);
    g.close();
  });

  it('summarizes per class like DevTools: nested instances of a class count once', async () => {
    const g = await loadHeapGraph(write(buildSnapshot(dominatorFixture())));
    const s = summarizeHeap(g, computeDominators(g, 'devtools'), { topObjects: 3, dominatorRule: 'devtools' });
    const link = s.classes.find((c) => c.className === 'Link')!;
    // C dominates D: the class retains C's 1200 once, not C's + D's 2100.
    expect(link).toEqual({ className: 'Link', count: 2, selfBytes: 700, retainedBytes: 1200 });
    expect(s.classes.find((c) => c.className === '(synthetic)')).toBeUndefined(); // zero-size nodes are not rows
    expect(s.totalSelfBytes).toBe(1620);
    expect(s.top.map((o) => o.id)).toEqual([5, 11, 13]);
    g.close();
  });
});

describe('compare', () => {
  it('matches objects by id within their class', async () => {
    const before = dominatorFixture();
    const after = dominatorFixture();
    after[7] = { type: 'object', name: 'E', id: 99, self: 700 }; // E replaced by a new E
    after[9] = { type: 'object', name: 'A', id: 19, self: 60 }; // same id, other class
    const a = await loadHeapGraph(write(buildSnapshot(before)));
    const b = await loadHeapGraph(write(buildSnapshot(after)));
    const c = compareHeaps(a, b);
    const row = (name: string) => c.rows.find((r) => r.className === name);
    expect(row('E')).toEqual({ className: 'E', newCount: 1, deletedCount: 1, deltaCount: 0, allocBytes: 700, freedBytes: 500, deltaBytes: 200 });
    expect(row('H')).toMatchObject({ newCount: 0, deletedCount: 1, freedBytes: 60, deltaBytes: -60 });
    expect(row('A')).toMatchObject({ newCount: 1, deletedCount: 0, allocBytes: 60 });
    expect(row('Link')).toBeUndefined();
    expect(c.rows[0]!.className).toBe('E'); // largest size delta first
    expect(c.totals.deltaBytes).toBe(200);
    a.close();
    b.close();
  });
});
