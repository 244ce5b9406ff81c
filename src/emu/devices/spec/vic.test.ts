import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../core/scheduler';
import { VIC_CTL_LINUX } from '../../hw/spec-tdc-regs';
import { Vic } from './vic';

function rig() {
  const sched = new Scheduler();
  const pins: boolean[] = [];
  const vic = new Vic(sched, 'vic', (p) => pins.push(p));
  for (let n = 0; n < 32; n++) vic.write(0x80 + 4 * n, n);
  vic.write(0x00, VIC_CTL_LINUX);
  vic.write(0x08, 0x44);
  return { sched, vic, pins };
}

describe('VIC (§1.7)', () => {
  it('presents the lowest pending enabled line in VAR and drives the pin while waiting for EOI', () => {
    const { vic } = rig();
    vic.setLine(6, true);
    vic.setLine(2, true);
    expect(vic.read(0x04)).toBe(0x44);
    expect(vic.read(0x14)).toBe(6); // latched first
    expect(vic.pin).toBe(true);
    vic.setLine(9, true);
    expect(vic.read(0x04)).toBe(0x244);
  });

  it('holds the output inactive for EMU_LEN × 16 ns after EOIR, then presents the next line', () => {
    const { sched, vic } = rig();
    vic.setLine(6, true);
    vic.setLine(2, true);
    vic.write(0x1c, 1);
    expect(vic.pin).toBe(false);
    sched.runFor(3_999);
    expect(vic.pin).toBe(false);
    sched.runFor(1);
    expect(vic.pin).toBe(true);
    expect(vic.read(0x14)).toBe(2);
  });

  it('keeps its output and vector without EOIR even when the source goes away (I2)', () => {
    const { sched, vic } = rig();
    vic.setLine(2, true);
    vic.setLine(2, false);
    vic.setLine(6, true);
    sched.runFor(1_000_000);
    expect(vic.pin).toBe(true);
    expect(vic.read(0x14)).toBe(2);
  });

  it('ignores disabled lines and raises software-triggered ones until their EOI', () => {
    const { sched, vic } = rig();
    vic.setLine(3, true);
    expect(vic.pin).toBe(false);
    vic.write(0x18, 1 << 2);
    expect(vic.pin).toBe(true);
    vic.write(0x1c, 1);
    sched.runFor(10_000);
    expect(vic.pin).toBe(false);
    vic.write(0x0c, 0x44);
    expect(vic.read(0x10)).toBe(0);
  });

  it('drives an idle-high pin with POL = 0 and a low pin when disabled', () => {
    const { vic } = rig();
    vic.write(0x00, 1);
    expect(vic.pin).toBe(true);
    vic.write(0x00, 0);
    expect(vic.pin).toBe(false);
  });
});
