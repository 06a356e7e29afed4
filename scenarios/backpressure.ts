import v8 from 'node:v8';
import { defineScenario, type ScenarioContext } from '../src/scenario/define.js';
import { seededRandom } from '../src/scenario/random.js';

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
 *   scavenges have passed. So the signal is all the heap in use, young generation
 *   included (recent records not yet promoted: up to a semi-space, 16 MiB, of them), against
 *   the old generation's limit. heap_size_limit is not that limit: it also counts the young
 *   generation's reserve (3 semi-spaces: 112 MiB for --max-old-space-size=64), which on a
 *   small heap is a large share no buffer can ever fill. --max-old-space-size, when given
 *   (on the command line or in NODE_OPTIONS), is the limit exactly; without it V8 sized
 *   the heap from physical memory, its young generation is a few percent of it, and
 *   heap_size_limit is used. Both figures come from one getHeapSpaceStatistics() call.
 *   Young-generation garbage counts too: safe, and a little timid when the old generation
 *   is not much bigger than a semi-space.
 * - A container's limit (process.constrainedMemory(), or `memoryLimit`) is on the whole
 *   process, RSS. But RSS is no signal to flush on: it only falls when V8 collects and
 *   gives pages back, long after a flush (flushing on it, the consumer flushed 501 ever
 *   smaller batches in 6 s, measured, and RSS still overshot). The limit is turned into a
 *   heap budget instead: the limit minus what the process holds outside the V8 heap at
 *   the start (RSS − heap total: code, Node itself, buffers), watched with the same signal.
 *   V8 still collects by its own limit, not ours: when the budget is the smaller, flushed
 *   records can linger as garbage beyond it, so setup says which --max-old-space-size fits.
 */
interface Watermark {
  /** The old generation's limit. */
  heapLimitBytes: number;
  /** A process memory limit (0: none). */
  processLimitBytes: number;
  /** What the heap may use: the smaller of the two limits, in heap terms. */
  limitBytes: number;
  /** Flush when the heap in use reaches this. */
  watermarkBytes: number;
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
  let limitBytes = heapLimitBytes;
  if (processLimitBytes > 0) {
    const { rss, heapTotal } = process.memoryUsage();
    const outsideHeapBytes = Math.max(0, rss - heapTotal);
    if (processLimitBytes <= outsideHeapBytes) {
      throw new Error(
        `backpressure: a memory limit of ${processLimitBytes} bytes leaves nothing for the heap: the process already holds ${outsideHeapBytes} bytes outside it`,
      );
    }
    limitBytes = Math.min(heapLimitBytes, processLimitBytes - outsideHeapBytes);
    if (limitBytes < heapLimitBytes) {
      const mib = Math.floor(limitBytes / 2 ** 20);
      process.stderr.write(
        `backpressure: the memory limit leaves the heap ${mib} MiB, less than V8's own limit of ${Math.floor(heapLimitBytes / 2 ** 20)} MiB; ` +
          'V8 collects garbage by its own limit, so flushed records can outlive the budget: ' +
          `start node with --max-old-space-size=${mib} or less (memkit: --node-arg=--max-old-space-size=${mib})\n`,
      );
    }
  }
  return { heapLimitBytes, processLimitBytes, limitBytes, watermarkBytes: Math.floor(limitBytes * fraction) };
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
  /** Heap in use when the consumer started (before any record). */
  startHeapBytes: number;
  /** Heap released by flushes since the last full GC, still in use as garbage. */
  pendingGarbageBytes: number;
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
 * Whether the heap holds more than the watermark, not counting the garbage of this
 * consumer's own flushes. A flush frees nothing at once: the processed records stay in
 * the old generation until V8's next full GC. Read raw, the heap would stay over the
 * watermark and the consumer would flush ever smaller batches to free memory that is
 * already garbage (20 batches instead of 4 for the same 30k records at 64 MiB, measured;
 * 478 instead of 3 under a process limit V8 does not know). So each flush
 * books what it released as pending garbage, until a full GC is seen.
 */
function overWatermark(st: State): boolean {
  readHeap(st.heap);
  // Only a full GC shrinks the old generation (a scavenge only adds to it).
  if (st.heap.oldBytes < st.lastOldBytes) st.pendingGarbageBytes = 0;
  st.lastOldBytes = st.heap.oldBytes;
  return st.heap.usedBytes - st.pendingGarbageBytes >= st.watermark!.watermarkBytes;
}

/**
 * The heap a flush of `count` of the buffer's records releases, as a share of what the
 * buffer holds: the heap in use above the start, less garbage already booked. Sizes vary
 * a lot from record to record, but a flush takes thousands of them; young-generation
 * garbage counted in makes it an overestimate of at most a semi-space, which the
 * watermark's headroom covers.
 */
function releasedBytes(st: State, count: number): number {
  const held = st.heap.usedBytes - st.pendingGarbageBytes - st.startHeapBytes;
  return held > 0 && st.buffer.size > 0 ? (held * count) / st.buffer.size : 0;
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
      description: "after: flush (the oldest half) when the V8 heap in use reaches 70% of what it may use (the old generation's limit, or the container's less what lies outside the heap); nothing lost",
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
  validateParams(p) {
    if (p.policy !== 'watermark' && p.policy !== 'fixed-count') return `--param policy=${String(p.policy)}: expected 'fixed-count' or 'watermark'`;
    const fraction = Number(p.watermark);
    if (!(fraction > 0 && fraction < 1)) return `--param watermark=${fraction}: expected a fraction between 0 and 1`;
    const flushFraction = Number(p.flushFraction);
    if (!(flushFraction > 0 && flushFraction <= 1)) return `--param flushFraction=${flushFraction}: expected a fraction in (0, 1]`;
    return undefined;
  },
  setup(ctx) {
    const p = ctx.params;
    const policy = p.policy as 'watermark' | 'fixed-count';
    const fraction = Number(p.watermark);
    const flushFraction = Number(p.flushFraction);
    const rand = seededRandom(Number(p.seed));
    const pool = buildMessagePool(rand);
    // After the pool exists: it is part of what the process holds outside the heap.
    const watermark = policy === 'watermark' ? resolveWatermark(fraction, Number(p.memoryLimit)) : undefined;
    if (watermark) {
      ctx.gauge('memory.heap_limit_bytes', watermark.heapLimitBytes);
      if (watermark.processLimitBytes > 0) ctx.gauge('memory.process_limit_bytes', watermark.processLimitBytes);
      ctx.gauge('memory.limit_bytes', watermark.limitBytes);
      ctx.gauge('memory.watermark_bytes', watermark.watermarkBytes);
    }
    const heap: HeapReading = { usedBytes: 0, oldBytes: 0 };
    readHeap(heap);
    return {
      rand,
      pool,
      keySpace: Math.max(1, Number(p.keySpace)),
      policy,
      limit: Math.max(1, Number(p.limit)),
      checkEvery: Math.max(1, Number(p.checkEvery)),
      flushFraction,
      watermark,
      buffer: new Map(),
      sinceCheck: 0,
      heap,
      lastOldBytes: heap.oldBytes,
      startHeapBytes: heap.usedBytes,
      pendingGarbageBytes: 0,
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
        const count = Math.ceil(st.buffer.size * st.flushFraction);
        st.pendingGarbageBytes += releasedBytes(st, count);
        flush(st, ctx, count);
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
