import type { BuildPlan, BuildResult, CompareResult } from '../../similarity/build.js';
import { describeInput } from '../../similarity/inputs.js';
import { renderCompareTable } from './compare.js';
import { startLine } from './progress.js';
import { predictionLine, renderResult } from './summary.js';

/** similarity-build's text, from its plan (before the run) and its results (after). */

/** What will be computed, how, and the predicted peak: printed before the child starts. */
export function renderPlan(plan: BuildPlan): string {
  const { req } = plan;
  const rows = plan.rows.end - plan.rows.start;
  const lines = [`Input: ${req.inputs.map(describeInput).join(' + ')}${req.inputs.length > 1 ? `, weights ${req.weights.join(',')}` : ''}`];
  if (plan.kClippedFrom) lines.push(`Note: --top-k ${plan.kClippedFrom} lowered to ${plan.k}: there are only ${plan.items - 1} other items`);
  if (req.shard) lines.push(`Shard ${req.shard.index}/${req.shard.count}: rows ${plan.rows.start}..${plan.rows.end - 1} against all ${plan.items} items`);
  if (plan.memory.choice) lines.push(`Memory budget: ${plan.memory.choice.replace(/^memory budget [^:]*: /, '')}`);
  lines.push(predictionLine(plan.memory.prediction));
  lines.push(startLine(rows, plan.memory.microBatch, plan.k, plan.memory.workers));
  return lines.join('\n');
}

/** A completed build: throughput, time per phase, measured against predicted peak, the files. */
export function renderBuildResult(plan: BuildPlan, res: BuildResult): string {
  const r = res.run;
  const rows = plan.rows.end - plan.rows.start;
  return renderResult({
    rows,
    items: plan.items,
    dims: plan.dims,
    k: plan.k,
    workers: plan.memory.workers,
    kernel: r.computed!.kernel,
    computeMs: r.computed!.computeMs,
    wallMs: r.wallMs,
    loadMs: r.loaded!.loadMs,
    ...(r.written ? { writeMs: r.written.writeMs } : {}),
    candidatesPerRow: r.computed!.candidates / rows,
    predictedBytes: plan.memory.prediction.totalBytes,
    peakRssBytes: r.peakRssBytes,
    sampledPeakRssBytes: r.sampledPeakRssBytes,
    ...(r.hwmRssBytes !== undefined ? { hwmRssBytes: r.hwmRssBytes } : {}),
    files: r.written?.files ?? [],
    baselinePath: res.baselinePath,
    zeroRows: r.loaded!.zeroRows,
    kernelAuto: plan.req.kernel === 'auto',
  });
}

/** --compare: the old strategy against the micro-batch one, and where the baseline went. */
export function renderCompareResult(plan: BuildPlan, res: CompareResult, color: boolean): string {
  const table = renderCompareTable(
    res.entries.map((e) => ({
      items: plan.items,
      strategy: e.strategy === 'full-rows' ? 'old: blocks of 1000 rows, full rows' : `micro-batch ${plan.memory.microBatch} + top-K`,
      ...(e.run?.status === 'complete' ? { peakRssBytes: e.run.peakRssBytes, timeMs: e.run.computed!.computeMs } : {}),
      predictedBytes: e.prediction.totalBytes,
      ...(e.refused ? { note: e.refused } : e.run && e.run.status !== 'complete' ? { note: e.run.statusReason ?? 'failed' } : {}),
    })),
    color,
  );
  return `${table}\nBaseline: ${res.baselinePath}`;
}
