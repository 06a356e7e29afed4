import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import { defineScenario, type ScenarioContext } from '../src/scenario/define.js';
import { LruCache } from './lib/lru-cache.js';
import { seededRandom } from '../src/scenario/random.js';

/**
 * Seed 004 (the sync-optimization design) in Node terms: a sync job fetches daily bars of
 * stocks from a data source, transforms them, and writes them to SQLite on disk (WAL mode,
 * synchronous=FULL: SQLite's default, as Python's sqlite3 uses it), looking up each
 * stock's metadata (exchange, adjustment factor, listing date, last data date) on the way.
 * One step is one record; ops.rate_per_s is the seed's "records per second". Each step is
 * timed in the seed's PerformanceMonitor phases: fetch (metadata lookup + the source's
 * row), transform (parse, derive, validate), write.
 *
 *  one-by-one (before): every record is its own transaction — a commit, and so an fsync
 *    of the WAL, per record (the seed's 逐条 UPDATE, 1.2 records/s) — and the metadata
 *    cache is keyed by (code, date), as an @lru_cache on get_metadata(code, date) would
 *    be: every key is new, every lookup misses and queries the database twice.
 *  batched (after): records are written 100 to a transaction through one prepared
 *    statement (the seed's BatchWriter: executemany in a transaction), and the cache is
 *    keyed by code with a TTL (the seed's CacheManager), so lookups hit.
 *
 * Both variants write the same rows in the same order. Counters: records.in (fetched),
 * records.out (committed: durable in the store, so `custom.records.lost` is what a crash
 * would lose), store.commits, meta.hit / meta.miss (→ custom.meta.hit_ratio).
 *
 * The data source is in the process (a seeded price walk formatted as strings, the way
 * BaoStock returns rows): the seed's network fetch would add waiting, not memory, and a
 * simulated delay would be a made-up number. The database is real: better-sqlite3 (SQLite
 * compiled into a native addon), in `dir` (a new temporary directory by default), removed
 * at teardown unless keep=true.
 */

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;

const DB_FILE = 'batch-writer.db';
const FIRST_TRADING_DAY_MS = Date.UTC(2010, 0, 4); // a Monday
const DAY_MS = 86_400_000;

// Counter and phase names built once: a string per step would be the scenario's own garbage.
const C = {
  in: 'records.in',
  out: 'records.out',
  commits: 'store.commits',
  hit: 'meta.hit',
  miss: 'meta.miss',
  invalid: 'records.invalid',
} as const;
const PHASES = ['fetch', 'transform', 'write'] as const;

interface StockMeta {
  exchange: string;
  adjFactor: number;
  listDate: string;
  /** The last date written for the stock (the seed's get/set_last_data_date). */
  lastDate: string | null;
}

/** A bar as the data source returns it: strings, in BaoStock's field order. */
type RawBar = [date: string, code: string, open: string, high: string, low: string, close: string, preclose: string, volume: string, amount: string];
/** A row as written: code, date, open, high, low, close, preclose, volume, amount, pct_chg, adj_close, exchange. */
type Row = [string, string, number, number, number, number, number, number, number, number, number, string];

interface State {
  db: Database;
  dir: string;
  /** The directory was made by the scenario (and so is removed with everything in it). */
  ownDir: boolean;
  keep: boolean;
  insertMany: (rows: Row[]) => void;
  selectMeta: Statement;
  selectLastDate: Statement;
  cache: LruCache<StockMeta>;
  keyByDate: boolean;
  batchSize: number;
  batch: Row[];
  codes: string[];
  days: number;
  rand: () => number;
  prices: Float64Array;
  /** Records fetched so far; record n is stock n % symbols on trading day n / symbols. */
  n: number;
  dayIndex: number;
  date: string;
}

/** Trading day d (weekdays from 2010-01-04) as YYYY-MM-DD. */
function tradingDate(d: number): string {
  const epochMs = FIRST_TRADING_DAY_MS + (Math.floor(d / 5) * 7 + (d % 5)) * DAY_MS;
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** better-sqlite3's own words when its package or its compiled addon is missing or stale. */
const ADDON_MISSING = /Cannot find (module|package) 'better-sqlite3'|bindings file|NODE_MODULE_VERSION|invalid ELF/;

async function openDatabase(path: string): Promise<Database> {
  try {
    // Loaded here, not at the top: `gc-profile --list` and the parent's checks import
    // every built-in scenario, and must not load a native addon to do it. The addon
    // itself is loaded by the first `new Database()`.
    const { default: Ctor } = await import('better-sqlite3');
    return new Ctor(path);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    if (!ADDON_MISSING.test(why)) throw new Error(`batch-writer: cannot open the database ${path}: ${why}`, { cause: err });
    throw new Error(
      `batch-writer needs the native module better-sqlite3, which is not installed or not built (${why}); ` +
        "in memkit's directory run `npm rebuild better-sqlite3` (its install script compiles SQLite: g++, make and python3 are needed)",
      { cause: err },
    );
  }
}

type Store = Pick<State, 'db' | 'insertMany' | 'selectMeta' | 'selectLastDate'>;

/** A fresh database in `dir`: the stocks' metadata, an empty bars table, the statements. */
async function openStore(dir: string, synchronous: string, codes: string[], rand: () => number): Promise<Store> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`batch-writer: --param dir=${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const file = join(dir, DB_FILE);
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true }); // a fresh store for every run
  const db = await openDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`
    CREATE TABLE stocks (code TEXT PRIMARY KEY, name TEXT, exchange TEXT, list_date TEXT, adj_factor REAL);
    CREATE TABLE bars (
      code TEXT, date TEXT, open REAL, high REAL, low REAL, close REAL, preclose REAL,
      volume INTEGER, amount REAL, pct_chg REAL, adj_close REAL, exchange TEXT,
      PRIMARY KEY (code, date)
    );
  `);
  const addStock = db.prepare('INSERT INTO stocks VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const code of codes) addStock.run(code, `stock ${code}`, code.slice(0, 2).toUpperCase(), '2000-01-04', 1 + rand());
  })();
  const insert = db.prepare('INSERT OR REPLACE INTO bars VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  return {
    db,
    insertMany: db.transaction((rows: Row[]) => {
      for (const row of rows) insert.run(row);
    }),
    selectMeta: db.prepare('SELECT exchange, adj_factor AS adjFactor, list_date AS listDate FROM stocks WHERE code = ?'),
    selectLastDate: db.prepare('SELECT max(date) AS lastDate FROM bars WHERE code = ?'),
  };
}

// ---- fetch: metadata lookup, then the source's row ---------------------------------------

function lookupMeta(st: State, ctx: ScenarioContext, code: string): StockMeta {
  const nowMs = performance.now();
  const key = st.keyByDate ? `${code}:${st.date}` : code;
  const cached = st.cache.get(key, nowMs);
  if (cached) {
    ctx.count(C.hit);
    return cached;
  }
  ctx.count(C.miss);
  const row = st.selectMeta.get(code) as Omit<StockMeta, 'lastDate'>;
  const last = st.selectLastDate.get(code) as { lastDate: string | null };
  const meta: StockMeta = { exchange: row.exchange, adjFactor: row.adjFactor, listDate: row.listDate, lastDate: last.lastDate };
  st.cache.set(key, meta, nowMs);
  return meta;
}

function fetchBar(st: State, s: number): RawBar {
  const r = st.rand;
  const preclose = st.prices[s]!;
  const close = preclose * (1 + (r() - 0.5) * 0.04);
  const open = preclose * (1 + (r() - 0.5) * 0.01);
  const high = Math.max(open, close) * (1 + r() * 0.01);
  const low = Math.min(open, close) * (1 - r() * 0.01);
  const volume = Math.floor(1e5 + r() * 1e7);
  st.prices[s] = close;
  return [
    st.date, st.codes[s]!, open.toFixed(4), high.toFixed(4), low.toFixed(4), close.toFixed(4), preclose.toFixed(4),
    String(volume), (volume * (open + close) / 2).toFixed(2),
  ];
}

// ---- transform ---------------------------------------------------------------------------

function transform(raw: RawBar, meta: StockMeta): Row | undefined {
  const open = Number(raw[2]);
  const high = Number(raw[3]);
  const low = Number(raw[4]);
  const close = Number(raw[5]);
  const preclose = Number(raw[6]);
  // A bar that contradicts itself, or one from before the listing, is not written.
  if (!(high >= Math.max(open, close) && low <= Math.min(open, close) && low > 0) || raw[0] < meta.listDate) return undefined;
  const pctChg = Math.round(((close - preclose) / preclose) * 1e6) / 1e4;
  const adjClose = Math.round(close * meta.adjFactor * 1e4) / 1e4;
  return [raw[1], raw[0], open, high, low, close, preclose, Number(raw[7]), Number(raw[8]), pctChg, adjClose, meta.exchange];
}

// ---- write -------------------------------------------------------------------------------

/** Commits the pending rows as one transaction (executemany). */
function commit(st: State, ctx: ScenarioContext): void {
  if (st.batch.length === 0) return;
  st.insertMany(st.batch);
  ctx.count(C.out, st.batch.length);
  ctx.count(C.commits);
  st.batch.length = 0;
}

export default defineScenario<State>({
  name: 'batch-writer',
  description: 'a fetch → transform → write sync job to SQLite: a transaction per record and a badly keyed cache vs batched transactions and a TTL cache (seed 004)',
  defaultVariant: 'one-by-one',
  variants: {
    'one-by-one': {
      description: 'before: every record its own transaction (a commit and an fsync each); metadata cache keyed by (code, date), so every lookup misses',
      params: { batchSize: 1, metaKey: 'code+date' },
    },
    batched: {
      description: 'after: 100 records per transaction through one prepared statement; metadata cache keyed by code with a TTL',
      params: { batchSize: 100, metaKey: 'code' },
    },
  },
  params: {
    batchSize: { default: 1, description: 'records per transaction (1: each record commits on its own)' },
    metaKey: { default: 'code+date', description: "metadata cache key: 'code' or 'code+date' (never repeats)" },
    metaCapacity: { default: 1000, description: 'metadata cache capacity (entries, LRU)' },
    metaTtlMs: { default: 60_000, description: 'metadata cache time to live (ms; the seed’s last-data-date TTL)' },
    symbols: { default: 200, description: 'stocks synced round-robin, one trading day at a time' },
    days: { default: 2500, description: 'trading days before the sync starts over (INSERT OR REPLACE: the store stays at symbols × days rows)' },
    synchronous: { default: 'FULL', description: "SQLite's synchronous pragma: OFF, NORMAL, FULL (SQLite's default) or EXTRA" },
    dir: { default: '', description: 'directory for the database file (default: a new temporary directory)' },
    keep: { default: false, description: `keep ${DB_FILE} after the run (to inspect it)` },
    seed: { default: 4, description: 'price walk seed' },
  },
  metrics: {
    'meta.hit_ratio': { unit: 'ratio', better: 'higher', description: 'metadata lookups answered by the cache' },
    'records.lost': { unit: 'count', better: 'lower', description: 'records fetched but not committed' },
  },
  phases: [...PHASES],
  validateParams(p) {
    if (!['OFF', 'NORMAL', 'FULL', 'EXTRA'].includes(String(p.synchronous).toUpperCase())) {
      return `--param synchronous=${String(p.synchronous)}: expected OFF, NORMAL, FULL or EXTRA`;
    }
    if (p.metaKey !== 'code' && p.metaKey !== 'code+date') return `--param metaKey=${String(p.metaKey)}: expected 'code' or 'code+date'`;
    for (const name of ['batchSize', 'symbols', 'days', 'metaCapacity']) {
      const v = Number(p[name]);
      if (!Number.isInteger(v) || v < 1) return `--param ${name}=${v}: expected a whole number ≥ 1`;
    }
    if (!(Number(p.metaTtlMs) > 0)) return `--param metaTtlMs=${p.metaTtlMs}: expected a duration in ms > 0`;
    if (Number(p.symbols) > 400_000) return `--param symbols=${p.symbols}: at most 400000`;
    return undefined;
  },
  async setup(ctx) {
    const p = ctx.params;
    const synchronous = String(p.synchronous).toUpperCase();
    const batchSize = Number(p.batchSize);
    const symbols = Number(p.symbols);
    const days = Number(p.days);
    const metaCapacity = Number(p.metaCapacity);
    const metaTtlMs = Number(p.metaTtlMs);

    const cache = new LruCache<StockMeta>(metaCapacity, metaTtlMs);
    const rand = seededRandom(Number(p.seed));
    const codes = Array.from({ length: symbols }, (_, i) => (i % 2 ? `sz.${String(i).padStart(6, '0')}` : `sh.${600000 + i}`));

    const ownDir = p.dir === '';
    const dir = ownDir ? mkdtempSync(join(tmpdir(), 'memkit-batch-writer-')) : String(p.dir);
    let store: Store;
    try {
      store = await openStore(dir, synchronous, codes, rand);
    } catch (err) {
      if (ownDir) rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      ...store,
      dir,
      ownDir,
      keep: p.keep === true,
      cache,
      keyByDate: p.metaKey === 'code+date',
      batchSize,
      batch: [],
      codes,
      days,
      rand,
      prices: Float64Array.from({ length: symbols }, () => 5 + rand() * 95),
      n: 0,
      dayIndex: -1,
      date: '',
    };
  },
  step(st, ctx) {
    const s = st.n % st.codes.length;
    const day = Math.floor(st.n / st.codes.length) % st.days;
    st.n++;
    if (day !== st.dayIndex) {
      st.dayIndex = day;
      st.date = tradingDate(day);
    }

    let end = ctx.phase(PHASES[0]);
    const meta = lookupMeta(st, ctx, st.codes[s]!);
    const raw = fetchBar(st, s);
    ctx.count(C.in);
    end();

    end = ctx.phase(PHASES[1]);
    const row = transform(raw, meta);
    end();

    end = ctx.phase(PHASES[2]);
    if (row) {
      st.batch.push(row);
      meta.lastDate = row[1];
      if (st.batch.length >= st.batchSize) commit(st, ctx);
    } else {
      ctx.count(C.invalid);
      ctx.count(C.out); // settled: rejected, not pending
    }
    end();
  },
  teardown(st, ctx) {
    commit(st, ctx);
    st.db.close();
    if (st.keep) return;
    if (st.ownDir) rmSync(st.dir, { recursive: true, force: true });
    else for (const suffix of ['', '-wal', '-shm']) rmSync(join(st.dir, DB_FILE + suffix), { force: true });
  },
});
