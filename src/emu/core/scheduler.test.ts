import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler';

describe('Scheduler', () => {
  it('runs events in time order, then priority, then scheduling order', () => {
    const s = new Scheduler();
    const seen: number[] = [];
    const owner = s.register('t', (_kind, arg) => seen.push(arg));
    s.at(20, owner, 0, 1);
    s.at(10, owner, 0, 2);
    s.at(20, owner, 0, 3);
    s.at(20, owner, 0, 4, -1);
    s.runUntil(100);
    expect(seen).toEqual([2, 4, 1, 3]);
    expect(s.nowNs).toBe(100);
  });

  it('does not run a cancelled event and stops at the requested time', () => {
    const s = new Scheduler();
    const seen: number[] = [];
    const owner = s.register('t', (_k, arg) => seen.push(arg));
    const id = s.at(5, owner, 0, 1);
    s.at(15, owner, 0, 2);
    s.cancel(id);
    s.runUntil(10);
    expect(seen).toEqual([]);
    expect(s.nowNs).toBe(10);
    s.runUntil(15);
    expect(seen).toEqual([2]);
  });

  it('keeps equal-time events stable for any insertion pattern', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: -1, max: 1 })), {
          maxLength: 200,
        }),
        (items) => {
          const s = new Scheduler();
          const seen: number[] = [];
          const owner = s.register('t', (_k, arg) => seen.push(arg));
          for (const [i, [t, p]] of items.entries()) s.at(t, owner, 0, i, p);
          s.runUntil(1000);
          const expected = items
            .map(([t, p], i) => ({ t, p, i }))
            .sort((a, b) => a.t - b.t || a.p - b.p || a.i - b.i)
            .map((e) => e.i);
          expect(seen).toEqual(expected);
        },
      ),
    );
  });

  it('restores a snapshot so the remaining run is identical', () => {
    const build = () => {
      const s = new Scheduler();
      const seen: string[] = [];
      const owner = s.register('dev', (kind, arg) => {
        seen.push(`${s.nowNs}:${kind}:${arg}`);
        if (arg < 20) s.after(7 + arg, owner, kind, arg + 1);
      });
      return { s, seen, owner };
    };
    const a = build();
    a.s.at(0, a.owner, 1, 0);
    a.s.at(3, a.owner, 2, 5);
    a.s.runUntil(50);
    const snap = JSON.parse(JSON.stringify(a.s.snapshot()));
    a.s.runUntil(500);
    const b = build();
    b.s.restore(snap);
    b.s.runUntil(500);
    expect(b.seen).toEqual(a.seen.slice(a.seen.length - b.seen.length));
    expect(b.seen.length).toBeGreaterThan(0);
  });

  it('rejects a snapshot naming an unknown owner and keeps its queue', () => {
    const s = new Scheduler();
    const owner = s.register('a', () => {});
    s.at(5, owner);
    expect(() =>
      s.restore({
        v: 1,
        nowNs: 0,
        nextSeq: 9,
        events: [{ atNs: 1, priority: 0, seq: 1, owner: 'zz', kind: 0, arg: 0 }],
      }),
    ).toThrow(/unknown owner/);
    expect(s.peekNs()).toBe(5);
  });

  it('runUntilTrue fails loudly at its limit', () => {
    const s = new Scheduler();
    expect(() => s.runUntilTrue(() => false, 1000)).toThrow(/not met/);
  });
});
