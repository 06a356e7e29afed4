import type { RunData } from '../samples/run-data.js';
import { allocSites, type AllocSite } from './alloc-sites.js';
import { allocTreeOf, mergeAllocTrees, type AllocTree } from './alloc-tree.js';
import { originalPositionsOf } from './alloc-source-map.js';

/**
 * A run's allocation sites: every profile read of each isolate in the view (one agent for
 * a scenario; a command's selected isolates), each covering the time since the previous
 * read, added into one tree, with the window's steps and seconds for per-step and
 * per-second figures.
 */
export interface RunAllocSites {
  tree: AllocTree;
  sites: AllocSite[];
  /** Isolates whose profile is in the tree. */
  profiles: number;
  /** Profile reads added up. */
  reads: number;
  /** Sampled in the agents' own code (their reads), left out. */
  ownBytes: number;
  steps: number;
  seconds: number;
  /** Scripts of the sampled frames with a source map (their frames at the original position) and without. */
  sourceMaps: { scriptsMapped: number; scriptsWithoutMap: number };
}

export function allocSitesOfRun(data: RunData, cwd: string): RunAllocSites | undefined {
  if (data.alloc.length === 0) return undefined;
  const original = originalPositionsOf(data.allocSourceMap);
  const tree = mergeAllocTrees(data.alloc.map((r) => allocTreeOf(r, cwd, original)));
  const start = data.marks.find((m) => m.label === 'measure-start')?.tMs;
  const end = data.marks.find((m) => m.label === 'measure-end')?.tMs ?? Math.max(...data.alloc.map((r) => r.tMs));
  return {
    tree,
    sites: allocSites(tree),
    profiles: new Set(data.alloc.map((r) => (r as { agentId?: number }).agentId ?? 0)).size,
    reads: data.alloc.length,
    ownBytes: data.alloc.reduce((s, r) => s + r.ownBytes, 0),
    // Steps at each read are the agent's count so far (a scenario has one agent).
    steps: Math.max(0, ...data.alloc.map((r) => r.steps)),
    seconds: start !== undefined && end > start ? (end - start) / 1000 : 0,
    sourceMaps: { scriptsMapped: original.scriptsMapped, scriptsWithoutMap: original.scriptsWithoutMap },
  };
}
