import { UsageError } from '../core/errors.js';
import type { Baseline, MetricEntry } from '../baseline/schema.js';
import { processesOf, type ProcessRow } from '../baseline/sections.js';
import { median } from './percentiles.js';
import { parseProcessSelection, selectionText, type ProcessSelection } from './process-selector.js';
import type { LoadedBaseline } from './diff-sides.js';

/**
 * `memkit diff --process`: a command baseline's figures re-selected from its process table
 * (`extra.processes`), so two baselines measured with different `--process` compare the
 * same processes. The rows keep each process's and isolate's own figures, which give
 * exactly: GC counts (sums), total pause (a sum), longest pause (a max), CPU time (a sum),
 * and, when the selection is one isolate or one process, its heap or RSS peak and its
 * pause percentiles. What needs the events or samples of several isolates together (pause
 * percentiles over all of them, the peak of a summed heap, growth, slopes, rates) cannot
 * be recomputed from rows: it is left out and said so, never averaged.
 */

export interface Reselected {
  baseline: Baseline;
  /** Metrics of the file that could not be re-selected (dropped from the comparison). */
  dropped: string[];
}

/** Rows a selection takes in one run: whole processes, each with its worker threads. */
export function rowsOf(rows: ProcessRow[], selection: ProcessSelection): ProcessRow[] {
  const processes = rows.filter((r) => r.role !== 'worker-thread');
  let picked: ProcessRow[];
  switch (selection.kind) {
    case 'all':
      return rows;
    case 'main': {
      // The root when it is Node, else the first Node process under it (start order).
      const first = processes.find((r) => r.role === 'main') ?? processes.find((r) => r.role !== 'non-node');
      picked = first ? [first] : [];
      break;
    }
    case 'largest': {
      let best: ProcessRow | undefined;
      for (const r of processes) if ((r.rssPeakBytes ?? 0) > (best?.rssPeakBytes ?? 0)) best = r;
      picked = best ? [best] : [];
      break;
    }
    case 'pid':
      picked = processes.filter((r) => r.pid === selection.pid);
      break;
    case 'pattern':
      picked = processes.filter((r) => r.argv.join(' ').includes(selection.text));
      break;
  }
  const pids = new Set(picked.map((r) => r.pid));
  return rows.filter((r) => pids.has(r.pid) && (r.role !== 'worker-thread' || picked.some((p) => p.pid === r.ppid)));
}

const COUNT_KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;
const PYTHON_GENERATION_NAMES = ['gen0', 'gen1', 'gen2'] as const;

/** One run's re-selected figures; undefined where the rows cannot give them exactly. */
function figuresOf(rows: ProcessRow[]): Record<string, number | undefined> {
  const isolates = rows.filter((r) => r.measured === 'agent');
  const processes = rows.filter((r) => r.role !== 'worker-thread' && r.rssPeakBytes !== undefined);
  const f: Record<string, number | undefined> = {};
  if (isolates.length > 0) {
    // A Python process has generations, not V8's kinds: its rows add to gc.count.gen<N>, never to a V8 kind at zero.
    const python = isolates.filter((r) => r.pythonGc !== undefined);
    if (python.length < isolates.length) for (const k of COUNT_KINDS) f[`gc.count.${k}`] = isolates.reduce((n, r) => n + (r.gc?.counts[k] ?? 0), 0);
    if (python.length > 0) {
      for (const g of PYTHON_GENERATION_NAMES) f[`gc.count.${g}`] = python.reduce((n, r) => n + r.pythonGc!.counts[g], 0);
      f['gc.collected'] = python.reduce((n, r) => n + r.pythonGc!.collected, 0);
      f['gc.uncollectable'] = python.reduce((n, r) => n + r.pythonGc!.uncollectable, 0);
    }
    const pauses = (r: ProcessRow) => (r.gc ?? r.pythonGc)?.pauseMs;
    f['gc.pause.total_ms'] = isolates.reduce((n, r) => n + (pauses(r)?.total ?? 0), 0);
    const maxes = isolates.map((r) => pauses(r)?.max).filter((v): v is number => typeof v === 'number');
    f['gc.pause.max_ms'] = maxes.length ? Math.max(...maxes) : undefined;
    const only = isolates.length === 1 ? isolates[0]! : undefined;
    f['gc.pause.p50_ms'] = (only && pauses(only)?.p50) ?? undefined;
    f['gc.pause.p95_ms'] = (only && pauses(only)?.p95) ?? undefined;
    f['heap.used.peak_bytes'] = only?.heapUsedPeakBytes;
  }
  if (processes.length > 0) {
    f['cpu.time_ms'] = processes.reduce((n, r) => n + (r.cpuMs ?? 0), 0);
    f['rss.peak_bytes'] = processes.length === 1 ? processes[0]!.rssPeakBytes : undefined;
  }
  return f;
}

export function reselectBaseline(path: string, b: Baseline, selection: ProcessSelection): Reselected {
  const section = processesOf(b);
  if (!section) {
    throw new UsageError(
      `${path} has no process table (a scenario, or a command measured by an older memkit): --process cannot re-select its figures`,
    );
  }
  const perRun = section.runs.map((run) => {
    const rows = rowsOf(run.rows, selection);
    if (rows.length === 0) {
      const seen = run.rows.filter((r) => r.role !== 'worker-thread').map((r) => `${r.pid} ${r.argv.join(' ').slice(0, 60)}`);
      throw new UsageError(`${path}: --process ${selectionText(selection)} matched no process; processes seen: ${seen.join(', ')}`);
    }
    return figuresOf(rows);
  });
  const metrics: Record<string, MetricEntry> = {};
  const dropped: string[] = [];
  for (const [name, entry] of Object.entries(b.metrics)) {
    const values = perRun.map((f) => f[name]);
    if (values.every((v): v is number => v !== undefined)) metrics[name] = { ...entry, value: median(values), values };
    else dropped.push(name);
  }
  return {
    baseline: { ...b, metrics, extra: { ...b.extra, processes: { ...section, selection: selectionText(selection) } } } as Baseline,
    dropped,
  };
}

/**
 * `memkit diff --process <which>`: every file of both sides re-selected from its process
 * table, and one line naming the figures that could not be (they are not compared).
 * Loaded only when --process is given.
 */
export function reselectSides(
  text: string,
  base: LoadedBaseline[],
  current: LoadedBaseline[],
): { base: LoadedBaseline[]; current: LoadedBaseline[]; note?: string } {
  const selection = parseProcessSelection(text);
  const dropped = new Set<string>();
  const redo = (files: LoadedBaseline[]) =>
    files.map((f) => {
      const r = reselectBaseline(f.path, f.baseline, selection);
      for (const m of r.dropped) dropped.add(m);
      return { path: f.path, baseline: r.baseline };
    });
  const out = { base: redo(base), current: redo(current) };
  if (dropped.size === 0) return out;
  return {
    ...out,
    note:
      `--process ${text.trim()}: figures re-selected from the process tables; ${[...dropped].sort().join(', ')} ` +
      'cannot be recomputed from per-process rows (they need every event or sample of the selection) and are not compared',
  };
}
