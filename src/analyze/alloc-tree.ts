import { frameRefOf, type FrameRef, type RawFrame } from './alloc-frames.js';

/**
 * The stack tree of sampled allocations: one node per distinct stack (root first), each
 * with the bytes and objects sampled with that node as the innermost frame ("self"). Flat
 * typed arrays, node 0 the root, parents before children: what the site table, the
 * folded stacks, pprof and the flame graph all read.
 *
 * Two views, each measured or not (never shown as zero when not measured):
 * - allocated: everything sampled in the window, collected or not (what drives GC);
 * - in use: what was still alive when the profile was read (what leaks).
 */

export type AllocView = 'allocated' | 'inuse';

export interface AllocTree {
  frames: FrameRef[];
  /** Per node: its parent (-1 for the root) and its frame (-1 for the root). */
  parent: Int32Array;
  frame: Int32Array;
  allocBytes: Float64Array;
  allocObjects: Float64Array;
  inuseBytes: Float64Array;
  inuseObjects: Float64Array;
  views: AllocView[];
  /** The sampling interval: one sample per this many bytes on average. */
  intervalBytes: number;
}

/**
 * V8's SamplingHeapProfile, as `HeapProfiler.getSamplingProfile` returns it and
 * `node --heap-prof` writes it: a tree of call frames with `selfSize` (bytes, already scaled
 * from the samples to an estimate of all allocations), and the samples themselves.
 */
export interface V8SamplingProfile {
  head: V8ProfileNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
}

export interface V8ProfileNode {
  callFrame: RawFrame & { scriptId?: string | number };
  selfSize: number;
  id: number;
  children: V8ProfileNode[];
}

/**
 * The tree of one V8 profile, as one view. Nodes with the same stack of frames (same name,
 * file and position) are one node, whatever V8's ids. Objects are estimated the way V8
 * scales bytes: a sampled object of `size` bytes at interval I stands for
 * count = 1 / (1 - exp(-size / I)) allocations of that size. The profile's samples carry
 * size x count (the inspector multiplies them), so the object's size is recovered by
 * inverting that, and the sample adds `count` objects.
 */
export function allocTreeFromV8Profile(profile: V8SamplingProfile, view: AllocView, opts: { cwd: string; intervalBytes: number }): AllocTree {
  const frames: FrameRef[] = [];
  const frameIndex = new Map<string, number>();
  const parent: number[] = [-1];
  const frame: number[] = [-1];
  const bytes: number[] = [0];
  const objects: number[] = [0];
  const childIndex = new Map<string, number>(); // `${parent}:${frame}` -> node
  const nodeOfV8Id = new Map<number, number>();

  const frameOf = (raw: RawFrame): number => {
    const ref = frameRefOf(raw, opts.cwd);
    const key = `${ref.name}\u0000${ref.file}\u0000${ref.line}\u0000${ref.col}`;
    let i = frameIndex.get(key);
    if (i === undefined) {
      i = frames.length;
      frames.push(ref);
      frameIndex.set(key, i);
    }
    return i;
  };

  // Iterative walk: deep recursion in a user's program must not overflow ours.
  const stack: Array<{ v8: V8ProfileNode; at: number }> = [];
  nodeOfV8Id.set(profile.head.id, 0);
  bytes[0] = profile.head.selfSize;
  for (const c of profile.head.children) stack.push({ v8: c, at: 0 });
  while (stack.length > 0) {
    const { v8, at } = stack.pop()!;
    const f = frameOf(v8.callFrame);
    const key = `${at}:${f}`;
    let node = childIndex.get(key);
    if (node === undefined) {
      node = parent.length;
      parent.push(at);
      frame.push(f);
      bytes.push(0);
      objects.push(0);
      childIndex.set(key, node);
    }
    bytes[node]! += v8.selfSize;
    nodeOfV8Id.set(v8.id, node);
    for (const c of v8.children) stack.push({ v8: c, at: node });
  }
  for (const s of profile.samples ?? []) {
    const node = nodeOfV8Id.get(s.nodeId);
    if (node !== undefined) objects[node]! += s.size / objectSizeOfSample(s.size, opts.intervalBytes);
  }

  const n = parent.length;
  const zeros = () => new Float64Array(n);
  return {
    frames,
    parent: Int32Array.from(parent),
    frame: Int32Array.from(frame),
    allocBytes: view === 'allocated' ? Float64Array.from(bytes) : zeros(),
    allocObjects: view === 'allocated' ? Float64Array.from(objects) : zeros(),
    inuseBytes: view === 'inuse' ? Float64Array.from(bytes) : zeros(),
    inuseObjects: view === 'inuse' ? Float64Array.from(objects) : zeros(),
    views: [view],
    intervalBytes: opts.intervalBytes,
  };
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

export interface AllocTotals {
  allocBytes: number;
  allocObjects: number;
  inuseBytes: number;
  inuseObjects: number;
}

export function totalsOf(t: AllocTree): AllocTotals {
  return { allocBytes: sum(t.allocBytes), allocObjects: sum(t.allocObjects), inuseBytes: sum(t.inuseBytes), inuseObjects: sum(t.inuseObjects) };
}

/** Frames of a node's stack, root first (the root itself excluded). */
export function stackOf(t: AllocTree, node: number): number[] {
  const out: number[] = [];
  for (let m = node; m > 0; m = t.parent[m]!) out.push(t.frame[m]!);
  return out.reverse();
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}
