import { describe, expect, it } from 'vitest';
import { IpackBus } from '../bus/ipack';
import type { AccessWidth } from '../bus/types';
import { Scheduler } from '../core/scheduler';
import { stableStringify } from '../core/snapshot';
import { TraceRing } from '../core/trace';
import { IpOctal232 } from './ipoctal232';
import { PLX_LCR_REGS, TPCI200_REGS, Tpci200 } from './tpci200';

const CHAR_NS = 1_041_667;
const CTRL_A = TPCI200_REGS.IP_A_CONTROL.offset;
const STATUS = TPCI200_REGS.STATUS.offset;
const RESET = TPCI200_REGS.RESET.offset;
const LAS1BRD = PLX_LCR_REGS.LAS1BRD.offset;
const LAS2BRD = PLX_LCR_REGS.LAS2BRD.offset;
const INTCSR = PLX_LCR_REGS.INTCSR.offset;
// BAR3 per-slot layout (ipack.md §1.2).
const IO = (slot: number) => 0x100 * slot;
const ID = (slot: number) => 0x100 * slot + 0x80;
const INT = (slot: number) => 0x100 * slot + 0xc0;

function rig(withModule = true) {
  const sched = new Scheduler();
  const trace = new TraceRing(4096);
  const ipack = new IpackBus();
  const card = new Tpci200(ipack, trace);
  const ipoctal = new IpOctal232(sched, trace);
  if (withModule) ipack.plug(0, ipoctal);
  const levels: boolean[] = [];
  card.connectIrq({ set: (l) => levels.push(l) });
  const rd = (bar: number, off: number, w: AccessWidth) => card.bars[bar]!.handler.read(off, w);
  const wr = (bar: number, off: number, v: number, w: AccessWidth) =>
    card.bars[bar]!.handler.write(off, v, w);
  /** What the Linux probe does to the PLX: LAS1 and LAS2 big-endian. */
  const linuxPlx = () => {
    wr(0, LAS1BRD, rd(0, LAS1BRD, 4) | 0x0100_0000, 4);
    wr(0, LAS2BRD, rd(0, LAS2BRD, 4) | 0x0100_0000, 4);
  };
  return { sched, trace, ipack, card, ipoctal, levels, rd, wr, linuxPlx };
}

describe('TPCI200 PCI identity and PLX9030 registers', () => {
  it('has the IDs Linux matches on and six BARs of the right kinds and sizes', () => {
    const { card } = rig();
    expect(card.identity).toMatchObject({
      vendorId: 0x1498,
      deviceId: 0x30c8,
      subsystemVendorId: 0x1498,
      subsystemId: 0x300a,
    });
    expect(card.bars.map((b) => `${b?.kind}:${b?.size}`)).toEqual([
      'mem:128',
      'io:128',
      'mem:256',
      'mem:1024',
      'mem:33554432',
      'mem:16777216',
    ]);
  });

  it('reads the EEPROM constants and makes only LASxBRD bit 24 writable (Linux probe values)', () => {
    const { rd, wr, linuxPlx, card } = rig();
    expect(rd(0, LAS1BRD, 4)).toBe(0x1441_20a2);
    expect(rd(1, 0x00, 4)).toBe(0x0fff_ff00);
    expect(rd(0, 0x2f, 1)).toBe(0x14);
    linuxPlx();
    expect(rd(0, LAS1BRD, 4)).toBe(0x1541_20a2);
    expect(rd(0, LAS2BRD, 4)).toBe(0x1541_20a2);
    wr(0, 0x00, 0, 4);
    expect(rd(0, 0x00, 4)).toBe(0x0fff_ff00);
    expect(rd(0, 0x60, 4)).toBe(0);
    expect(card.describe(0, LAS1BRD, 'write', 0x1541_20a2, 4)).toMatch(/^LAS1BRD BUS_WIDTH=1 BE/);
    expect(card.describe(0, INTCSR, 'read', 0x45, 2)).toBe('INTCSR LINT1_EN LINT1_STAT PCI_INT_EN');
    expect(card.describe(0, 0x4e, 'read', 0, 2)).toBe('PROT_AREA');
  });
});

describe('TPCI200 byte lanes (pitfall 1)', () => {
  it('with LAS1 big-endian: ID PROM bytes at odd offsets, PCI offset = IP address', () => {
    const { rd, linuxPlx } = rig();
    linuxPlx();
    const id = [1, 3, 5, 7].map((k) => rd(3, ID(0) + k, 1));
    expect(String.fromCharCode(...id)).toBe('IPAC');
    expect(rd(3, ID(0) + 0x15, 1)).toBe(0x0c);
    expect(rd(3, ID(0) + 0x17, 1)).toBe(0xcc);
    expect(rd(3, ID(0) + 0, 1)).toBe(0);
  });

  it('with LAS1 little-endian (reset default): bytes are at offset XOR 1', () => {
    const { rd } = rig();
    expect(rd(3, ID(0) + 0, 1)).toBe(0x49);
    expect(rd(3, ID(0) + 2, 1)).toBe(0x50);
    expect(rd(3, ID(0) + 1, 1)).toBe(0);
  });

  it('returns the INT-acknowledge vector in the high half of a 16-bit read when big-endian', () => {
    const { rd, wr, linuxPlx } = rig();
    wr(5, 0x01, 0x01, 1); // Linux's vector "dummy write" at MEM8+1
    expect(rd(3, INT(0), 2)).toBe(0x0001);
    linuxPlx();
    expect(rd(3, INT(0), 2)).toBe(0x0100);
    expect(rd(3, INT(0) + 2, 2)).toBe(0x0100);
    expect(rd(3, INT(0) + 1, 1)).toBe(0x01);
    expect(rd(3, INT(0) + 8, 2)).toBe(0);
  });

  it('puts SCC register r at PCI offset 2r+1 with LAS1 big-endian (MR1a at IO+1)', () => {
    const { rd, wr, linuxPlx, ipoctal } = rig();
    linuxPlx();
    wr(3, IO(0) + 0x31, 0x13, 1);
    expect(ipoctal.chip.state.channels[3].mr1).toBe(0x13);
    wr(3, IO(0) + 0x35, 0x05, 1);
    expect(rd(3, IO(0) + 0x33, 1)).toBe(0x0c);
    expect(rd(3, IO(0) + 0x32, 2)).toBe(0x0c00); // register on D7–D0 → PCI high byte
  });

  it('routes IO-space byte cycles by LAS1BRD bit 24 after every change: write, PCI reset, restore', () => {
    const { card, rd, wr, linuxPlx, ipoctal } = rig();
    // MR1 of channel 3 (IP 0x31) and its CR (IP 0x35): PCI offset = IP address when big-endian,
    // XOR 1 when little-endian.
    const mr1At = (lane: 0 | 1, v: number) => {
      wr(3, IO(0) + (0x35 ^ lane), 0x10, 1); // CR: reset the MR pointer
      wr(3, IO(0) + (0x31 ^ lane), v, 1);
      return ipoctal.chip.state.channels[3].mr1;
    };
    expect(mr1At(1, 0x11)).toBe(0x11);
    linuxPlx();
    expect(mr1At(0, 0x12)).toBe(0x12);
    expect(rd(3, IO(0) + 0x30, 1)).toBe(0); // D15–D8 undriven
    const bigEndian = card.snapshot();
    wr(0, LAS1BRD, rd(0, LAS1BRD, 4) & ~0x0100_0000, 4);
    expect(mr1At(1, 0x13)).toBe(0x13);
    expect(rd(3, IO(0) + 0x31, 1)).toBe(0);
    card.restore(bigEndian);
    expect(mr1At(0, 0x14)).toBe(0x14);
    card.reset();
    expect(mr1At(1, 0x15)).toBe(0x15);
  });

  it('swaps 16-bit MEM16 values when LAS2 is big-endian and never swaps the MEM8 window', () => {
    const { rd, wr, linuxPlx, ipoctal } = rig();
    wr(4, 0x00, 0x0042, 2);
    expect(ipoctal.intAck(0)).toBe(0x42);
    linuxPlx();
    wr(4, 0x00, 0x4300, 2);
    expect(ipoctal.intAck(0)).toBe(0x43);
    wr(5, 0x01, 0x44, 1);
    expect(rd(5, 0x01, 1)).toBe(0x44);
  });
});

describe('TPCI200 carrier registers and interrupts', () => {
  it('accepts only 16-bit accesses in BAR2 and reports others as guest errors', () => {
    const { rd, wr, trace } = rig();
    wr(2, CTRL_A, 0xc0, 2);
    expect(rd(2, CTRL_A, 2)).toBe(0xc0);
    wr(2, CTRL_A, 0x00, 1);
    expect(rd(2, CTRL_A, 2)).toBe(0xc0);
    expect(rd(2, CTRL_A, 4)).toBe(0);
    expect(trace.since(0).filter((r) => r.kind === 'guest-error')).toHaveLength(2);
  });

  it('follows the IP line in level mode: INT acknowledge keeps it, reading RHR releases it (pitfall 2)', () => {
    const { sched, rd, wr, linuxPlx, ipoctal, card } = rig();
    linuxPlx();
    const cr3 = IO(0) + 0x35;
    wr(3, cr3, 0x11, 1); // RX on, MR pointer reset
    wr(3, IO(0) + 0x31, 0x13, 1);
    wr(3, IO(0) + 0x31, 0x07, 1);
    wr(3, IO(0) + 0x29, 0x80, 1);
    wr(3, IO(0) + 0x33, 0xbb, 1);
    wr(3, IO(0) + 0x2b, 0x20, 1); // IMR block B: RxRDY b
    ipoctal.channel(3).receiveFromHost(0x41);
    sched.runUntil(CHAR_NS);
    expect(rd(2, STATUS, 2)).toBe(0); // INT0_EN not yet set
    expect(card.intaAsserted).toBe(false);
    wr(2, CTRL_A, rd(2, CTRL_A, 2) | 0x40, 2);
    expect(rd(2, STATUS, 2)).toBe(0x0001);
    expect(card.intaAsserted).toBe(true);
    rd(3, INT(0), 2);
    wr(2, STATUS, 0x0001, 2); // W1C does nothing in level mode
    expect(rd(2, STATUS, 2)).toBe(0x0001);
    expect(rd(3, IO(0) + 0x2b, 1)).toBe(0x20);
    expect(rd(3, IO(0) + 0x33, 1) & 1).toBe(1);
    expect(rd(3, IO(0) + 0x37, 1)).toBe(0x41);
    expect(rd(2, STATUS, 2)).toBe(0);
    expect(card.intaAsserted).toBe(false);
  });

  it('routes blocks C/D to INT1 (status bit 1) and latches edges until written 1 in edge mode', () => {
    const { sched, rd, wr, linuxPlx, ipoctal, card } = rig();
    linuxPlx();
    wr(2, CTRL_A, 0x80 | 0x20, 2); // INT1 enabled, edge
    wr(3, IO(0) + 0x45, 0x01, 1); // channel 4 RX on (MR/CSR reset values: 5 bits, 50 baud)
    wr(3, IO(0) + 0x4b, 0x02, 1); // IMR block C: RxRDY a
    ipoctal.channel(4).setUnpaced(true);
    ipoctal.channel(4).receiveFromHost(0x11);
    sched.runUntil(10);
    expect(rd(2, STATUS, 2)).toBe(0x0002);
    rd(3, IO(0) + 0x47, 1); // drain: the IP line drops, the latch stays
    expect(ipoctal.chip.irqLevel(2)).toBe(false);
    expect(rd(2, STATUS, 2)).toBe(0x0002);
    expect(card.intaAsserted).toBe(true);
    wr(2, STATUS, 0x0002, 2);
    expect(rd(2, STATUS, 2)).toBe(0);
    expect(card.intaAsserted).toBe(false);
  });

  it('gates INTA# with INTCSR LINTi1 enable and PCI interrupt enable, and mirrors LINTi1 status', () => {
    const { rd, wr, card } = rig(false);
    wr(2, CTRL_A, 0x04, 2); // TIME_INT_EN
    rd(3, IO(0) + 1, 1); // empty slot → timeout
    expect(rd(2, STATUS, 2)).toBe(0x1000);
    expect(card.intaAsserted).toBe(true);
    expect(rd(0, INTCSR, 2) & 0x04).toBe(0x04);
    wr(0, INTCSR, 0x01, 2);
    expect(card.intaAsserted).toBe(false);
    wr(0, INTCSR, 0x41, 2);
    expect(card.intaAsserted).toBe(true);
    wr(2, STATUS, 0x1000, 2);
    expect(card.intaAsserted).toBe(false);
    wr(0, INTCSR, 0xc1, 2); // software interrupt
    expect(card.intaAsserted).toBe(true);
  });

  it('reads 0 from an empty slot, ignores writes and flags a timeout that W1C clears', () => {
    const { rd, wr } = rig(false);
    expect(rd(3, ID(1) + 1, 1)).toBe(0);
    wr(3, IO(2) + 1, 0x55, 1);
    expect(rd(2, STATUS, 2)).toBe(0x2000 | 0x4000);
    wr(2, STATUS, 0x2000, 2);
    expect(rd(2, STATUS, 2)).toBe(0x4000);
  });

  it('holds a slot in reset while its RESET bit is set', () => {
    const { rd, wr, linuxPlx, ipoctal } = rig();
    linuxPlx();
    wr(3, IO(0) + 0x05, 0x05, 1);
    expect(ipoctal.chip.state.channels[0].txEnabled).toBe(true);
    wr(2, RESET, 0x0001, 2);
    expect(ipoctal.chip.state.channels[0].txEnabled).toBe(false);
    expect(rd(3, ID(0) + 1, 1)).toBe(0);
    wr(2, RESET, 0x0000, 2);
    expect(rd(3, ID(0) + 1, 1)).toBe(0x49);
  });

  it('resets its registers and pulses RESET# to the modules on a PCI reset', () => {
    const { rd, wr, linuxPlx, ipoctal, card } = rig();
    linuxPlx();
    wr(2, CTRL_A, 0xc0, 2);
    wr(5, 0x01, 0x09, 1);
    card.reset();
    expect(rd(2, CTRL_A, 2)).toBe(0);
    expect(rd(0, LAS1BRD, 4)).toBe(0x1441_20a2);
    expect(ipoctal.intAck(0)).toBe(0);
    expect(rd(3, ID(0), 1)).toBe(0x49); // module answers again, LAS1 back to little-endian
  });

  it('decodes BAR3 accesses to the module register in the trace text', () => {
    const { card, linuxPlx, ipoctal } = rig();
    linuxPlx();
    ipoctal.chip.write(0x10 + 8 + 2, 0x05); // channel 3 CR: enable RX/TX
    expect(card.describe(3, IO(0) + 0x33, 'read', 0x0c, 1)).toBe('ipoctal.A SRD TXRDY TXEMT');
    expect(card.describe(2, STATUS, 'read', 0x0001, 2)).toBe('STATUS A_INT0 ERROR=0 TIMEOUT=0');
    expect(card.describe(3, ID(0) + 1, 'read', 0x49, 1)).toBe('ipoctal.A ID PROM byte 0');
  });

  it('snapshot/restore round-trips carrier state and drives INTA# with the restored level', () => {
    const a = rig(false);
    a.linuxPlx();
    a.wr(2, CTRL_A, 0x04, 2);
    a.rd(3, 1, 1);
    const snap = JSON.parse(JSON.stringify(a.card.snapshot()));
    const b = rig(false);
    b.card.restore(snap);
    expect(stableStringify(b.card.snapshot())).toBe(stableStringify(a.card.snapshot()));
    expect(b.levels.at(-1)).toBe(true);
    expect(() => b.card.restore({ ...snap, control: [1] })).toThrow();
  });
});
