import type { Baseline, RunStatus } from '../baseline/schema.js';
import type { Unit } from '../metrics/registry.js';
import { diffSides, type DiffPolicy, type MetricDiff } from './diff.js';
import { poolSide } from './diff-sides.js';

/**
 * A GC tuning sweep's comparison, pure: every setting's baseline against the first
 * setting's, by `memkit diff`'s own decision (diffSides on pooled sides, default alpha,
 * thresholds and correction) with the table's columns as the deciding metrics, so the
 * correction runs over exactly what the table shows. No statistics of its own.
 */

export interface SweepInput {
  label: string;
  path: string;
  baseline: Baseline;
}

/** A column: the first of its candidate metrics any setting has (Node's name, then Python's). */
interface ColumnSpec {
  title: string;
  candidates: Array<{ metric: string; title?: string }>;
}

const COLUMNS: readonly ColumnSpec[] = [
  { title: 'minor GCs', candidates: [{ metric: 'gc.count.minor' }, { metric: 'gc.count.gen0', title: 'gen0 GCs' }] },
  { title: 'major GCs', candidates: [{ metric: 'gc.count.major' }, { metric: 'gc.count.gen2', title: 'gen2 GCs' }] },
  { title: 'pause p95', candidates: [{ metric: 'gc.pause.p95_ms' }] },
  { title: 'pause p99', candidates: [{ metric: 'gc.pause.p99_ms' }] },
  { title: 'pause total', candidates: [{ metric: 'gc.pause.total_ms' }] },
  { title: 'throughput', candidates: [{ metric: 'ops.rate_per_s', title: 'steps/s' }, { metric: 'duration_ms', title: 'duration' }] },
  { title: 'RSS peak', candidates: [{ metric: 'rss.peak_bytes' }] },
  { title: 'alloc rate', candidates: [{ metric: 'alloc.rate_bytes_per_s' }] },
];

export interface SweepColumn {
  title: string;
  /** Undefined: no setting has any of the column's metrics (the notes say why). */
  metric?: string;
}

export interface SweepCell {
  /** The setting's median over its runs (the baseline's value). */
  value?: number;
  unit?: Unit;
  /** Against the first setting; absent on the first row. */
  diff?: MetricDiff;
}

export interface SweepRow {
  label: string;
  path: string;
  runs: number;
  status: RunStatus;
  cells: SweepCell[];
}

export interface SweepComparison {
  columns: SweepColumn[];
  rows: SweepRow[];
  alpha: number;
  /** Runs too few for the significance test: changes were decided on thresholds alone. */
  thresholdOnly: boolean;
  notes: string[];
}

export const SWEEP_POLICY_ALPHA = 0.05;

export function compareSweep(inputs: readonly SweepInput[], knob: string): SweepComparison {
  const has = (metric: string): boolean => inputs.some((i) => i.baseline.metrics[metric] !== undefined);
  const columns: SweepColumn[] = COLUMNS.map((c) => {
    const found = c.candidates.find((k) => has(k.metric));
    return found ? { title: found.title ?? c.title, metric: found.metric } : { title: c.title };
  });
  const metrics = columns.flatMap((c) => (c.metric ? [c.metric] : []));
  const first = inputs[0]!;
  let thresholdOnly = false;
  const rows = inputs.map((input, i): SweepRow => {
    const diffs = i === 0 ? undefined : diffAgainstFirst(first, input, metrics);
    if (diffs?.some((d) => d.basis === 'threshold-only')) thresholdOnly = true;
    return {
      label: input.label,
      path: input.path,
      runs: input.baseline.runs.length,
      status: input.baseline.status,
      cells: columns.map((c) => {
        if (!c.metric) return {};
        const entry = input.baseline.metrics[c.metric];
        return { value: entry?.value, unit: entry?.unit, diff: diffs?.find((d) => d.name === c.metric) };
      }),
    };
  });
  return { columns, rows, alpha: SWEEP_POLICY_ALPHA, thresholdOnly, notes: sweepNotes(inputs, columns, knob) };
}

function diffAgainstFirst(first: SweepInput, other: SweepInput, metrics: readonly string[]): MetricDiff[] {
  // Only metrics both have can be named (memkit diff refuses a named metric one side lacks).
  const both = metrics.filter((m) => first.baseline.metrics[m] !== undefined && other.baseline.metrics[m] !== undefined);
  const policy: DiffPolicy = { alpha: SWEEP_POLICY_ALPHA, thresholds: [], bounds: [], metrics: both };
  const result = diffSides(
    poolSide('base', [{ path: first.path, baseline: first.baseline }]),
    poolSide('current', [{ path: other.path, baseline: other.baseline }]),
    policy,
  );
  return result.metrics.filter((m) => both.includes(m.name));
}

function sweepNotes(inputs: readonly SweepInput[], columns: readonly SweepColumn[], knob: string): string[] {
  const notes: string[] = [];
  const python = columns.some((c) => c.metric === 'gc.count.gen0');
  if (knob.startsWith('gc.') && !python) {
    notes.push(`no Python collection was recorded in any run: ${knob} is applied by memkit's Python agent, so it changed nothing here`);
  }
  for (const c of columns) {
    if (c.metric) continue;
    if (c.title === 'alloc rate' && python) notes.push('alloc rate: not measured for a Python program (its agent counts collections, not allocated bytes)');
    else notes.push(`${c.title}: no run reported it`);
  }
  for (const input of inputs) {
    if (input.baseline.status !== 'complete') notes.push(`${input.label}: ${input.baseline.status} (${input.baseline.statusReason ?? 'no reason given'}); its figures cover the runs until then`);
  }
  return notes;
}
