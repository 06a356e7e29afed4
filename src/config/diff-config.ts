import type { DiffPolicy } from '../analyze/diff.js';
import { UsageError } from '../core/errors.js';
import { parseFraction } from '../units/parse.js';
import {
  parseBoundRule,
  parseMetricSelector,
  parseThresholdRule,
  type BoundKind,
  type BoundRule,
  type ThresholdRule,
} from '../analyze/thresholds.js';
import type { LoadedConfig } from './load.js';
import { CORRECTIONS, type Correction } from '../analyze/multiple-testing.js';

/** --correction / diff.correction: one of holm, bh, none. */
export function parseCorrection(value: unknown, where: string): Correction {
  if (typeof value === 'string' && (CORRECTIONS as readonly string[]).includes(value)) return value as Correction;
  throw new UsageError(`${where}: '${String(value)}' is not one of ${CORRECTIONS.join(', ')} (holm: family-wise, bh: false discovery rate)`);
}

/**
 * The "diff" section of memkit.config.json:
 *
 *   {
 *     "diff": {
 *       "alpha": 0.05,
 *       "correction": "holm",
 *       "metrics": ["gc.*", "rss.growth_bytes"],
 *       "thresholds": { "gc.pause.p95_ms": "10%", "rss.growth_bytes": "+2MB", "gc.count.*": "10%,3" },
 *       "max": { "rss.growth_bytes": "5MB", "gc.pause.p95_ms": "50ms" },
 *       "min": { "custom.cache.hit_ratio": 0.8 },
 *       "allowPartial": false
 *     }
 *   }
 *
 * Values use the command-line syntax; the command line's own flags are applied after
 * these, so they win. Unknown keys are errors: a misspelt "threshold" must not silently
 * leave CI without its thresholds.
 */
export interface DiffConfig {
  alpha?: number;
  correction?: Correction;
  metrics?: string[];
  thresholds: ThresholdRule[];
  bounds: BoundRule[];
  allowPartial?: boolean;
}

const KEYS = ['alpha', 'correction', 'metrics', 'thresholds', 'max', 'min', 'allowPartial'];

export function readDiffConfig(config: LoadedConfig | undefined): DiffConfig {
  const out: DiffConfig = { thresholds: [], bounds: [] };
  const section = config?.sections.diff;
  if (!config || section === undefined) return out;
  const where = `config ${config.path}`;
  if (!isObject(section)) throw new UsageError(`${where}: "diff" must be an object`);
  for (const key of Object.keys(section)) {
    if (!KEYS.includes(key)) throw new UsageError(`${where}: unknown key diff.${key} (expected one of ${KEYS.join(', ')})`);
  }
  if (section.alpha !== undefined) {
    if (typeof section.alpha !== 'number' && typeof section.alpha !== 'string') {
      throw new UsageError(`${where}: diff.alpha must be a number such as 0.05`);
    }
    out.alpha = parseFraction(String(section.alpha), { what: `${where}: diff.alpha` });
  }
  if (section.correction !== undefined) out.correction = parseCorrection(section.correction, `${where}: diff.correction`);
  if (section.metrics !== undefined) {
    if (!Array.isArray(section.metrics) || section.metrics.some((m) => typeof m !== 'string')) {
      throw new UsageError(`${where}: diff.metrics must be an array of metric names or globs`);
    }
    out.metrics = (section.metrics as string[]).map((m) => parseMetricSelector(m, `${where}: diff.metrics`));
  }
  for (const [key, value] of entries(section.thresholds, `${where}: diff.thresholds`)) {
    out.thresholds.push(parseThresholdRule(`${key}=${value}`, where));
  }
  for (const kind of ['max', 'min'] as BoundKind[]) {
    for (const [key, value] of entries(section[kind], `${where}: diff.${kind}`)) {
      out.bounds.push(parseBoundRule(kind, `${key}=${value}`, where));
    }
  }
  if (section.allowPartial !== undefined) {
    if (typeof section.allowPartial !== 'boolean') throw new UsageError(`${where}: diff.allowPartial must be true or false`);
    out.allowPartial = section.allowPartial;
  }
  return out;
}

function entries(value: unknown, where: string): Array<[string, string | number]> {
  if (value === undefined) return [];
  if (!isObject(value)) throw new UsageError(`${where} must be an object of "metric": "value"`);
  return Object.entries(value).map(([k, v]) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw new UsageError(`${where}.${k}: expected a string or a number`);
    return [k, v];
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The policy a config file alone sets (what `memkit report` uses to decide a comparison). */
export function policyFromConfig(config: DiffConfig): DiffPolicy {
  return { alpha: config.alpha ?? 0.05, correction: config.correction, thresholds: config.thresholds, bounds: config.bounds, metrics: config.metrics };
}
