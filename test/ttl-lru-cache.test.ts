import { describe, expect, it } from 'vitest';
import { TtlLruCache } from '../scenarios/lib/ttl-lru-cache.js';

describe("batch-writer's metadata cache (LRU + TTL)", () => {
  it('evicts the least recently used entry, a hit counting as a use', () => {
    const c = new TtlLruCache<number>(2, 1000);
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
    const c = new TtlLruCache<string>(4, 100);
    c.set('k', 'v1', 0);
    expect(c.get('k', 99)).toBe('v1');
    expect(c.get('k', 100)).toBeUndefined();
    c.set('k', 'v2', 150);
    expect(c.get('k', 249)).toBe('v2');
    expect(c.size).toBe(1);
  });

  it('refuses a capacity below one', () => {
    expect(() => new TtlLruCache(0, 100)).toThrow(/at least 1/);
  });
});
