import { describe, expect, it } from 'vitest';
import { makeRig } from '../../../test/tdc-rig';
import { FAULT_KINDS } from './fault-injector';

describe('fault injector (§3)', () => {
  it('records when a deferred DMA fault fires, and null for one that never does', () => {
    const { faults, w0, r0, sched } = makeRig();
    const a = faults.dmaError('next');
    const b = faults.dmaHang();
    sched.runUntil(1000);
    w0(0xcc, 0x2000);
    w0(0xd4, 16);
    w0(0xc0, 1);
    sched.runFor(10_000);
    expect(r0(0xc4)).toBe(0x6);
    const rec = faults.report();
    expect(rec.find((r) => r.id === a)).toMatchObject({ firedAtNs: 1000 + 2000 + 64, armedAtNs: 0 });
    expect(rec.find((r) => r.id === a)!.effect).toMatch(/STAT=0x6/);
    expect(rec.find((r) => r.id === b)!.firedAtNs).toBeNull();
  });

  it('fires immediate faults at once with their register-visible effect', () => {
    const { faults, r0, r4, sched } = makeRig();
    sched.runUntil(42);
    faults.ddrNotCalibrated();
    faults.noMezzanine();
    faults.localBusError(2);
    faults.thermometerInvalid();
    faults.carrierMetadata({ bom: 0xfeff });
    expect(r0(0x50) & 1).toBe(0);
    expect(r0(0x48) & 1).toBe(0);
    expect(r4(0x814)).toBe(0x400);
    expect(r0(0x21000)).toBe(0);
    expect(r0(0x0c)).toBe(0xfeff);
    expect(faults.report().every((r) => r.firedAtNs === 42)).toBe(true);
  });

  it('marks a switch stall as fired at the first stalled switch (D8)', () => {
    const { faults, w0, sched } = makeRig();
    const id = faults.switchStall(1);
    sched.runUntil(500);
    w0(0x26040, 1 << 21);
    expect(faults.report().find((r) => r.id === id)!.firedAtNs).toBe(500);
  });

  it('accepts every kind by name and rejects unknown ones', () => {
    const { faults } = makeRig();
    for (const kind of FAULT_KINDS) expect(faults.inject(kind, { channel: 0, records: 4 })).toHaveLength(1);
    expect(faults.inject('dma-error', {}, 3)).toHaveLength(3);
    expect(() => faults.inject('nonsense')).toThrow(/unknown fault kind/);
    expect(faults.inject('eeprom', { what: 'calib-nack' })).toHaveLength(1);
    expect(() => faults.inject('eeprom', { kind: 'melted' })).toThrow(/unknown EEPROM fault/);
  });

  it('snapshots its plan and log', () => {
    const a = makeRig();
    a.faults.dmaError('next');
    const snap = a.faults.snapshot();
    const b = makeRig();
    b.faults.restore(snap);
    expect(b.faults.report()).toEqual(a.faults.report());
    expect(() => b.faults.restore({ ...snap, v: 2 as 1 })).toThrow();
  });
});
