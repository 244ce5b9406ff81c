// Register fuzz of the SPEC + FMC TDC: 100k random accesses (any width, offset, value) per BAR,
// interleaved with time steps and input edges. Nothing may throw, and the invariants must hold
// after every access: each interrupt level equals the OR of its enabled sources, DMA and buffer
// state stay inside their ranges.
import { describe, expect, it } from 'vitest';
import type { AccessWidth } from '../src/emu/bus/types';
import { Rng } from '../src/emu/core/rng';
import { makeRig, type Rig, setupChannel, setupInterrupts } from './tdc-rig';

const WIDTHS: AccessWidth[] = [1, 2, 4];

function checkInvariants(rig: Rig): void {
  const { spec } = rig;
  const intStat = spec.gn4124.read(0x814);
  const cfg0 = spec.gn4124.read(0x820);
  expect(rig.intx()).toBe((intStat & cfg0) !== 0);
  const tdc = spec.tdc;
  expect(tdc.irqOut).toBe((tdc.eicIsr & tdc.state.eicImr) !== 0);
  const risr = spec.vic.risr;
  expect(((risr >>> 2) & 1) === 1).toBe(spec.dma.irqPending || (spec.vic.snapshot().swir & 4) !== 0);
  expect(((risr >>> 6) & 1) === 1).toBe(tdc.irqOut || (spec.vic.snapshot().swir & 0x40) !== 0);
  const dma = spec.dma.state;
  expect(dma.status).toBeGreaterThanOrEqual(0);
  expect(dma.status).toBeLessThanOrEqual(3);
  expect(dma.phase !== 'none').toBe(dma.event !== 0);
  for (const b of tdc.buffers) {
    const s = b.state;
    expect(s.count).toBeGreaterThanOrEqual(0);
    expect(s.burst.length).toBeLessThanOrEqual(1023);
    expect(s.irqLine ? s.irqRequest : true).toBe(true);
  }
}

function fuzzBar(bar: 0 | 2 | 4, accesses: number, seed: number): Rig {
  const rig = makeRig({}, seed);
  setupInterrupts(rig);
  setupChannel(rig, 0, 8, 0, 2);
  setupChannel(rig, 3, 4, 1, 1);
  const rng = new Rng(seed * 7919);
  const handler = rig.spec.bars[bar]!.handler;
  const size = rig.spec.bars[bar]!.size;
  // Half of the accesses go to the interesting windows (DMA, VIC, TDC) of BAR0.
  const hot = [0x40, 0xc0, 0x100, 0x22000, 0x23000, 0x25000, 0x26000];
  for (let ch = 0; ch < 5; ch++) rig.signals.periodic(ch, { periodNs: 700 + 130 * ch, widthNs: 150 });
  let dmaStarts = 0;
  for (let i = 0; i < accesses; i++) {
    if (i % 1500 === 0) {
      // A well-behaved driver interleaves: re-arm a channel and start a valid DMA.
      setupInterrupts(rig);
      setupChannel(rig, rng.int(5), 1 + rng.int(16), rng.int(3), 1 + rng.int(4));
      if (rig.spec.dma.state.status !== 1) {
        rig.w0(0xc8, 16 * rng.int(64));
        rig.w0(0xcc, 0x2000);
        rig.w0(0xd0, 0);
        rig.w0(0xd4, 16 * (1 + rng.int(64)));
        rig.w0(0xe0, 0);
        rig.w0(0xc0, 1);
        dmaStarts++;
      }
    }
    const width = WIDTHS[rng.int(3)];
    let offset = rng.int(size);
    if (bar === 0 && rng.next() < 0.5) offset = hot[rng.int(hot.length)] + 4 * rng.int(64);
    if (rng.next() < 0.7) offset &= ~3;
    if (rng.next() < 0.5) handler.read(offset, width);
    else
      handler.write(offset, rng.nextU32() & (width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff), width);
    if (i % 64 === 0) rig.spec.tdc.inputEdge(rng.int(5), rng.next() < 0.5, rng.int(1000));
    if (i % 128 === 0) rig.sched.runFor(rng.int(2_000));
    if (i % 97 === 0) checkInvariants(rig);
  }
  rig.sched.runFor(50_000);
  checkInvariants(rig);
  expect(dmaStarts).toBeGreaterThan(50);
  return rig;
}

describe('register fuzz', () => {
  for (const bar of [0, 2, 4] as const) {
    it(`survives 100k random accesses to BAR${bar} with the interrupt and buffer invariants intact`, () => {
      const rig = fuzzBar(bar, 100_000, 11 + bar);
      const stored = rig.spec.tdc.buffers.reduce((n, b) => n + b.state.counters.stored, 0);
      expect(stored).toBeGreaterThan(100);
      expect(rig.spec.dma.state.bytesMoved).toBeGreaterThan(0);
    }, 60_000);
  }
});
