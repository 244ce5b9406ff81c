import { describe, expect, it } from 'vitest';
import { Machine } from './machine';
import { serialOwners, transplant, transplantAllButSerial } from './machine-transplant';

const blockstats = (m: Machine) => JSON.stringify(m.qmp({ execute: 'query-blockstats' }));

describe('transplant', () => {
  it('carries the disks, the clock and their events into a machine with a fresh serial rack, which then runs as the source would', () => {
    const source = Machine.create({ lab: 'default' });
    source.run(1_500_000_000);
    const target = Machine.create({ lab: 'default' });
    transplantAllButSerial(source, target);
    expect(target.nowNs).toBe(source.nowNs);
    expect(blockstats(target)).toBe(blockstats(source));
    source.run(1_000_000_000);
    target.run(1_000_000_000);
    expect(blockstats(target)).toBe(blockstats(source));
    // The swapped rack is the target's own, booted afresh: its shell prompt still comes out.
    expect(target.qmp({ execute: 'x-query-serial' })).toHaveProperty('return');
  });

  it('moves the swapped subsystem’s pending events forward by the time the source had run', () => {
    const source = Machine.create({ lab: 'default' });
    source.run(700_000_000);
    const target = Machine.create({ lab: 'default' });
    const owned = serialOwners(source);
    const pending = target.snapshot().sched.events.filter((e) => owned(e.owner));
    expect(pending.length).toBeGreaterThan(0);
    transplant(source, target, 'serial', owned);
    const moved = target.snapshot().sched.events.filter((e) => owned(e.owner));
    expect(moved.map((e) => e.atNs)).toEqual(pending.map((e) => e.atNs + 700_000_000));
  });

  it('throws and leaves the target unchanged when the target lacks the subsystem', () => {
    const source = Machine.create({ lab: 'default' });
    source.run(100_000_000);
    const target = Machine.create({ lab: { ...source.lab, serial: false } });
    const before = target.stateHash();
    expect(() => transplant(source, target, 'serial', () => false)).toThrow(/no subsystem "serial"/);
    expect(target.stateHash()).toBe(before);
  });
});
