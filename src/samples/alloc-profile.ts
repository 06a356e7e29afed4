/**
 * The wire and file form of a sampling heap profile (`--alloc-sites`): one record per read
 * of an agent's sampler and view, self-contained, flat and with one string table, so a
 * profile of thousands of stacks is one compact JSON line instead of V8's nested tree
 * with a url per node.
 *  - allocated: what was sampled since the agent's previous read (a run's allocated
 *    profile is the sum of its records);
 *  - in use: what was alive at the read (a snapshot: the latest one stands).
 *
 * Frames are as V8 gives them (script url, 0-based start line and column of the
 * function); the parent makes them portable (analyze/alloc-frames.ts) with the run's
 * working directory.
 */

export type AllocView = 'allocated' | 'inuse';

export interface AllocProfileRecord {
  type: 'alloc-profile';
  tMs: number;
  /** 0, 1, 2 … per agent. */
  seq: number;
  /** Why it was read: at the window's end, periodically (what a crash leaves), at a mem-stress checkpoint. */
  why: 'end' | 'periodic' | 'checkpoint';
  /** Scenario steps at this read (0 for a command). */
  steps: number;
  /**
   * Which sampler: memkit's gc-hooks addon (V8's sampler harvested at each GC: both views),
   * or node:inspector's HeapProfiler (the allocated view only), or Python's tracemalloc
   * (the in-use view only, exact; intervalBytes 1).
   */
  source: AllocSource;
  view: AllocView;
  intervalBytes: number;
  strings: string[];
  /** Per frame: indices into strings, V8's 0-based start line and column, and its script id (0: a builtin). */
  frames: { name: number[]; url: number[]; line: number[]; col: number[]; script: number[] };
  /** Per node (node 0 the root, parents before children): its parent (-1 for the root), its frame (-1 for the root), and its self values. */
  nodes: { parent: number[]; frame: number[]; bytes: number[]; objects: number[] };
  /** Bytes sampled in the agent's own code, left out of the nodes (the agent reading and encoding its profile). */
  ownBytes: number;
  /** gc-hooks: the sampler's time in GC prologues so far (harvests), and their number: its cost, measured. */
  harvestMs?: number;
  harvests?: number;
}

/**
 * gc-hooks and inspector: V8's sampling heap profiler (Node). tracemalloc: memkit's Python
 * agent (python/memkit_agent/alloc_sites.py): every live block traced, not sampled, the
 * in-use view only (CPython counts no allocation per stack once it is freed).
 */
export type AllocSource = 'gc-hooks' | 'inspector' | 'tracemalloc';

/**
 * The agent's own code, whose allocations a profile leaves out: url prefixes (its folders),
 * except the files that call the user's code in a hot loop. V8 inlines a small hot callee
 * into its caller and gives the callee's allocations to the caller's frame, so a scenario's
 * step inlined into memkit's step loop would otherwise be dropped as memkit's (seen: 178 of
 * 210 MB of a Map cache's allocation).
 */
export interface OwnCode {
  prefixes: readonly string[];
  except: readonly string[];
}

export const NO_OWN_CODE: OwnCode = { prefixes: [], except: [] };

export function isOwnUrl(own: OwnCode, url: string): boolean {
  return own.prefixes.some((p) => url.startsWith(p)) && !own.except.includes(url);
}

/** V8's SamplingHeapProfile, as `HeapProfiler.getSamplingProfile` returns it and `node --heap-prof` writes it. */
export interface V8SamplingProfile {
  head: V8ProfileNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
}

export interface V8ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId?: string | number };
  selfSize: number;
  id: number;
  children: V8ProfileNode[];
}

export type AllocProfileMeta = Pick<AllocProfileRecord, 'tMs' | 'seq' | 'why' | 'steps' | 'source' | 'view' | 'intervalBytes' | 'harvestMs' | 'harvests'>;

/**
 * V8's profile in the flat form. A node's bytes are V8's `selfSize` (already scaled from
 * the samples to an estimate of every allocation). Its objects are estimated the same way:
 * a sampled object of `size` bytes stands for count = 1 / (1 - exp(-size / interval))
 * allocations; the profile's samples carry size x count, so each sample's object size is
 * recovered by inverting that, and it adds `count`. Nodes whose function is in `ownCode`
 * (url prefixes: the agent's files) keep their children but not their own values.
 */
export function encodeV8Profile(profile: V8SamplingProfile, meta: AllocProfileMeta, ownCode: OwnCode = NO_OWN_CODE): AllocProfileRecord {
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const str = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };
  const frames = { name: [] as number[], url: [] as number[], line: [] as number[], col: [] as number[], script: [] as number[] };
  const frameIndex = new Map<string, number>();
  const frameOf = (cf: V8ProfileNode['callFrame']): number => {
    const key = `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}\u0000${cf.scriptId}`;
    let i = frameIndex.get(key);
    if (i === undefined) {
      i = frames.name.length;
      frames.name.push(str(cf.functionName));
      frames.url.push(str(cf.url));
      frames.line.push(cf.lineNumber);
      frames.col.push(cf.columnNumber);
      frames.script.push(Number(cf.scriptId) || 0);
      frameIndex.set(key, i);
    }
    return i;
  };
  const nodes = { parent: [-1], frame: [-1], bytes: [profile.head.selfSize], objects: [0] };
  const nodeOfId = new Map<number, number>([[profile.head.id, 0]]);
  let ownBytes = 0;
  // Iterative: a deep recursion in the user's program must not overflow ours. `own`: the
  // nearest frame of code (not Node's internals, not a builtin) above and at this node is
  // the agent's — its reads, its batches; the user's code under memkit's wrappers is not.
  const pending: Array<{ v8: V8ProfileNode; parent: number; own: boolean }> = profile.head.children.map((v8) => ({ v8, parent: 0, own: false }));
  while (pending.length > 0) {
    const { v8, parent, own: ownAbove } = pending.pop()!;
    const node = nodes.parent.length;
    const own = isCode(v8.callFrame) ? isOwnUrl(ownCode, v8.callFrame.url) : ownAbove;
    nodes.parent.push(parent);
    nodes.frame.push(frameOf(v8.callFrame));
    nodes.bytes.push(own ? 0 : v8.selfSize);
    nodes.objects.push(0);
    if (own) ownBytes += v8.selfSize;
    else nodeOfId.set(v8.id, node);
    for (const c of v8.children) pending.push({ v8: c, parent: node, own });
  }
  for (const s of profile.samples ?? []) {
    const node = nodeOfId.get(s.nodeId);
    if (node !== undefined) nodes.objects[node]! += s.size / objectSizeOfSample(s.size, meta.intervalBytes);
  }
  return { type: 'alloc-profile', ...meta, strings, frames, nodes, ownBytes };
}

/**
 * A frame of someone's code: a script that is not Node's own (`node:`), and not a builtin
 * (script 0, no url). A function whose script V8 could not name any more (url '', a real
 * script id) is the program's.
 */
function isCode(frame: V8ProfileNode['callFrame']): boolean {
  if (frame.url.startsWith('node:')) return false;
  if (frame.url === '') return frame.scriptId !== undefined && String(frame.scriptId) !== '0';
  return true;
}

/** V8's SamplingHeapProfiler::ScaleSample: how many allocations of this size one sample stands for. */
export function scaledCount(sizeBytes: number, intervalBytes: number): number {
  if (!(sizeBytes > 0) || !(intervalBytes > 0)) return 1;
  return 1 / (1 - Math.exp(-sizeBytes / intervalBytes));
}

/**
 * The object size s whose scaled sample s x scaledCount(s) is `scaledBytes`: that product
 * grows with s (from the interval at s -> 0), so bisection finds it. A value at or below
 * the interval cannot come from a scaled sample: taken as one object of that size.
 */
export function objectSizeOfSample(scaledBytes: number, intervalBytes: number): number {
  if (!(intervalBytes > 0) || !(scaledBytes > intervalBytes)) return scaledBytes;
  let lo = 0;
  let hi = scaledBytes;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mid * scaledCount(mid, intervalBytes) < scaledBytes) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The gc-hooks addon's sampler tables as an agent keeps them: append-only, node 0 the
 * root, parents before children (frames as in the record: string indices, 0-based start
 * line and column, script id). `own[node]`: the node's nearest code frame is the agent's.
 */
export interface SamplerTables {
  strings: string[];
  frames: AllocProfileRecord['frames'];
  parent: number[];
  frame: number[];
  own: boolean[];
}

/** Adds a node to the tables: its own-code flag follows the nearest code frame, as encodeV8Profile's does. */
export function addSamplerNode(t: SamplerTables, parent: number, frame: number, ownCode: OwnCode): void {
  const url = t.strings[t.frames.url[frame]!] ?? '';
  const callFrame = { functionName: '', url, lineNumber: 0, columnNumber: 0, scriptId: t.frames.script[frame] };
  t.parent.push(parent);
  t.frame.push(frame);
  t.own.push(isCode(callFrame) ? isOwnUrl(ownCode, url) : (t.own[parent] ?? false));
}

/**
 * One view's values over the tables as a record: only the nodes with values and their
 * ancestors, and the strings and frames they use. `values`: (node, bytes, objects) triples.
 */
export function encodeSamplerRead(t: SamplerTables, values: ArrayLike<number>, meta: AllocProfileMeta): AllocProfileRecord {
  const bytesOf = new Map<number, number>();
  const objectsOf = new Map<number, number>();
  let ownBytes = 0;
  for (let i = 0; i + 2 < values.length; i += 3) {
    const node = values[i]!;
    if (t.own[node]) {
      ownBytes += values[i + 1]!;
      continue;
    }
    bytesOf.set(node, (bytesOf.get(node) ?? 0) + values[i + 1]!);
    objectsOf.set(node, (objectsOf.get(node) ?? 0) + values[i + 2]!);
  }
  const wanted = new Set<number>([0]);
  for (const node of bytesOf.keys()) for (let m = node; m > 0 && !wanted.has(m); m = t.parent[m]!) wanted.add(m);
  // Ascending ids keep parents before children (the tables append a parent first).
  const order = [...wanted].sort((a, b) => a - b);
  const index = new Map(order.map((node, i) => [node, i]));
  const strings: string[] = [];
  const stringIndex = new Map<number, number>();
  const str = (i: number): number => {
    let j = stringIndex.get(i);
    if (j === undefined) {
      j = strings.length;
      strings.push(t.strings[i] ?? '');
      stringIndex.set(i, j);
    }
    return j;
  };
  const frames = { name: [] as number[], url: [] as number[], line: [] as number[], col: [] as number[], script: [] as number[] };
  const frameIndex = new Map<number, number>();
  const frameOf = (f: number): number => {
    let j = frameIndex.get(f);
    if (j === undefined) {
      j = frames.name.length;
      frames.name.push(str(t.frames.name[f]!));
      frames.url.push(str(t.frames.url[f]!));
      frames.line.push(t.frames.line[f]!);
      frames.col.push(t.frames.col[f]!);
      frames.script.push(t.frames.script[f]!);
      frameIndex.set(f, j);
    }
    return j;
  };
  const nodes = { parent: [] as number[], frame: [] as number[], bytes: [] as number[], objects: [] as number[] };
  for (const node of order) {
    nodes.parent.push(node === 0 ? -1 : index.get(t.parent[node]!)!);
    nodes.frame.push(node === 0 ? -1 : frameOf(t.frame[node]!));
    nodes.bytes.push(bytesOf.get(node) ?? 0);
    nodes.objects.push(objectsOf.get(node) ?? 0);
  }
  return { type: 'alloc-profile', ...meta, strings, frames, nodes, ownBytes };
}
