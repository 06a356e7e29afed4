/**
 * Human formatting of measured quantities. Sizes use the same SI prefixes the parser
 * reads (1 MB = 1e6 B), so a threshold typed as "5MB" is shown back as "5.00 MB".
 */

export function formatBytes(bytes: number, opts: { signed?: boolean } = {}): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : opts.signed && bytes > 0 ? '+' : '';
  const abs = Math.abs(bytes);
  if (abs < 1e3) return `${sign}${abs.toFixed(0)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = abs / 1e3;
  let i = 0;
  while (value >= 1e3 && i < units.length - 1) {
    value /= 1e3;
    i++;
  }
  return `${sign}${value.toFixed(value >= 100 ? 1 : 2)} ${units[i]}`;
}

export function formatMs(ms: number, opts: { signed?: boolean } = {}): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : opts.signed && ms > 0 ? '+' : '';
  const abs = Math.abs(ms);
  if (abs >= 60_000) return `${sign}${formatClock(abs)}`;
  if (abs >= 1000) return `${sign}${(abs / 1000).toFixed(2)} s`;
  if (abs >= 10) return `${sign}${abs.toFixed(1)} ms`;
  if (abs >= 0.1 || abs === 0) return `${sign}${abs.toFixed(2)} ms`;
  // Step latencies of a fast scenario are microseconds: 0.00 ms would hide them.
  if (abs >= 0.001) return `${sign}${(abs * 1000).toFixed(abs >= 0.01 ? 1 : 2)} µs`;
  return `${sign}${(abs * 1e6).toFixed(0)} ns`;
}

/** 3725000 → "1:02:05", 65000 → "1:05". */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatPercent(ratio: number, digits = 1, opts: { signed?: boolean } = {}): string {
  if (!Number.isFinite(ratio)) return String(ratio);
  const sign = opts.signed && ratio > 0 ? '+' : '';
  return `${sign}${(ratio * 100).toFixed(digits)}%`;
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2);
}

/** Rates such as ops/s: three significant digits, thousands grouped. */
export function formatRate(perSecond: number, unit: string): string {
  if (!Number.isFinite(perSecond)) return String(perSecond);
  const digits = perSecond >= 100 ? 0 : perSecond >= 10 ? 1 : 2;
  return `${perSecond.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}
