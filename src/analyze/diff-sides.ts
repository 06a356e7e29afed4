import { UsageError } from '../core/errors.js';
import type { Baseline, BaselineKind, Environment, RunStatus, Target } from '../baseline/schema.js';
import type { Unit } from '../metrics/registry.js';
import { allocSitesOf, processesOf } from '../baseline/sections.js';

/**
 * One side of a diff (the baseline or the current run) as the union of its files: every
 * file's per-run values are pooled per metric, so `--repeat 5` in one file and five files
 * of one run each are the same sample of five.
 */

export interface LoadedBaseline {
  path: string;
  baseline: Baseline;
}

export type SideName = 'base' | 'current';

export interface PooledMetric {
  unit: Unit;
  values: number[];
  /** How many of the side's files have the metric. */
  files: number;
}

export interface Side {
  name: SideName;
  files: string[];
  kind: BaselineKind;
  /** The worst status of its files: crashed > interrupted > complete. */
  status: RunStatus;
  /** One line per file that is not complete. */
  partial: string[];
  /** Measured runs across the files. */
  runs: number;
  metrics: Map<string, PooledMetric>;
  environments: Array<{ path: string; environment: Environment }>;
  targets: Array<{ path: string; target: Target }>;
  /** A command's `--process` as each file recorded it; undefined: no process table (older memkit). */
  selections: Array<{ path: string; selection: string | undefined }>;
  /** Allocation sites' labels by key (`parseTick (src/feed.js:41)`), from the files' extra.allocSites. */
  siteLabels: Map<string, string>;
  warnings: string[];
}

const STATUS_RANK: Record<RunStatus, number> = { complete: 0, interrupted: 1, crashed: 2 };

export function poolSide(name: SideName, loaded: readonly LoadedBaseline[]): Side {
  if (loaded.length === 0) throw new UsageError(`no ${name} file given`);
  const first = loaded[0]!;
  const side: Side = {
    name,
    files: loaded.map((l) => l.path),
    kind: first.baseline.kind,
    status: 'complete',
    partial: [],
    runs: 0,
    metrics: new Map(),
    environments: [],
    targets: [],
    selections: [],
    siteLabels: new Map(),
    warnings: [],
  };
  const siteFiles: Array<{ names: Set<string>; runs: number }> = [];
  for (const { path, baseline } of loaded) {
    const sampled = baseline.metrics['alloc.sites.sampled_bytes'];
    if (sampled) siteFiles.push({ names: new Set(Object.keys(baseline.metrics)), runs: sampled.values.length });
    if (baseline.kind !== side.kind) {
      throw new UsageError(
        `cannot pool ${name} files of different kinds: ${first.path} is ${article(side.kind)} run, ${path} is ${article(baseline.kind)} run`,
      );
    }
    if (STATUS_RANK[baseline.status] > STATUS_RANK[side.status]) side.status = baseline.status;
    if (baseline.status !== 'complete') {
      side.partial.push(`${path}: ${baseline.status}${baseline.statusReason ? ` (${baseline.statusReason})` : ''}`);
    }
    side.runs += Math.max(baseline.runs.length, 1);
    side.environments.push({ path, environment: baseline.environment });
    side.targets.push({ path, target: baseline.target });
    if (baseline.target.type === 'command') side.selections.push({ path, selection: processesOf(baseline)?.selection });
    for (const run of allocSitesOf(baseline)?.runs ?? []) for (const t of run.top) side.siteLabels.set(t.key, t.label);
    for (const [metric, entry] of Object.entries(baseline.metrics)) {
      const pooled = side.metrics.get(metric);
      if (!pooled) {
        side.metrics.set(metric, { unit: entry.unit, values: [...entry.values], files: 1 });
        continue;
      }
      if (entry.unit !== pooled.unit) {
        throw new UsageError(`metric ${metric} is in ${pooled.unit} in ${first.path} but in ${entry.unit} in ${path}`);
      }
      pooled.values.push(...entry.values);
      pooled.files++;
    }
  }
  if (loaded.length > 1) {
    zeroFillSites(side, siteFiles);
    for (const [metric, pooled] of side.metrics) {
      if (pooled.files < loaded.length) {
        side.warnings.push(`metric ${metric} is in only ${pooled.files} of the ${loaded.length} ${name} files`);
      }
    }
    const described = new Set(side.targets.map((t) => describeTarget(t.target)));
    if (described.size > 1) side.warnings.push(`the ${name} files ran different targets: ${[...described].join('; ')}`);
  }
  return side;
}

/**
 * Allocation sites across a side's files: a file that measured sites writes every site
 * above 0.1 % of its runs, so one it lacks was below that in each of its runs: 0, one value
 * per run, as within a file (analyze/alloc-site-metrics.ts). Without this, a site that one
 * run of five did not sample would be tested on four values.
 */
function zeroFillSites(side: Side, siteFiles: ReadonlyArray<{ names: Set<string>; runs: number }>): void {
  for (const [metric, pooled] of side.metrics) {
    if (!metric.startsWith('alloc.site.')) continue;
    for (const file of siteFiles) {
      if (file.names.has(metric)) continue;
      for (let i = 0; i < file.runs; i++) pooled.values.push(0);
      pooled.files++;
    }
  }
}

/** The two sides must be the same kind of run: a heap summary has nothing in common with a GC profile. */
export function checkSameKind(base: Side, current: Side): void {
  if (base.kind !== current.kind) {
    throw new UsageError(
      `cannot compare ${article(base.kind)} baseline (${base.files[0]}) with ${article(current.kind)} run (${current.files[0]}): different kinds`,
    );
  }
}

/**
 * A run that was interrupted or crashed covers only part of what was asked (no end
 * checkpoint, a shorter duration), so its growth and count metrics are not comparable:
 * refused unless the user opts in, then flagged in every output.
 */
export function checkPartial(side: Side, allowPartial: boolean): string[] {
  if (side.status === 'complete') return [];
  if (!allowPartial) {
    throw new UsageError(
      `${side.partial[0]}: a partial run's figures are not comparable; rerun it, or pass --allow-partial to compare anyway`,
    );
  }
  return side.partial.map((p) => `partial ${side.name} run compared (--allow-partial): ${p}`);
}

/** Differences in what ran: comparing two variants is a normal use, but it should be visible. */
export function compareTargets(base: Side, current: Side): string[] {
  const b = new Set(base.targets.map((t) => describeTarget(t.target)));
  const c = new Set(current.targets.map((t) => describeTarget(t.target)));
  if (b.size === 1 && c.size === 1 && [...b][0] === [...c][0]) return [];
  const bt = base.targets[0]!.target;
  const ct = current.targets[0]!.target;
  if (b.size === 1 && c.size === 1 && bt.type === 'scenario' && ct.type === 'scenario') {
    // Name only what differs: a variant comparison should read as one.
    const parts: string[] = [];
    if (bt.scenario !== ct.scenario) parts.push(`scenario ${bt.scenario} vs ${ct.scenario}`);
    if (bt.variant !== ct.variant) parts.push(`variant ${bt.variant} vs ${ct.variant}`);
    const keys = [...new Set([...Object.keys(bt.params ?? {}), ...Object.keys(ct.params ?? {})])];
    const params = keys.filter((k) => bt.params?.[k] !== ct.params?.[k]).map((k) => `${k}=${bt.params?.[k] ?? '(unset)'} vs ${ct.params?.[k] ?? '(unset)'}`);
    if (params.length > 0) parts.push(`params ${params.join(', ')}`);
    return [`the sides ran different targets (base vs current): ${parts.join('; ')}`];
  }
  return [`the sides ran different targets: base ${[...b].join('; ')} / current ${[...c].join('; ')}`];
}

/**
 * Command runs measured with different `--process` (or one from a memkit that measured the
 * top process only) describe different processes: one line, and the way to compare the
 * same ones. Several files of one side that differ are named the same way.
 */
export function compareSelections(base: Side, current: Side): string[] {
  const text = (s: string | undefined) => (s === undefined ? 'no process table (an older memkit: its top process only)' : `--process ${s}`);
  const b = new Set(base.selections.map((s) => s.selection));
  const c = new Set(current.selections.map((s) => s.selection));
  if (b.size === 0 || c.size === 0) return [];
  if (b.size === 1 && c.size === 1 && [...b][0] === [...c][0]) return [];
  return [
    `the sides describe different processes: base ${[...b].map(text).join(' and ')}, current ${[...c].map(text).join(' and ')}; ` +
      '`memkit diff --process <which>` re-selects both from their process tables',
  ];
}

export function describeTarget(target: Target): string {
  switch (target.type) {
    case 'scenario': {
      const params = Object.entries(target.params ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return `scenario ${target.scenario} variant ${target.variant}${params ? ` (${params})` : ''}`;
    }
    case 'command':
      return `command '${target.argv.join(' ')}'`;
    case 'snapshot':
      return `snapshots ${target.files.join(', ')}`;
    case 'similarity':
      return `similarity ${target.description}`;
    default:
      return JSON.stringify(target);
  }
}

function article(kind: string): string {
  return `a ${kind}`;
}
