import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('next() is nextU32() / 2^32 of the same step, for any seed', () => {
    for (const seed of [0, 1, 7, 0x7fffffff, 0x80000000, 0xffffffff]) {
      const a = new Rng(seed);
      const b = new Rng(seed);
      for (let i = 0; i < 1000; i++) expect(a.next()).toBe(b.nextU32() / 4294967296);
      expect(a.snapshot()).toEqual(b.snapshot());
    }
  });

  it('continues identically after snapshot and restore', () => {
    const a = new Rng(7);
    for (let i = 0; i < 10; i++) a.next();
    const snap = a.snapshot();
    const b = new Rng(1);
    b.restore(snap);
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(Array.from({ length: 5 }, () => a.next()));
  });

  it('stays inside [0, 1) and its integer ranges', () => {
    const r = new Rng(3);
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const n = r.range(2, 5);
      expect(n >= 2 && n <= 5).toBe(true);
    }
  });
});
