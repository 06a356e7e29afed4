import v8 from 'node:v8';
import { defineScenario, type ScenarioContext } from '../src/scenario/define.js';
import { xorshift32 } from './lib/xorshift.js';

/**
 * Seed 002 ("内存背压服务", a memory-backpressure service) in Node terms: a consumer takes
 * records one at a time and batches them in a dict-like buffer — a Map keyed by record
 * key, so a newer record replaces an older one with the same key (dedup) — and processes
 * the whole batch at once. The bigger the batch, the more it dedups and the cheaper its
 * I/O; but a process that dies with a full buffer loses everything in it.
 *
 *  fixed-count (before): `if (buffer.size >= limit) flush()`, the seed's loop. The count
 *    is a guess at what fits in memory, and the records are JSON documents of very uneven
 *    size (a few dozen bytes to tens of kilobytes, strings and arrays): under a heap
 *    smaller than `limit` records need, the process runs out of heap with a full buffer,
 *    and every record in it is lost.
 *  watermark (after): the buffer is flushed when memory reaches a watermark (70 %) of the
 *    limit that actually applies — V8's old-generation limit, and the container's
 *    (process.constrainedMemory()) or `memoryLimit` when there is one — measured, not
 *    estimated from a record count. It uses as much memory as it safely can, and a run
 *    ends with nothing lost.
 *
 * Records are accounted for so the parent can reconcile them even after a crash:
 * `records.in` counts every record consumed, `records.out` every record whose fate is
 * settled — processed in a flushed batch, or superseded by a newer record with the same
 * key. memkit derives `custom.records.lost = in - out`: what sat in the buffer when the
 * last progress message left the child (0 for a run that completes, whose teardown
 * flushes).
 */

// ---- the input: a pool of JSON messages, as a consumer receives them off the wire ----------

const TEMPLATES = 1024;
const WORDS = ['order', 'user', 'click', 'view', 'cart', 'paid', 'refund', 'sku', 'promo', 'region', 'device', 'session'];

/**
 * Builds `TEMPLATES` JSON documents of very uneven size and shape into one Buffer (outside
 * the V8 heap, so the input costs the heap budget nothing): small events, text bodies from
 * 16 B to 16 KB (log-uniform), arrays of numbers, nested attribute maps.
 */
function buildMessagePool(rand: () => number): { bytes: Buffer; offsets: Int32Array } {
  const docs: string[] = [];
  for (let t = 0; t < TEMPLATES; t++) {
    const doc: Record<string, unknown> = {
      type: WORDS[(rand() * WORDS.length) | 0],
      ts: 1_700_000_000_000 + Math.floor(rand() * 1e9),
      user: `u${Math.floor(rand() * 1e6)}`,
    };
    const shape = rand();
    const size = Math.floor(16 * 2 ** (rand() * 10)); // 16 B .. 16 KB
    if (shape < 0.5) {
      let body = '';
      while (body.length < size) body += `${WORDS[(rand() * WORDS.length) | 0]} `;
      doc.body = body;
    } else if (shape < 0.8) {
      doc.items = Array.from({ length: Math.max(1, size >> 3) }, () => Math.round(rand() * 1e6) / 100);
    } else {
      const attrs: Record<string, string> = {};
      for (let i = 0; i < Math.max(1, size >> 5); i++) attrs[`a${i}`] = WORDS[(rand() * WORDS.length) | 0]! + i;
      doc.attrs = attrs;
    }
    docs.push(JSON.stringify(doc));
  }
  const offsets = new Int32Array(TEMPLATES + 1);
  for (let t = 0; t < TEMPLATES; t++) offsets[t + 1] = offsets[t]! + docs[t]!.length;
  return { bytes: Buffer.from(docs.join(''), 'latin1'), offsets };
}

// ---- the memory watermark ---------------------------------------------------------------

/**
 * The memory a buffered record ends up in, and the limit on it, read cheaply enough to
 * check every few dozen records. Measured here (Node 20, this machine): v8.getHeapStatistics()
 * ~0.4 µs, v8.getHeapSpaceStatistics() ~0.6 µs, process.memoryUsage() ~6 µs and
 * process.memoryUsage.rss() ~6 µs (both read /proc), process.constrainedMemory() ~20 µs.
 *
 * - V8 kills the process when its *old generation* cannot hold what survives a full GC.
 *   Every live record ends up there: the young generation only holds it until two
 *   scavenges have passed. So the heap signal is all the heap in use, young generation
 *   included (recent records not yet promoted: up to a semi-space, 16 MiB, of them), against
 *   the old generation's limit. heap_size_limit is not that limit: it also counts the young
 *   generation's reserve (3 semi-spaces: 112 MiB for --max-old-space-size=64), which on a
 *   small heap is a large share no buffer can ever fill. --max-old-space-size, when given
 *   (on the command line or in NODE_OPTIONS), is the limit exactly; without it V8 sized
 *   the heap from physical memory, its young generation is a few percent of it, and
 *   heap_size_limit is used. Both figures come from one getHeapSpaceStatistics() call.
 *   The young generation's garbage counts too, which is safe but timid when the old
 *   generation is not much bigger than a semi-space: at --max-old-space-size=32 the same
 *   run flushed 24 batches instead of 5 at 64 (--max-semi-space-size lowers that).
 * - A container's limit (process.constrainedMemory(), or `memoryLimit`) is on the whole
 *   process, so that signal is the RSS, read only when such a limit exists.
 */
interface Watermark {
  heapLimitBytes: number;
  heapWatermarkBytes: number;
  processLimitBytes: number; // 0: none
  processWatermarkBytes: number;
}

const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);

/** Bytes in use on the whole V8 heap, and in its old generation alone (one reading). */
interface HeapReading {
  usedBytes: number;
  oldBytes: number;
}

function readHeap(into: HeapReading): void {
  let used = 0;
  let old = 0;
  for (const s of v8.getHeapSpaceStatistics()) {
    used += s.space_used_size;
    if (!YOUNG_SPACES.has(s.space_name)) old += s.space_used_size;
  }
  into.usedBytes = used;
  into.oldBytes = old;
}

/** The --max-old-space-size V8 was started with (MiB → bytes), or undefined. */
function maxOldSpaceFlagBytes(): number | undefined {
  const flags = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  let mib: number | undefined;
  for (const f of flags) {
    const m = /^--max[-_]old[-_]space[-_]size=(\d+(?:\.\d+)?)$/.exec(f);
    if (m) mib = Number(m[1]); // the last one wins, as in V8
  }
  return mib !== undefined ? mib * 2 ** 20 : undefined;
}

function resolveWatermark(fraction: number, memoryLimitBytes: number): Watermark {
  const heapLimitBytes = Math.min(maxOldSpaceFlagBytes() ?? Infinity, v8.getHeapStatistics().heap_size_limit);
  // Node reports "no limit" as a huge number (2^64 on Linux), not as undefined.
  const constrained = process.constrainedMemory?.() ?? 0;
  const container = constrained > 0 && constrained < 2 ** 62 ? constrained : 0;
  const processLimitBytes = memoryLimitBytes > 0 ? memoryLimitBytes : container;
  return {
    heapLimitBytes,
    heapWatermarkBytes: Math.floor(heapLimitBytes * fraction),
    processLimitBytes,
    processWatermarkBytes: Math.floor(processLimitBytes * fraction),
  };
}

// ---- the consumer ---------------------------------------------------------------------

interface State {
  rand: () => number;
  pool: { bytes: Buffer; offsets: Int32Array };
  keySpace: number;
  policy: 'fixed-count' | 'watermark';
  limit: number;
  checkEvery: number;
  flushFraction: number;
  watermark: Watermark | undefined;
  buffer: Map<string, unknown>;
  /** Records consumed since the last memory check. */
  sinceCheck: number;
  /** The latest heap reading (one object, refilled at every check). */
  heap: HeapReading;
  /** Old-generation bytes at the last check; a drop means a full GC has run since. */
  lastOldBytes: number;
  /** The old generation still holds the garbage of a flush no full GC has reclaimed yet. */
  awaitingGc: boolean;
  peakBufferRecords: number;
  checksum: number;
}

/**
 * process_batch(buffer.values()): processes the oldest `count` records (a Map iterates in
 * insertion order) and drops them from the buffer.
 */
function flush(st: State, ctx: ScenarioContext, count: number): void {
  let n = 0;
  for (const [key, rec] of st.buffer) {
    if (n === count) break;
    st.checksum = (st.checksum + weigh(rec)) % 1_000_000_007;
    st.buffer.delete(key);
    n++;
  }
  ctx.count('records.flushed', n);
  ctx.count('records.out', n);
  ctx.count('batches.flushed');
  ctx.gauge('buffer.records', st.buffer.size);
}

/** The batch's "work": touches every record so the processing is not optimised away. */
function weigh(rec: unknown): number {
  const r = rec as { ts: number; body?: string; items?: number[]; attrs?: object };
  return r.ts % 997 + (r.body?.length ?? r.items?.length ?? 1);
}

/**
 * Whether memory has reached the watermark. After a flush the old generation still holds
 * the flushed records as garbage until V8's next full GC: flushing again meanwhile would
 * process ever smaller batches to free memory that GC is about to reclaim anyway (46
 * batches instead of 6 in the same run, measured). So while a flush's
 * garbage is pending, only a reading above the midpoint between the watermark and the
 * limit (V8 is about to need that room) triggers another flush.
 */
function overWatermark(st: State): boolean {
  const w = st.watermark!;
  readHeap(st.heap);
  // Only a full GC shrinks the old generation (a scavenge only adds to it).
  if (st.heap.oldBytes < st.lastOldBytes) st.awaitingGc = false;
  st.lastOldBytes = st.heap.oldBytes;
  const heapTrigger = st.awaitingGc ? (w.heapWatermarkBytes + w.heapLimitBytes) / 2 : w.heapWatermarkBytes;
  if (st.heap.usedBytes >= heapTrigger) return true;
  if (w.processLimitBytes > 0) {
    const rss = process.memoryUsage.rss();
    const processTrigger = st.awaitingGc ? (w.processWatermarkBytes + w.processLimitBytes) / 2 : w.processWatermarkBytes;
    if (rss >= processTrigger) return true;
  }
  return false;
}

export default defineScenario<State>({
  name: 'backpressure',
  description: 'a consumer batching records in a dedup Map, flushed at a fixed count vs at a memory watermark (seed 002)',
  defaultVariant: 'fixed-count',
  variants: {
    'fixed-count': {
      description: 'before: flush at 100k records, a count guessed for records of unknown size; under a small heap it runs out of memory and loses its buffer',
      params: { policy: 'fixed-count' },
    },
    watermark: {
      description: "after: flush (the oldest half) when the V8 heap in use reaches 70% of the old generation's limit (and RSS 70% of the container's, if any); nothing lost",
      params: { policy: 'watermark' },
    },
  },
  params: {
    policy: { default: 'fixed-count', description: "'fixed-count' (flush at `limit` records) or 'watermark' (flush at a memory watermark)" },
    limit: { default: 100_000, description: 'fixed-count: records per batch' },
    watermark: { default: 0.7, description: 'watermark: flush when memory reaches this fraction of the limit (0 < w < 1)' },
    memoryLimit: {
      default: 0,
      description: 'watermark: a process memory limit in bytes (RSS); 0 = process.constrainedMemory() when the process has one',
    },
    flushFraction: { default: 0.5, description: 'watermark: share of the buffer (oldest first) processed per flush' },
    checkEvery: { default: 64, description: 'watermark: records between memory readings' },
    keySpace: { default: 2_000_000, description: 'distinct record keys (skewed: low keys recur, and dedup in a batch)' },
    seed: { default: 2, description: 'record stream seed' },
  },
  metrics: {
    'records.lost': { unit: 'count', better: 'lower', description: 'records consumed but neither processed nor superseded (in - out)' },
  },
  setup(ctx) {
    const p = ctx.params;
    const policy = p.policy === 'watermark' ? 'watermark' : p.policy === 'fixed-count' ? 'fixed-count' : undefined;
    if (!policy) throw new Error(`backpressure: --param policy=${String(p.policy)}: expected 'fixed-count' or 'watermark'`);
    const fraction = Number(p.watermark);
    if (!(fraction > 0 && fraction < 1)) throw new Error(`backpressure: --param watermark=${fraction}: expected a fraction between 0 and 1`);
    const flushFraction = Number(p.flushFraction);
    if (!(flushFraction > 0 && flushFraction <= 1)) {
      throw new Error(`backpressure: --param flushFraction=${flushFraction}: expected a fraction in (0, 1]`);
    }
    const rand = xorshift32(Number(p.seed));
    const watermark = policy === 'watermark' ? resolveWatermark(fraction, Number(p.memoryLimit)) : undefined;
    if (watermark) {
      ctx.gauge('memory.heap_limit_bytes', watermark.heapLimitBytes);
      ctx.gauge('memory.heap_watermark_bytes', watermark.heapWatermarkBytes);
      if (watermark.processLimitBytes > 0) ctx.gauge('memory.process_limit_bytes', watermark.processLimitBytes);
    }
    return {
      rand,
      pool: buildMessagePool(rand),
      keySpace: Math.max(1, Number(p.keySpace)),
      policy,
      limit: Math.max(1, Number(p.limit)),
      checkEvery: Math.max(1, Number(p.checkEvery)),
      flushFraction,
      watermark,
      buffer: new Map(),
      sinceCheck: 0,
      heap: { usedBytes: 0, oldBytes: 0 },
      lastOldBytes: 0,
      awaitingGc: false,
      peakBufferRecords: 0,
      checksum: 0,
    };
  },
  step(st, ctx) {
    // consumer.consume(): the next record's bytes, decoded, and its key.
    const r = st.rand;
    const t = (r() * TEMPLATES) | 0;
    const payload: unknown = JSON.parse(st.pool.bytes.toString('latin1', st.pool.offsets[t]!, st.pool.offsets[t + 1]!));
    const u = r();
    const key = `k${Math.floor(st.keySpace * u * u)}`;
    ctx.count('records.in');

    const size = st.buffer.size;
    st.buffer.set(key, payload); // buffer[key] = payload
    if (st.buffer.size === size) {
      ctx.count('records.deduped'); // the older record with this key is superseded: settled
      ctx.count('records.out');
    } else if (st.buffer.size > st.peakBufferRecords) st.peakBufferRecords = st.buffer.size;

    if (st.policy === 'fixed-count') {
      if (st.buffer.size >= st.limit) flush(st, ctx, st.buffer.size);
    } else if (++st.sinceCheck >= st.checkEvery) {
      st.sinceCheck = 0;
      if (overWatermark(st)) {
        flush(st, ctx, Math.ceil(st.buffer.size * st.flushFraction));
        st.awaitingGc = true;
      }
    }
    if ((ctx.steps & 63) === 0) {
      ctx.gauge('buffer.records', st.buffer.size);
      ctx.gauge('buffer.peak_records', st.peakBufferRecords);
    }
  },
  teardown(st, ctx) {
    // A clean shutdown processes what is left: nothing is lost.
    if (st.buffer.size > 0) flush(st, ctx, st.buffer.size);
    ctx.gauge('buffer.peak_records', st.peakBufferRecords);
  },
});
