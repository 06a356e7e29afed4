import { describe, expect, it } from 'vitest';
import { LruCache } from '../scenarios/lib/lru-cache.js';

describe('the scenarios\' LRU cache without a TTL (lru-cache)', () => {
  it('never expires, evicts the least recent, and counts its size', () => {
    const c = new LruCache<number>(3);
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) c.set(k, i);
    expect(c.size).toBe(3);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b', Number.MAX_SAFE_INTEGER)).toBe(1);
  });
});

describe("batch-writer's metadata cache (LRU + TTL)", () => {
  it('evicts the least recently used entry, a hit counting as a use', () => {
    const c = new LruCache<number>(2, 1000);
    c.set('a', 1, 0);
    c.set('b', 2, 0);
    expect(c.get('a', 1)).toBe(1); // a is now more recent than b
    c.set('c', 3, 2);
    expect(c.get('b', 3)).toBeUndefined();
    expect(c.get('a', 3)).toBe(1);
    expect(c.get('c', 3)).toBe(3);
    expect(c.size).toBe(2);
  });

  it('expires an entry once its time to live has passed, and a set renews it', () => {
    const c = new LruCache<string>(4, 100);
    c.set('k', 'v1', 0);
    expect(c.get('k', 99)).toBe('v1');
    expect(c.get('k', 100)).toBeUndefined();
    c.set('k', 'v2', 150);
    expect(c.get('k', 249)).toBe('v2');
    expect(c.size).toBe(1);
  });

  it('refuses a capacity below one', () => {
    expect(() => new LruCache(0, 100)).toThrow(/at least 1/);
  });
});
