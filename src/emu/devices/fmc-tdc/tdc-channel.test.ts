import { describe, expect, it } from 'vitest';
import { TDC_TS_REGS } from '../../hw/spec-tdc-regs';
import type { TdcTimestamp } from './acam';
import { decodeRecord } from './record';
import { TdcChannel } from './tdc-channel';

const ts = (seconds: number, coarse: number, frac = 0): TdcTimestamp => ({ seconds, coarse, frac, bins: 0 });
const channel = (duplicateQuirk = true) =>
  new TdcChannel(2, { minTicks: 12, maxTicks: 125_000_000, duplicateQuirk });

describe('pulse-width filter (§2.10)', () => {
  it('drops a pulse of 11 ticks (88 ns) and keeps one of 12 ticks (96 ns), emitting the rising edge', () => {
    const ch = channel();
    ch.filter(true, ts(1, 100, 7));
    expect(ch.filter(false, ts(1, 111, 4000))).toBeNull();
    ch.filter(true, ts(1, 200, 7));
    expect(ch.filter(false, ts(1, 212, 0))).toEqual(ts(1, 200, 7));
    expect(ch.counters.filtered).toBe(1);
  });

  it('applies the borrow across a second boundary and drops pulses of 1 s or more (P5)', () => {
    const ch = channel();
    ch.filter(true, ts(1, 124_999_990));
    expect(ch.filter(false, ts(2, 5))).toEqual(ts(1, 124_999_990));
    ch.filter(true, ts(3, 10));
    expect(ch.filter(false, ts(4, 10))).toBeNull();
  });

  it('re-emits the previous rising edge on a second falling edge with the quirk on (P6a), not with it off', () => {
    const quirky = channel(true);
    quirky.filter(true, ts(1, 1000));
    quirky.filter(false, ts(1, 1020));
    expect(quirky.filter(false, ts(1, 5000))).toEqual(ts(1, 1000));
    expect(quirky.counters.duplicates).toBe(1);
    const strict = channel(false);
    strict.filter(true, ts(1, 1000));
    strict.filter(false, ts(1, 1020));
    expect(strict.filter(false, ts(1, 5000))).toBeNull();
  });

  it('emits nothing for a falling edge after a clear (channel disable)', () => {
    const ch = channel();
    ch.filter(true, ts(0, 0));
    ch.clear();
    expect(ch.filter(false, ts(0, 100))).toBeNull();
  });
});

describe('ACAM front end limits (§2.13)', () => {
  it('loses an edge closer than 5.5 ns to the previous one', () => {
    const ch = channel();
    expect(ch.acamAccepts(1000, 0)).toBe(true);
    expect(ch.acamAccepts(1005, 499)).toBe(false);
    expect(ch.acamAccepts(1011, 0)).toBe(true);
    expect(ch.counters.lostInAcam).toBe(1);
  });

  it('loses edges beyond 32 hits arriving faster than the 10 MHz drain', () => {
    const ch = channel();
    let accepted = 0;
    for (let i = 0; i < 40; i++) if (ch.acamAccepts(10 * i, 0)) accepted++;
    expect(accepted).toBeGreaterThanOrEqual(32);
    expect(accepted).toBeLessThan(40);
  });
});

describe('numbering, offsets and the timestamp block (§2.6)', () => {
  it('numbers every emitted timestamp, adds OFFSET1..3 and resets on RST_SEQ', () => {
    const ch = channel();
    ch.write(TDC_TS_REGS.OFFSET2.offset, 10);
    ch.write(TDC_TS_REGS.OFFSET3.offset, 0x800);
    const a = decodeRecord(ch.number(ts(5, 100, 0x900))!);
    expect(a).toMatchObject({ seconds: 5, coarse: 111, frac: 0x100, channel: 2, seq: 0 });
    expect(decodeRecord(ch.number(ts(5, 200))!).seq).toBe(1);
    ch.write(TDC_TS_REGS.CSR.offset, 1 << 2);
    expect(decodeRecord(ch.number(ts(5, 300))!).seq).toBe(0);
    expect(ch.read(TDC_TS_REGS.CSR.offset) & 4).toBe(0);
  });

  it('mutes the channel in raw mode: nothing numbered', () => {
    const ch = channel();
    ch.write(TDC_TS_REGS.CSR.offset, 1 << 6);
    expect(ch.number(ts(1, 1))).toBeNull();
    expect(ch.state.seq).toBe(0);
    expect(ch.counters.muted).toBe(1);
  });
});
