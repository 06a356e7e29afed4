import type { AgentChannel } from './channel.js';
import type { Collector } from './collector.js';
import { armNearHeapLimit } from './near-heap-limit.js';
import type { ParentMessage } from '../samples/protocol.js';

/**
 * What a command's agent does when memkit asks (`mem-snapshot --at`, `--memory-limit`):
 * a heap snapshot of this isolate, streamed to the path memkit gave (as in scenario mode:
 * heap-snapshot-writer.ts), answered by `heap-snapshot-done`; or its batches now. And it
 * arms the addon's near-heap-limit callback, which leaves evidence where no JavaScript can.
 *
 * Snapshots are taken one at a time: the writer's inspector session delivers every
 * snapshot's chunks to every listener, so two at once would interleave in both files.
 */
export function answerParentRequests(channel: AgentChannel, collector: Collector): void {
  let queue: Promise<void> = Promise.resolve();
  const nearLimit = armNearHeapLimit(channel);
  channel.onMessage((m: ParentMessage) => {
    if (m.type === 'flush') collector.tick();
    else if (m.type === 'heap-snapshot') queue = queue.then(() => snapshotTo(channel, m.path));
    else if (m.type === 'near-limit-snapshot') nearLimit?.snapshotTo(m.path, m.maxHeapBytes);
  });
}

async function snapshotTo(channel: AgentChannel, path: string): Promise<void> {
  try {
    // Loaded only by runs that ask for a snapshot: node:inspector stays out of every other process.
    const { takeHeapSnapshot } = await import('./heap-snapshot-writer.js');
    const r = await takeHeapSnapshot(path);
    channel.send({ type: 'heap-snapshot-done', path, bytes: r.bytes, durationMs: r.durationMs });
  } catch (err) {
    // The program goes on; memkit says which snapshot is missing and why.
    const error = err instanceof Error ? err.message : String(err);
    channel.send({ type: 'heap-snapshot-done', path, bytes: 0, durationMs: 0, error: error.split('\n')[0] ?? '' });
  }
}
