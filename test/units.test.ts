import { describe, expect, it } from 'vitest';
import { parseBytes, parseCount, parseDurationMs, parseFraction } from '../src/units/parse.js';
import { formatBytes, formatClock, formatMs } from '../src/units/format.js';
import { UsageError } from '../src/core/errors.js';

describe('sizes', () => {
  it.each([
    ['5MB', 5e6], ['5 MB', 5e6], ['+2MB', 2e6], ['5MiB', 5 * 2 ** 20], ['512KB', 512e3], ['512kib', 512 * 1024],
    ['1.5GB', 1.5e9], ['100', 100], ['100B', 100], ['2GiB', 2 * 2 ** 30],
  ])('%s = %d bytes', (text, bytes) => expect(parseBytes(text, { what: '--x' })).toBe(bytes));

  it('rejects what is not a size, naming the option', () => {
    expect(() => parseBytes('5 parsecs', { what: '--max' })).toThrow(UsageError);
    expect(() => parseBytes('abc', { what: '--max' })).toThrow("--max: 'abc' is not a size");
    expect(() => parseBytes('-5MB', { what: '--max' })).toThrow('must not be negative');
    expect(parseBytes('-5MB', { what: '--max', allowNegative: true })).toBe(-5e6);
  });
});

describe('durations', () => {
  it.each([
    ['600', 's', 600_000], ['30s', 's', 30_000], ['10m', 's', 600_000], ['1.5h', 's', 5_400_000], ['1d', 's', 86_400_000],
    ['100', 'ms', 100], ['100ms', 's', 100], ['250us', 'ms', 0.25],
  ] as const)('%s (default unit %s) = %d ms', (text, unit, ms) =>
    expect(parseDurationMs(text, { what: '--duration', defaultUnit: unit })).toBe(ms));

  it('rejects duration=abc and zero where a duration must pass', () => {
    expect(() => parseDurationMs('abc', { what: '--duration', defaultUnit: 's' })).toThrow("--duration: 'abc' is not a duration (use e.g. 600, 30s, 10m, 1h)");
    expect(() => parseDurationMs('0', { what: '--duration', defaultUnit: 's', allowZero: false })).toThrow('greater than zero');
    expect(() => parseDurationMs('10 fortnights', { what: '--duration', defaultUnit: 's' })).toThrow(UsageError);
  });
});

describe('counts and fractions', () => {
  it('parses whole numbers only', () => {
    expect(parseCount('50000', { what: '--signals' })).toBe(50000);
    expect(parseCount('50_000', { what: '--signals' })).toBe(50000);
    expect(() => parseCount('1.5', { what: '--signals' })).toThrow('not a whole number');
  });
  it('parses percentages', () => {
    expect(parseFraction('5%', { what: '--alpha' })).toBeCloseTo(0.05, 12);
    expect(parseFraction('0.01', { what: '--alpha' })).toBe(0.01);
  });
});

describe('formatting', () => {
  it('uses the same SI prefixes as parsing', () => {
    expect(formatBytes(5e6)).toBe('5.00 MB');
    expect(formatBytes(-1234, { signed: true })).toBe('-1.23 KB');
    expect(formatBytes(2048, { signed: true })).toBe('+2.05 KB');
    expect(formatMs(0.5)).toBe('0.50 ms');
    expect(formatMs(0.0123)).toBe('12.3 µs');
    expect(formatMs(0.00045)).toBe('450 ns');
    expect(formatMs(1500)).toBe('1.50 s');
    expect(formatClock(3_725_000)).toBe('1:02:05');
  });
});
