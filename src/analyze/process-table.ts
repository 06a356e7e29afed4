import type { ProcessRole, ProcessRow, ProcessRunSection, UnreachedRow } from '../baseline/sections.js';
import type { ProcessEndRecord, RunData } from '../samples/run-data.js';
import { commandLineOf, isolatesOf, rootProcess, treeProcesses, type TreeProcess } from './process-list.js';
import { selectIsolates, type ProcessSelection } from './process-selection.js';
import { analyzeRun } from './run-metrics.js';
import { isolateLeak } from './stress-analysis.js';
import { portablePath } from './portable-path.js';

/**
 * A command's tree as a table (`extra.processes`' run section): one row per process and
 * one per worker thread, each with its own figures. GC counts, start-up GCs, pauses and
 * heap peak are per isolate, from the same analysis a single agent's run gets (a process
 * row holds its main thread's); RSS and CPU are per process, from the outside sampler
 * (a worker's heap is its own, its RSS its process's: F16).
 */

export interface ProcessTableOptions {
  /** The command's working directory: paths under it are written relative in the keys. */
  cwd: string;
  /**
   * mem-stress: each row's own leak verdict from its isolate's checkpoints (rows whose
   * isolate took none get none), judged with the run's --min-leak.
   */
  leak?: { minLeakBytes?: number };
}

export function processRunSection(data: RunData, selection: ProcessSelection, opts: ProcessTableOptions): ProcessRunSection {
  const procs = treeProcesses(data);
  const rows = processRows(data, procs, opts);
  const picked = selectIsolates(data, selection, procs);
  const chosen = new Set(picked.matched ? picked.processes : []);
  const selected = rows.filter((r) => chosen.has(r.process)).map((r) => r.row.key);
  return { selected, rows: rows.map((r) => r.row), unreached: unreachedRows(data) };
}

function processRows(data: RunData, procs: TreeProcess[], opts: ProcessTableOptions): Array<{ row: ProcessRow; process: TreeProcess }> {
  const root = rootProcess(data, procs);
  const isolates = isolatesOf(data);
  const t0 = data.header?.startedAtMs ?? Math.min(...procs.map((p) => p.firstSeenMs));
  const out: Array<{ row: ProcessRow; process: TreeProcess }> = [];
  const ordinals = new Map<string, number>();
  const keyed = (base: string): string => {
    const n = (ordinals.get(base) ?? 0) + 1;
    ordinals.set(base, n);
    return `${base}#${n}`;
  };
  for (const p of procs) {
    const argv = cleanArgv(p.argv);
    const command = normalisedCommand(argv, opts.cwd);
    const mainId = p.agentIds.find((id) => isolates.get(id)?.hello?.isMainThread !== false);
    const main = mainId !== undefined ? isolates.get(mainId) : undefined;
    const role: ProcessRole = !p.node ? 'non-node' : p === root ? 'main' : (main?.hello?.role ?? 'process');
    const end = processEndOf(data, p.pid, 0, mainId);
    const endMs = end?.tMs ?? p.series?.goneMs ?? main?.done?.tMs ?? main?.lost?.tMs;
    const row: ProcessRow = {
      key: keyed(`${role}:${command}`),
      pid: p.pid,
      ppid: p.ppid,
      threadId: 0,
      ...(main?.hello?.isolate ? { isolate: main.hello.isolate } : {}),
      role,
      argv,
      startMs: p.firstSeenMs - t0,
      ...(endMs !== undefined ? { endMs: endMs - t0 } : {}),
      measured: main ? 'agent' : 'outside',
      ...(end ? { end: endOf(end) } : {}),
      ...(main ? isolateFigures(main) : {}),
      ...(main && opts.leak ? leakOf(main, p.series, opts.leak) : {}),
      ...(p.series && p.series.tMs.length > 0 ? { rssPeakBytes: p.rssPeakBytes ?? p.series.peakRssBytes, cpuMs: p.series.cpuMs[p.series.cpuMs.length - 1] ?? 0 } : {}),
    };
    out.push({ row, process: p });
    for (const id of p.agentIds) {
      if (id === mainId) continue;
      const iso = isolates.get(id)!;
      const hello = iso.hello!;
      const threadId = hello.threadId ?? 0;
      const wEnd = processEndOf(data, p.pid, threadId, id);
      const wEndMs = wEnd?.tMs ?? iso.done?.tMs ?? iso.lost?.tMs;
      out.push({
        process: p,
        row: {
          key: keyed(`worker-thread:${command}`),
          pid: p.pid,
          // A thread's parent is its process.
          ppid: p.pid,
          threadId,
          ...(hello.isolate ? { isolate: hello.isolate } : {}),
          role: 'worker-thread',
          argv,
          startMs: hello.tMs - t0,
          ...(wEndMs !== undefined ? { endMs: wEndMs - t0 } : {}),
          measured: 'agent',
          ...(wEnd ? { end: endOf(wEnd) } : {}),
          ...isolateFigures(iso),
          ...(opts.leak ? leakOf(iso, undefined, opts.leak) : {}),
        },
      });
    }
  }
  return out;
}

function isolateFigures(iso: RunData): Pick<ProcessRow, 'gc' | 'pythonGc' | 'heapUsedPeakBytes'> {
  const a = analyzeRun(iso);
  const out: Pick<ProcessRow, 'gc' | 'pythonGc' | 'heapUsedPeakBytes'> = {};
  if (a.pythonGc) {
    const { byGeneration: g, all } = a.pythonGc;
    const orNull = (v: number): number | null => (all.count > 0 ? v : null);
    out.pythonGc = {
      counts: { gen0: g[0].count, gen1: g[1].count, gen2: g[2].count },
      collected: all.collected,
      uncollectable: all.uncollectable,
      pauseMs: { p50: orNull(all.pauseMs.p50), p95: orNull(all.pauseMs.p95), max: orNull(all.pauseMs.max), total: all.pauseMs.sum },
    };
  } else if (iso.hello?.runtime === 'python') {
    // Its agent reported and saw no collection (a process that allocated little): zeros, measured.
    out.pythonGc = { counts: { gen0: 0, gen1: 0, gen2: 0 }, collected: 0, uncollectable: 0, pauseMs: { p50: null, p95: null, max: null, total: 0 } };
  }
  if (a.gc) {
    const all = a.gc.all;
    const orNull = (v: number): number | null => (all.count > 0 ? v : null);
    out.gc = {
      counts: { minor: a.gc.byKind.minor.count, major: a.gc.byKind.major.count, incremental: a.gc.byKind.incremental.count, weakcb: a.gc.byKind.weakcb.count },
      ...(a.gc.startup ? { startup: a.gc.startup } : {}),
      pauseMs: { p50: orNull(all.pauseMs.p50), p95: orNull(all.pauseMs.p95), max: orNull(all.pauseMs.max), total: all.pauseMs.sum },
    };
  }
  if (a.memory.heapUsed) out.heapUsedPeakBytes = a.memory.heapUsed.peakBytes;
  return out;
}

/** An isolate's own verdict; its RSS is its process's (a worker thread: none of its own). */
function leakOf(iso: RunData, rss: { tMs: number[]; rssBytes: number[] } | undefined, leak: { minLeakBytes?: number }): Pick<ProcessRow, 'leak'> {
  const verdict = isolateLeak(iso, rss, { minEffectBytes: leak.minLeakBytes });
  return verdict ? { leak: verdict } : {};
}

/** The registry's word on how a process (threadId 0) or a worker thread ended. */
function processEndOf(data: RunData, pid: number, threadId: number, agentId: number | undefined): ProcessEndRecord | undefined {
  return data.processEnds.findLast(
    (e) => (agentId !== undefined && e.agentId === agentId) || (e.pid === pid && (e.threadId ?? 0) === threadId && (e.agentId === undefined || agentId === undefined)),
  );
}

function endOf(e: ProcessEndRecord): NonNullable<ProcessRow['end']> {
  return { code: e.code, signal: e.signal, cause: e.cause, ...(e.reason !== undefined ? { reason: e.reason } : {}) };
}

function unreachedRows(data: RunData): UnreachedRow[] {
  return data.unreached.map((u) => ({ pid: u.pid, ...(u.threadId !== undefined ? { threadId: u.threadId } : {}), argv: cleanArgv(u.argv), reason: u.reason }));
}

/** npm pads its retitled command line with spaces (one argv element, or trailing empty ones). */
function cleanArgv(argv: string[]): string[] {
  const out = argv.map((a) => a.replace(/\s+$/, ''));
  while (out.length > 1 && out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * The command line as a key part: the same program in the next run gives the same text.
 * The node binary is `node` (its path differs between machines and version managers);
 * a path under the working directory is relative; a temporary directory is `<tmp>`.
 */
export function normalisedCommand(argv: string[], cwd: string): string {
  const parts = argv.map((a, i) => {
    if (i === 0 && /^node(js)?[\d.]*$/.test(a.split('/').pop() ?? '')) return 'node';
    // The interpreter's path differs between machines and version managers; its name (python3.11) says which.
    if (i === 0 && /^python[\d.]*$/.test(a.split('/').pop() ?? '')) return a.split('/').pop()!;
    return portablePath(a, cwd);
  });
  return commandLineOf({ argv: parts });
}

