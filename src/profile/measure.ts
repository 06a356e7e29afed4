import type { RunAnalysis } from '../analyze/run-metrics.js';
import type { InterruptGuard } from '../run/interrupts.js';
import { startRun, type RunControl, type RunOutcome, type RunSpec } from '../run/runner.js';

export interface MeasuredRun<A = RunAnalysis> {
  outcome: RunOutcome;
  analysis: A;
}

export interface MeasureOptions<A> {
  repeat: number;
  /** How a finished run is analysed. */
  analyze(data: RunOutcome['data']): A;
  /** The spec of run `index` (each run has its own samples file). */
  specFor(index: number): RunSpec;
  guard: InterruptGuard;
  /** Awaited before run `index` starts: a sweep's turn among its settings (gc-sweep.ts). */
  beforeRun?(index: number): Promise<void>;
  onRunStart?(index: number, control: RunControl): void;
  /** Awaited before the next run; throwing ends the series. */
  onRunEnd?(index: number, run: MeasuredRun<A>): void | Promise<void>;
}

/**
 * Runs the measurement `repeat` times, one child after the other, and analyses each as
 * it ends. A crashed or interrupted run ends the series: what ran is kept.
 */
export async function measureRuns<A>(opts: MeasureOptions<A>): Promise<MeasuredRun<A>[]> {
  const runs: MeasuredRun<A>[] = [];
  for (let i = 0; i < opts.repeat; i++) {
    if (opts.guard.signal) break;
    if (opts.beforeRun) {
      await opts.beforeRun(i);
      if (opts.guard.signal) break;
    }
    const handle = startRun(opts.specFor(i));
    const unsubscribe = opts.guard.subscribe((signal) => handle.control.stop(signal === 'SIGINT' ? 'sigint' : 'sigterm'));
    if (opts.guard.signal) handle.control.stop(opts.guard.signal === 'SIGINT' ? 'sigint' : 'sigterm');
    opts.onRunStart?.(i, handle.control);
    let outcome: RunOutcome;
    try {
      outcome = await handle.result;
    } finally {
      unsubscribe();
    }
    const run = { outcome, analysis: opts.analyze(outcome.data) };
    runs.push(run);
    await opts.onRunEnd?.(i, run);
    if (outcome.status !== 'complete') break;
  }
  return runs;
}
