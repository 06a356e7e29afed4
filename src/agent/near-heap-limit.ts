import type { AgentChannel } from './channel.js';
import { loadGcHooks } from './gc-hooks-addon.js';

/**
 * Arms the gc-hooks addon's near-heap-limit callback on this isolate: when V8 is about to
 * run out of heap, the addon writes a `near-heap-limit` record straight to the agent's
 * socket (no JavaScript can run then, and the process usually aborts right after). Needs
 * the socket's fd, so only on a socket channel, and the addon; without either, an out-of-
 * heap crash is still told from V8's message on stderr, without the figures.
 */
export function armNearHeapLimit(channel: AgentChannel): NearLimitArm | undefined {
  const addon = loadGcHooks();
  if (typeof addon?.armNearHeapLimit !== 'function') return undefined;
  const fdOf = (): number | undefined => (channel as Partial<{ fd: number | undefined }>).fd;
  const arm = (path?: string, maxHeapBytes?: number): boolean => {
    const fd = fdOf();
    if (fd === undefined) return false;
    try {
      if (path !== undefined && maxHeapBytes !== undefined) addon.armNearHeapLimit!(fd, path, maxHeapBytes);
      else addon.armNearHeapLimit!(fd);
      return true;
    } catch {
      return false; // not a socket (a scenario's IPC pipe): no record, as without the addon
    }
  };
  // A Unix socket's fd exists once createConnection returns (socket-channel.ts); should it
  // not yet, the next turns of the loop are given a chance.
  let tries = 0;
  const retry = (): void => {
    if (!arm() && ++tries < 20) setTimeout(retry, 50).unref();
  };
  retry();
  return { snapshotTo: (path, maxHeapBytes) => void arm(path, maxHeapBytes) };
}

export interface NearLimitArm {
  /** Where the callback writes a snapshot, when the heap is then at most maxHeapBytes. */
  snapshotTo(path: string, maxHeapBytes: number): void;
}
