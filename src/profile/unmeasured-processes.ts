import { commandLineOf, treeProcesses } from '../analyze/process-list.js';
import type { RunData } from '../samples/run-data.js';

/**
 * The Node processes and worker threads of a command's tree that no agent reported from:
 * the registry's `unreached` records (with its reason), and Node processes the outside
 * sampler saw that neither said hello nor were listed. Their GC and heap are in no figure
 * (their RSS and CPU are, under `--process all`): the baseline must say so rather than let
 * the totals pass for the whole program's.
 *
 * `pids`: the processes the figures describe (the selection); the others are left out by
 * choice, not for want of an agent. Undefined: every process.
 */
export function unmeasuredProcessesNote(data: RunData, pids?: ReadonlySet<number>): string | undefined {
  const inSelection = (pid: number): boolean => pids === undefined || pids.has(pid);
  const listed: string[] = [];
  const named = (pid: number, argv: string[]) => `${pid} (${commandLineOf({ argv }).slice(0, 80)})`;
  for (const u of data.unreached) {
    if (!inSelection(u.pid)) continue;
    listed.push(`${named(u.pid, u.argv)}${u.threadId !== undefined ? ` worker thread ${u.threadId}` : ''}: ${u.reason}`);
  }
  const unreachedPids = new Set(data.unreached.filter((u) => u.threadId === undefined).map((u) => u.pid));
  for (const p of treeProcesses(data)) {
    if (!p.node || p.agentIds.length > 0 || unreachedPids.has(p.pid) || !inSelection(p.pid)) continue;
    listed.push(`${named(p.pid, p.argv.length ? p.argv : [p.comm ?? ''])}: no memkit agent reported from it`);
  }
  if (listed.length === 0) return undefined;
  const n = listed.length;
  return `totals leave out ${n} process${n === 1 ? '' : 'es'} not measured (no GC or heap figures from ${n === 1 ? 'it' : 'them'}): ${listed.join('; ')}`;
}

/**
 * Node runs a worker thread's first GCs (2 scavenges on Node 20) while it bootstraps the
 * thread, before any code of the thread, memkit's preload included, can observe them
 * (docs/process-tree.md F10): V8's --trace-gc prints them, memkit's counts cannot have them.
 */
export function workerBootstrapNote(data: RunData, pids?: ReadonlySet<number>): string | undefined {
  let workers = 0;
  for (const isolate of data.isolates.values()) {
    const hello = isolate.hello;
    if (hello && hello.isMainThread === false && (pids === undefined || pids.has(hello.pid))) workers++;
  }
  if (workers === 0) return undefined;
  return (
    `${workers} worker thread${workers === 1 ? '' : 's'}: the GCs V8 runs while Node starts a worker thread (2 scavenges each on Node 20), ` +
    'before any code in it can observe them, are not in the counts (V8’s --trace-gc shows them)'
  );
}
