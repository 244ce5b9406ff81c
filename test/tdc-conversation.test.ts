// The worked driver conversation of tdc.md §5(c) (three timestamps by DMA) and §5(d) (one DMA
// error, retry), register by register, with the spec's example numbers.
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../src/emu/devices/fmc-tdc/record';
import { makeRig, type Rig, setupChannel, setupInterrupts } from './tdc-rig';

const HOST = 0x1f000;

function receiveThree(rig: Rig): void {
  setupInterrupts(rig);
  setupChannel(rig, 0);
  const t0 = rig.sched.nowNs;
  rig.signals.pulse(0, t0 + 100_001, 200);
  rig.signals.pulse(0, t0 + 200_002.5, 200);
  rig.signals.pulse(0, t0 + 300_500, 200);
}

function hostServesTdc(rig: Rig): void {
  const { r0, w0, r4 } = rig;
  expect(r4(0x814)).toBe(0x8000);
  expect(r4(0x820) & 0x8000).toBe(0x8000);
  expect(r4(0xa20)).toBe(0x100);
  expect(r0(0x104)).toBe(0x40);
  expect(r0(0x114)).toBe(6);
  expect(r0(0x2300c)).toBe(0x20);
  expect(r0(0x23008)).toBe(0x20);
  w0(0x23000, 0x20);
  w0(0x26000, 0x00208015);
  rig.sched.runUntilTrue(() => (r0(0x26000) & 0x400000) !== 0, rig.sched.nowNs + 100_000);
  expect(r0(0x26000)).toBe(0x00408015);
  w0(0x26000, 0x00408015);
  expect(r0(0x26008)).toBe(3);
}

function startDma(rig: Rig): void {
  const { w0 } = rig;
  w0(0x0c8, 0);
  w0(0x0cc, HOST);
  w0(0x0d0, 0);
  w0(0x0d4, 0x30);
  w0(0x0d8, 0);
  w0(0x0dc, 0);
  w0(0x0e0, 0);
  w0(0x0c0, 0);
  w0(0x0c0, 1);
}

function hostWords(rig: Rig, n: number): number[] {
  return Array.from({ length: n }, (_, i) => rig.ram.read32(HOST + 4 * i));
}

describe('§5(c) receive three timestamps by DMA', () => {
  it('stores three records, raises DMA1 10 ms after the first, and moves 48 exact bytes to the host', () => {
    const rig = makeRig({ tdc: { acam: { model: 'ideal' } } });
    receiveThree(rig);
    const t0 = rig.sched.nowNs;
    const firstStoredNs = t0 + 100_001 + 200;
    rig.sched.runUntil(firstStoredNs + 10_000_000 - 1);
    expect(rig.intx()).toBe(false);
    expect(rig.r0(0x2300c)).toBe(0);
    rig.sched.runUntil(firstStoredNs + 10_000_000);
    expect(rig.r0(0x2300c)).toBe(0x20);
    expect(rig.intx()).toBe(true);

    hostServesTdc(rig);
    rig.w0(0x26010, 0);
    rig.w0(0x26014, 0x40100000);
    startDma(rig);
    rig.w0(0x11c, 1);
    // DMA: 2 µs + 48 × 4 ns, then the VIC edge hold (4 µs) has passed too.
    rig.sched.runFor(2_000 + 48 * 4 + 4_000);
    expect(rig.intx()).toBe(true);
    expect(rig.r0(0x114)).toBe(2);
    rig.w0(0x0c4, 0x4);
    expect(rig.r0(0x0c4)).toBe(0);
    rig.w0(0x11c, 1);
    rig.w0(0x23004, 0x20);

    expect(hostWords(rig, 12)).toEqual([
      0x4d2, 0x30d4, 0x200, 0x08, 0x4d2, 0x61a8, 0x500, 0x18, 0x4d2, 0x92ba, 0x800, 0x28,
    ]);
    const ps = [0, 1, 2].map((i) => decodeRecord(hostWords(rig, 12).slice(4 * i, 4 * i + 4)).ps);
    expect(ps).toEqual([100_001_000, 200_002_500, 300_500_000]);
    rig.sched.runFor(10_000);
    // The GPIO thread re-reads GPIO_INT_STATUS (sticky) to clear it; nothing is pending any more.
    rig.r4(0xa20);
    expect(rig.r4(0xa20)).toBe(0);
    expect(rig.intx()).toBe(false);
  });
});

describe('§5(d) handle one DMA error', () => {
  it('reports error 0x6 then 0x2 after the ack, keeps the records in DDR, and a retry delivers them', () => {
    const rig = makeRig({ tdc: { acam: { model: 'ideal' } } });
    receiveThree(rig);
    rig.sched.runFor(11_000_000);
    hostServesTdc(rig);
    const id = rig.faults.dmaError('next');
    startDma(rig);
    rig.w0(0x11c, 1);
    rig.sched.runFor(6_500);
    expect(rig.r0(0x114)).toBe(2);
    expect(rig.r0(0x0c4)).toBe(0x6);
    rig.w0(0x0c4, 0x4);
    expect(rig.r0(0x0c4)).toBe(0x2);
    expect(hostWords(rig, 4)).toEqual([0, 0, 0, 0]);
    const record = rig.faults.report().find((r) => r.id === id)!;
    expect(record.firedAtNs).toBe(rig.sched.nowNs - 6_500 + 2_000 + 48 * 4);
    rig.w0(0x11c, 1);
    startDma(rig);
    rig.sched.runFor(6_500);
    rig.w0(0x0c4, 0x4);
    expect(rig.r0(0x0c4)).toBe(0);
    expect(hostWords(rig, 4)).toEqual([0x4d2, 0x30d4, 0x200, 0x08]);
  });
});
