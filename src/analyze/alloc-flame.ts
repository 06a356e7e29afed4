import { siteKeys, siteLabel } from './alloc-frames.js';
import { mergeAllocTrees, type AllocTree, type AllocView } from './alloc-tree.js';
import type { RunAllocSites } from './alloc-run.js';

/**
 * The flame graph's data, pure: an allocation tree as frames with their totals (self plus
 * every frame below), children heaviest first, and frames too small to see merged into one
 * "(other)" box per parent, so a page stays small whatever the profile. And the
 * differential: the same frames with the base side's totals, matched by their stack of
 * site keys (the keys `memkit diff` pairs sites by, so a moved line is the same frame).
 */

/** Frames below this share of the view's total are merged into their parent's "(other)" box. */
export const FLAME_CUT_SHARE = 0.001;

/** How a side's values are put on one scale: per step, per second, or per run as sampled. */
export type FlameMeasure = 'per_op' | 'per_s' | 'raw';

export interface FlameFrame {
  /** Index of the parent frame in `frames` (-1 for the root). Parents come before children. */
  parent: number;
  /** `fn (file:line)`; '(all)' for the root, '(other)' for merged frames. */
  label: string;
  /** The site key (`fn@file`); '' for the root and "(other)". */
  key: string;
  totalBytes: number;
  selfBytes: number;
  totalObjects: number;
  /** For "(other)": how many frames it stands for. */
  merged?: number;
}

export interface FlameGraph {
  view: AllocView;
  measure: FlameMeasure;
  /** The view's total: the root's totalBytes. */
  totalBytes: number;
  cutShare: number;
  /** Frames of the tree merged into "(other)" boxes. */
  mergedFrames: number;
  frames: FlameFrame[];
}

/** A side's profile on one scale: each run's tree divided by its steps or seconds, then the mean over runs. */
export interface FlameSide {
  tree: AllocTree;
  measure: FlameMeasure;
  runs: number;
}

/**
 * The scale two sides are compared on, as `memkit diff` decides their sites
 * (alloc-site-metrics.ts): per step where both sides have steps; per run where both are a
 * fixed amount of work (commands that ended on their own: the diff's `.bytes`); else per
 * second; else per run as sampled.
 */
export function flameMeasure(sides: ReadonlyArray<readonly RunAllocSites[]>, opts: { fixedWork?: readonly boolean[] } = {}): FlameMeasure {
  if (sides.every((runs) => runs.length > 0 && runs.every((r) => r.steps > 0))) return 'per_op';
  if (opts.fixedWork && sides.every((_, i) => opts.fixedWork![i])) return 'raw';
  if (sides.every((runs) => runs.length > 0 && runs.every((r) => r.seconds > 0))) return 'per_s';
  return 'raw';
}

export function flameSide(runs: readonly RunAllocSites[], measure: FlameMeasure): FlameSide | undefined {
  if (runs.length === 0) return undefined;
  const scaled = runs.map((r) => {
    const per = measure === 'per_op' ? r.steps : measure === 'per_s' ? r.seconds : 1;
    return scaleTree(r.tree, 1 / (per * runs.length));
  });
  return { tree: mergeAllocTrees(scaled), measure, runs: runs.length };
}

function scaleTree(t: AllocTree, k: number): AllocTree {
  if (k === 1) return t;
  const s = (a: Float64Array) => a.map((v) => v * k);
  return { ...t, allocBytes: s(t.allocBytes), allocObjects: s(t.allocObjects), inuseBytes: s(t.inuseBytes), inuseObjects: s(t.inuseObjects) };
}

/** Each node's total (itself and everything below it), bytes and objects of one view. */
function subtreeTotals(t: AllocTree, view: AllocView): { bytes: Float64Array; objects: Float64Array } {
  const bytes = Float64Array.from(view === 'allocated' ? t.allocBytes : t.inuseBytes);
  const objects = Float64Array.from(view === 'allocated' ? t.allocObjects : t.inuseObjects);
  // Parents come before children: one backward pass adds every node into its parent.
  for (let n = t.parent.length - 1; n > 0; n--) {
    const p = t.parent[n]!;
    bytes[p]! += bytes[n]!;
    objects[p]! += objects[n]!;
  }
  return { bytes, objects };
}

function childrenOf(t: AllocTree): number[][] {
  const out: number[][] = Array.from({ length: t.parent.length }, () => []);
  for (let n = 1; n < t.parent.length; n++) out[t.parent[n]!]!.push(n);
  return out;
}

/**
 * The flame graph of one measured view (undefined when the view was not measured: it is
 * "not measured", never a graph of zeros). Frames whose total is below `cutShare` of the
 * view's total are merged into one "(other)" child of their parent.
 */
export function flameGraphOf(t: AllocTree, view: AllocView, opts: { measure?: FlameMeasure; cutShare?: number } = {}): FlameGraph | undefined {
  if (!t.views.includes(view)) return undefined;
  const cutShare = opts.cutShare ?? FLAME_CUT_SHARE;
  const { bytes, objects } = subtreeTotals(t, view);
  const selfBytes = view === 'allocated' ? t.allocBytes : t.inuseBytes;
  const keys = siteKeys(t.frames);
  const children = childrenOf(t);
  const cut = bytes[0]! * cutShare;
  const frames: FlameFrame[] = [];
  let mergedFrames = 0;
  const visit = (node: number, parent: number): void => {
    const at = frames.length;
    const f = t.frame[node]!;
    frames.push({
      parent,
      label: node === 0 ? '(all)' : siteLabel(t.frames[f]!),
      key: node === 0 ? '' : keys[f]!,
      totalBytes: bytes[node]!,
      selfBytes: selfBytes[node]!,
      totalObjects: objects[node]!,
    });
    const kids = children[node]!.filter((c) => bytes[c]! > 0).sort((a, b) => bytes[b]! - bytes[a]!);
    const small = kids.filter((c) => bytes[c]! < cut);
    for (const c of kids) if (bytes[c]! >= cut) visit(c, at);
    if (small.length > 0) {
      const other: FlameFrame = { parent: at, label: '(other)', key: '', totalBytes: 0, selfBytes: 0, totalObjects: 0, merged: 0 };
      for (const c of small) {
        other.totalBytes += bytes[c]!;
        other.totalObjects += objects[c]!;
        other.merged! += countBelow(children, c, bytes);
      }
      other.selfBytes = other.totalBytes;
      mergedFrames += other.merged!;
      frames.push(other);
    }
  };
  visit(0, -1);
  return { view, measure: opts.measure ?? 'raw', totalBytes: bytes[0]!, cutShare, mergedFrames, frames };
}

function countBelow(children: number[][], node: number, bytes: Float64Array): number {
  let n = 1;
  for (const c of children[node]!) if (bytes[c]! > 0) n += countBelow(children, c, bytes);
  return n;
}

/** A frame's stack as site keys, root excluded: how a frame of one side is found on the other. */
function keyPaths(g: FlameGraph): string[] {
  const out: string[] = [];
  for (const f of g.frames) out.push(f.parent < 0 ? '' : `${out[f.parent]}\u0000${f.key || f.label}`);
  return out;
}

/** Per stack of site keys: the tree's total bytes there (nodes that map to one stack added). */
function totalsByKeyPath(t: AllocTree, view: AllocView): Map<string, { bytes: number; labels: string[] }> {
  const { bytes } = subtreeTotals(t, view);
  const keys = siteKeys(t.frames);
  const path: string[] = [''];
  const labels: string[][] = [[]];
  const out = new Map<string, { bytes: number; labels: string[] }>();
  for (let n = 1; n < t.parent.length; n++) {
    const p = t.parent[n]!;
    const f = t.frame[n]!;
    path[n] = `${path[p]}\u0000${keys[f]}`;
    labels[n] = [...labels[p]!, siteLabel(t.frames[f]!)];
    const e = out.get(path[n]!);
    if (e) e.bytes += bytes[n]!;
    else out.set(path[n]!, { bytes: bytes[n]!, labels: labels[n]! });
  }
  return out;
}

export interface FlameDiffFrame {
  /** The base side's total at the same stack of sites (0: new since base); absent for "(other)" boxes, which match nothing. */
  baseBytes?: number;
  /** (current - base) / base; null where the base is 0. */
  relative?: number | null;
}

export interface FlameDiff {
  current: FlameGraph;
  /** Per frame of `current`, in order. */
  frames: FlameDiffFrame[];
  baseTotalBytes: number;
  /** Stacks the base had above the cut whose frame the current side does not have at all, heaviest first. */
  gone: Array<{ stack: string[]; baseBytes: number }>;
}

/** The current side's allocated view, each frame with the base's total at the same stack. */
export function flameDiffOf(current: FlameSide, base: FlameSide, opts: { view?: AllocView; cutShare?: number; maxGone?: number } = {}): FlameDiff | undefined {
  const view = opts.view ?? 'allocated';
  const g = flameGraphOf(current.tree, view, { measure: current.measure, cutShare: opts.cutShare });
  if (!g || !base.tree.views.includes(view)) return undefined;
  const baseTotals = totalsByKeyPath(base.tree, view);
  const currentPaths = new Set(totalsByKeyPath(current.tree, view).keys());
  const frames = keyPaths(g).map((path, i): FlameDiffFrame => {
    const f = g.frames[i]!;
    if (f.merged !== undefined) return {};
    const b = i === 0 ? sumRoot(base.tree, view) : (baseTotals.get(path)?.bytes ?? 0);
    return { baseBytes: b, relative: b > 0 ? (f.totalBytes - b) / b : null };
  });
  const baseTotalBytes = sumRoot(base.tree, view);
  const cut = baseTotalBytes * (opts.cutShare ?? FLAME_CUT_SHARE);
  const gone = [...baseTotals.entries()]
    .filter(([path, e]) => e.bytes >= cut && !currentPaths.has(path) && (parentPath(path) === '' || currentPaths.has(parentPath(path))))
    .map(([, e]) => ({ stack: e.labels, baseBytes: e.bytes }))
    .sort((a, b) => b.baseBytes - a.baseBytes)
    .slice(0, opts.maxGone ?? 20);
  return { current: g, frames, baseTotalBytes, gone };
}

/** Only the topmost frame of a gone subtree is listed: its parent is still there (or it is at the top). */
function parentPath(path: string): string {
  return path.slice(0, path.lastIndexOf('\u0000'));
}

function sumRoot(t: AllocTree, view: AllocView): number {
  let s = 0;
  for (const v of view === 'allocated' ? t.allocBytes : t.inuseBytes) s += v;
  return s;
}
