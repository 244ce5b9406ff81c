import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../core/scheduler';
import { TdcOnewire } from './onewire';

describe('one-wire thermometer (§2.9)', () => {
  it('reads VALID = 0 until 750 ms after reset, then temperature × 16 and the ID', () => {
    const sched = new Scheduler();
    const ow = new TdcOnewire(sched, 32.5, 0x11, 0x22);
    ow.reset();
    sched.runUntil(749_999_999);
    expect(ow.read(0)).toBe(0);
    sched.runUntil(750_000_000);
    expect(ow.read(0)).toBe(1);
    expect(ow.read(4)).toBe(520);
    expect([ow.read(8), ow.read(12)]).toEqual([0x11, 0x22]);
  });

  it('takes a new temperature at the next 1 s update, signed, and reads invalid with fault B5', () => {
    const sched = new Scheduler();
    const ow = new TdcOnewire(sched);
    sched.runUntil(1_200_000_000);
    ow.setTemperature(-2);
    expect(ow.read(4)).toBe(520);
    sched.runUntil(2_000_000_000);
    expect(ow.read(4)).toBe(0xffe0);
    ow.setInvalid(true);
    expect(ow.read(0)).toBe(0);
  });
});
