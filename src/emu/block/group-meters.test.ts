import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateMeter } from '../core/telemetry';
import { GroupMeters } from './group-meters';

/** The meters as one add per dispatch leaves them (what GroupMeters must reproduce). */
function perDispatch(steps: { gapNs: number; dir: 0 | 1; bytes: number; read: boolean }[]) {
  const meters = Array.from({ length: 6 }, () => new RateMeter());
  const rates: number[] = [];
  let now = 0;
  for (const s of steps) {
    now += s.gapNs;
    meters[0].add(now, 1);
    meters[1].add(now, s.bytes);
    meters[2 + s.dir].add(now, 1);
    meters[4 + s.dir].add(now, s.bytes);
    if (s.read) for (const m of meters) rates.push(m.rate(now));
  }
  return { rates, snapshot: meters.map((m) => m.snapshot()) };
}

function held(steps: { gapNs: number; dir: 0 | 1; bytes: number; read: boolean }[], start?: GroupMeters) {
  const g = start ?? new GroupMeters();
  const rates: number[] = [];
  let now = 0;
  for (const s of steps) {
    now += s.gapNs;
    g.add(now, s.dir, s.bytes);
    if (s.read) for (let i = 0; i < 6; i++) rates.push(g.rate(i, now));
  }
  return { rates, snapshot: g.snapshot() };
}

const step = fc.record({
  // Gaps from 0 (same instant) to several slots, so slot ends, equal times and skipped slots occur.
  gapNs: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 30_000_000 }),
    fc.integer({ min: 0, max: 2_500_000_000 }),
  ),
  dir: fc.constantFrom(0 as const, 1 as const),
  bytes: fc.integer({ min: 1, max: 1 << 20 }),
  read: fc.boolean(),
});

describe('GroupMeters', () => {
  it('leaves the meters exactly as one add per dispatch does, reads in between included', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        expect(held(steps)).toEqual(perDispatch(steps));
      }),
    );
  });

  it('feeds meters restored off the slot grid per dispatch', () => {
    const off = Array.from({ length: 6 }, () => new RateMeter());
    const s = off[0].snapshot();
    for (const m of off) m.restore({ ...s, slotStart: 12_345 });
    const g = new GroupMeters(off);
    g.add(100_000_000, 0, 512);
    g.add(150_000_000, 1, 512);
    const ref = Array.from({ length: 6 }, () => new RateMeter());
    for (const m of ref) m.restore({ ...s, slotStart: 12_345 });
    ref[0].add(100_000_000, 1);
    ref[1].add(100_000_000, 512);
    ref[2].add(100_000_000, 1);
    ref[4].add(100_000_000, 512);
    ref[0].add(150_000_000, 1);
    ref[1].add(150_000_000, 512);
    ref[3].add(150_000_000, 1);
    ref[5].add(150_000_000, 512);
    expect(g.snapshot()).toEqual(ref.map((m) => m.snapshot()));
  });
});
