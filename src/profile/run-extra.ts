import type { MeasuredRun } from './measure.js';
import type { AllocSitesRun, AllocSitesSection, GcRunEntry, ProcessesSection } from '../baseline/sections.js';
import type { RunAllocSites } from '../analyze/alloc-run.js';
import { stackOf, totalsOf } from '../analyze/alloc-tree.js';
import { siteKeys, siteLabel } from '../analyze/alloc-frames.js';
import type { AllocSitesConfig } from '../samples/protocol.js';
import { processRunSection } from '../analyze/process-table.js';
import type { RunAnalysis } from '../analyze/run-metrics.js';
import type { RunData } from '../samples/run-data.js';
import { selectionText, type ProcessSelection } from '../analyze/process-selection.js';

/** The per-run GC details a baseline keeps under `extra.runs[i]` for its tables. */
export function gcRunExtra(run: MeasuredRun): GcRunEntry {
  return gcRunEntryOf(run.analysis, run.outcome.data);
}

/** The same from an analysis and the data it was made from (`memkit report --process` redoes it from the samples). */
export function gcRunEntryOf(analysis: RunAnalysis, data: RunData): GcRunEntry {
  const { gc, memory } = analysis;
  if (!gc) return {};
  return {
    gcByKind: gc.byKind,
    gcLifetimeCounts: gc.lifetimeCounts,
    gcCheckpointCount: gc.checkpointCount,
    ...(gc.startup ? { gcStartup: gc.startup } : {}),
    gcDesync: data.done?.gcDesync ?? 0,
    heapBasis: memory.heapUsed?.basis,
    heapSlopeBasis: memory.heapUsed?.slopeBasis,
  };
}

/**
 * A command's process table for `extra.processes`: every run's rows (processes and worker
 * threads, each with its own figures) and which of them the top-level metrics describe.
 */
export function processesExtra<A>(
  runs: MeasuredRun<A>[],
  selection: ProcessSelection,
  cwd: string,
  /** mem-stress: a leak verdict on each row. */
  rowLeak?: { minLeakBytes?: number },
): ProcessesSection {
  return {
    selection: selectionText(selection),
    runs: runs.map((r) => processRunSection(r.outcome.data, selection, { cwd, ...(rowLeak ? { leak: rowLeak } : {}) })),
  };
}

/** memkit's step loop, which calls a scenario's step (compiled, or its TypeScript source through the map). */
const STEP_LOOP = /(^|\/)(dist\/)?src\/agent\/step-loop\.(js|ts)$/;

/** Sites listed per run in the baseline; the whole tree stays in the samples file. */
const TOP_SITES = 20;

/**
 * `extra.allocSites` for --alloc-sites: per run, the top sites by allocated bytes with
 * their heaviest stack, and what is missing said in a note (a run whose agents sent no
 * profile: node:inspector unavailable, or a process killed before its first read).
 */
export function allocSitesExtra(sites: readonly (RunAllocSites | undefined)[], config: AllocSitesConfig): AllocSitesSection {
  const notes: string[] = [];
  const out = sites.map((a, i): AllocSitesRun => {
    if (!a) {
      notes.push(`run ${i + 1}: no allocation profile reached memkit (no agent could start its profiler, V8's sampling heap profiler or Python's tracemalloc, or none lived to its first read)`);
      return { profiles: 0, sampledBytes: 0, ownBytes: 0, steps: 0, seconds: 0, top: [] };
    }
    const totals = totalsOf(a.tree);
    const inuse = a.tree.views.includes('inuse');
    const allocated = a.tree.views.includes('allocated');
    const keys = inuse ? siteKeys(a.tree.frames) : [];
    return {
      profiles: a.profiles,
      // Not measured (tracemalloc): absent, not 0, and no sites by allocated bytes.
      ...(allocated ? { sampledBytes: totals.allocBytes } : {}),
      ownBytes: a.ownBytes,
      steps: a.steps,
      seconds: a.seconds,
      top: (allocated ? a.sites : []).slice(0, TOP_SITES).map((s) => ({
        key: s.key,
        label: s.label,
        allocBytes: s.allocBytes,
        allocObjects: s.allocObjects,
        allocShare: s.allocShare,
        stack: s.topStacks[0]?.frames ?? [s.label],
      })),
      ...(inuse
        ? {
            inuseBytes: totals.inuseBytes,
            topInuse: [...a.sites]
              .filter((s) => s.inuseBytes > 0)
              .sort((x, y) => y.inuseBytes - x.inuseBytes)
              .slice(0, TOP_SITES)
              .map((s) => ({ key: s.key, label: s.label, inuseBytes: s.inuseBytes, inuseObjects: s.inuseObjects, inuseShare: s.inuseShare, stack: inuseStackOf(a, keys, s.key) ?? [s.label] })),
          }
        : {}),
      ...(a.source === 'gc-hooks' ? { harvests: a.harvests, harvestMs: a.harvestMs } : {}),
    };
  });
  const measured = sites.filter((a): a is RunAllocSites => a !== undefined);
  if (measured.length > 0 && measured.every((a) => a.source === 'tracemalloc')) return tracemallocSection(out, measured, notes);
  const source = sites.some((a) => a?.source === 'inspector') ? 'inspector' : 'gc-hooks';
  const views = measured.length > 0 && measured.every((a) => a.tree.views.includes('inuse')) ? ['allocated', 'inuse'] : ['allocated'];
  if (!views.includes('inuse')) {
    notes.push(
      source === 'inspector'
        ? "in-use view not measured: it needs memkit's gc-hooks addon (not built here), which harvests V8's sampler at each GC; node:inspector's sampler gives one view per run"
        : 'in-use view not measured in every run (a process ended before its first read)',
    );
  }
  const periodic = measured.filter((a) => a.inuseAt.some((w) => w === 'periodic')).length;
  if (periodic > 0) notes.push(`${periodic} run(s): the in-use view of a process that did not reach its end is its last periodic read, garbage not yet collected included`);
  const unnamed = new Set(out.flatMap((r) => r.top.filter((t) => t.label.endsWith(' (script unloaded)')).map((t) => t.key)));
  if (unnamed.size > 0) {
    notes.push(
      `${unnamed.size} site(s) are shown as "(script unloaded)", without file and line: V8 names a function's script when the profile is read, and theirs had been collected by then ` +
        "(a main module's own functions once it has run); a run longer than one periodic read (10 s) keeps the names",
    );
  }
  notes.push(...sourceMapNotes(sites));
  const loop = Math.max(0, ...sites.map((a) => a?.sites.filter((x) => STEP_LOOP.test(x.frame.file)).reduce((sum, x) => sum + x.allocShare, 0) ?? 0));
  if (loop > 0.01) {
    notes.push(
      `up to ${(loop * 100).toFixed(1)} % of a run's sampled bytes are shown at memkit's step loop: V8 inlined the scenario's step into it, ` +
        "and gives an inlined function's allocations to its caller; --alloc-no-inline shows the scenario's own functions",
    );
  }
  notes.push(
    config.noInline
      ? "V8's inlining was off (--alloc-no-inline): every function is its own site, and the program ran slower than it does normally"
      : 'V8 attributes the allocations of a function it inlined to its caller; --alloc-no-inline (or node --max-inlined-bytecode-size=0) shows every function (slower)',
  );
  notes.push('a site is where its function starts (V8 records the function, not the allocating line)');
  return { source, intervalBytes: config.intervalBytes, views, runs: out, notes };
}

/**
 * A Python program's section: tracemalloc's in-use view, exact (intervalBytes 1: every
 * block traced). The allocated view is said to be not measured, never shown as zeros.
 */
function tracemallocSection(out: AllocSitesRun[], measured: readonly RunAllocSites[], notes: string[]): AllocSitesSection {
  const views = measured.every((a) => a.tree.views.includes('inuse')) ? ['inuse'] : [];
  notes.push(
    "allocated view not measured: Python's tracemalloc traces the blocks alive at a read and keeps no count of what was allocated and freed, so there is no allocated figure per site (the in-use view is exact: every block traced, not sampled)",
  );
  const periodic = measured.filter((a) => a.inuseAt.some((w) => w === 'periodic')).length;
  if (periodic > 0) notes.push(`${periodic} run(s): the in-use view of a process that did not reach its end is its last periodic read`);
  notes.push(
    "a Python site is the def (or class) enclosing the allocating line, at the def's line (tracemalloc records file and line; memkit names them with ast); module-level code is <module>; frames of the import machinery (<frozen importlib…>) are left out, so a module's import-time memory is at its import line",
  );
  return { source: 'tracemalloc', intervalBytes: 1, views, runs: out, notes };
}

/** The heaviest in-use stack through a site, as labels. */
function inuseStackOf(a: RunAllocSites, keys: readonly string[], key: string): string[] | undefined {
  // topStacks are ranked by the allocated view; the in-use one is ranked here.
  let best = -1;
  let bestBytes = 0;
  for (let node = 1; node < a.tree.parent.length; node++) {
    if (keys[a.tree.frame[node]!] !== key || a.tree.inuseBytes[node]! <= bestBytes) continue;
    best = node;
    bestBytes = a.tree.inuseBytes[node]!;
  }
  return best < 0 ? undefined : stackOf(a.tree, best).map((f) => siteLabel(a.tree.frames[f]!));
}

/**
 * What the source maps did, once when every run says the same: how many frames are shown
 * at their original (TypeScript) position, and how many scripts had no map (their frames
 * keep the compiled position). Silent when no script had a map: plain JavaScript.
 */
function sourceMapNotes(sites: readonly (RunAllocSites | undefined)[]): string[] {
  const texts = sites.map((a) => {
    if (!a || a.sourceMaps.scriptsMapped === 0) return undefined;
    const frames = a.tree.frames.filter((f) => f.mapped).length;
    const without = a.sourceMaps.scriptsWithoutMap;
    return (
      `source maps: ${frames} frame(s) of ${a.sourceMaps.scriptsMapped} script(s) shown at their original file and line (the function's declaration)` +
      (without > 0 ? `; ${without} script(s) had no source map (their frames keep the compiled position)` : '')
    );
  });
  if (texts.every((t) => t === undefined)) return [];
  if (texts.every((t) => t === texts[0])) return [texts[0]!];
  return texts.flatMap((t, i) => (t === undefined ? [] : [`run ${i + 1}: ${t}`]));
}
