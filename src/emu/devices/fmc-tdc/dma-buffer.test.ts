import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../core/scheduler';
import { TDC_DMABUF_REGS as R } from '../../hw/spec-tdc-regs';
import { SparseDdr } from '../spec/ddr';
import { TdcDmaBuffer } from './dma-buffer';
import type { RecordWords } from './record';

function rig(sizeRecords = 4, timeoutMs = 10, burst = 2) {
  const sched = new Scheduler();
  const ddr = new SparseDdr(1 << 20);
  const levels: boolean[] = [];
  const buf = new TdcDmaBuffer(sched, 'buf', ddr, (l) => levels.push(l));
  buf.write(R.CUR_BASE.offset, 0x1000);
  buf.write(R.CUR_SIZE.offset, 0x40000000 | sizeRecords);
  buf.write(R.NEXT_BASE.offset, 0x2000);
  buf.write(R.NEXT_SIZE.offset, 0x40000000 | sizeRecords);
  buf.write(R.CSR.offset, 1 | (timeoutMs << 1) | (burst << 11));
  return { sched, ddr, buf, levels };
}
const rec = (n: number): RecordWords => [n, n + 1, n + 2, n + 3];

describe('per-channel DMA buffer controller (§2.7)', () => {
  it('writes records to DDR in bursts, so the DDR image lags the count until a switch', () => {
    const { ddr, buf } = rig(8, 10, 4);
    buf.accept(rec(10));
    buf.accept(rec(20));
    expect(ddr.read32(0x1000)).toBe(0);
    buf.accept(rec(30));
    buf.accept(rec(40));
    expect(ddr.read32(0x1030)).toBe(40);
    buf.accept(rec(50));
    expect(ddr.read32(0x1040)).toBe(0);
    buf.write(R.CSR.offset, buf.read(R.CSR.offset) | (1 << 21));
    expect(ddr.read32(0x1040)).toBe(50);
    expect(buf.read(R.CUR_COUNT.offset)).toBe(5);
  });

  it('switches: CUR ← NEXT, NEXT.VALID cleared, DONE 200 ns later, DONE cleared by writing 1', () => {
    const { sched, buf } = rig();
    buf.accept(rec(1));
    buf.write(R.CSR.offset, buf.read(R.CSR.offset) | (1 << 21));
    expect(buf.read(R.CUR_BASE.offset)).toBe(0x2000);
    expect(buf.read(R.NEXT_SIZE.offset)).toBe(4);
    expect(buf.read(R.CSR.offset) & (1 << 22)).toBe(0);
    sched.runFor(199);
    expect(buf.read(R.CSR.offset) & (1 << 22)).toBe(0);
    sched.runFor(1);
    expect(buf.read(R.CSR.offset) & (1 << 22)).toBe(1 << 22);
    buf.write(R.CSR.offset, buf.read(R.CSR.offset));
    expect(buf.read(R.CSR.offset) & (1 << 22)).toBe(0);
  });

  it('raises its line IRQ_TIMEOUT ms after the first record, not before, and a switch clears it (§2.14)', () => {
    const { sched, buf } = rig(4, 10);
    sched.runUntil(5_000);
    buf.accept(rec(1));
    sched.runUntil(5_000 + 10_000_000 - 1);
    buf.accept(rec(2));
    expect(buf.irqLine).toBe(false);
    sched.runUntil(5_000 + 10_000_000);
    expect(buf.irqLine).toBe(true);
    buf.write(R.CSR.offset, buf.read(R.CSR.offset) | (1 << 21));
    expect(buf.irqLine).toBe(false);
  });

  it('raises the line at once with IRQ_TIMEOUT = 0', () => {
    const { sched, buf } = rig(4, 0);
    buf.accept(rec(1));
    sched.runFor(0);
    expect(buf.irqLine).toBe(true);
  });

  it('switches on its own when CUR is full, then drops records once NEXT is not valid (D9)', () => {
    const { buf } = rig(2);
    for (let i = 0; i < 5; i++) buf.accept(rec(i));
    expect(buf.state.counters.autoSwitches).toBe(2); // A full → B; B full → invalid NEXT
    expect(buf.read(R.CUR_BASE.offset)).toBe(0x2000);
    expect(buf.read(R.CUR_COUNT.offset)).toBe(2);
    expect(buf.state.counters.stored).toBe(4);
    buf.accept(rec(9));
    expect(buf.read(R.CUR_SIZE.offset) & 0x40000000).toBe(0);
    expect(buf.state.counters.droppedNoBuffer).toBe(2);
    expect(buf.read(R.CSR.offset) & (1 << 23)).toBe(0);
  });

  it('holds the newest record while CSR.ENABLE = 0 and stores it when ENABLE returns (P2b)', () => {
    const { ddr, buf } = rig(4, 10, 1);
    buf.write(R.CSR.offset, buf.read(R.CSR.offset) & ~1);
    buf.accept(rec(1));
    buf.accept(rec(2));
    expect(buf.state.counters.replacedWhileDisabled).toBe(1);
    buf.write(R.CSR.offset, buf.read(R.CSR.offset) | 1);
    expect(ddr.read32(0x1000)).toBe(2);
    expect(buf.state.count).toBe(1);
  });

  it('never reports DONE with the switch-stall fault (D8)', () => {
    const { sched, buf } = rig();
    let stalled = 0;
    buf.onSwitchStalled = () => stalled++;
    buf.setSwitchStall(true);
    buf.write(R.CSR.offset, buf.read(R.CSR.offset) | (1 << 21));
    sched.runFor(1_000_000);
    expect(buf.read(R.CSR.offset) & (1 << 22)).toBe(0);
    expect(stalled).toBe(1);
  });
});
