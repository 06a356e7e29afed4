import { UsageError } from '../core/errors.js';
import { selectionText, type ProcessSelection } from './process-selector.js';
import type { RunData } from '../samples/run-data.js';
import { mergeSelection, type MergePlan } from './process-merge.js';
import { commandLineOf, depthOf, descendantsOf, rootProcess, treeProcesses, type TreeProcess } from './process-list.js';

export { parseProcessSelection, selectionText, type ProcessSelection } from './process-selector.js';

export interface SelectedProcesses extends MergePlan {
  matched: true;
  /** Every process and thread: the run's own tree sums stand for RSS and CPU. */
  all: boolean;
  processes: TreeProcess[];
  pids: number[];
  /** The isolates whose records are merged, by agentId (ascending). */
  agentIds: number[];
  /** The selected isolate nearest the root (its hello and window edges lead the merge). */
  rootAgentId?: number;
}

export interface SelectionMiss {
  matched: false;
  /** One line: what was asked and the processes seen. */
  message: string;
  seen: Array<{ pid: number; commandLine: string }>;
}

/** `procs`: the tree as treeProcesses(data) listed it, when the caller has it already (the table's rows refer to it). */
export function selectIsolates(data: RunData, selection: ProcessSelection, procs = treeProcesses(data)): SelectedProcesses | SelectionMiss {
  const root = rootProcess(data, procs);
  const picked = pick(selection, procs, root);
  if (picked.length === 0) return miss(selection, procs, root);
  const agentIds = picked.flatMap((p) => p.agentIds).sort((a, b) => a - b);
  // Root-most: the shallowest selected process, then start order; its main thread.
  const lead = [...picked]
    .filter((p) => p.agentIds.length > 0)
    .map((p, i) => ({ p, i, depth: depthOf(p, procs, root) }))
    .sort((a, b) => a.depth - b.depth || a.i - b.i)[0]?.p;
  return {
    matched: true,
    all: selection.kind === 'all',
    processes: picked,
    pids: picked.map((p) => p.pid),
    agentIds,
    ...(lead ? { rootAgentId: lead.agentIds[0] } : {}),
  };
}

function pick(selection: ProcessSelection, procs: TreeProcess[], root: TreeProcess | undefined): TreeProcess[] {
  switch (selection.kind) {
    case 'all':
      return procs;
    case 'main': {
      if (!root) return [];
      if (root.node) return [root];
      const first = descendantsOf(root, procs).find((p) => p.node);
      return first ? [first] : [];
    }
    case 'largest': {
      // The process's RSS peak as its row shows it (the first of equals, in start order).
      let best: TreeProcess | undefined;
      for (const p of procs) if (p.rssPeakBytes !== undefined && p.rssPeakBytes > (best?.rssPeakBytes ?? 0)) best = p;
      return best ? [best] : [];
    }
    case 'pid':
      return procs.filter((p) => p.pid === selection.pid);
    case 'pattern':
      return procs.filter((p) => commandLineOf(p).includes(selection.text) || p.argv.join(' ').includes(selection.text));
  }
}

function miss(selection: ProcessSelection, procs: TreeProcess[], root: TreeProcess | undefined): SelectionMiss {
  const seen = procs.map((p) => ({ pid: p.pid, commandLine: commandLineOf(p) }));
  const listed = seen.slice(0, 8).map((s) => `${s.pid} ${s.commandLine.slice(0, 60)}`);
  if (seen.length > 8) listed.push(`and ${seen.length - 8} more`);
  const what =
    selection.kind === 'main' && root
      ? `the command's root process ${root.pid} (${commandLineOf(root).slice(0, 60)}) is not Node and started no Node process`
      : selection.kind === 'largest'
        ? 'no process has an RSS sample'
        : 'it matched no process';
  const processes = seen.length ? `processes seen: ${listed.join(', ')}` : 'no process of the command was seen';
  return { matched: false, message: `--process ${selectionText(selection)}: ${what}; ${processes}`, seen };
}

/** A selection that matched nothing: one line and exit 2 (the samples file stays for `memkit report --process`). */
export class ProcessSelectionMiss extends UsageError {
  constructor(readonly miss: SelectionMiss) {
    super(miss.message);
    this.name = 'ProcessSelectionMiss';
  }
}

/**
 * The run as the selection sees it: a RunData whose top-level agent fields (hello, marks,
 * mem, gc, done, error) and `proc` are the merge of the selected isolates and processes
 * (see process-merge.ts), so the existing analysis runs on it unchanged. The isolates,
 * processes, ends and unreached stay as they were. Throws ProcessSelectionMiss when
 * nothing matched.
 */
export function mergedView(data: RunData, selection: ProcessSelection): RunData {
  // One agent's records at the top level: a scenario (one process), or `all` of an older
  // command run, whose figures already are the selection's. A narrower selection of an
  // older command run still picks its processes (its agent counts as isolate 0).
  if (data.isolates.size === 0 && (data.hello?.mode === 'scenario' || selection.kind === 'all')) return data;
  const selected = selectIsolates(data, selection);
  if (!selected.matched) throw new ProcessSelectionMiss(selected);
  return mergeSelection(data, selected);
}

/**
 * The run with no process selected: what a crashed or interrupted run leaves when the
 * processes asked for never started. Its figures are empty, not another process's.
 */
export function emptySelectionView(data: RunData): RunData {
  return {
    ...data,
    hello: undefined,
    marks: [],
    mem: { tMs: [], rss: [], heapUsed: [], heapTotal: [], external: [], arrayBuffers: [] },
    gc: { tMs: [], kind: [], pauseMs: [], flags: [], usedBefore: [], usedAfter: [], totalAfter: [], src: [] },
    proc: { tMs: [], rssBytes: [], cpuPercent: [], cpuMs: [] },
    done: undefined,
    error: undefined,
    alloc: [],
  };
}
