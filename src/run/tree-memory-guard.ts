import { readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { ParentMessage } from '../samples/protocol.js';
import type { MemoryLimitRecord, ProcTreeSample, RunData, SampleRecord } from '../samples/run-data.js';
import type { StopCause } from './exit-classifier.js';

/**
 * Evidence a command's tree leaves when it runs out of memory, kept by the parent:
 *  - near V8's heap limit: every agent is told, after its hello, where the gc-hooks addon
 *    may write a heap snapshot from V8's near-heap-limit callback (the addon's record itself
 *    needs nothing from here: agent/near-heap-limit.ts);
 *  - --memory-limit: memkit watches the tree's RSS (the outside sampler's sum) as a
 *    container's limit would be. At 90 % it asks every agent for its batches now and the
 *    main threads whose heap is small enough for a snapshot, and records that; at 100 % it
 *    records it and kills the tree, and the run is crashed with the figures.
 *
 * A snapshot is asked only of a heap of at most SNAPSHOT_MAX_HEAP_BYTES: V8 builds its
 * snapshot graph outside the heap (about the heap's size again, more for small objects)
 * and takes its time: a 50 MB heap of small objects took 13 s from the near-limit callback
 * and 14.5 s with Node's own v8.writeHeapSnapshot on this 2-core machine under load (load
 * average 6), so 128 MB is already ~40 s of a frozen process and ~300 MB of disk. A larger
 * heap would more likely be killed half-way (by --timeout, the limit memkit enforces, or
 * the kernel) than give a snapshot. Near --memory-limit the heap must also fit in what is
 * left under the limit, or the snapshot itself would cross it.
 */
export const SNAPSHOT_MAX_HEAP_BYTES = 128 * 2 ** 20;
/** The share of --memory-limit at which memkit gathers the evidence. */
export const NEAR_LIMIT_SHARE = 0.9;

export interface TreeMemoryGuardOptions {
  /** Names the snapshot files: `<stem>.pid<N>….heapsnapshot`, beside the run's samples. */
  stem: string;
  memoryLimitBytes?: number;
  data: RunData;
  record(r: SampleRecord): void;
  sendToAgent(agentId: number, message: ParentMessage): void;
  stop(cause: StopCause, detail: string): void;
}

export class TreeMemoryGuard {
  private lastTree: ProcTreeSample | undefined;
  private near = false;
  private reached = false;
  /** Snapshots asked for at 90 % and not answered yet. */
  private readonly asked = new Set<string>();
  /** Where the agents' near-heap-limit callbacks may write. */
  private readonly nearLimitPaths: string[] = [];

  private readonly stem: string;

  /** The stem is made absolute: a program may change its working directory. */
  constructor(private readonly o: TreeMemoryGuardOptions) {
    this.stem = resolve(o.stem);
  }

  /** Every record of the run, after it was recorded. */
  onRecord(r: SampleRecord): void {
    const agentId = (r as { agentId?: number }).agentId;
    if (r.type === 'hello' && agentId !== undefined) {
      const thread = r.isMainThread === false && r.threadId !== undefined ? `.thread${r.threadId}` : '';
      const path = `${this.stem}.pid${r.pid}${thread}.near-heap-limit.heapsnapshot`;
      this.o.sendToAgent(agentId, { type: 'near-limit-snapshot', path, maxHeapBytes: SNAPSHOT_MAX_HEAP_BYTES });
      this.nearLimitPaths.push(path);
    } else if (r.type === 'heap-snapshot-done') {
      this.asked.delete(r.path);
    } else if (r.type === 'proc-tree') {
      this.lastTree = r;
    } else if (r.type === 'proc' && this.o.memoryLimitBytes !== undefined) {
      this.watch(r.tMs, r.rssBytes, this.o.memoryLimitBytes);
    }
  }

  private watch(tMs: number, rssBytes: number, limitBytes: number): void {
    if (this.reached) return;
    const largest = this.largest();
    const base = { type: 'memory-limit' as const, tMs, rssBytes, limitBytes, ...largest };
    if (!this.near && rssBytes >= NEAR_LIMIT_SHARE * limitBytes) {
      this.near = true;
      const snapshotPaths = this.gatherEvidence(limitBytes - rssBytes);
      this.o.record({ ...base, phase: 'near', ...(snapshotPaths.length ? { snapshotPaths } : {}) });
    }
    if (rssBytes >= limitBytes) {
      this.reached = true;
      this.o.record({ ...base, phase: 'reached' } satisfies MemoryLimitRecord);
      const mb = (b: number): string => `${Math.round(b / 1e6)} MB`;
      const who = largest.largestPid !== undefined ? `; the largest, pid ${largest.largestPid}, had ${mb(largest.largestRssBytes!)}` : '';
      this.o.stop('memory-limit', `RSS ${mb(rssBytes)} of ${mb(limitBytes)}${who}`);
      this.removeUnfinished();
    }
  }

  /** Batches from every agent; a snapshot from each main thread whose heap fits. */
  private gatherEvidence(headroomBytes: number): string[] {
    const paths: string[] = [];
    for (const [agentId, iso] of this.o.data.isolates) {
      if (!iso.hello || iso.done || iso.lost) continue;
      this.o.sendToAgent(agentId, { type: 'flush' });
      const heap = iso.mem.heapUsed.at(-1);
      if (iso.hello.isMainThread === false || heap === undefined) continue;
      if (heap > SNAPSHOT_MAX_HEAP_BYTES || heap > headroomBytes) continue;
      const path = `${this.stem}.pid${iso.hello.pid}.memory-limit.heapsnapshot`;
      this.o.sendToAgent(agentId, { type: 'heap-snapshot', path });
      this.asked.add(path);
      paths.push(path);
    }
    return paths;
  }

  /**
   * The tree is killed at once (SIGKILL): a snapshot still being written stays a temp file
   * (heap-snapshot-writer.ts names it `.<name>.<pid>.tmp`), which is removed, not left behind.
   */
  private removeUnfinished(): void {
    for (const path of this.asked) {
      try {
        const prefix = `.${basename(path)}.`;
        for (const f of readdirSync(dirname(path))) if (f.startsWith(prefix) && f.endsWith('.tmp')) unlinkSync(`${dirname(path)}/${f}`);
      } catch {
        // nothing to remove
      }
    }
  }

  /**
   * The run is over: a near-heap-limit snapshot the process died writing (V8 can run out
   * of heap during it too) is a temp file the addon named `<path>.tmp`; it is removed.
   */
  finish(): void {
    for (const path of this.nearLimitPaths) {
      try {
        unlinkSync(`${path}.tmp`);
      } catch {
        // none: not started, or written whole
      }
    }
    this.removeUnfinished();
  }

  private largest(): { largestPid?: number; largestRssBytes?: number } {
    const t = this.lastTree;
    if (!t || t.pid.length === 0) return {};
    let i = 0;
    for (let k = 1; k < t.pid.length; k++) if (t.rssBytes[k]! > t.rssBytes[i]!) i = k;
    return { largestPid: t.pid[i]!, largestRssBytes: t.rssBytes[i]! };
  }
}
