import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread, threadId } from 'node:worker_threads';
import type { AgentIdentity, AgentRole } from '../samples/protocol.js';

/**
 * Who this agent is in a command's process tree, for its hello. The parent joins it to
 * what it sees from outside (/proc: pid + start time) and to V8's own --trace-gc lines
 * (pid + isolate address).
 */
export function agentIdentity(isolate: string | undefined): AgentIdentity {
  const cluster = clusterWorkerId();
  const role: AgentRole = !isMainThread
    ? 'worker-thread'
    : cluster !== undefined
      ? 'cluster-worker'
      : typeof process.send === 'function'
        ? 'fork'
        : 'process';
  return {
    ppid: process.ppid,
    threadId,
    isMainThread,
    ...(isolate !== undefined ? { isolate } : {}),
    ...(ownStartTicks() !== undefined ? { startTicks: ownStartTicks() } : {}),
    role,
    argv: process.argv.slice(1),
    ...(cluster !== undefined ? { clusterWorkerId: cluster } : {}),
  };
}

/**
 * Node deletes NODE_UNIQUE_ID before preloads run, but has loaded its cluster worker side by
 * then; requiring 'cluster' only hands back that module.
 */
function clusterWorkerId(): number | undefined {
  if (!isMainThread) return undefined;
  try {
    const cluster = createRequire(import.meta.url)('node:cluster') as { isWorker?: boolean; worker?: { id?: number } };
    return cluster.isWorker ? (cluster.worker?.id ?? 0) : undefined;
  } catch {
    return undefined;
  }
}

let ticks: number | undefined | null = null;
/** Field 22 of /proc/self/stat (clock ticks after boot when the process started); Linux only. */
function ownStartTicks(): number | undefined {
  if (ticks !== null) return ticks;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    ticks = Number.isFinite(value) ? value : undefined;
  } catch {
    ticks = undefined;
  }
  return ticks;
}
