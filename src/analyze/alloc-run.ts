import type { AllocProfileRecord, AllocSource, AllocView } from '../samples/alloc-profile.js';
import type { RunData } from '../samples/run-data.js';
import { allocSites, type AllocSite } from './alloc-sites.js';
import { allocTreeOf, mergeAllocTrees, type AllocTree } from './alloc-tree.js';
import { originalPositionsOf } from './alloc-source-map.js';

/**
 * A run's allocation sites, both views:
 *  - allocated: every read of each isolate in the view (one agent for a scenario; a
 *    command's selected isolates), each covering the time since its previous read, added up;
 *  - in use: each isolate's latest read (a snapshot of what was alive), added over the
 *    isolates. Claimed only when every isolate with an allocated profile sent one.
 * With the window's steps and seconds for per-step and per-second figures.
 */
export interface RunAllocSites {
  tree: AllocTree;
  sites: AllocSite[];
  source: AllocSource;
  /** Isolates whose profile is in the tree. */
  profiles: number;
  /** Profile reads added up (allocated view). */
  reads: number;
  /** Why the in-use view's reads were taken: 'end' (after memkit's GC), or 'periodic' for an isolate that did not reach its end. */
  inuseAt: Array<AllocProfileRecord['why']>;
  /** Sampled in the agents' own code (their reads), left out. */
  ownBytes: number;
  /** gc-hooks: time the harvests took in GC prologues, over the isolates. */
  harvestMs: number;
  harvests: number;
  steps: number;
  seconds: number;
  /** Scripts of the sampled frames with a source map (their frames at the original position) and without. */
  sourceMaps: { scriptsMapped: number; scriptsWithoutMap: number };
}

export const agentOf = (r: AllocProfileRecord): number => (r as { agentId?: number }).agentId ?? 0;

/** Each isolate's latest in-use read. */
export function latestInuse(records: readonly AllocProfileRecord[]): Map<number, AllocProfileRecord> {
  const out = new Map<number, AllocProfileRecord>();
  for (const r of records) {
    if (r.view !== 'inuse') continue;
    const prev = out.get(agentOf(r));
    if (!prev || r.seq > prev.seq) out.set(agentOf(r), r);
  }
  return out;
}

/** The run's sampler: tracemalloc only when every profile is Python's (a mixed tree is V8's plus Python's in-use blocks). */
function sourceOf(records: readonly AllocProfileRecord[]): AllocSource {
  if (records.length > 0 && records.every((r) => r.source === 'tracemalloc')) return 'tracemalloc';
  return records.some((r) => r.source === 'inspector') ? 'inspector' : 'gc-hooks';
}

export function allocSitesOfRun(data: RunData, cwd: string): RunAllocSites | undefined {
  const allocated = data.alloc.filter((r) => r.view === 'allocated');
  const inuse = latestInuse(data.alloc);
  // Python's agents (tracemalloc) send the in-use view only: a run of them has no allocated view at all.
  const inuseOnly = allocated.length === 0;
  if (inuseOnly && inuse.size === 0) return undefined;
  const agents = new Set(inuseOnly ? inuse.keys() : allocated.map(agentOf));
  const inuseComplete = [...agents].every((a) => inuse.has(a));
  const views: AllocView[] = inuseOnly ? ['inuse'] : inuseComplete ? ['allocated', 'inuse'] : ['allocated'];
  const original = originalPositionsOf(data.allocSourceMap);
  const parts = allocated.map((r) => allocTreeOf(r, cwd, original));
  if (inuseComplete) for (const r of inuse.values()) parts.push(allocTreeOf(r, cwd, original));
  const tree = mergeAllocTrees(parts, views);
  const start = data.marks.find((m) => m.label === 'measure-start')?.tMs;
  const end = data.marks.find((m) => m.label === 'measure-end')?.tMs ?? Math.max(...data.alloc.map((r) => r.tMs));
  // Harvest figures are cumulative per isolate: its latest read has them.
  const lastOf = new Map<number, AllocProfileRecord>();
  for (const r of allocated) if ((lastOf.get(agentOf(r))?.seq ?? -1) < r.seq) lastOf.set(agentOf(r), r);
  const latest = [...lastOf.values()];
  return {
    tree,
    sites: allocSites(tree),
    source: sourceOf(data.alloc),
    profiles: agents.size,
    reads: allocated.length,
    inuseAt: inuseComplete ? [...inuse.values()].map((r) => r.why) : [],
    // tracemalloc: the agent's own live blocks in the in-use reads shown.
    ownBytes: inuseOnly ? [...inuse.values()].reduce((s, r) => s + r.ownBytes, 0) : allocated.reduce((s, r) => s + r.ownBytes, 0),
    harvestMs: latest.reduce((s, r) => s + (r.harvestMs ?? 0), 0),
    harvests: latest.reduce((s, r) => s + (r.harvests ?? 0), 0),
    // Steps at each read are the agent's count so far (a scenario has one agent).
    steps: Math.max(0, ...data.alloc.map((r) => r.steps)),
    seconds: start !== undefined && end > start ? (end - start) / 1000 : 0,
    sourceMaps: { scriptsMapped: original.scriptsMapped, scriptsWithoutMap: original.scriptsWithoutMap },
  };
}
