/**
 * The LRU cache of the built-in scenarios: seed 000's @lru_cache (no expiry) and seed
 * 004's cache manager, whose entries also expire after a time to live (stock metadata
 * 1 day, the last data date 60 s).
 *
 * Built as the lru-cache package builds one: a Map from key to slot, the recency list and
 * the expiry times in typed arrays. A hit moves links and allocates nothing; a Map
 * delete+set per hit would churn V8's hash table and the cache would dominate what the
 * scenario measures. An expired entry keeps its slot until its key is set again or it
 * becomes the least recent and is evicted.
 */
export class LruCache<V> {
  private readonly index = new Map<string, number>();
  private readonly keys: Array<string | undefined>;
  private readonly values: Array<V | undefined>;
  /** Absent without a TTL: nothing expires, and no time is asked for. */
  private readonly expiresAtMs: Float64Array | undefined;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = -1; // most recent
  private tail = -1; // least recent
  private used = 0;

  constructor(
    readonly capacity: number,
    readonly ttlMs = Infinity,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`cache capacity must be at least 1 (got ${capacity})`);
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.expiresAtMs = ttlMs === Infinity ? undefined : new Float64Array(capacity);
    this.prev = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
  }

  /** The live value for `key` at time `nowMs`, or undefined (absent or expired). */
  get(key: string, nowMs = 0): V | undefined {
    const slot = this.index.get(key);
    if (slot === undefined || (this.expiresAtMs !== undefined && this.expiresAtMs[slot]! <= nowMs)) return undefined;
    this.moveToHead(slot);
    return this.values[slot];
  }

  set(key: string, value: V, nowMs = 0): void {
    let slot = this.index.get(key);
    if (slot === undefined) {
      if (this.used < this.capacity) slot = this.used++;
      else {
        slot = this.tail;
        this.index.delete(this.keys[slot]!);
        this.unlink(slot);
      }
      this.keys[slot] = key;
      this.index.set(key, slot);
      this.linkHead(slot);
    } else {
      this.moveToHead(slot);
    }
    this.values[slot] = value;
    if (this.expiresAtMs) this.expiresAtMs[slot] = nowMs + this.ttlMs;
  }

  get size(): number {
    return this.index.size;
  }

  private moveToHead(slot: number): void {
    if (slot === this.head) return;
    this.unlink(slot);
    this.linkHead(slot);
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.prev[slot] = -1;
    this.next[slot] = -1;
  }

  private linkHead(slot: number): void {
    this.prev[slot] = -1;
    this.next[slot] = this.head;
    if (this.head >= 0) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail < 0) this.tail = slot;
  }
}
