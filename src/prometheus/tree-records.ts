import type { MarkMessage, MemBatch } from '../samples/protocol.js';
import type { AgentTagged, SampleRecord } from '../samples/run-data.js';

/**
 * A command's tree sends one stream of records per isolate (tagged with agentId); the
 * exporter's families describe the program as one: the first agent's hello, marks and
 * done set the run's window (the root process's life), every isolate's GCs are counted,
 * and the heap gauges are the sum over the isolates alive (each isolate's latest sample).
 * Untagged records (a scenario run) pass as they are.
 */
export class TreeRecordFolder {
  private rootAgentId: number | undefined;
  private readonly latest = new Map<number, HeapNow>();
  /** Each isolate's latest forced-GC reading (mem-stress). */
  private readonly live = new Map<number, { heap: number; external: number }>();

  fold(r: SampleRecord): SampleRecord[] {
    const agentId = (r as AgentTagged).agentId;
    if (agentId === undefined) return [r];
    const { agentId: _, ...own } = r as SampleRecord & AgentTagged;
    const record = own as SampleRecord;
    switch (record.type) {
      case 'hello':
        this.rootAgentId ??= agentId;
        return agentId === this.rootAgentId ? [record] : [];
      case 'mark':
        if (record.heapUsedAfterGcBytes !== undefined) return [this.sumLive(record, agentId)];
        return agentId === this.rootAgentId ? [record] : [];
      case 'done':
      case 'error':
        if (record.type === 'done') this.forget(agentId);
        return agentId === this.rootAgentId ? [record] : [];
      case 'agent-lost':
        this.forget(agentId);
        return [];
      case 'mem':
        return this.sumMem(record, agentId);
      default:
        return [record];
    }
  }

  private forget(agentId: number): void {
    this.latest.delete(agentId);
    this.live.delete(agentId);
  }

  /**
   * mem-stress's checkpoints, taken in every isolate on its own timer: the live memory is
   * the sum of each alive isolate's latest reading, as the leak verdict adds them up
   * (analyze/live-points.ts). The root's marks keep their label; another isolate's reading
   * goes out as a 'gc-checkpoint', which moves no edge of the window.
   */
  private sumLive(m: MarkMessage, agentId: number): MarkMessage {
    this.live.set(agentId, { heap: m.heapUsedAfterGcBytes!, external: m.externalAfterGcBytes ?? 0 });
    let heap = 0;
    let external = 0;
    for (const v of this.live.values()) {
      heap += v.heap;
      external += v.external;
    }
    const label = agentId === this.rootAgentId ? m.label : 'gc-checkpoint';
    return { type: 'mark', label, tMs: m.tMs, steps: m.steps, heapUsedAfterGcBytes: heap, externalAfterGcBytes: external };
  }

  private sumMem(b: MemBatch, agentId: number): SampleRecord[] {
    const last = b.tMs.length - 1;
    if (last < 0) return [];
    this.latest.set(agentId, { heapUsed: b.heapUsed[last]!, heapTotal: b.heapTotal[last]!, external: b.external[last]!, arrayBuffers: b.arrayBuffers[last]! });
    const total: HeapNow = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
    for (const v of this.latest.values()) {
      total.heapUsed += v.heapUsed;
      total.heapTotal += v.heapTotal;
      total.external += v.external;
      total.arrayBuffers += v.arrayBuffers;
    }
    return [{
      type: 'mem', tMs: [b.tMs[last]!], rss: [b.rss[last]!],
      heapUsed: [total.heapUsed], heapTotal: [total.heapTotal], external: [total.external], arrayBuffers: [total.arrayBuffers],
    }];
  }
}

/** One isolate's latest heap figures. */
interface HeapNow {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}
