import { encodeV8Profile, type AllocProfileRecord, type AllocView, type V8SamplingProfile } from '../samples/alloc-profile.js';
import { frameRefOf, type FrameRef } from './alloc-frames.js';

export type { AllocView, V8SamplingProfile } from '../samples/alloc-profile.js';

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
 * The tree of one profile record, as its view. Frames are made portable with the run's
 * working directory, and nodes whose stacks are then the same frames (V8 may split one
 * function by script id, and different paths may normalise alike) are one node.
 */
export function allocTreeOf(record: AllocProfileRecord, cwd: string): AllocTree {
  const frames: FrameRef[] = [];
  const frameIndex = new Map<string, number>();
  const frameOfRecord = record.frames.name.map((nameIndex, i) => {
    const ref = frameRefOf(
      {
        functionName: record.strings[nameIndex]!,
        url: record.strings[record.frames.url[i]!]!,
        lineNumber: record.frames.line[i]!,
        columnNumber: record.frames.col[i]!,
        scriptId: record.frames.script?.[i] ?? 0,
      },
      cwd,
    );
    const key = `${ref.name}\u0000${ref.file}\u0000${ref.line}\u0000${ref.col}\u0000${ref.unnamedScript ? '?' : ''}`;
    let f = frameIndex.get(key);
    if (f === undefined) {
      f = frames.length;
      frames.push(ref);
      frameIndex.set(key, f);
    }
    return f;
  });
  const parent: number[] = [-1];
  const frame: number[] = [-1];
  const bytes: number[] = [record.nodes.bytes[0] ?? 0];
  const objects: number[] = [record.nodes.objects[0] ?? 0];
  const childIndex = new Map<string, number>(); // `${parent}:${frame}` -> node
  const nodeOf = new Int32Array(record.nodes.parent.length); // the record's node -> the tree's
  for (let i = 1; i < record.nodes.parent.length; i++) {
    const at = nodeOf[record.nodes.parent[i]!]!;
    const f = frameOfRecord[record.nodes.frame[i]!]!;
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
    nodeOf[i] = node;
    bytes[node]! += record.nodes.bytes[i]!;
    objects[node]! += record.nodes.objects[i]!;
  }
  const n = parent.length;
  const zeros = () => new Float64Array(n);
  const allocated = record.view === 'allocated';
  return {
    frames,
    parent: Int32Array.from(parent),
    frame: Int32Array.from(frame),
    allocBytes: allocated ? Float64Array.from(bytes) : zeros(),
    allocObjects: allocated ? Float64Array.from(objects) : zeros(),
    inuseBytes: allocated ? zeros() : Float64Array.from(bytes),
    inuseObjects: allocated ? zeros() : Float64Array.from(objects),
    views: [record.view],
    intervalBytes: record.intervalBytes,
  };
}

/** A V8 profile (node --heap-prof's file, the inspector's answer) as a tree of one view. */
export function allocTreeFromV8Profile(profile: V8SamplingProfile, view: AllocView, opts: { cwd: string; intervalBytes: number }): AllocTree {
  return allocTreeOf(encodeV8Profile(profile, { tMs: 0, seq: 0, why: 'end', steps: 0, source: 'inspector', view, intervalBytes: opts.intervalBytes }), opts.cwd);
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

/**
 * Several trees as one (the isolates of a command's selection; later, runs): frames
 * matched by name, file and position, nodes by their stack. Views: those every part
 * measured (a view some part did not measure would be partial, so it is not claimed).
 */
export function mergeAllocTrees(parts: readonly AllocTree[]): AllocTree {
  if (parts.length === 1) return parts[0]!;
  const frames: FrameRef[] = [];
  const frameIndex = new Map<string, number>();
  const parent: number[] = [-1];
  const frame: number[] = [-1];
  const values = { allocBytes: [0], allocObjects: [0], inuseBytes: [0], inuseObjects: [0] };
  const childIndex = new Map<string, number>();
  for (const t of parts) {
    const frameOf = t.frames.map((ref) => {
      const key = `${ref.name}\u0000${ref.file}\u0000${ref.line}\u0000${ref.col}\u0000${ref.unnamedScript ? '?' : ''}`;
      let f = frameIndex.get(key);
      if (f === undefined) {
        f = frames.length;
        frames.push(ref);
        frameIndex.set(key, f);
      }
      return f;
    });
    const nodeOf = new Int32Array(t.parent.length);
    for (let i = 0; i < t.parent.length; i++) {
      let node = 0;
      if (i > 0) {
        const at = nodeOf[t.parent[i]!]!;
        const f = frameOf[t.frame[i]!]!;
        const key = `${at}:${f}`;
        const known = childIndex.get(key);
        if (known === undefined) {
          node = parent.length;
          parent.push(at);
          frame.push(f);
          for (const v of Object.values(values)) v.push(0);
          childIndex.set(key, node);
        } else node = known;
      }
      nodeOf[i] = node;
      values.allocBytes[node]! += t.allocBytes[i]!;
      values.allocObjects[node]! += t.allocObjects[i]!;
      values.inuseBytes[node]! += t.inuseBytes[i]!;
      values.inuseObjects[node]! += t.inuseObjects[i]!;
    }
  }
  const views = (['allocated', 'inuse'] as const).filter((v) => parts.every((t) => t.views.includes(v)));
  return {
    frames,
    parent: Int32Array.from(parent),
    frame: Int32Array.from(frame),
    allocBytes: Float64Array.from(values.allocBytes),
    allocObjects: Float64Array.from(values.allocObjects),
    inuseBytes: Float64Array.from(values.inuseBytes),
    inuseObjects: Float64Array.from(values.inuseObjects),
    views: [...views],
    intervalBytes: parts[0]?.intervalBytes ?? 0,
  };
}
