import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteQueue } from './byte-queue';

describe('ByteQueue', () => {
  it('peek shows the oldest bytes without removing them, across the wrap of its storage', () => {
    const q = new ByteQueue(8, 8);
    q.push([1, 2, 3, 4, 5, 6]);
    q.drop(4);
    q.push([7, 8, 9, 10, 11]); // wraps
    expect(Array.from(q.peek(3))).toEqual([5, 6, 7]);
    expect(Array.from(q.peek(100))).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(q.length).toBe(7);
  });

  it('writeTo offers the oldest bytes, contiguous or wrapped, and keeps what the sink refuses', () => {
    const q = new ByteQueue(8, 8);
    q.push([1, 2, 3, 4, 5, 6]);
    q.drop(5);
    q.push([7, 8, 9, 10]); // 6 | 7 8 9 10 wraps after 8
    const offered: number[][] = [];
    const took = q.writeTo((b, s, e) => {
      offered.push(Array.from(b).slice(s, e));
      return 2;
    }, 4);
    expect(took).toBe(2);
    expect(offered).toEqual([[6, 7, 8, 9]]);
    expect(Array.from(q.peek(8))).toEqual([8, 9, 10]);
  });

  it('behaves as a plain array queue under any mix of push, shift, peek and drop', () => {
    const op = fc.oneof(
      fc.record({ push: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }) }),
      fc.record({ drop: fc.integer({ min: 0, max: 25 }) }),
      fc.record({ shift: fc.constant(true) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (ops, cap) => {
        const q = new ByteQueue(cap, 4);
        const model: number[] = [];
        for (const o of ops) {
          if ('push' in o) {
            const n = q.push(o.push);
            expect(n).toBe(Math.min(o.push.length, cap - model.length));
            model.push(...o.push.slice(0, n));
          } else if ('drop' in o) {
            q.drop(o.drop);
            model.splice(0, o.drop);
          } else expect(q.shift()).toBe(model.length ? model.shift() : -1);
          expect(Array.from(q.peek(cap))).toEqual(model);
          const seen: number[] = [];
          const copy = new ByteQueue(cap, 4);
          copy.push(model);
          expect(copy.writeTo((b, s, e) => seen.push(...Array.from(b).slice(s, e)), cap)).toBe(model.length);
          expect(seen).toEqual(model);
        }
      }),
    );
  });
});
