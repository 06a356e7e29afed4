import { encodeV8Profile, type AllocProfileRecord, type AllocView, type V8SamplingProfile } from '../samples/alloc-profile.js';
import { frameRefOf, type FrameRef } from './alloc-frames.js';
import { NO_ORIGINAL_POSITIONS, type OriginalPositions } from './alloc-source-map.js';

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
 * Builds a tree by adding stacks: frames interned by name, file and position, nodes by
 * (parent, frame), values summed. One builder for a record and for a merge of trees.
 */
class TreeBuilder {
  readonly frames: FrameRef[] = [];
  private readonly frameIndex = new Map<string, number>();
  readonly parent: number[] = [-1];
  readonly frame: number[] = [-1];
  readonly values = { allocBytes: [0], allocObjects: [0], inuseBytes: [0], inuseObjects: [0] };
  private readonly childIndex = new Map<string, number>();

  internFrame(ref: FrameRef): number {
    const key = `${ref.name}\u0000${ref.file}\u0000${ref.line}\u0000${ref.col}\u0000${ref.unnamedScript ? '?' : ''}`;
    let f = this.frameIndex.get(key);
    if (f === undefined) {
      f = this.frames.length;
      this.frames.push(ref);
      this.frameIndex.set(key, f);
    }
    return f;
  }

  child(at: number, f: number): number {
    const key = `${at}:${f}`;
    let node = this.childIndex.get(key);
    if (node === undefined) {
      node = this.parent.length;
      this.parent.push(at);
      this.frame.push(f);
      for (const v of Object.values(this.values)) v.push(0);
      this.childIndex.set(key, node);
    }
    return node;
  }

  build(views: AllocView[], intervalBytes: number): AllocTree {
    return {
      frames: this.frames,
      parent: Int32Array.from(this.parent),
      frame: Int32Array.from(this.frame),
      allocBytes: Float64Array.from(this.values.allocBytes),
      allocObjects: Float64Array.from(this.values.allocObjects),
      inuseBytes: Float64Array.from(this.values.inuseBytes),
      inuseObjects: Float64Array.from(this.values.inuseObjects),
      views,
      intervalBytes,
    };
  }
}

/**
 * The tree of one profile record, as its view. Frames are made portable with the run's
 * working directory (and, where the run's source-map record has them, moved to their
 * original file and line), and nodes whose stacks are then the same frames (V8 may split one
 * function by script id, and different paths may normalise alike) are one node.
 */
export function allocTreeOf(record: AllocProfileRecord, cwd: string, original: OriginalPositions = NO_ORIGINAL_POSITIONS): AllocTree {
  const t = new TreeBuilder();
  const frameOfRecord = record.frames.name.map((nameIndex, i) => {
    const url = record.strings[record.frames.url[i]!]!;
    const lineNumber = record.frames.line[i]!;
    const columnNumber = record.frames.col[i]!;
    const raw = { functionName: record.strings[nameIndex]!, url, lineNumber, columnNumber, scriptId: record.frames.script?.[i] ?? 0 };
    return t.internFrame(frameRefOf(raw, cwd, original.of(url, lineNumber, columnNumber)));
  });
  const [bytes, objects] = record.view === 'allocated' ? [t.values.allocBytes, t.values.allocObjects] : [t.values.inuseBytes, t.values.inuseObjects];
  bytes[0] = record.nodes.bytes[0] ?? 0;
  objects[0] = record.nodes.objects[0] ?? 0;
  const nodeOf = new Int32Array(record.nodes.parent.length); // the record's node -> the tree's
  for (let i = 1; i < record.nodes.parent.length; i++) {
    const node = t.child(nodeOf[record.nodes.parent[i]!]!, frameOfRecord[record.nodes.frame[i]!]!);
    nodeOf[i] = node;
    bytes[node]! += record.nodes.bytes[i]!;
    objects[node]! += record.nodes.objects[i]!;
  }
  return t.build([record.view], record.intervalBytes);
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
 * Several trees as one (the isolates of a command's selection; a run's reads): frames
 * matched by name, file and position, nodes by their stack. Views: those every part
 * measured (a view some part did not measure would be partial, so it is not claimed),
 * unless the caller, who knows which parts make up each view, says.
 */
export function mergeAllocTrees(parts: readonly AllocTree[], views?: readonly AllocView[]): AllocTree {
  if (parts.length === 1 && views === undefined) return parts[0]!;
  const t = new TreeBuilder();
  for (const part of parts) {
    const frameOf = part.frames.map((ref) => t.internFrame(ref));
    const nodeOf = new Int32Array(part.parent.length);
    for (let i = 0; i < part.parent.length; i++) {
      const node = i === 0 ? 0 : t.child(nodeOf[part.parent[i]!]!, frameOf[part.frame[i]!]!);
      nodeOf[i] = node;
      t.values.allocBytes[node]! += part.allocBytes[i]!;
      t.values.allocObjects[node]! += part.allocObjects[i]!;
      t.values.inuseBytes[node]! += part.inuseBytes[i]!;
      t.values.inuseObjects[node]! += part.inuseObjects[i]!;
    }
  }
  const measured = views ?? (['allocated', 'inuse'] as const).filter((v) => parts.every((p) => p.views.includes(v)));
  return t.build([...measured], parts[0]?.intervalBytes ?? 0);
}
