import { UsageError } from '../core/errors.js';
import type { MetricEntry } from '../baseline/schema.js';
import { knownMetricNames, lookupMetric, type Unit } from '../metrics/registry.js';
import { parseBytes, parseDurationMs, parseFraction, splitQuantity } from '../units/parse.js';

/**
 * Acceptance assertions, as the seeds write them: "rss.growth_bytes<5MB",
 * "gc.pause.p95_ms<50", "custom.cache.hit_ratio>0.8", "latency.p95_ms<=5.5". The value is
 * read in the metric's unit (sizes with KB/MB/MiB, times with ms/s, ratios as 0.8 or 80%).
 */

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Assertion {
  text: string;
  metric: string;
  op: Operator;
  threshold: number;
}

export interface AssertionResult {
  assertion: Assertion;
  /** undefined when the run did not produce the metric. */
  measured?: number;
  pass: boolean;
}

const FORM = /^\s*([A-Za-z0-9_.-]+)\s*(<=|>=|==|!=|<|>)\s*(.+?)\s*$/;

export function parseAssertion(text: string): Assertion {
  const m = FORM.exec(text);
  if (!m) {
    throw new UsageError(`--assert "${text}": expected <metric><op><value>, e.g. "rss.growth_bytes<5MB" (ops: < <= > >= == !=)`);
  }
  const metric = m[1]!;
  const spec = lookupMetric(metric);
  if (!spec) {
    throw new UsageError(
      `--assert "${text}": unknown metric '${metric}' (known: ${knownMetricNames().join(', ')}, custom.<counter>, phase.<name>.mean_ms)`,
    );
  }
  return { text, metric, op: m[2] as Operator, threshold: parseValue(m[3]!, spec.unit, `--assert "${text}"`) };
}

function parseValue(raw: string, unit: Unit, what: string): number {
  const opts = { what, allowNegative: true };
  switch (unit) {
    case 'bytes':
      return parseBytes(raw, opts);
    case 'bytes_per_s':
      return parseBytes(raw.replace(/\/s(ec)?$/i, ''), opts);
    case 'bytes_per_min':
      return parseBytes(raw.replace(/\/min$/i, ''), opts);
    case 'ms':
      return parseDurationMs(raw, { ...opts, defaultUnit: 'ms' });
    case 'ratio':
      return parseFraction(raw, opts);
    default: {
      const q = splitQuantity(raw);
      if (!q || (q.unit !== '' && q.unit !== '%')) throw new UsageError(`${what}: '${raw}' is not a number`);
      return q.unit === '%' ? q.value / 100 : q.value;
    }
  }
}

const COMPARE: Record<Operator, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** Each assertion against the run's value (the median when the run was repeated). */
export function evaluateAssertions(assertions: Assertion[], metrics: Record<string, MetricEntry>): AssertionResult[] {
  return assertions.map((assertion) => {
    const entry = metrics[assertion.metric];
    if (!entry) return { assertion, pass: false };
    return { assertion, measured: entry.value, pass: COMPARE[assertion.op](entry.value, assertion.threshold) };
  });
}
