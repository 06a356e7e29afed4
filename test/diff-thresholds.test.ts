import { describe, expect, it } from 'vitest';
import {
  FAMILY_DEFAULTS,
  metricMatches,
  parseBoundRule,
  parseMetricSelector,
  parseThresholdRule,
  resolveBounds,
  resolveThreshold,
} from '../src/analyze/thresholds.js';
import { beyond } from '../src/analyze/diff.js';
import { UsageError } from '../src/core/errors.js';

const rule = (text: string) => parseThresholdRule(text, '--threshold');

describe('threshold syntax', () => {
  it('a percentage is relative; an unsigned or + amount is absolute in the metric unit', () => {
    expect(resolveThreshold('gc.pause.p95_ms', 'ms', [rule('gc.pause.p95_ms=10%')])).toEqual({
      relative: 0.1,
      bad: 'increase',
      source: '--threshold',
    });
    expect(resolveThreshold('rss.growth_bytes', 'bytes', [rule('rss.growth_bytes=+2MB')])).toMatchObject({ absolute: 2e6, bad: 'increase' });
    expect(resolveThreshold('rss.growth_bytes', 'bytes', [rule('rss.growth_bytes=1.5MiB')])).toMatchObject({ absolute: 1.5 * 2 ** 20 });
    expect(resolveThreshold('gc.pause.max_ms', 'ms', [rule('gc.pause.max_ms=1s')])).toMatchObject({ absolute: 1000 });
    expect(resolveThreshold('gc.pause.max_ms', 'ms', [rule('gc.pause.max_ms=0.5')])).toMatchObject({ absolute: 0.5 });
  });

  it('two parts: both must be exceeded', () => {
    const t = resolveThreshold('gc.pause.p95_ms', 'ms', [rule('gc.pause.p95_ms=10%, 2ms')])!;
    expect(t).toMatchObject({ relative: 0.1, absolute: 2 });
    expect(beyond(t, 3, 0.3)).toBe('bad'); // +3 ms, +30 %
    expect(beyond(t, 1.5, 0.3)).toBe(false); // +30 % but only 1.5 ms
    expect(beyond(t, 3, 0.05)).toBe(false); // 3 ms but only 5 %
    expect(beyond(t, -3, -0.3)).toBe('good');
  });

  it('rates, counts and ratios take plain numbers; ratios also percentage points', () => {
    expect(resolveThreshold('alloc.rate_bytes_per_s', 'bytes_per_s', [rule('alloc.rate_bytes_per_s=5MB/s')])).toMatchObject({ absolute: 5e6 });
    expect(resolveThreshold('gc.count.major', 'count', [rule('gc.count.major=3')])).toMatchObject({ absolute: 3 });
    expect(resolveThreshold('gc.time_ratio', 'ratio', [rule('gc.time_ratio=1pp')])!.absolute).toBeCloseTo(0.01, 15);
    expect(resolveThreshold('gc.time_ratio', 'ratio', [rule('gc.time_ratio=0.02')])).toMatchObject({ absolute: 0.02 });
    expect(() => resolveThreshold('gc.count.major', 'count', [rule('gc.count.major=3MB')])).toThrow(/not a plain number/);
    expect(() => resolveThreshold('rss.growth_bytes', 'bytes', [rule('rss.growth_bytes=5ms')])).toThrow(/not a size/);
  });

  it('a sign against the registry direction is refused; on a direction-less metric it sets one', () => {
    expect(() => resolveThreshold('gc.pause.p95_ms', 'ms', [rule('gc.pause.p95_ms=-10%')])).toThrow(/better lower.*drop the '-'/);
    expect(() => resolveThreshold('ops.rate_per_s', 'per_s', [rule('ops.rate_per_s=+5%')])).toThrow(/better higher/);
    expect(resolveThreshold('ops.rate_per_s', 'per_s', [rule('ops.rate_per_s=-5%')])).toMatchObject({ relative: 0.05, bad: 'decrease' });
    expect(resolveThreshold('ops.count', 'count', [rule('ops.count=+5%')])).toMatchObject({ bad: 'increase' });
    expect(resolveThreshold('ops.count', 'count', [rule('ops.count=5%')])).toMatchObject({ bad: 'either' });
    expect(resolveThreshold('ops.count', 'count', [])).toBeUndefined();
  });

  it('family defaults apply without a rule; the last matching rule wins, globs included', () => {
    expect(resolveThreshold('gc.pause.p95_ms', 'ms', [])).toEqual({ ...FAMILY_DEFAULTS['gc-pause'], bad: 'increase', source: 'default (gc-pause)' });
    expect(resolveThreshold('alloc.bytes_per_op', 'bytes', [])).toMatchObject({ relative: 0.1, bad: 'increase', source: 'default (rate)' });
    expect(resolveThreshold('custom.cache.hit_ratio', 'ratio', [])).toMatchObject({ relative: 0.1, bad: 'decrease' });
    const rules = [rule('gc.pause.*=30%'), rule('gc.pause.p95_ms=5%'), parseThresholdRule('gc.pause.p9?_ms=7%', 'memkit.config.json')];
    expect(resolveThreshold('gc.pause.p95_ms', 'ms', rules)).toMatchObject({ relative: 0.07, source: 'memkit.config.json' });
    expect(resolveThreshold('gc.pause.max_ms', 'ms', rules)).toMatchObject({ relative: 0.3 });
  });

  it('what a fixed-duration run measures against the wall clock only decides on large changes', () => {
    const wallClock = { relative: 0.5, source: 'default (rate, wall-clock bound)' };
    expect(resolveThreshold('ops.rate_per_s', 'per_s', [])).toMatchObject({ ...wallClock, bad: 'decrease' });
    expect(resolveThreshold('alloc.rate_bytes_per_s', 'bytes_per_s', [])).toMatchObject({ ...wallClock, bad: 'increase' });
    expect(resolveThreshold('custom.cache.hit', 'none', [])).toMatchObject({ relative: 0.5, bad: 'decrease', source: 'default (custom, wall-clock bound)' });
    expect(resolveThreshold('cpu.time_ms', 'ms', [])).toMatchObject({ relative: 0.5, absolute: 100 });
    // Read by the child at the start checkpoint, RSS at the start is as steady as any size.
    expect(resolveThreshold('rss.start_bytes', 'bytes', [])).toMatchObject({ relative: 0.1, absolute: 1e6, source: 'default (memory)' });
    expect(resolveThreshold('gc.pause.max_ms', 'ms', [])).toMatchObject({ relative: 1, absolute: 5 });
    expect(resolveThreshold('heap.used.slope_bytes_per_min', 'bytes_per_min', [])).toMatchObject({ relative: 0.5, absolute: 2e6 });
    // A rule still replaces the default.
    expect(resolveThreshold('ops.rate_per_s', 'per_s', [rule('ops.rate_per_s=5%')])).toMatchObject({ relative: 0.05 });
  });

  it('bad rules are one-line usage errors naming the option', () => {
    expect(() => rule('gc.pause.p95_ms')).toThrow(UsageError);
    expect(() => rule('gc.pause.p95_ms')).toThrow(/'gc.pause.p95_ms' is not NAME=VALUE/);
    expect(() => rule('gc.pause.p95ms=10%')).toThrow(/unknown metric 'gc.pause.p95ms' \(did you mean gc.pause.p95_ms\?\)/);
    expect(() => rule('gc.pause.p95_ms=ten%')).toThrow(/'ten%' is not an amount/);
    expect(() => rule('gc.pause.p95_ms=10%,1ms,2ms')).toThrow(/one or two parts/);
    expect(() => resolveThreshold('gc.pause.p95_ms', 'ms', [rule('gc.pause.p95_ms=+10%,-1ms')])).toThrow(/both '\+' and '-'/);
    expect(() => parseMetricSelector('rss.grwth_bytes', '--metrics')).toThrow(/did you mean rss.growth_bytes/);
  });

  it('a baseline of 0 has no relative change: the absolute part decides', () => {
    const t = resolveThreshold('rss.growth_bytes', 'bytes', [])!; // 10 % and 1 MB
    expect(beyond(t, 2e6, null)).toBe('bad');
    expect(beyond(t, 0.5e6, null)).toBe(false);
    expect(beyond(t, 0, 0)).toBe(false);
  });
});

describe('limits (--max / --min)', () => {
  it('parse in the metric unit; negative limits are allowed for signed metrics', () => {
    const rules = [parseBoundRule('max', 'rss.growth_bytes=5MB', '--max'), parseBoundRule('min', 'custom.cache.hit_ratio=80%', '--min')];
    expect(resolveBounds('rss.growth_bytes', 'bytes', rules)).toEqual([{ kind: 'max', limit: 5e6, source: '--max' }]);
    expect(resolveBounds('custom.cache.hit_ratio', 'ratio', rules)).toEqual([{ kind: 'min', limit: 0.8, source: '--min' }]);
    expect(resolveBounds('rss.growth_bytes', 'bytes', [parseBoundRule('max', 'rss.growth_bytes=-1MB', '--max')])[0]!.limit).toBe(-1e6);
    expect(() => parseBoundRule('max', 'rss.growth_bytes', '--max')).toThrow(/NAME=VALUE/);
  });
});

describe('metric globs', () => {
  it('* and ? match, dots are literal', () => {
    expect(metricMatches('gc.*', 'gc.pause.p95_ms')).toBe(true);
    expect(metricMatches('gc.pause.p9?_ms', 'gc.pause.p99_ms')).toBe(true);
    expect(metricMatches('gc.pause.p9?_ms', 'gc.pause.max_ms')).toBe(false);
    expect(metricMatches('gc.pause', 'gcXpause')).toBe(false);
    expect(metricMatches('rss.growth_bytes', 'rss.growth_bytes')).toBe(true);
  });
});
