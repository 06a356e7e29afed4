import { UsageError } from '../core/errors.js';

/**
 * Parsers for the quantities users type on the command line and in config files.
 * Decimal prefixes are SI (KB = 1000 B), binary ones are IEC (KiB = 1024 B), as the
 * issue tracker's examples write them; every parser throws a UsageError naming the
 * option, so a typo ends as one line and exit code 2.
 */

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  k: 1e3,
  m: 1e6,
  g: 1e9,
};

const DURATION_UNITS_MS: Record<string, number> = {
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1e3,
  sec: 1e3,
  m: 60e3,
  min: 60e3,
  h: 3600e3,
  d: 86400e3,
};

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?`;
const QUANTITY = new RegExp(`^\\s*(${NUMBER})\\s*([a-zµ%]*)\\s*$`, 'i');

export interface Quantity {
  value: number;
  /** The unit as typed, lower-cased; '' when none. */
  unit: string;
}

/** Splits "5 MB" into 5 and "mb"; undefined when it is not a number with an optional unit. */
export function splitQuantity(text: string): Quantity | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  if (!Number.isFinite(value)) return undefined;
  return { value, unit: m[2]!.toLowerCase() };
}

export interface ParseOptions {
  /** Used in the error message: "--duration: 'abc' is not a duration ..." */
  what: string;
  allowNegative?: boolean;
  allowZero?: boolean;
}

/** "5MB", "512 KiB", "1.5GB", "100" (bytes) → bytes. */
export function parseBytes(text: string, opts: ParseOptions): number {
  const q = splitQuantity(String(text));
  const factor = q ? BYTE_UNITS[q.unit === '' ? 'b' : q.unit] : undefined;
  if (!q || factor === undefined) {
    throw new UsageError(`${opts.what}: '${text}' is not a size (use e.g. 512KB, 5MB, 2GiB)`);
  }
  return checkSign(Math.round(q.value * factor), text, opts);
}

/**
 * "600" (in `defaultUnit`), "30s", "10m", "1.5h", "500ms", "1d" → milliseconds.
 * Durations given to --duration default to seconds, intervals to milliseconds.
 */
export function parseDurationMs(
  text: string,
  opts: ParseOptions & { defaultUnit: 's' | 'ms' },
): number {
  const q = splitQuantity(String(text));
  const factor = q ? DURATION_UNITS_MS[q.unit === '' ? opts.defaultUnit : q.unit] : undefined;
  if (!q || factor === undefined) {
    const example = opts.defaultUnit === 's' ? '600, 30s, 10m, 1h' : '100, 100ms, 1s';
    throw new UsageError(`${opts.what}: '${text}' is not a duration (use e.g. ${example})`);
  }
  return checkSign(q.value * factor, text, opts);
}

/** A whole number, e.g. --signals 50000, --repeat 5. */
export function parseCount(text: string, opts: ParseOptions): number {
  const t = String(text).trim().replace(/_/g, '');
  const q = /^[+-]?\d+(?:e\d+)?$/i.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(q)) {
    throw new UsageError(`${opts.what}: '${text}' is not a whole number`);
  }
  return checkSign(q, text, opts);
}

/** "10%" → 0.1, "0.1" → 0.1. */
export function parseFraction(text: string, opts: ParseOptions): number {
  const q = splitQuantity(String(text));
  if (!q || (q.unit !== '' && q.unit !== '%')) {
    throw new UsageError(`${opts.what}: '${text}' is not a fraction (use e.g. 0.05 or 5%)`);
  }
  return checkSign(q.unit === '%' ? q.value / 100 : q.value, text, opts);
}

function checkSign(value: number, text: string, opts: ParseOptions): number {
  if (!opts.allowNegative && value < 0) {
    throw new UsageError(`${opts.what}: '${text}' must not be negative`);
  }
  if (opts.allowZero === false && value === 0) {
    throw new UsageError(`${opts.what}: '${text}' must be greater than zero`);
  }
  return value;
}
