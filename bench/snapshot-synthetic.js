// Writes a synthetic .heapsnapshot with more nodes than a JS Set or Map can hold
// (16.7 M; 24 M nodes ≈ 0.9 GB of text), streamed in chunks, whose every figure is known:
// a complete binary tree of N objects under the global (shortcut from the root), ten
// classes in turn, self size 16 + 8·(i mod 7), two edges per inner node (.l, .r).
// Usage: node snapshot-synthetic.js OUT N   → prints the expected figures as JSON.
import { closeSync, openSync, writeSync } from 'node:fs';

const [out, nArg] = process.argv.slice(2);
const N = Number(nArg);
const FIELDS = 7;
const strings = ['', '(GC roots)', 'global', 'l', 'r', ...Array.from({ length: 10 }, (_, k) => `Synthetic${k}`)];
const fd = openSync(out, 'w');
let buf = '';
const flush = (force) => {
  if (buf.length > (force ? 0 : 1 << 22)) {
    writeSync(fd, buf);
    buf = '';
  }
};
// Nodes: 0 = synthetic root, 1..N = tree node t (1-based heap order), N+1 = (GC roots).
const total = N + 2;
const edgesOf = (t) => (2 * t <= N ? 1 : 0) + (2 * t + 1 <= N ? 1 : 0);
let edgeCount = 2; // root → tree top (shortcut), root → (GC roots) (element)
for (let t = 1; t <= N; t++) edgeCount += edgesOf(t);
const meta = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'], 'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
};
buf += `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${total},"edge_count":${edgeCount}},\n"nodes":[9,0,1,0,2,0,0`;
const expected = { nodes: total, edges: edgeCount, classes: {}, totalSelfBytes: 0 };
for (let t = 1; t <= N; t++) {
  const cls = t % 10;
  const self = 16 + 8 * (t % 7);
  buf += `\n,3,${5 + cls},${2 * t + 1},${self},${edgesOf(t)},0,0`;
  const c = (expected.classes[`Synthetic${cls}`] ??= { count: 0, selfBytes: 0 });
  c.count++;
  c.selfBytes += self;
  expected.totalSelfBytes += self;
  flush(false);
}
buf += `\n,9,1,${2 * total + 1},0,0,0,0],\n"edges":[5,2,${1 * FIELDS},1,1,${(N + 1) * FIELDS}`;
for (let t = 1; t <= N; t++) {
  if (2 * t <= N) buf += `\n,2,3,${2 * t * FIELDS}`;
  if (2 * t + 1 <= N) buf += `\n,2,4,${(2 * t + 1) * FIELDS}`;
  flush(false);
}
buf += `],\n"trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],\n"strings":${JSON.stringify(strings)}}\n`;
flush(true);
closeSync(fd);
process.stdout.write(JSON.stringify(expected) + '\n');
