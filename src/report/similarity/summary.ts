import type { MemoryPrediction } from '../../similarity/memory-plan.js';
import { formatBytes, formatCount, formatMs, formatRate } from '../../units/format.js';

/** Text of similarity-build's report: the prediction before the run, the measurement after. */

export function predictionLine(p: MemoryPrediction): string {
  return (
    `Predicted peak memory: ${formatBytes(p.totalBytes)} = embeddings ${formatBytes(p.embeddingsBytes)}` +
    ` + per-worker blocks ${formatBytes(p.blocksBytes)} + top-K state ${formatBytes(p.topkStateBytes)}` +
    ` + output ${formatBytes(p.outputBytes)} + runtime ${formatBytes(p.runtimeBytes)} + I/O ${formatBytes(p.ioBytes)}`
  );
}

export interface ResultSummary {
  rows: number;
  items: number;
  dims: number;
  k: number;
  workers: number;
  kernel: string;
  computeMs: number;
  wallMs: number;
  loadMs: number;
  writeMs?: number;
  candidatesPerRow: number;
  predictedBytes: number;
  peakRssBytes: number;
  sampledPeakRssBytes: number;
  hwmRssBytes?: number;
  files: string[];
  baselinePath?: string;
  zeroRows: number;
  /** The kernel was left to memkit (--kernel auto). */
  kernelAuto: boolean;
}

export function gflopPerS(rows: number, items: number, dims: number, ms: number): number {
  return ms > 0 ? (2 * rows * items * dims) / (ms / 1000) / 1e9 : 0;
}

export function renderResult(r: ResultSummary): string {
  const lines: string[] = [];
  const rate = r.computeMs > 0 ? (r.rows * 1000) / r.computeMs : 0;
  lines.push(
    `Done: ${formatCount(r.rows)} items x ${formatCount(r.items)} in ${formatMs(r.computeMs)} ` +
      `(${formatRate(rate, 'items/s')}, ${gflopPerS(r.rows, r.items, r.dims, r.computeMs).toFixed(1)} GFLOP/s effective at 2·rows·N·D; ` +
      `kernel ${r.kernel}, ${r.workers} worker${r.workers === 1 ? '' : 's'}, ${r.candidatesPerRow.toFixed(0)} candidates/row kept past the threshold)`,
  );
  lines.push(`Wall time ${formatMs(r.wallMs)}: load ${formatMs(r.loadMs)}, compute ${formatMs(r.computeMs)}${r.writeMs !== undefined ? `, write ${formatMs(r.writeMs)}` : ''}`);
  const hwm = r.hwmRssBytes !== undefined ? `, kernel high-water mark ${formatBytes(r.hwmRssBytes)}` : '';
  lines.push(
    `Peak memory (RSS of the computing process, from outside): ${formatBytes(r.peakRssBytes)} ` +
      `(sampled ${formatBytes(r.sampledPeakRssBytes)}${hwm}); predicted ${formatBytes(r.predictedBytes)}; ` +
      `measured/predicted ${(r.peakRssBytes / r.predictedBytes).toFixed(2)}`,
  );
  if (r.kernel === 'js' && r.kernelAuto) {
    lines.push(
      'Note: the native kernel is not built here, so the portable JavaScript kernel ran (tens of times slower); ' +
        'build it with `npm rebuild memkit` (a C++ compiler and Node headers are needed) or allow memkit\'s install script',
    );
  }
  if (r.zeroRows > 0) lines.push(`Note: ${r.zeroRows} item(s) had an all-zero vector in some modality; their cosine there counts as 0`);
  if (r.files.length) lines.push(`Wrote ${r.files.join(', ')}`);
  if (r.baselinePath) lines.push(`Baseline: ${r.baselinePath} (compare later runs with memkit diff)`);
  return lines.join('\n');
}
