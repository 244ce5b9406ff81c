import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../core/scheduler';
import { DAC_TUNE_DEFAULT } from '../../hw/spec-tdc-regs';
import { dacPpm, TdcTimeBase } from './time-base';

describe('TDC time base (§2.12)', () => {
  it('LOAD_UTC starts a second at the command; seconds count every 10^9 ns', () => {
    const sched = new Scheduler();
    const tb = new TdcTimeBase(sched, 'tb');
    sched.runUntil(777);
    tb.loadUtc(1234);
    sched.runFor(999_999_999);
    expect(tb.at()).toEqual({ seconds: 1234, ps: 999_999_999_000 });
    expect(tb.at(999)).toEqual({ seconds: 1234, ps: 999_999_999_999 });
    sched.runFor(1);
    expect(tb.at()).toEqual({ seconds: 1235, ps: 0 });
    expect(tb.currentUtc).toBe(1235);
  });

  it('runs exact at the reset DAC word and ≈9 ppm/V fast above it, continuously across the change', () => {
    const sched = new Scheduler();
    const tb = new TdcTimeBase(sched, 'tb');
    expect(dacPpm(DAC_TUNE_DEFAULT)).toBe(0);
    tb.loadUtc(0);
    sched.runFor(500_000_000);
    const before = tb.at();
    tb.setDac(DAC_TUNE_DEFAULT + 26214); // +1 V
    expect(tb.at()).toEqual(before);
    sched.runFor(1_000_000_000);
    const gainedPs = tb.at().ps - 500_000_000_000;
    expect(gainedPs).toBeGreaterThan(8_900_000);
    expect(gainedPs).toBeLessThan(9_100_000);
  });

  it('locks to White Rabbit after the lock delay when enabled with the link up, and drops on link loss (B6)', () => {
    const sched = new Scheduler();
    const tb = new TdcTimeBase(sched, 'tb', 1_000_000, 3);
    tb.setWrEnabled(true);
    expect(tb.wrStat & 0x4).toBe(0);
    tb.setWrLink(true);
    expect(tb.wrStat).toBe(0x1 | 0x2 | 0x4 | 0x8 | 0x40);
    sched.runFor(1_000_000);
    expect(tb.wrStat).toBe(0x1 | 0x2 | 0x4 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100);
    expect(tb.ppm).toBe(0);
    tb.setWrLink(false);
    expect(tb.wrStat).toBe(0x1 | 0x2 | 0x40);
    expect(tb.ppm).toBe(3);
  });
});
