import { BASELINE_KINDS, BASELINE_SCHEMA, type Baseline } from './schema.js';
import { lookupMetric, type Unit } from '../metrics/registry.js';

/**
 * Structural validation of a parsed baseline. Returns the first problem as one line
 * (callers prefix the file name), or undefined when the document is usable.
 */
export function findBaselineProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'not a memkit baseline (expected a JSON object)';
  if (!('schema' in doc)) return 'not a memkit baseline (no "schema" field)';
  if (doc.schema !== BASELINE_SCHEMA) {
    const seen = typeof doc.schema === 'string' ? `'${doc.schema}'` : JSON.stringify(doc.schema);
    if (typeof doc.schema === 'string' && doc.schema.startsWith('memkit.')) {
      return `unknown schema version ${seen} (this memkit reads ${BASELINE_SCHEMA})`;
    }
    return `not a memkit baseline (schema is ${seen}, expected ${BASELINE_SCHEMA})`;
  }
  if (typeof doc.kind !== 'string' || !BASELINE_KINDS.includes(doc.kind as never)) {
    return `unknown baseline kind ${JSON.stringify(doc.kind)} (expected one of ${BASELINE_KINDS.join(', ')})`;
  }
  if (!['complete', 'interrupted', 'crashed'].includes(doc.status as string)) {
    return `invalid status ${JSON.stringify(doc.status)}`;
  }
  for (const field of ['runId', 'createdAt', 'startedAt'] as const) {
    if (typeof doc[field] !== 'string') return `missing or invalid "${field}"`;
  }
  if (!isFiniteNumber(doc.durationMs) || doc.durationMs < 0) return 'missing or invalid "durationMs"';
  if (!isObject(doc.target) || typeof doc.target.type !== 'string') return 'missing or invalid "target"';
  if (!isObject(doc.environment)) return 'missing "environment"';
  const envProblem = findEnvironmentProblem(doc.environment);
  if (envProblem) return envProblem;
  if (!Array.isArray(doc.runs)) return 'missing "runs"';
  if (!isObject(doc.metrics)) return 'missing "metrics"';
  for (const [name, entry] of Object.entries(doc.metrics)) {
    const problem = findMetricProblem(name, entry);
    if (problem) return problem;
  }
  return undefined;
}

function findMetricProblem(name: string, entry: unknown): string | undefined {
  if (!isObject(entry)) return `metric ${name}: expected an object with "value" and "values"`;
  if (!isFiniteNumber(entry.value)) return `metric ${name}: value ${JSON.stringify(entry.value)} is not a number`;
  if (!Array.isArray(entry.values) || entry.values.length === 0) return `metric ${name}: "values" must be a non-empty array`;
  if (typeof entry.unit !== 'string' || !UNITS.includes(entry.unit)) {
    return `metric ${name}: unknown unit ${JSON.stringify(entry.unit)} (expected one of ${UNITS.join(', ')})`;
  }
  const spec = lookupMetric(name);
  for (const v of entry.values) {
    if (!isFiniteNumber(v)) return `metric ${name}: value ${JSON.stringify(v)} is not a number`;
    if (spec?.nonNegative && v < 0) return `metric ${name}: negative value ${v} where only counts or sizes >= 0 make sense`;
  }
  if (spec?.nonNegative && entry.value < 0) return `metric ${name}: negative value ${entry.value}`;
  return undefined;
}

/** Units a metric may declare (registry.ts `Unit`); diff parses thresholds by them. */
const UNITS: readonly string[] = ['bytes', 'ms', 'count', 'ratio', 'bytes_per_s', 'bytes_per_min', 'per_s', 'none'] satisfies Unit[];

/** The fields diff's environment check reads: wrong types mean a corrupt or foreign file. */
function findEnvironmentProblem(env: Record<string, unknown>): string | undefined {
  for (const field of ['node', 'v8', 'cpuModel', 'platform', 'arch', 'runtime', 'python'] as const) {
    if (env[field] !== undefined && typeof env[field] !== 'string') return `environment.${field} must be a string`;
  }
  if (env.cpuCount !== undefined && !(isFiniteNumber(env.cpuCount) && env.cpuCount >= 0)) {
    return `environment.cpuCount must be a non-negative number`;
  }
  if (env.nodeFlags !== undefined && !(Array.isArray(env.nodeFlags) && env.nodeFlags.every((f) => typeof f === 'string'))) {
    return `environment.nodeFlags must be an array of strings`;
  }
  if (env.gcHeapSource !== undefined && typeof env.gcHeapSource !== 'string') return `environment.gcHeapSource must be a string`;
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export type { Baseline };
