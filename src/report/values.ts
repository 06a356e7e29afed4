import type { Unit } from '../metrics/registry.js';
import { formatBytes, formatCount, formatMs, formatPercent, formatRate } from '../units/format.js';
import type { Threshold } from '../analyze/thresholds.js';
import type { SideStats } from '../analyze/diff.js';

/** Cells of every diff renderer: a metric's values in its own unit, changes signed. */

export function formatValue(value: number, unit: Unit, signed = false): string {
  const sign = signed && value > 0 ? '+' : '';
  switch (unit) {
    case 'bytes':
      // Per-op allocations are a few bytes: keep their fraction ("16.75 B", "-0.25 B").
      if (Math.abs(value) < 100 && !Number.isInteger(value)) return `${sign}${value.toFixed(2)} B`;
      return formatBytes(value, { signed });
    case 'bytes_per_s':
      return `${formatBytes(value, { signed })}/s`;
    case 'bytes_per_min':
      return `${formatBytes(value, { signed })}/min`;
    case 'ms':
      return formatMs(value, { signed });
    case 'ratio':
      // A change of a ratio is in percentage points; a ratio itself as a percentage.
      return signed ? `${sign}${(value * 100).toFixed(2)} pp` : formatPercent(value, 2);
    case 'per_s':
      // formatRate picks its decimals by magnitude, so it gets the magnitude.
      return (value < 0 ? '-' : sign) + formatRate(Math.abs(value), '/s');
    case 'count':
      return sign + formatCount(value);
    case 'none':
      return sign + (Number.isInteger(value) ? formatCount(value) : Number(value.toPrecision(4)).toString());
  }
}

export function formatRelative(relative: number | null | undefined): string {
  if (relative === null || relative === undefined) return 'n/a';
  if (relative === 0) return '0.0%';
  return formatPercent(relative, 1, { signed: true });
}

/** "1.20 ms [1.10–1.31]": the median and its interval (the unit once when they share it). */
export function formatStats(stats: SideStats | undefined, unit: Unit, withLevel = false): string {
  if (!stats) return '—';
  const median = formatValue(stats.median, unit);
  if (!stats.ci) return stats.n === 1 ? `${median} (1 run)` : median;
  let low = formatValue(stats.ci.low, unit);
  let high = formatValue(stats.ci.high, unit);
  const suffix = / \S+$/.exec(median)?.[0];
  if (suffix && low.endsWith(suffix) && high.endsWith(suffix)) {
    low = low.slice(0, -suffix.length);
    high = high.slice(0, -suffix.length);
  }
  const level = withLevel ? ` ${formatLevel(stats.ci.level)}` : '';
  return `${median} [${low}–${high}]${level}`;
}

export function formatLevel(level: number): string {
  return `${Number((level * 100).toFixed(1))}%`;
}

/** A p-value with two significant digits: 0.0079, 0.42, 3.0e-11. */
export function formatP(p: number): string {
  if (p >= 1) return '1';
  if (p < 1e-4) return p.toExponential(1);
  return String(Number(p.toPrecision(2)));
}

/** "10% and 0.50 ms" (both parts must be exceeded); sign-less, direction said elsewhere. */
export function formatThreshold(t: Threshold, unit: Unit): string {
  const parts: string[] = [];
  if (t.relative !== undefined) parts.push(`${Number((t.relative * 100).toPrecision(4))}%`);
  if (t.absolute !== undefined) parts.push(unit === 'ratio' ? `${Number((t.absolute * 100).toPrecision(4))} pp` : formatValue(t.absolute, unit));
  if (parts.length === 0) return 'any change';
  return parts.join(' and ');
}
