import { seededRandom } from '../src/scenario/random.js';
import { LruCache } from './lib/lru-cache.js';
import { defineScenario, type ScenarioContext } from '../src/scenario/define.js';

/**
 * Seed 000, W1, in Node terms: a trading strategy computes a moving average (MA), an
 * average true range (ATR) and keeps a sliding window of OHLCV rows per symbol, one price
 * tick (one step) at a time, behind LRU caches.
 *
 *  unstable-key (before): the cache key is a hash of the window's data, so every tick
 *    misses; the caches are over-sized (200k / 100k / 50k entries) and fill up with dead
 *    results; the window is rebuilt by re-allocation on every tick (np.vstack's habit).
 *  stable-key (after): the key is stable metadata (`symbol_windowSize`), so the cache
 *    holds each symbol's indicator state and hits; the caches are right-sized
 *    (50 / 25 / 10); the window is a ring buffer updated in place, with running sums.
 */

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'AVAXUSDT', 'DOTUSDT', 'LINKUSDT'];
const FIELDS = 5; // open, high, low, close, volume

interface Tick {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

// ---- before: data-hash keys, re-allocated windows ----------------------------------

interface MaResult {
  value: number;
  tick: number;
}

/**
 * A 64-bit content hash of the window (two 32-bit FNV-1a streams), as a data hash such as
 * md5 would be: with 32 bits, hundreds of thousands of ticks produce birthday collisions,
 * i.e. cache hits the incident never had.
 */
function hashWindow(rows: number[][]): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (const row of rows) {
    for (const v of row) {
      const x = Math.round(v * 1e4) | 0;
      a = Math.imul(a ^ x, 0x01000193) >>> 0;
      b = Math.imul(b ^ (x >>> 3) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    }
  }
  return a.toString(36) + b.toString(36);
}

interface BeforeState {
  kind: 'before';
  rand: () => number;
  prices: Float64Array;
  tick: Tick;
  windows: number[][][];
  ma: LruCache<MaResult>;
  atr: LruCache<MaResult>;
  win: LruCache<Float64Array>;
  windowSize: number;
  atrPeriod: number;
}

// ---- after: metadata keys, ring buffers updated in place ----------------------------

interface Indicator {
  ring: Float64Array; // windowSize rows × FIELDS, in place
  head: number;
  filled: number;
  closeSum: number;
  atr: number;
  prevClose: number;
}

interface AfterState {
  kind: 'after';
  rand: () => number;
  prices: Float64Array;
  tick: Tick;
  ma: LruCache<Indicator>;
  atr: LruCache<Indicator>;
  win: LruCache<Indicator>;
  windowSize: number;
  atrPeriod: number;
  indicators: Indicator[];
  keys: string[];
}

/** Writes the next tick of symbol s into `tick` (one object per run, not per tick). */
function nextTick(state: { rand: () => number; prices: Float64Array; tick: Tick }, s: number): Tick {
  const prev = state.prices[s]!;
  const r = state.rand;
  const t = state.tick;
  const close = prev * (1 + (r() - 0.5) * 0.002);
  t.open = prev;
  t.close = close;
  t.high = Math.max(prev, close) * (1 + r() * 0.0005);
  t.low = Math.min(prev, close) * (1 - r() * 0.0005);
  t.volume = 1 + r() * 100;
  state.prices[s] = close;
  return t;
}

function stepBefore(st: BeforeState, ctx: ScenarioContext, tick: Tick, s: number): void {
  const symbol = SYMBOLS[s]!;
  // np.vstack: a new window every tick, made of new rows.
  const old = st.windows[s]!;
  const rows = old.length >= st.windowSize ? old.slice(1) : old.slice();
  rows.push([tick.open, tick.high, tick.low, tick.close, tick.volume]);
  st.windows[s] = rows;
  const key = `${symbol}_${hashWindow(rows)}`;

  let ma = st.ma.get(key);
  if (ma) count(ctx, 'ma', true);
  else {
    count(ctx, 'ma', false);
    let sum = 0;
    for (const row of rows) sum += row[3]!;
    ma = { value: sum / rows.length, tick: ctx.steps };
    st.ma.set(key, ma);
  }
  let atr = st.atr.get(key);
  if (atr) count(ctx, 'atr', true);
  else {
    count(ctx, 'atr', false);
    let tr = 0;
    const from = Math.max(1, rows.length - st.atrPeriod);
    for (let i = from; i < rows.length; i++) {
      const [, h, l] = rows[i]!;
      const pc = rows[i - 1]![3]!;
      tr += Math.max(h! - l!, Math.abs(h! - pc), Math.abs(l! - pc));
    }
    atr = { value: tr / Math.max(1, rows.length - from), tick: ctx.steps };
    st.atr.set(key, atr);
  }
  if (st.win.get(key)) count(ctx, 'window', true);
  else {
    count(ctx, 'window', false);
    const copy = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) copy[i] = rows[i]![3]!;
    st.win.set(key, copy);
  }
  ctx.gauge('cache.entries', st.ma.size + st.atr.size + st.win.size);
}

function stepAfter(st: AfterState, ctx: ScenarioContext, tick: Tick, s: number): void {
  // Stable metadata: the key of a symbol's window never changes, so it is built once.
  const key = st.keys[s]!;
  let ind = st.ma.get(key);
  if (ind) count(ctx, 'ma', true);
  else {
    count(ctx, 'ma', false);
    ind = st.indicators[s]!;
    st.ma.set(key, ind);
  }
  // In place: overwrite the oldest row, keep running sums (zero allocation).
  const w = st.windowSize;
  const at = ind.head * FIELDS;
  if (ind.filled === w) ind.closeSum -= ind.ring[at + 3]!;
  else ind.filled++;
  ind.ring[at] = tick.open;
  ind.ring[at + 1] = tick.high;
  ind.ring[at + 2] = tick.low;
  ind.ring[at + 3] = tick.close;
  ind.ring[at + 4] = tick.volume;
  ind.head = (ind.head + 1) % w;
  ind.closeSum += tick.close;

  if (st.atr.get(key)) count(ctx, 'atr', true);
  else {
    count(ctx, 'atr', false);
    st.atr.set(key, ind);
  }
  const tr = Math.max(tick.high - tick.low, Math.abs(tick.high - ind.prevClose), Math.abs(tick.low - ind.prevClose));
  ind.atr += (tr - ind.atr) / st.atrPeriod; // Wilder's smoothing
  ind.prevClose = tick.close;

  if (st.win.get(key)) count(ctx, 'window', true);
  else {
    count(ctx, 'window', false);
    st.win.set(key, ind);
  }
  ctx.gauge('cache.entries', st.ma.size + st.atr.size + st.win.size);
}

// Counter names built once: a template string per lookup would be the scenario's own garbage.
const COUNTERS: Record<string, { hit: string; miss: string }> = {};
for (const cache of ['ma', 'atr', 'window']) COUNTERS[cache] = { hit: `${cache}.hit`, miss: `${cache}.miss` };

function count(ctx: ScenarioContext, cache: 'ma' | 'atr' | 'window', hit: boolean): void {
  const names = COUNTERS[cache]!;
  ctx.count(hit ? names.hit : names.miss);
  ctx.count(hit ? 'cache.hit' : 'cache.miss');
}

export default defineScenario<BeforeState | AfterState>({
  name: 'lru-cache',
  description: 'LRU caches keyed by volatile data hashes vs stable metadata, with a re-allocated vs in-place sliding window (seed 000, W1)',
  defaultVariant: 'unstable-key',
  variants: {
    'unstable-key': {
      description: 'before: key = symbol + hash of the window data (every tick misses), caches 200k/100k/50k, window re-allocated per tick',
      params: { key: 'data-hash', maCapacity: 200_000, atrCapacity: 100_000, windowCapacity: 50_000 },
    },
    'stable-key': {
      description: 'after: key = symbol_windowSize (hits), caches 50/25/10, ring-buffer window updated in place',
      params: { key: 'metadata', maCapacity: 50, atrCapacity: 25, windowCapacity: 10 },
    },
  },
  params: {
    key: { default: 'data-hash', description: "cache key: 'data-hash' (volatile) or 'metadata' (stable)" },
    symbols: { default: 8, description: 'number of symbols ticking round-robin (max 10)' },
    windowSize: { default: 50, description: 'sliding window length (rows)' },
    atrPeriod: { default: 14, description: 'ATR period' },
    maCapacity: { default: 200_000, description: 'MA cache capacity' },
    atrCapacity: { default: 100_000, description: 'ATR cache capacity' },
    windowCapacity: { default: 50_000, description: 'window cache capacity' },
    seed: { default: 1, description: 'price walk seed' },
  },
  metrics: {
    'cache.hit_ratio': { unit: 'ratio', better: 'higher', description: 'hits / lookups over all three caches' },
  },
  setup(ctx) {
    const p = ctx.params;
    // Every counter exists from the start, at 0 if it never fires (0 hits is a figure
    // a diff compares; a missing counter is not).
    for (const names of Object.values(COUNTERS)) for (const n of [names.hit, names.miss]) ctx.count(n, 0);
    ctx.count('cache.hit', 0);
    ctx.count('cache.miss', 0);
    const symbols = Math.max(1, Math.min(SYMBOLS.length, Number(p.symbols)));
    const rand = seededRandom(Number(p.seed));
    const prices = Float64Array.from({ length: symbols }, (_, i) => 100 * (i + 1));
    const tick: Tick = { open: 0, high: 0, low: 0, close: 0, volume: 0 };
    const windowSize = Number(p.windowSize);
    const atrPeriod = Number(p.atrPeriod);
    const caches = {
      ma: new LruCache<never>(Number(p.maCapacity)),
      atr: new LruCache<never>(Number(p.atrCapacity)),
      win: new LruCache<never>(Number(p.windowCapacity)),
    };
    if (p.key === 'metadata') {
      const indicators = Array.from(prices, (price) => ({
        ring: new Float64Array(windowSize * FIELDS),
        head: 0,
        filled: 0,
        closeSum: 0,
        atr: 0,
        prevClose: price,
      }));
      const keys = indicators.map((_, i) => `${SYMBOLS[i]}_${windowSize}`);
      return { kind: 'after', rand, prices, tick, windowSize, atrPeriod, indicators, keys, ...caches } as AfterState;
    }
    return { kind: 'before', rand, prices, tick, windowSize, atrPeriod, windows: Array.from(prices, () => []), ...caches } as BeforeState;
  },
  step(state, ctx) {
    const s = ctx.steps % state.prices.length;
    const tick = nextTick(state, s);
    if (state.kind === 'before') stepBefore(state, ctx, tick, s);
    else stepAfter(state, ctx, tick, s);
  },
});
