import type { HelloMessage } from '../samples/protocol.js';
import type { ProcessSeries, RunData } from '../samples/run-data.js';

/**
 * The processes of a command's tree, each with the isolates (agents) that ran in it: the
 * outside sampler's rows (data.processes, in the order first seen, the root first) joined
 * with the agents' hellos by pid (and startTicks, which tells a reused pid apart). A
 * process only an agent knows of (no /proc sample: too short-lived, or not Linux) is
 * listed from its hello.
 */
export interface TreeProcess {
  pid: number;
  ppid: number;
  startTicks?: number;
  /** Its command line: /proc's when sampled (npm retitles itself there), else the agent's. */
  argv: string[];
  comm?: string;
  /** Its isolates' agentIds: the main thread first, then worker threads, each by agentId. */
  agentIds: number[];
  /** The outside sampler's series (RSS, CPU), when it saw the process. */
  series?: ProcessSeries;
  /**
   * Its RSS peak: the outside samples and its main thread's agent's own readings at its
   * window's edges (the run's rss figures take those too, so a selection of this one process
   * reports this peak). Undefined when the outside sampler never saw it.
   */
  rssPeakBytes?: number;
  /** Node, as far as memkit can tell: an agent reported, it is listed unreached, or its binary is node. */
  node: boolean;
  /** When memkit first saw it: its first /proc sample or its first agent's hello, whichever came first. */
  firstSeenMs: number;
}

export function treeProcesses(data: RunData): TreeProcess[] {
  const procs: TreeProcess[] = data.processes.map((s) => ({
    pid: s.pid,
    ppid: s.ppid,
    startTicks: s.startTicks,
    argv: s.argv,
    comm: s.comm,
    agentIds: [],
    series: s,
    node: isNodeCommand(s.comm, s.argv),
    firstSeenMs: s.firstSeenMs,
  }));
  const threads = new Map<TreeProcess, Array<{ agentId: number; main: boolean }>>();
  for (const [agentId, iso] of isolatesOf(data)) {
    const hello = iso.hello;
    if (!hello) continue; // records of an agent whose hello never arrived: no pid to place them
    // The program this process exec'd away from (a fork's moment before gunicorn's re-exec): the
    // pid's row is the new program's, whose agent said the next hello.
    if (iso.done?.reason === 'exec') continue;
    let p = processOf(procs, hello);
    if (!p) {
      p = {
        pid: hello.pid,
        ppid: hello.ppid ?? 0,
        startTicks: hello.startTicks,
        argv: hello.argv ?? [],
        agentIds: [],
        node: true,
        firstSeenMs: hello.tMs,
      };
      procs.push(p);
    }
    p.node = true;
    p.firstSeenMs = Math.min(p.firstSeenMs, hello.tMs);
    // A Python agent's hello carries its interpreter's own command line (sys.orig_argv): the outside
    // sampler may have read the pid between a fork and its exec (subprocess's preexec_fn), and seen the parent's.
    if (hello.argv?.length && (p.argv.length === 0 || hello.runtime === 'python')) p.argv = hello.argv;
    const list = threads.get(p) ?? [];
    list.push({ agentId, main: hello.isMainThread !== false });
    threads.set(p, list);
  }
  for (const [p, list] of threads) {
    // Stable: main thread(s) first, each group in agentId (hello) order.
    p.agentIds = [...list.filter((t) => t.main), ...list.filter((t) => !t.main)].map((t) => t.agentId);
  }
  const isolates = isolatesOf(data);
  for (const p of procs) {
    if (!p.series || p.series.tMs.length === 0) continue;
    let peak = p.series.peakRssBytes;
    const main = p.agentIds.map((id) => isolates.get(id)).find((iso) => iso?.hello?.isMainThread !== false);
    for (const m of main?.marks ?? []) {
      if ((m.label === 'measure-start' || m.label === 'measure-end') && m.rssBytes !== undefined && m.rssBytes > peak) peak = m.rssBytes;
    }
    p.rssPeakBytes = peak;
  }
  for (const u of data.unreached) {
    const p = procs.findLast((q) => q.pid === u.pid);
    if (p) p.node = true;
  }
  // Start order; the sort is stable, so the root (first /proc row) stays ahead of its own children.
  return procs.map((p, i) => ({ p, i })).sort((a, b) => a.p.firstSeenMs - b.p.firstSeenMs || a.i - b.i).map((x) => x.p);
}

/**
 * The run's isolates by agentId. An older run's single agent sent its records untagged
 * (they sit at the top level): it is isolate 0, so its process counts as measured.
 */
export function isolatesOf(data: RunData): Map<number, RunData> {
  return data.isolates.size === 0 && data.hello !== undefined ? new Map([[0, data]]) : data.isolates;
}

/** The process an agent's hello belongs to: same pid, same startTicks when both are known; the latest such. */
function processOf(procs: TreeProcess[], hello: HelloMessage): TreeProcess | undefined {
  return procs.findLast(
    (p) => p.pid === hello.pid && (p.startTicks === undefined || hello.startTicks === undefined || p.startTicks === hello.startTicks),
  );
}

/**
 * The command's root process: the outside sampler starts at the spawned pid, so its first
 * row; without /proc data, the process whose parent is no other agent's process (the
 * lowest agentId of those).
 */
export function rootProcess(data: RunData, procs: TreeProcess[]): TreeProcess | undefined {
  const first = data.processes[0];
  if (first) return procs.find((p) => p.series === first);
  const pids = new Set(procs.map((p) => p.pid));
  const roots = procs.filter((p) => p.agentIds.length > 0 && !pids.has(p.ppid));
  roots.sort((a, b) => a.agentIds[0]! - b.agentIds[0]!);
  return roots[0];
}

/** The processes below `root` (children, grandchildren, …), in start order. */
export function descendantsOf(root: TreeProcess, procs: TreeProcess[]): TreeProcess[] {
  const inTree = new Set<TreeProcess>([root]);
  const out: TreeProcess[] = [];
  // procs is in start order and a child starts after its parent: one pass finds them all.
  for (const p of procs) {
    if (inTree.has(p)) continue;
    const parent = procs.findLast((q) => q.pid === p.ppid && inTree.has(q) && q.firstSeenMs <= p.firstSeenMs);
    if (parent) {
      inTree.add(p);
      out.push(p);
    }
  }
  return out;
}

/** How far below the root a process sits (0 for the root; processes not under it count as deep). */
export function depthOf(p: TreeProcess, procs: TreeProcess[], root: TreeProcess | undefined): number {
  let depth = 0;
  let cur: TreeProcess | undefined = p;
  const seen = new Set<TreeProcess>();
  while (cur && cur !== root && !seen.has(cur)) {
    seen.add(cur);
    const c: TreeProcess = cur;
    cur = procs.findLast((q) => q.pid === c.ppid && q !== c && q.firstSeenMs <= c.firstSeenMs);
    depth++;
  }
  return cur === root ? depth : Number.MAX_SAFE_INTEGER;
}

/** A process's command line for people: npm pads its retitled argv with spaces. */
export function commandLineOf(p: { argv: string[]; comm?: string }): string {
  return (p.argv.length ? p.argv.join(' ') : (p.comm ?? '')).replace(/\s+/g, ' ').trim();
}

export function isNodeCommand(comm: string | undefined, argv: string[]): boolean {
  const bin = (argv[0] ?? '').split('/').pop() ?? '';
  return comm === 'node' || /^node(js)?$/.test(bin);
}
