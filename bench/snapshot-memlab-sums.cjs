// Child for bench/snapshot-engine.js: memlab's reading of a snapshot. Loads it with
// memlab's getFullHeapFromFile (which computes dominators and retained sizes), then
// sums per constructor the way DevTools' Summary does (count and self size over nodes
// with a self size or of type native; class retained size over instances not
// dominated by another instance of their class), from memlab's own node fields.
// Usage: node snapshot-memlab-sums.cjs MEMLAB_DIR SNAPSHOT OUT_JSON
const path = require('node:path');
const fs = require('node:fs');
const [memlabDir, file, out] = process.argv.slice(2);
const { getFullHeapFromFile } = require(path.resolve(memlabDir, 'node_modules', '@memlab', 'heap-analysis'));

const className = (type, name) =>
  type === 'hidden' ? '(system)' : type === 'object' || type === 'native' ? name : type === 'code' ? '(compiled code)' : `(${type})`;

(async () => {
  const heap = await getFullHeapFromFile(file);
  const n = heap.nodes.length;
  const cls = new Int32Array(n);
  const idom = new Int32Array(n);
  const self = new Float64Array(n);
  const retained = new Float64Array(n);
  const counted = new Uint8Array(n);
  const names = [];
  const byName = new Map();
  heap.nodes.forEach((node) => {
    const i = node.nodeIndex;
    const c = className(node.type, node.name);
    let k = byName.get(c);
    if (k === undefined) {
      k = names.length;
      names.push(c);
      byName.set(c, k);
    }
    cls[i] = k;
    self[i] = node.self_size;
    retained[i] = node.retainedSize;
    idom[i] = node.dominatorNode ? node.dominatorNode.nodeIndex : i;
    counted[i] = node.self_size > 0 || node.type === 'native' ? 1 : 0;
  });
  const count = new Float64Array(names.length);
  const selfSum = new Float64Array(names.length);
  for (let i = 0; i < n; i++) if (counted[i]) { count[cls[i]]++; selfSum[cls[i]] += self[i]; }
  // Dominator tree children, then one walk with a per-class "an ancestor was counted" flag.
  const start = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) if (idom[i] !== i) start[idom[i] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const kids = new Uint32Array(start[n]);
  const fill = start.slice(0, n);
  for (let i = 0; i < n; i++) if (idom[i] !== i) kids[fill[idom[i]]++] = i;
  const classRetained = new Float64Array(names.length);
  const seen = new Uint8Array(names.length);
  const stack = [0];
  while (stack.length) {
    const e = stack.pop();
    if (e < 0) { seen[~e] = 0; continue; }
    const c = cls[e];
    if (!seen[c] && self[e] > 0) {
      classRetained[c] += retained[e];
      if (start[e] !== start[e + 1]) { seen[c] = 1; stack.push(~c); }
    }
    for (let k = start[e]; k < start[e + 1]; k++) stack.push(kids[k]);
  }
  const classes = {};
  names.forEach((name, c) => {
    if (count[c] > 0) classes[name] = { count: count[c], self: selfSum[c], retained: classRetained[c] };
  });
  fs.writeFileSync(out, JSON.stringify({ nodeCount: n, classes }));
})().catch((err) => {
  process.stderr.write(`memlab failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
