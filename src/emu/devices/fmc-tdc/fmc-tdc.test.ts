import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { Scheduler } from '../../core/scheduler';
import { TraceRing } from '../../core/trace';
import { ACAM_V8_CONFIG, TDC_CORE } from '../../hw/spec-tdc-regs';
import { SparseDdr } from '../spec/ddr';
import { FmcTdc } from './fmc-tdc';
import { decodeRecord } from './record';

const CORE = (off: number) => TDC_CORE + off;

function rig() {
  const sched = new Scheduler();
  const ddr = new SparseDdr(1 << 24);
  const trace = new TraceRing(64, () => sched.nowNs);
  let irq = false;
  const tdc = new FmcTdc(
    sched,
    'tdc',
    ddr,
    new Rng(3),
    (l) => (irq = l),
    { acam: { model: 'ideal' } },
    trace,
  );
  const enableChannel = (ch: number, burst = 1) => {
    tdc.write(CORE(0x84), tdc.read(CORE(0x84)) | 0x80 | (1 << (16 + ch)));
    const b = 0x6000 + 0x40 * ch;
    tdc.write(b + 0x04, 0x100000 * ch);
    tdc.write(b + 0x0c, 0x40000000 | 64);
    tdc.write(b + 0x10, 0x100000 * ch + 0x80000);
    tdc.write(b + 0x14, 0x40000000 | 64);
    tdc.write(b, 1 | (1 << 1) | (burst << 11));
    tdc.write(0x3004, 1 << (5 + ch));
    tdc.write(CORE(0xfc), 1);
  };
  const pulse = (ch: number, widthNs: number) => {
    tdc.inputEdge(ch, true, 0);
    sched.runFor(widthNs);
    tdc.inputEdge(ch, false, 0);
  };
  return { sched, ddr, tdc, trace, irq: () => irq, enableChannel, pulse };
}

describe('FMC TDC core registers (§2.3)', () => {
  it('reads the identity registers of the v8 SPEC build', () => {
    const { tdc } = rig();
    expect(tdc.read(0)).toBe(0x5344422d);
    expect(tdc.read(CORE(0x8c))).toBe(0xc000ffee);
    expect(tdc.read(CORE(0xac))).toBe(1);
    expect(tdc.read(CORE(0x98))).toBe(0xa8f5);
    expect(tdc.read(CORE(0xfc))).toBe(0);
  });

  it('runs the driver ACAM init and sees the PLL lock (READBACK(12) bit 10 = 0)', () => {
    const { sched, tdc } = rig();
    tdc.write(CORE(0xfc), 1 << 8);
    for (const [reg, value] of Object.entries(ACAM_V8_CONFIG)) tdc.write(CORE(Number(reg) * 4), value);
    tdc.write(CORE(0xfc), 1 << 2);
    sched.runFor(100_000);
    tdc.write(CORE(0xfc), 1 << 8);
    let polls = 0;
    for (;;) {
      sched.runFor(100_000);
      tdc.write(CORE(0xfc), 1 << 3);
      polls++;
      if (!(tdc.read(CORE(0x70)) & (1 << 10))) break;
    }
    expect(polls).toBe(10);
    expect(tdc.read(CORE(0x5c))).toBe(0x1fea);
  });

  it('ignores ACAM commands while acquiring and traces a guest error', () => {
    const { tdc, trace } = rig();
    tdc.write(CORE(0x1c), 0x1fea);
    tdc.write(CORE(0xfc), 1);
    tdc.write(CORE(0xfc), 1 << 2);
    tdc.write(CORE(0xfc), 1 << 3);
    expect(tdc.read(CORE(0x5c))).toBe(0);
    expect(trace.since(0).some((r) => r.kind === 'guest-error')).toBe(true);
  });

  it('counts CURRENT_UTC from START_UTC after LOAD_UTC', () => {
    const { sched, tdc } = rig();
    tdc.write(CORE(0x80), 1_700_000_000);
    tdc.write(CORE(0xfc), 1 << 9);
    sched.runFor(2_500_000_000);
    expect(tdc.read(CORE(0xa0))).toBe(1_700_000_002);
  });
});

describe('FMC TDC data path (§2.8, §2.10, §3.1)', () => {
  it('stores one rising-edge record per clean pulse with increasing sequence numbers (P1)', () => {
    const { sched, ddr, tdc, enableChannel, pulse } = rig();
    enableChannel(1);
    sched.runFor(1000);
    pulse(1, 100);
    sched.runFor(1000);
    pulse(1, 100);
    const a = decodeRecord([0, 4, 8, 12].map((o) => ddr.read32(0x100000 + o)));
    const b = decodeRecord([0, 4, 8, 12].map((o) => ddr.read32(0x100010 + o)));
    expect(a).toMatchObject({ seconds: 0, coarse: 125, frac: 0, channel: 1, rising: true, seq: 0 });
    expect(b).toMatchObject({ coarse: 125 + 137, seq: 1 });
    expect(tdc.read(0x6000 + 0x40)).toBe(1 | (1 << 1) | (1 << 11));
  });

  it('drops glitches (P3) and ignores disabled channels and the global switch (P2)', () => {
    const { sched, tdc, enableChannel, pulse } = rig();
    enableChannel(0);
    pulse(0, 50);
    expect(tdc.channels[0].state.seq).toBe(0);
    tdc.write(CORE(0x84), tdc.read(CORE(0x84)) & ~0x80);
    sched.runFor(1000);
    pulse(0, 200);
    expect(tdc.channels[0].state.seq).toBe(0);
    tdc.write(CORE(0x84), tdc.read(CORE(0x84)) | 0x80);
    pulse(0, 200);
    expect(tdc.channels[0].state.seq).toBe(1);
    tdc.write(CORE(0x84), tdc.read(CORE(0x84)) & ~(1 << 16));
    expect(tdc.channels[0].state.seq).toBe(0);
  });

  it('keeps or drops 88–96 ns pulses by phase against the 8 ns clock (P4)', () => {
    const { sched, tdc, enableChannel, pulse } = rig();
    enableChannel(0);
    sched.runUntil(8000);
    pulse(0, 92); // rising on a tick boundary: 92 ns → 11 ticks
    expect(tdc.channels[0].state.seq).toBe(0);
    sched.runUntil(16_007);
    pulse(0, 92); // rising 7 ns into a tick: falling crosses 12 ticks
    expect(tdc.channels[0].state.seq).toBe(1);
  });

  it('raises EIC bit 5+ch and the output after IRQ_TIMEOUT; ISR ignores the mask (§2.5)', () => {
    const { sched, tdc, enableChannel, pulse, irq } = rig();
    enableChannel(2);
    pulse(2, 200);
    sched.runFor(999_999);
    expect(tdc.read(0x300c)).toBe(0);
    sched.runFor(1);
    expect(tdc.read(0x300c)).toBe(1 << 7);
    expect(irq()).toBe(true);
    tdc.write(0x3000, 1 << 7);
    expect(irq()).toBe(false);
    expect(tdc.read(0x300c)).toBe(1 << 7);
    tdc.write(0x300c, 1 << 7);
    expect(tdc.read(0x300c)).toBe(1 << 7);
  });

  it('keeps a spurious EIC bit until it is written 1 in ISR (I1)', () => {
    const { tdc, irq } = rig();
    tdc.write(0x3004, 0x3e0);
    tdc.forceEicBit(9);
    expect(irq()).toBe(true);
    tdc.write(0x300c, 1 << 9);
    expect(irq()).toBe(false);
  });

  it('injects FAKE_TS rising timestamps every period, bypassing the filter', () => {
    const { sched, tdc, enableChannel } = rig();
    enableChannel(0);
    tdc.write(CORE(0xb8), 0x80000000 | 125);
    sched.runFor(1000 * 5);
    expect(tdc.channels[0].state.seq).toBe(5);
    tdc.write(CORE(0xb8), 0);
    sched.runFor(10_000);
    expect(tdc.channels[0].state.seq).toBe(5);
  });

  it('treats TDC+0x7000 (2018 DMA EIC) as RAZ/WI and traces it as unmodelled', () => {
    const { tdc, trace } = rig();
    tdc.write(0x7004, 3);
    expect(tdc.read(0x7008)).toBe(0);
    expect(trace.since(0).filter((r) => r.kind === 'unimp')).toHaveLength(2);
  });
});

describe('FMC TDC counters for the UI (§7)', () => {
  it('sums each stage: edges in, filtered, stored', () => {
    // (Without the 1 µs gap the glitch's rising edge falls within 5.5 ns of the falling edge, is lost
    // in the ACAM, and its falling edge re-emits the pulse: the P7 → P6a pattern.)
    const { sched, tdc, enableChannel, pulse } = rig();
    enableChannel(4);
    pulse(4, 200);
    sched.runFor(1000);
    pulse(4, 30);
    expect(tdc.counters(4)).toMatchObject({
      edges: 4,
      filtered: 1,
      timestamps: 1,
      stored: 1,
      droppedNoBuffer: 0,
    });
  });
});

describe('FMC TDC White Rabbit options (§2.12)', () => {
  it('reports no WR core, or a link up at power-up, as configured', () => {
    const sched = new Scheduler();
    const ddr = new SparseDdr(1 << 20);
    const noWr = new FmcTdc(sched, 'a', ddr, new Rng(1), () => {}, { wrPresent: false });
    expect(noWr.read(CORE(0xb0))).toBe(1);
    const linked = new FmcTdc(sched, 'b', ddr, new Rng(1), () => {}, { wrLinkUp: true, wrLockDelayNs: 1000 });
    expect(linked.read(CORE(0xb0))).toBe(0x7);
    linked.write(CORE(0xb4), 1);
    sched.runFor(1000);
    expect(linked.read(CORE(0xb0))).toBe(0x1f7);
  });
});
