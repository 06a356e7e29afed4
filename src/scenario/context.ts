import { performance } from 'node:perf_hooks';
import type { ParamValue, ScenarioContext } from './define.js';

/**
 * The context a scenario's code sees in the child. It only accumulates raw totals;
 * ratios (hits / (hits + misses)) and statistics are computed by the parent.
 */
export class RunContext implements ScenarioContext {
  steps = 0;
  readonly counters: Record<string, number> = {};
  readonly gauges: Record<string, number> = {};
  readonly phases: Record<string, { count: number; totalMs: number }> = {};

  constructor(
    readonly variant: string,
    readonly params: Readonly<Record<string, ParamValue>>,
  ) {}

  count(name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n;
  }

  gauge(name: string, value: number): void {
    this.gauges[name] = value;
  }

  phase(name: string): () => void {
    const start = performance.now();
    return () => {
      const p = (this.phases[name] ??= { count: 0, totalMs: 0 });
      p.count++;
      p.totalMs += performance.now() - start;
    };
  }
}
