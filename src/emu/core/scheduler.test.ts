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

  it('orders events scheduled, cancelled and inspected from inside handlers as a sorted model does', () => {
    // Each handler schedules 0-2 follow-ups (possibly at the same time with a lower priority),
    // may cancel a pending event, and may look at the queue (pending, peekNs, snapshot), all
    // while its own event is being retired. A plain sorted list is the reference.
    const action = fc.record({
      delays: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -1, max: 1 })), {
        maxLength: 2,
      }),
      cancel: fc.integer({ min: -1, max: 30 }),
      look: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 60 }), (actions) => {
        const s = new Scheduler();
        type Ev = { t: number; p: number; seq: number; id: number };
        const model: Ev[] = [];
        const seen: number[] = [];
        const looks: string[] = [];
        const ids: number[] = [];
        const gone = new Set<number>();
        let n = 0;
        const schedule = (t: number, p: number) => {
          const id = s.at(t, owner, 0, n, p);
          ids.push(id);
          model.push({ t, p, seq: id, id: n });
          n++;
        };
        const owner = s.register('t', (_k, arg) => {
          seen.push(arg);
          const a = actions[arg % actions.length];
          if (n < 200) for (const [d, p] of a.delays) schedule(s.nowNs + d, p);
          // Only an event that has not run may be cancelled (the scheduler's contract).
          if (a.cancel >= 0 && a.cancel < ids.length && !seen.includes(a.cancel) && !gone.has(a.cancel)) {
            gone.add(a.cancel);
            s.cancel(ids[a.cancel]);
          }
          if (a.look === 1) looks.push(`p${s.pending}`);
          if (a.look === 2) looks.push(`k${s.peekNs()}`);
          if (a.look === 3) looks.push(`s${s.snapshot().events.length}`);
        });
        schedule(0, 0);
        schedule(0, 1);
        s.runUntil(10_000);

        // Reference: replay the same decisions on a sorted list.
        const ref: number[] = [];
        const refLooks: string[] = [];
        const queue = model.slice(0, 2);
        const cancelled = new Set<number>();
        const all = [...model];
        let m = 2;
        const cmp = (a: Ev, b: Ev) => a.t - b.t || a.p - b.p || a.seq - b.seq;
        while (queue.length > 0) {
          queue.sort(cmp);
          const ev = queue.shift() as Ev;
          if (cancelled.has(ev.id)) continue;
          ref.push(ev.id);
          const a = actions[ev.id % actions.length];
          if (m < 200) for (const _ of a.delays) queue.push(all[m++]);
          if (a.cancel >= 0 && a.cancel < m && !ref.includes(a.cancel)) cancelled.add(a.cancel);
          const live = queue.filter((e) => !cancelled.has(e.id)).sort(cmp);
          if (a.look === 1)
            refLooks.push(
              `p${queue.length - [...cancelled].filter((c) => queue.some((e) => e.id === c)).length}`,
            );
          if (a.look === 2) refLooks.push(`k${live.length > 0 ? live[0].t : Number.POSITIVE_INFINITY}`);
          if (a.look === 3) refLooks.push(`s${live.length}`);
        }
        expect(seen).toEqual(ref);
        expect(looks).toEqual(refLooks);
        expect(s.pending).toBe(0);
      }),
    );
  });

  it('runs a nested runUntil and step from inside a handler in order', () => {
    const s = new Scheduler();
    const seen: string[] = [];
    const owner = s.register('t', (kind, arg) => {
      seen.push(`${s.nowNs}:${arg}`);
      if (kind === 1) s.runUntil(s.nowNs + 10);
      if (kind === 2) s.step();
    });
    s.at(0, owner, 1, 1);
    s.at(5, owner, 0, 2);
    s.at(20, owner, 2, 3);
    s.at(30, owner, 0, 4);
    s.at(40, owner, 0, 5);
    s.runUntil(100);
    expect(seen).toEqual(['0:1', '5:2', '20:3', '30:4', '40:5']);
    expect(s.pending).toBe(0);
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
