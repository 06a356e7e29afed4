import { lookupMetric, unitFromName, type Unit } from '../../metrics/registry.js';
import { formatBytes, formatCount, formatMs, formatPercent, formatRate } from '../../units/format.js';

/** A metric's value in its own unit, as the terminal tables print it. */
export function formatMetric(value: number, unit: Unit, signed = false): string {
  if (!Number.isFinite(value)) return '–';
  const sign = signed && value > 0 ? '+' : '';
  switch (unit) {
    case 'bytes':
      if (Math.abs(value) < 100 && !Number.isInteger(value)) return `${sign}${value.toFixed(2)} B`;
      return formatBytes(value, { signed });
    case 'bytes_per_s':
      return `${formatBytes(value, { signed })}/s`;
    case 'bytes_per_min':
      return `${formatBytes(value, { signed })}/min`;
    case 'ms':
      return formatMs(value, { signed });
    case 'ratio':
      return signed ? `${sign}${(value * 100).toFixed(2)} pp` : formatPercent(value, 2);
    case 'per_s':
      return (value < 0 ? '-' : sign) + formatRate(Math.abs(value), '/s');
    case 'count':
      return sign + formatCount(value);
    case 'none':
      return sign + (Number.isInteger(value) ? formatCount(value) : Number(value.toPrecision(4)).toString());
  }
}

export function metricUnit(name: string): Unit {
  return lookupMetric(name)?.unit ?? unitFromName(name);
}
