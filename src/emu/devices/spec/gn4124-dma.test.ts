import { describe, expect, it } from 'vitest';
import { RamMemory } from '../../bus/phys-memory';
import { Scheduler } from '../../core/scheduler';
import { DMA_REGS as R } from '../../hw/spec-tdc-regs';
import { SparseDdr } from './ddr';
import { Gn4124Dma, swapBytes } from './gn4124-dma';

function rig(busMaster = true) {
  const sched = new Scheduler();
  const ram = new RamMemory(1 << 16);
  const ddr = new SparseDdr(1 << 20);
  let irq = false;
  const fired: [number, string][] = [];
  const dma = new Gn4124Dma(sched, 'dma', ram, ddr, (l) => (irq = l));
  dma.onFaultFired = (id, effect) => fired.push([id, effect]);
  dma.setBusMaster(busMaster);
  for (let i = 0; i < 64; i++) ddr.write32(0x100 + 4 * i, 0xa0000000 + i);
  const program = (cstart: number, host: number, len: number, attr = 0, next = 0) => {
    dma.write(R.CSTART.offset, cstart);
    dma.write(R.HSTARTL.offset, host);
    dma.write(R.HSTARTH.offset, 0);
    dma.write(R.LEN.offset, len);
    dma.write(R.NEXTL.offset, next);
    dma.write(R.NEXTH.offset, 0);
    dma.write(R.ATTR.offset, attr);
  };
  const start = () => dma.write(R.CTRL.offset, 1);
  const stat = () => dma.read(R.STAT.offset);
  return { sched, ram, ddr, dma, irq: () => irq, fired, program, start, stat };
}

describe('GN4124 DMA state machine (§1.8)', () => {
  it('is busy for 2 µs + 4 ns/byte, then idle with the interrupt flag; writing 0x4 acks', () => {
    const { sched, ram, program, start, stat, irq, dma } = rig();
    program(0x100, 0x2000, 64);
    start();
    expect(stat()).toBe(1);
    expect(dma.read(R.CTRL.offset) & 1).toBe(0);
    sched.runFor(2_000 + 256 - 1);
    expect(stat()).toBe(1);
    expect(ram.read32(0x2000)).toBe(0);
    sched.runFor(1);
    expect(stat()).toBe(0x4);
    expect(irq()).toBe(true);
    expect(ram.read32(0x2000)).toBe(0xa0000000);
    expect(ram.read32(0x203c)).toBe(0xa000000f);
    dma.write(R.STAT.offset, 0x4);
    expect(stat()).toBe(0);
    expect(irq()).toBe(false);
  });

  it('follows a chain of descriptors in host memory and interrupts after the last one', () => {
    const { sched, ram, program, start, stat, dma } = rig();
    const desc = 0x8000;
    // segment 2: card 0x110 → host 0x3000, 8 bytes, more; segment 3: card 0x120 → host 0x4000, 4 bytes, last.
    const words = [0x110, 0x3000, 0, 8, desc + 32, 0, 0x2, 0, 0x120, 0x4000, 0, 4, 0, 0, 0];
    for (let i = 0; i < words.length; i++) ram.write32(desc + 4 * i, words[i]);
    program(0x100, 0x2000, 4, 0x2, desc);
    start();
    sched.runFor(2_016);
    expect(stat()).toBe(1);
    sched.runFor(1_000 + 2_032);
    expect(stat()).toBe(1);
    expect(dma.read(R.CUR_CSTART.offset)).toBe(0x110);
    sched.runFor(1_000 + 2_016);
    expect(stat()).toBe(0x4);
    expect([ram.read32(0x2000), ram.read32(0x3000), ram.read32(0x3004), ram.read32(0x4000)]).toEqual([
      0xa0000000, 0xa0000004, 0xa0000005, 0xa0000008,
    ]);
  });

  it('moves host → card when ATTR bit 0 is set', () => {
    const { sched, ram, ddr, program, start } = rig();
    ram.write32(0x2000, 0x12345678);
    program(0x9000, 0x2000, 4, 0x1);
    start();
    sched.runFor(10_000);
    expect(ddr.read32(0x9000)).toBe(0x12345678);
  });

  it('aborts a busy transfer: STAT = 3, no data, no interrupt', () => {
    const { sched, ram, program, start, stat, dma, irq } = rig();
    program(0x100, 0x2000, 64);
    start();
    sched.runFor(1_000);
    dma.write(R.CTRL.offset, 2);
    expect(stat()).toBe(3);
    sched.runFor(10_000);
    expect(stat()).toBe(3);
    expect(irq()).toBe(false);
    expect(ram.read32(0x2000)).toBe(0);
  });

  it('ends in error at once for LEN < 4 (D5), and after the latency without bus mastering (D6)', () => {
    const a = rig();
    a.program(0x100, 0x2000, 0);
    a.start();
    expect(a.stat()).toBe(0x6);
    const b = rig(false);
    b.program(0x100, 0x2000, 16);
    b.start();
    expect(b.stat()).toBe(1);
    b.sched.runFor(2_064);
    expect(b.stat()).toBe(0x6);
    expect(b.ram.read32(0x2000)).toBe(0);
  });

  it('ends in error when the host range is outside guest memory, without throwing', () => {
    const { sched, program, start, stat } = rig();
    program(0x100, 0xfff0, 64);
    start();
    sched.runFor(10_000);
    expect(stat()).toBe(0x6);
  });

  it('ignores START while busy', () => {
    const { sched, program, start, stat } = rig();
    program(0x100, 0x2000, 64);
    start();
    sched.runFor(100);
    start();
    sched.runFor(2_156);
    expect(stat()).toBe(0x4);
  });

  it('applies injected faults: error next (D1), error after N bytes (D2), hang (D3), spurious irq (D4)', () => {
    const r = rig();
    r.dma.armFault({ id: 1, kind: 'error' });
    r.dma.armFault({ id: 2, kind: 'error-after', bytes: 8 });
    r.dma.armFault({ id: 3, kind: 'hang' });
    r.program(0x100, 0x2000, 64);
    r.start();
    r.sched.runFor(5_000);
    expect(r.stat()).toBe(0x6);
    expect(r.ram.read32(0x2000)).toBe(0);
    r.dma.write(R.STAT.offset, 4);
    r.start();
    r.sched.runFor(5_000);
    expect(r.stat()).toBe(0x6);
    expect([r.ram.read32(0x2000), r.ram.read32(0x2004), r.ram.read32(0x2008)]).toEqual([
      0xa0000000, 0xa0000001, 0,
    ]);
    r.dma.write(R.STAT.offset, 4);
    r.start();
    r.sched.runFor(1_000_000_000);
    expect(r.stat()).toBe(1);
    r.dma.write(R.CTRL.offset, 2);
    expect(r.stat()).toBe(3);
    expect(r.fired.map(([id]) => id)).toEqual([1, 2, 3]);
    r.dma.spuriousIrq();
    expect(r.stat()).toBe(0x7);
    expect(r.irq()).toBe(true);
  });

  it('swaps bytes as CTRL.SWAP says', () => {
    const d = Uint8Array.from([1, 2, 3, 4]);
    expect(Array.from(swapBytes(d, 0))).toEqual([1, 2, 3, 4]);
    expect(Array.from(swapBytes(d, 1))).toEqual([2, 1, 4, 3]);
    expect(Array.from(swapBytes(d, 2))).toEqual([3, 4, 1, 2]);
    expect(Array.from(swapBytes(d, 3))).toEqual([4, 3, 2, 1]);
  });

  it('restores a mid-transfer snapshot and completes identically', () => {
    const a = rig();
    a.program(0x100, 0x2000, 64);
    a.start();
    a.sched.runFor(1_000);
    const schedSnap = a.sched.snapshot();
    const dmaSnap = a.dma.snapshot();
    const b = rig();
    b.sched.restore(schedSnap);
    b.dma.restore(dmaSnap);
    a.sched.runFor(5_000);
    b.sched.runFor(5_000);
    expect(b.stat()).toBe(a.stat());
    expect(b.ram.readBytes(0x2000, 64)).toEqual(a.ram.readBytes(0x2000, 64));
    expect(() => b.dma.restore({ ...dmaSnap, status: 9 })).toThrow();
  });
});
