import { UsageError } from '../core/errors.js';
import { lookupMetric, knownMetricNames, type Better, type Family, type MetricSpec, type Unit } from '../metrics/registry.js';
import { parseBytes, parseDurationMs, splitQuantity } from '../units/parse.js';

/**
 * How big a change must be before `diff` calls it a regression (or an improvement), and
 * the absolute limits (`--max`, `--min`) that hold whatever the baseline says.
 *
 * A threshold has up to two parts, and a change must exceed every part given:
 * - relative: a fraction of the baseline median ("10%");
 * - absolute: an amount in the metric's unit ("+2MB", "1ms", "3").
 * The defaults combine both: a relative part that scales with the metric, and an absolute
 * floor so that a 50 % change of a 0.2 ms pause or of a 100 KB RSS growth — pure noise on
 * a shared machine — is not a regression.
 *
 * Syntax (the command line and memkit.config.json use the same): `NAME=SPEC`, where NAME
 * is a metric name or a glob (`gc.pause.*`) and SPEC is one or two parts separated by a
 * comma: `10%`, `+2MB`, `10%,1ms`. A sign states the direction of the change that is bad:
 * it must agree with the registry (`+` for lower-is-better metrics, `-` for higher-is-
 * better), and for metrics without a direction it gives them one (unsigned: a change
 * either way counts). Percent is always relative; for ratio metrics an absolute amount is
 * a plain fraction (`0.01`) or percentage points (`1pp`).
 */

export type BadDirection = 'increase' | 'decrease' | 'either';

export interface Threshold {
  /** Fraction of |baseline median| the change must exceed (0.1 = 10 %). */
  relative?: number;
  /** Amount in the metric's unit the change must exceed. */
  absolute?: number;
  /** The direction of change that is bad; from the registry unless the spec was signed. */
  bad: BadDirection;
  /** Where it came from: "default (gc-pause)", "--threshold", a config file's path. */
  source: string;
}

export interface ThresholdRule {
  pattern: string;
  spec: string;
  source: string;
}

export type BoundKind = 'max' | 'min';

export interface BoundRule {
  kind: BoundKind;
  pattern: string;
  spec: string;
  source: string;
}

export interface Bound {
  kind: BoundKind;
  /** In the metric's unit. */
  limit: number;
  source: string;
}

type Parts = { relative?: number; absolute?: number };

/**
 * Family defaults, chosen against run-to-run noise measured with bench/diff-noise.mjs on
 * a busy 2-core machine (20 rounds of lru-cache, --repeat 5 per side, interleaved): sizes
 * and per-op allocation move by a few percent between runs of the same code, GC pauses by
 * tens of percent (sub-millisecond ones by more, hence the absolute floor).
 */
export const FAMILY_DEFAULTS: Readonly<Record<Family, Parts>> = {
  memory: { relative: 0.1, absolute: 1e6 },
  // Least-squares slopes over a short window follow the GC sawtooth: +89 % between two
  // sets of 2 s runs of the same code.
  slope: { relative: 0.5, absolute: 2e6 },
  'gc-count': { relative: 0.1, absolute: 2 },
  'gc-pause': { relative: 0.25, absolute: 0.5 },
  'gc-ratio': { relative: 0.25, absolute: 0.005 },
  rate: { relative: 0.1 },
  latency: { relative: 0.2, absolute: 0.5 },
  custom: { relative: 0.1 },
  'heap-class': { relative: 0.1, absolute: 64e3 },
  time: { relative: 0.5, absolute: 100 },
  // Provisional until the sites' same-versus-same spread is measured (issue 15): a sampled
  // figure carries the sampler's error on top of the run-to-run noise.
  'alloc-site': { relative: 0.25 },
};

/**
 * What a fixed-duration run measures against the wall clock moves with the machine's
 * load as much as with the code: per-second rates, counters of work done (a cache's hits
 * grow with throughput) and CPU time. Between interleaved runs of the same code the
 * noise benchmark saw throughput differ by 35-40 % with p = 0.03, so these decide only
 * on large changes (a collapse, not a drift); alloc.bytes_per_op is the load-independent
 * measure of allocation and keeps the tight rate default.
 */
export const WALL_CLOCK_DEFAULT: Parts = { relative: 0.5 };

/**
 * Single metrics noisier than their family, as the noise benchmark measured them between
 * runs of the same code. The longest pause and the 99th percentile rest on one or two GC
 * events of each run, and a CPU-contention episode on the shared machine tripled them
 * (max 9-39 ms vs 14-71 ms, p = 0.03): they decide on large changes only; p95 and the
 * totals keep the family's threshold. (RSS at the window's edges needs no override since
 * the child reads it at its checkpoints: 48.6-49.0 MB at the start over 200 runs.)
 */
export const METRIC_DEFAULTS: Readonly<Record<string, Parts>> = {
  'gc.pause.max_ms': { relative: 1, absolute: 5 },
  'gc.pause.p99_ms': { relative: 0.5, absolute: 2 },
};

/** The built-in threshold of a metric; undefined for metrics with no better direction. */
export function defaultThreshold(name: string, spec: MetricSpec): Threshold | undefined {
  if (spec.better === 'none') return undefined;
  const bad = badDirectionOf(spec.better);
  const own = METRIC_DEFAULTS[name];
  if (own) return { ...own, bad, source: `default (${name})` };
  if (isWallClockBound(spec)) return { ...WALL_CLOCK_DEFAULT, bad, source: `default (${spec.family}, wall-clock bound)` };
  return { ...FAMILY_DEFAULTS[spec.family], bad, source: `default (${spec.family})` };
}

function isWallClockBound(spec: MetricSpec): boolean {
  if (spec.unit === 'per_s' || spec.unit === 'bytes_per_s') return true;
  return spec.family === 'custom' && (spec.unit === 'count' || spec.unit === 'none');
}

function badDirectionOf(better: Better): BadDirection {
  return better === 'lower' ? 'increase' : better === 'higher' ? 'decrease' : 'either';
}

/** "NAME=SPEC" from --threshold or a config entry. */
export function parseThresholdRule(text: string, source: string): ThresholdRule {
  const { pattern, spec } = splitAssignment(text, source, '--threshold gc.pause.p95_ms=10%');
  checkPattern(pattern, source);
  // Parse once now for syntax errors; the unit is checked per metric when it is applied.
  splitParts(spec, `${source} ${text}`);
  return { pattern, spec, source };
}

/** "NAME=VALUE" from --max / --min or a config entry. */
export function parseBoundRule(kind: BoundKind, text: string, source: string): BoundRule {
  const { pattern, spec } = splitAssignment(text, source, `--${kind} rss.growth_bytes=5MB`);
  checkPattern(pattern, source);
  return { kind, pattern, spec, source };
}

/**
 * The threshold that applies to a metric: the family default, overridden by the last
 * matching rule (rules are in order: config file first, then the command line).
 */
export function resolveThreshold(name: string, unit: Unit, rules: readonly ThresholdRule[]): Threshold | undefined {
  const spec = lookupMetric(name);
  let rule: ThresholdRule | undefined;
  for (const r of rules) if (metricMatches(r.pattern, name)) rule = r;
  if (!rule) return spec ? defaultThreshold(name, spec) : undefined;
  return parseThresholdSpec(rule, name, unit, spec?.better ?? 'none');
}

/** The limits on a metric's current value: the last matching --max and the last --min. */
export function resolveBounds(name: string, unit: Unit, rules: readonly BoundRule[]): Bound[] {
  const last = new Map<BoundKind, BoundRule>();
  for (const r of rules) if (metricMatches(r.pattern, name)) last.set(r.kind, r);
  return [...last.values()].map((r) => ({
    kind: r.kind,
    limit: parseAmount(r.spec, unit, name, `${r.source} ${r.kind === 'max' ? '--max' : '--min'} ${r.pattern}=${r.spec}`, true),
    source: r.source,
  }));
}

function parseThresholdSpec(rule: ThresholdRule, name: string, unit: Unit, better: Better): Threshold {
  const where = `${rule.source} ${rule.pattern}=${rule.spec}`;
  const parts = splitParts(rule.spec, where);
  const signs = new Set(parts.map((p) => p.sign).filter((s) => s !== ''));
  if (signs.size > 1) throw new UsageError(`${where}: both '+' and '-' given; use one direction`);
  const sign = ([...signs][0] as SpecPart['sign'] | undefined) ?? '';
  let bad = badDirectionOf(better);
  if (better === 'lower' && sign === '-') {
    throw new UsageError(`${where}: ${name} is better lower, so a regression is an increase; drop the '-'`);
  }
  if (better === 'higher' && sign === '+') {
    throw new UsageError(`${where}: ${name} is better higher, so a regression is a decrease; drop the '+' (or write '-')`);
  }
  if (better === 'none' && sign !== '') bad = sign === '+' ? 'increase' : 'decrease';

  const threshold: Threshold = { bad, source: rule.source };
  for (const part of parts) {
    if (part.relative !== undefined) {
      if (threshold.relative !== undefined) throw new UsageError(`${where}: two relative parts`);
      threshold.relative = part.relative;
    } else {
      if (threshold.absolute !== undefined) throw new UsageError(`${where}: two absolute parts`);
      threshold.absolute = parseAmount(part.text, unit, name, where, false);
    }
  }
  return threshold;
}

interface SpecPart {
  sign: '' | '+' | '-';
  /** Set for a percentage. */
  relative?: number;
  /** The unsigned text of an absolute amount. */
  text: string;
}

function splitParts(spec: string, where: string): SpecPart[] {
  const raw = spec.split(',').map((s) => s.trim());
  if (raw.length > 2 || raw.some((s) => s === '')) {
    throw new UsageError(`${where}: expected one or two parts, e.g. 10% or 10%,1MB`);
  }
  return raw.map((text) => {
    const sign = text.startsWith('+') ? '+' : text.startsWith('-') ? '-' : '';
    const body = sign ? text.slice(1).trim() : text;
    // A rate's "/s" or "/min" is checked against the metric's unit when the rule is applied.
    const q = splitQuantity(body.replace(/\s*\/\s*(s|min)$/i, ''));
    if (!q || q.value < 0) throw new UsageError(`${where}: '${text}' is not an amount (e.g. 10%, 2MB, 5ms, 3)`);
    if (q.unit === '%') return { sign, relative: q.value / 100, text: body };
    return { sign, text: body };
  });
}

/**
 * An amount in a metric's unit: sizes for bytes ("2MB"), durations for ms ("5ms", "0.5"),
 * plain numbers for counts and rates, fractions or percentage points for ratios.
 */
function parseAmount(text: string, unit: Unit, name: string, where: string, allowNegative: boolean): number {
  const t = text.trim();
  const opts = { what: where, allowNegative };
  switch (unit) {
    case 'bytes':
      return parseBytes(t, opts);
    case 'bytes_per_s':
      return parseBytes(t.replace(/\s*\/\s*s$/i, ''), opts);
    case 'bytes_per_min':
      return parseBytes(t.replace(/\s*\/\s*min$/i, ''), opts);
    case 'ms':
      return parseDurationMs(t, { ...opts, defaultUnit: 'ms' });
    case 'ratio': {
      const q = splitQuantity(t);
      if (q && q.unit === '') return checkNegative(q.value, t, opts);
      if (q && (q.unit === 'pp' || q.unit === '%')) return checkNegative(q.value / 100, t, opts);
      throw new UsageError(`${where}: '${t}' is not a ratio for ${name} (use a fraction such as 0.01, or 1pp)`);
    }
    case 'per_s':
    case 'count':
    case 'none': {
      const q = splitQuantity(t.replace(/\s*\/\s*s$/i, ''));
      if (q && q.unit === '') return checkNegative(q.value, t, opts);
      throw new UsageError(`${where}: '${t}' is not a plain number, which ${name} (unit: ${unit}) needs`);
    }
  }
}

function checkNegative(value: number, text: string, opts: { what: string; allowNegative: boolean }): number {
  if (!opts.allowNegative && value < 0) throw new UsageError(`${opts.what}: '${text}' must not be negative`);
  return value;
}

function splitAssignment(text: string, source: string, example: string): { pattern: string; spec: string } {
  const i = String(text).indexOf('=');
  const pattern = i < 0 ? '' : text.slice(0, i).trim();
  const spec = i < 0 ? '' : text.slice(i + 1).trim();
  if (!pattern || !spec) throw new UsageError(`${source}: '${text}' is not NAME=VALUE (e.g. ${example})`);
  return { pattern, spec };
}

/** A metric name or a glob over names: '*' any run of characters, '?' one character. */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

export function metricMatches(pattern: string, name: string): boolean {
  if (!isGlob(pattern)) return pattern === name;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(name);
}

/** A --metrics entry (name or glob), checked like the names of rules. */
export function parseMetricSelector(pattern: string, source: string): string {
  const p = pattern.trim();
  checkPattern(p, source);
  return p;
}

/**
 * A name that is neither a glob nor a metric the registry knows is almost always a typo
 * (gc.pause.p59_ms); say so at once rather than silently never matching.
 */
function checkPattern(pattern: string, source: string): void {
  if (!/^[\w.*?-]+$/.test(pattern)) throw new UsageError(`${source}: '${pattern}' is not a metric name or glob`);
  if (isGlob(pattern) || lookupMetric(pattern)) return;
  const hint = closestName(pattern, knownMetricNames());
  throw new UsageError(`${source}: unknown metric '${pattern}'${hint ? ` (did you mean ${hint}?)` : ''}`);
}

/** The known name within edit distance 3, for "did you mean". */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
