import { bucketExtremes, timeGrid } from '../../analyze/downsample.js';
import { measuredWindow } from '../../analyze/window.js';
import type { RunData } from '../../samples/run-data.js';
import { formatBytes, formatClock } from '../../units/format.js';
import { palette } from './color.js';

/**
 * A glance at memory over time for people who never open the HTML report: one line of
 * block characters per series under the terminal table. Each character is a time bucket
 * showing the bucket's highest sample, so a spike is never averaged away.
 */

const BLOCKS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled from the lowest (▁) to the highest (█); gaps are spaces. */
export function sparkline(values: ArrayLike<number>, range?: { min: number; max: number }): string {
  let min = range?.min ?? Infinity;
  let max = range?.max ?? -Infinity;
  if (!range) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  let out = '';
  const top = BLOCKS.length - 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) out += ' ';
    else if (!(max > min)) out += BLOCKS[0];
    else out += BLOCKS[Math.min(top, Math.max(0, Math.round(((v - min) / (max - min)) * top)))];
  }
  return out;
}

export interface SparklineOptions {
  /** Characters of the sparkline itself. */
  width: number;
  color: boolean;
}

/** RSS (from outside) and V8 heap used (from inside) across the measured window. */
export function renderMemorySparklines(data: RunData, opts: SparklineOptions): string {
  const window = measuredWindow(data);
  const grid = timeGrid(window.startMs, window.endMs, Math.max(1, opts.width));
  const c = palette(opts.color);
  const lines: string[] = [];
  const add = (label: string, t: number[], v: number[]) => {
    const inWindow: number[] = [];
    const tw: number[] = [];
    for (let i = 0; i < t.length; i++) {
      if (t[i]! >= window.startMs && t[i]! <= window.endMs) {
        tw.push(t[i]!);
        inWindow.push(v[i]!);
      }
    }
    if (inWindow.length < 2) return;
    const { max } = bucketExtremes(tw, inWindow, grid);
    const peak = Math.max(...inWindow);
    lines.push(
      `${label.padEnd(5)} ${c.bold(sparkline(max))}  ${formatBytes(inWindow[0]!)} → ${formatBytes(inWindow[inWindow.length - 1]!)}, peak ${formatBytes(peak)}`,
    );
  };
  add('RSS', data.proc.tMs, data.proc.rssBytes);
  add('heap', data.mem.tMs, data.mem.heapUsed);
  if (lines.length === 0) return '';
  const end = formatClock(window.endMs - window.startMs);
  lines.push(c.dim(`      ${'0:00'.padEnd(Math.max(5, grid.count - end.length))}${end}`));
  return lines.join('\n');
}

/** Room for the sparkline beside its label and figures on a terminal, at most 60 characters. */
export function sparkWidth(columns: number | undefined): number {
  return Math.max(10, Math.min(60, (columns ?? 80) - 50));
}
