import { computeDominators, type DominatorTree, type PageOwnershipRule } from './dominators.js';
import type { HeapGraph } from './heap-graph.js';
import { loadHeapGraph } from './load-snapshot.js';
import type { ParseProgress } from './parse-snapshot.js';

/** A snapshot parsed and with its dominator tree: what every mem-snapshot view starts from. */
export interface AnalyzedSnapshot {
  graph: HeapGraph;
  dom: DominatorTree;
  parseMs: number;
  dominatorsMs: number;
}

export type AnalysisStep = { step: 'parse'; progress: ParseProgress } | { step: 'dominators' };

export async function analyzeSnapshot(
  path: string,
  opts: { rule: PageOwnershipRule; onStep?: (s: AnalysisStep) => void },
): Promise<AnalyzedSnapshot> {
  const t0 = performance.now();
  const graph = await loadHeapGraph(path, { onProgress: (progress) => opts.onStep?.({ step: 'parse', progress }) });
  const t1 = performance.now();
  opts.onStep?.({ step: 'dominators' });
  // Let a spinner repaint before the synchronous dominator pass.
  await new Promise((r) => setImmediate(r));
  const dom = computeDominators(graph, opts.rule);
  return { graph, dom, parseMs: t1 - t0, dominatorsMs: performance.now() - t1 };
}
