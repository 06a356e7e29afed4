import { seededRandom } from '../src/scenario/random.js';
import { defineScenario } from '../src/scenario/define.js';

/**
 * Seed 003 in Node terms: a pool of items (materials), each with dozens of heterogeneous
 * features — int64, float32, strings, int/float/string lists in the seed's proportions —
 * refreshed continuously (each step replaces a chunk of items) and read by a scorer.
 *
 *  objects (before): every feature is its own small JS object, string or array: millions
 *    of small objects that survive long enough to be promoted, so the old generation
 *    churns and major GCs (and their pauses) pile up.
 *  arena (after): the same data packed by column into a few large typed arrays allocated
 *    once (an arena with fixed slots per item); a refresh overwrites slots in place and
 *    allocates nothing, so the GC has next to nothing to do.
 */

// Per item, in the seed's proportions (25/20/30/15/5/5 %) of 64 features.
const N_INT = 16;
const N_FLOAT = 13;
const N_STR = 19;
const N_INT_LIST = 10;
const N_FLOAT_LIST = 3;
const N_STR_LIST = 3;
const STR_BYTES = 24; // a 32-byte string in the seed, minus header
const LIST_LEN = 16; // 128 B of int64, 64 B of float32
const STR_LIST_LEN = 8;


// ---- objects ---------------------------------------------------------------------------

type FeatureValue = number | string | number[] | string[];
interface Feature {
  name: string;
  kind: number;
  value: FeatureValue;
}
interface Item {
  id: number;
  features: Feature[];
}

const NAMES = Array.from({ length: 64 }, (_, i) => `f${i}`);

function randomString(r: () => number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(97 + ((r() * 26) | 0));
  return s;
}

function buildItem(id: number, r: () => number): Item {
  const features: Feature[] = [];
  let f = 0;
  for (let i = 0; i < N_INT; i++) features.push({ name: NAMES[f++]!, kind: 0, value: Math.floor(r() * 1e9) });
  for (let i = 0; i < N_FLOAT; i++) features.push({ name: NAMES[f++]!, kind: 1, value: Math.fround(r()) });
  for (let i = 0; i < N_STR; i++) features.push({ name: NAMES[f++]!, kind: 2, value: randomString(r, STR_BYTES) });
  for (let i = 0; i < N_INT_LIST; i++) {
    features.push({ name: NAMES[f++]!, kind: 3, value: Array.from({ length: LIST_LEN }, () => Math.floor(r() * 1e6)) });
  }
  for (let i = 0; i < N_FLOAT_LIST; i++) {
    features.push({ name: NAMES[f++]!, kind: 4, value: Array.from({ length: LIST_LEN }, () => Math.fround(r())) });
  }
  for (let i = 0; i < N_STR_LIST; i++) {
    features.push({ name: NAMES[f++]!, kind: 5, value: Array.from({ length: STR_LIST_LEN }, () => randomString(r, STR_BYTES)) });
  }
  return { id, features };
}

function scoreItem(item: Item): number {
  let score = 0;
  for (const f of item.features) {
    const v = f.value;
    if (typeof v === 'number') score += v;
    else if (typeof v === 'string') score += v.charCodeAt(0);
    else score += v.length;
  }
  return score;
}

// ---- arena -----------------------------------------------------------------------------

interface Arena {
  ints: Float64Array;
  floats: Float32Array;
  strBytes: Uint8Array;
  intLists: Float64Array;
  floatLists: Float32Array;
  strListBytes: Uint8Array;
}

function makeArena(items: number): Arena {
  return {
    ints: new Float64Array(items * N_INT),
    floats: new Float32Array(items * N_FLOAT),
    strBytes: new Uint8Array(items * N_STR * STR_BYTES),
    intLists: new Float64Array(items * N_INT_LIST * LIST_LEN),
    floatLists: new Float32Array(items * N_FLOAT_LIST * LIST_LEN),
    strListBytes: new Uint8Array(items * N_STR_LIST * STR_LIST_LEN * STR_BYTES),
  };
}

function fillBytes(dst: Uint8Array, from: number, count: number, r: () => number): void {
  for (let i = 0; i < count; i++) dst[from + i] = 97 + ((r() * 26) | 0);
}

function writeItem(a: Arena, slot: number, r: () => number): void {
  for (let i = 0; i < N_INT; i++) a.ints[slot * N_INT + i] = Math.floor(r() * 1e9);
  for (let i = 0; i < N_FLOAT; i++) a.floats[slot * N_FLOAT + i] = r();
  fillBytes(a.strBytes, slot * N_STR * STR_BYTES, N_STR * STR_BYTES, r);
  const il = slot * N_INT_LIST * LIST_LEN;
  for (let i = 0; i < N_INT_LIST * LIST_LEN; i++) a.intLists[il + i] = Math.floor(r() * 1e6);
  const fl = slot * N_FLOAT_LIST * LIST_LEN;
  for (let i = 0; i < N_FLOAT_LIST * LIST_LEN; i++) a.floatLists[fl + i] = r();
  fillBytes(a.strListBytes, slot * N_STR_LIST * STR_LIST_LEN * STR_BYTES, N_STR_LIST * STR_LIST_LEN * STR_BYTES, r);
}

function scoreSlot(a: Arena, slot: number): number {
  let score = 0;
  for (let i = 0; i < N_INT; i++) score += a.ints[slot * N_INT + i]!;
  for (let i = 0; i < N_FLOAT; i++) score += a.floats[slot * N_FLOAT + i]!;
  for (let i = 0; i < N_STR; i++) score += a.strBytes[(slot * N_STR + i) * STR_BYTES]!;
  return score + (N_INT_LIST + N_FLOAT_LIST) * LIST_LEN + N_STR_LIST * STR_LIST_LEN;
}

interface State {
  rand: () => number;
  items: number;
  chunk: number;
  reads: number;
  cursor: number;
  checksum: number;
  pool?: Item[];
  arena?: Arena;
}

export default defineScenario<State>({
  name: 'small-objects',
  description: 'a pool of items with 64 heterogeneous features as millions of small objects vs packed into typed-array arenas (seed 003)',
  defaultVariant: 'objects',
  variants: {
    objects: { description: 'before: every feature a small JS object/string/array (GC storm)', params: { layout: 'objects' } },
    arena: { description: 'after: features packed by column into a few typed arrays allocated once', params: { layout: 'arena' } },
  },
  params: {
    layout: { default: 'objects', description: "'objects' or 'arena'" },
    items: { default: 20_000, description: 'items in the pool (64 features each)' },
    chunk: { default: 40, description: 'items replaced per step (a rolling full update of the pool)' },
    reads: { default: 40, description: 'items scored per step' },
    seed: { default: 3, description: 'data seed' },
  },
  setup(ctx) {
    const p = ctx.params;
    const rand = seededRandom(Number(p.seed));
    const items = Number(p.items);
    const state: State = { rand, items, chunk: Number(p.chunk), reads: Number(p.reads), cursor: 0, checksum: 0 };
    if (p.layout === 'arena') {
      state.arena = makeArena(items);
      for (let i = 0; i < items; i++) writeItem(state.arena, i, rand);
    } else {
      state.pool = Array.from({ length: items }, (_, i) => buildItem(i, rand));
    }
    return state;
  },
  step(st, ctx) {
    for (let k = 0; k < st.chunk; k++) {
      const slot = st.cursor;
      st.cursor = (st.cursor + 1) % st.items;
      if (st.arena) writeItem(st.arena, slot, st.rand);
      else st.pool![slot] = buildItem(slot, st.rand);
    }
    for (let k = 0; k < st.reads; k++) {
      const slot = (st.rand() * st.items) | 0;
      st.checksum += st.arena ? scoreSlot(st.arena, slot) : scoreItem(st.pool![slot]!);
    }
    ctx.count('items.refreshed', st.chunk);
  },
});
