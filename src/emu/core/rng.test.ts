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

  it('steps as sfc32 on unsigned words does: nextU32() is the word, next() the word / 2^32', () => {
    for (const seed of [0, 1, 7, 0x7fffffff, 0x80000000, 0xffffffff]) {
      const rng = new Rng(seed);
      let [a, b, c, d] = rng.snapshot().s;
      const step = (): number => {
        const t = (((a + b) >>> 0) + d) >>> 0;
        d = (d + 1) >>> 0;
        a = (b ^ (b >>> 9)) >>> 0;
        b = (c + (c << 3)) >>> 0;
        c = ((((c << 21) | (c >>> 11)) >>> 0) + t) >>> 0;
        return t;
      };
      for (let i = 0; i < 500; i++) {
        expect(rng.nextU32()).toBe(step());
        expect(rng.next()).toBe(step() / 4294967296);
      }
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
