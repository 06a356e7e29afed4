import type { Baseline } from '../baseline/schema.js';

/**
 * What "live memory" is in a run's verdict: V8's heap and external memory after memkit's
 * GC, or for a Python program the figure its checkpoints read right after gc.collect()
 * (RSS, or tracemalloc's traced bytes: the verdict's text names which).
 */
export function liveMemoryLabel(b: Baseline): string {
  return b.environment.runtime === 'python' ? 'live memory (right after gc.collect())' : 'live memory (heap + external after GC)';
}
