import { siteKeys, siteLabel, type FrameRef } from './alloc-frames.js';
import { stackOf, totalsOf, type AllocTree } from './alloc-tree.js';

/**
 * Allocation sites: per function, the bytes and objects sampled with it as the innermost
 * frame ("self", pprof's -flat), summed over every stack it appears in, with its share of
 * the window's sampled total and its heaviest stacks. Sorted by allocated bytes, then by
 * in-use bytes (a profile of one view sorts by that view).
 */

export interface AllocSite {
  key: string;
  label: string;
  frame: FrameRef;
  allocBytes: number;
  allocObjects: number;
  /** Of the tree's sampled allocated bytes (0 when the view was not measured). */
  allocShare: number;
  inuseBytes: number;
  inuseObjects: number;
  inuseShare: number;
  /** The heaviest stacks ending in it (by the bytes of the view it is sorted by), root first, as labels. */
  topStacks: Array<{ frames: string[]; bytes: number }>;
}

const TOP_STACKS = 3;

export function allocSites(t: AllocTree): AllocSite[] {
  const keys = siteKeys(t.frames);
  const labels = t.frames.map(siteLabel);
  const bySite = new Map<string, { frame: number; allocBytes: number; allocObjects: number; inuseBytes: number; inuseObjects: number; nodes: number[] }>();
  for (let node = 1; node < t.parent.length; node++) {
    const f = t.frame[node]!;
    const key = keys[f]!;
    let s = bySite.get(key);
    if (!s) {
      s = { frame: f, allocBytes: 0, allocObjects: 0, inuseBytes: 0, inuseObjects: 0, nodes: [] };
      bySite.set(key, s);
    }
    s.allocBytes += t.allocBytes[node]!;
    s.allocObjects += t.allocObjects[node]!;
    s.inuseBytes += t.inuseBytes[node]!;
    s.inuseObjects += t.inuseObjects[node]!;
    if (t.allocBytes[node]! > 0 || t.inuseBytes[node]! > 0) s.nodes.push(node);
  }
  const totals = totalsOf(t);
  const byAlloc = t.views.includes('allocated');
  const weight = (node: number) => (byAlloc ? t.allocBytes[node]! : t.inuseBytes[node]!);
  const sites: AllocSite[] = [];
  for (const [key, s] of bySite) {
    if (s.allocBytes === 0 && s.inuseBytes === 0) continue; // a frame only ever on the way to others
    const topStacks = [...s.nodes]
      .sort((a, b) => weight(b) - weight(a))
      .slice(0, TOP_STACKS)
      .map((node) => ({ frames: stackOf(t, node).map((f) => labels[f]!), bytes: weight(node) }));
    sites.push({
      key,
      label: labels[s.frame]!,
      frame: t.frames[s.frame]!,
      allocBytes: s.allocBytes,
      allocObjects: s.allocObjects,
      allocShare: totals.allocBytes > 0 ? s.allocBytes / totals.allocBytes : 0,
      inuseBytes: s.inuseBytes,
      inuseObjects: s.inuseObjects,
      inuseShare: totals.inuseBytes > 0 ? s.inuseBytes / totals.inuseBytes : 0,
      topStacks,
    });
  }
  return sites.sort((a, b) => b.allocBytes - a.allocBytes || b.inuseBytes - a.inuseBytes || (a.key < b.key ? -1 : 1));
}
