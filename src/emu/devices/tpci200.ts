// TEWS TPCI200: PCI (PLX PCI9030 bridge) to four IndustryPack slots (ipack.md §1).
//
// Interface:
//   PCI      1498:30C8, subsystem 1498:300A, class 0x068000, INTA#
//   BAR0/1   PLX9030 local configuration registers (memory / IO, 128 B), PLX_LCR_REGS
//   BAR2     carrier registers (16-bit only): REVISION, IP_x_CONTROL, RESET, STATUS (TPCI200_REGS)
//   BAR3     IP IO / ID / INT spaces, slot s at 0x100·s: IO +0x00, ID +0x80, INT +0xC0
//   BAR4     IP MEM, 16-bit window, 8 MB per slot;  BAR5  IP MEM, 8-bit window, 4 MB per slot
//   IRQ      level INTA# = (OR of STATUS INT bits, enabled timeout/error bits) gated by INTCSR
// Byte lanes (§1.4): with LASxBRD bit 24 set (Linux) an 8-bit access reaches IP address = PCI
// offset and a 16-bit value comes back byte-swapped (IP even byte in the PCI low byte); with it
// clear an 8-bit access reaches PCI offset XOR 1 and 16-bit values pass as-is. BAR5 never swaps.
// Inferred [inf]: an access to an empty slot (or one held in RESET#) sets its STATUS timeout
// bit; the RESET register holds the slot's module in reset while its bit is 1.
// Not modelled: IP clock speed and recovery time (stored only), DMA, PLX chip selects.

import type { IpackBus, IpackIrqSink, IpackModule, IpLine, IpSpace, IpWidth } from '../bus/ipack';
import type { AccessWidth, IrqLine, MmioHandler, PciBarDef, PciFunction, PciIdentity } from '../bus/types';
import { bit, bits, defineRegs, RegMap } from '../core/regs';
import { check } from '../core/snapshot';
import type { TraceRing } from '../core/trace';

const BRD_FIELDS = { BUS_WIDTH: bits(22, 2), BE: bit(24) };

/** PLX PCI9030 local configuration registers (BAR0 memory, BAR1 IO). */
export const PLX_LCR_REGS = defineRegs({
  LAS0RR: { offset: 0x00, access: 'r', width: 4, reset: 0x0fff_ff00 },
  LAS1RR: { offset: 0x04, access: 'r', width: 4, reset: 0x0fff_fc00 },
  LAS2RR: { offset: 0x08, access: 'r', width: 4, reset: 0x0e00_0000 },
  LAS3RR: { offset: 0x0c, access: 'r', width: 4, reset: 0x0f00_0000 },
  EROMRR: { offset: 0x10, access: 'r', width: 4, reset: 0 },
  LAS0BA: { offset: 0x14, access: 'r', width: 4, reset: 0x0800_0001 },
  LAS1BA: { offset: 0x18, access: 'r', width: 4, reset: 0x0400_0001 },
  LAS2BA: { offset: 0x1c, access: 'r', width: 4, reset: 0x0000_0001 },
  LAS3BA: { offset: 0x20, access: 'r', width: 4, reset: 0x0200_0001 },
  EROMBA: { offset: 0x24, access: 'r', width: 4, reset: 0 },
  LAS0BRD: { offset: 0x28, access: 'rw', width: 4, reset: 0xd441_60a0, fields: BRD_FIELDS },
  LAS1BRD: { offset: 0x2c, access: 'rw', width: 4, reset: 0x1441_20a2, fields: BRD_FIELDS },
  LAS2BRD: { offset: 0x30, access: 'rw', width: 4, reset: 0x1441_20a2, fields: BRD_FIELDS },
  LAS3BRD: { offset: 0x34, access: 'r', width: 4, reset: 0x1401_20a2, fields: { BUS_WIDTH: bits(22, 2) } },
  EROMBRD: { offset: 0x38, access: 'r', width: 4, reset: 0 },
  CS0BASE: { offset: 0x3c, access: 'r', width: 4, reset: 0x0800_0081 },
  CS1BASE: { offset: 0x40, access: 'r', width: 4, reset: 0x0400_0201 },
  CS2BASE: { offset: 0x44, access: 'r', width: 4, reset: 0x0100_0001 },
  CS3BASE: { offset: 0x48, access: 'r', width: 4, reset: 0x0280_0001 },
  INTCSR: {
    offset: 0x4c,
    access: 'rw',
    width: 2,
    reset: 0x0041,
    fields: {
      LINT1_EN: bit(0),
      LINT1_POL: bit(1),
      LINT1_STAT: bit(2),
      LINT2_EN: bit(3),
      LINT2_POL: bit(4),
      LINT2_STAT: bit(5),
      PCI_INT_EN: bit(6),
      SW_INT: bit(7),
    },
  },
  PROT_AREA: { offset: 0x4e, access: 'r', width: 2, reset: 0 },
  CNTRL: { offset: 0x50, access: 'r', width: 4, reset: 0x007a_4000 },
  GPIOC: { offset: 0x54, access: 'r', width: 4, reset: 0x0224_9252 },
});

const CONTROL_FIELDS = {
  CLK32: bit(0),
  RECOVER_EN: bit(1),
  TIME_INT_EN: bit(2),
  ERR_INT_EN: bit(3),
  INT0_EDGE: bit(4),
  INT1_EDGE: bit(5),
  INT0_EN: bit(6),
  INT1_EN: bit(7),
};

/** TPCI200 carrier registers in BAR2 (16-bit, little-endian). */
export const TPCI200_REGS = defineRegs({
  REVISION: { offset: 0x00, access: 'r', width: 2, reset: 0 },
  IP_A_CONTROL: { offset: 0x02, access: 'rw', width: 2, reset: 0, fields: CONTROL_FIELDS },
  IP_B_CONTROL: { offset: 0x04, access: 'rw', width: 2, reset: 0, fields: CONTROL_FIELDS },
  IP_C_CONTROL: { offset: 0x06, access: 'rw', width: 2, reset: 0, fields: CONTROL_FIELDS },
  IP_D_CONTROL: { offset: 0x08, access: 'rw', width: 2, reset: 0, fields: CONTROL_FIELDS },
  RESET: {
    offset: 0x0a,
    access: 'rw',
    width: 2,
    reset: 0,
    fields: { A: bit(0), B: bit(1), C: bit(2), D: bit(3) },
  },
  STATUS: {
    offset: 0x0c,
    access: 'w1c',
    width: 2,
    fields: {
      A_INT0: bit(0),
      A_INT1: bit(1),
      B_INT0: bit(2),
      B_INT1: bit(3),
      C_INT0: bit(4),
      C_INT1: bit(5),
      D_INT0: bit(6),
      D_INT1: bit(7),
      ERROR: bits(8, 4),
      TIMEOUT: bits(12, 4),
    },
  },
});

const LCR = new RegMap(PLX_LCR_REGS);
const CARRIER = new RegMap(TPCI200_REGS);
const LCR_BYTES = 0x58;

const CTL_TIME_INT_EN = 0x04;
const CTL_ERR_INT_EN = 0x08;
const CTL_EDGE = [0x10, 0x20];
const CTL_EN = [0x40, 0x80];
const INTCSR_WRITABLE = 0xdb; // bits 2 and 5 are status

export const TPCI200_IDENTITY: PciIdentity = {
  vendorId: 0x1498,
  deviceId: 0x30c8,
  subsystemVendorId: 0x1498,
  subsystemId: 0x300a,
  classCode: 0x068000,
  revision: 0x00,
  interruptPin: 1,
};

export interface Tpci200Snapshot {
  v: 1;
  /** LASxBRD bit 24 for LAS0, LAS1, LAS2. */
  bigEndian: boolean[];
  intcsr: number;
  control: number[];
  reset: number;
  /** STATUS INT bits latched in edge mode. */
  edgeLatch: number;
  /** STATUS bits 15:12. */
  timeout: number;
  ipack: ReturnType<IpackBus['snapshot']>;
}

const swap16 = (v: number) => ((v & 0xff) << 8) | ((v >> 8) & 0xff);
const hex = (v: number) => `0x${v.toString(16)}`;

/**
 * The handler of every BAR, one class (one object shape and one method at the PCI bus's call
 * site, so V8 inlines just this, and no per-card closure: a closure is a call target that dies
 * with its card, and optimised code that inlined it is thrown away then).
 *
 * BAR3 (LAS1): a byte cycle to a slot's IO space, the cycle of every SCC2698 register access,
 * goes from the PCI bus straight to the answering module (one call) with the byte-lane XOR kept
 * here (the carrier sets it whenever LAS1BRD bit 24 changes); every other cycle, and every cycle
 * of the other BARs, goes through the carrier's barRead/barWrite. Same lane rule, timeout and
 * value as the carrier's path.
 */
class Tpci200Bar implements MmioHandler {
  /** BAR3: 8-bit cycles reach PCI offset XOR this: 0 with LAS1BRD bit 24 set, 1 with it clear. */
  laneXor = 1;

  constructor(
    private readonly card: Tpci200,
    private readonly bar: number,
    private readonly modules: readonly (IpackModule | null)[],
  ) {}

  // An empty slot's byte cycle goes the carrier's way too (las1Read/las1Write: a timeout).
  read(offset: number, width: AccessWidth): number {
    if (this.bar === 3 && width === 1 && (offset & 0x80) === 0) {
      const m = this.modules[(offset >> 8) & 3];
      if (m !== null) return m.ioRead((offset & 0x7f) ^ this.laneXor, 1);
    }
    return this.card.barRead(this.bar, offset, width);
  }

  write(offset: number, value: number, width: AccessWidth): void {
    if (this.bar === 3 && width === 1 && (offset & 0x80) === 0) {
      const m = this.modules[(offset >> 8) & 3];
      if (m !== null) {
        m.ioWrite((offset & 0x7f) ^ this.laneXor, value & 0xffff, 1);
        return;
      }
    }
    this.card.barWrite(this.bar, offset, value, width);
  }
}

export class Tpci200 implements PciFunction, IpackIrqSink {
  readonly name = 'tpci200';
  readonly identity = TPCI200_IDENTITY;
  readonly bars: readonly (PciBarDef | undefined)[];
  private line?: IrqLine;
  private readonly lcrConst = new Uint8Array(LCR_BYTES);
  private bigEndian = [false, false, false];
  private intcsr = 0x41;
  private control = [0, 0, 0, 0];
  /**
   * Derived from control (syncControl after every change), by STATUS bit: lines in edge mode
   * (bit 2·slot + line), lines enabled, and the timeout/error bits that raise LINTi1.
   */
  private edgeMask = 0;
  private enMask = 0;
  private lintMask = 0;
  private resetBits = 0;
  private edgeLatch = 0;
  private timeout = 0;
  private inta = false;
  private readonly las1: Tpci200Bar;

  constructor(
    readonly ipack: IpackBus,
    private readonly trace?: TraceRing,
  ) {
    for (const def of Object.values(PLX_LCR_REGS)) {
      for (let i = 0; i < (def.width ?? 4); i++)
        this.lcrConst[def.offset + i] = ((def.reset ?? 0) >>> (8 * i)) & 0xff;
    }
    const modules = ipack.answeringModules;
    this.las1 = new Tpci200Bar(this, 3, modules);
    const lcr = new Tpci200Bar(this, 0, modules);
    this.bars = [
      { kind: 'mem', size: 128, handler: lcr },
      { kind: 'io', size: 128, handler: lcr },
      { kind: 'mem', size: 256, handler: new Tpci200Bar(this, 2, modules) },
      { kind: 'mem', size: 1024, handler: this.las1 },
      { kind: 'mem', size: 0x200_0000, handler: new Tpci200Bar(this, 4, modules) },
      { kind: 'mem', size: 0x100_0000, handler: new Tpci200Bar(this, 5, modules) },
    ];
    ipack.addIrqSink(this);
  }

  /** A cycle on BAR 0/1 (LCR), 2 (carrier), 3 (LAS1, all but IO-space bytes), 4 (MEM16) or 5 (MEM8). */
  barRead(bar: number, offset: number, width: AccessWidth): number {
    if (bar <= 1) return this.lcrRead(offset, width);
    if (bar === 2) return this.carrierRead(offset, width);
    if (bar === 3) return this.las1Read(offset, width);
    return bar === 4 ? this.mem16Read(offset, width) : this.mem8Read(offset, width);
  }

  barWrite(bar: number, offset: number, value: number, width: AccessWidth): void {
    if (bar <= 1) this.lcrWrite(offset, value, width);
    else if (bar === 2) this.carrierWrite(offset, value, width);
    else if (bar === 3) this.las1Write(offset, value, width);
    else if (bar === 4) this.mem16Write(offset, value, width);
    else this.mem8Write(offset, value, width);
  }

  connectIrq(line: IrqLine): void {
    this.line = line;
    this.updateIrq();
  }

  /** Byte-lane rule of LAS1 into its fast window (after any change of bigEndian). */
  private syncLanes(): void {
    this.las1.laneXor = this.bigEndian[1] ? 0 : 1;
  }

  reset(): void {
    this.bigEndian = [false, false, false];
    this.syncLanes();
    this.intcsr = 0x41;
    this.control = [0, 0, 0, 0];
    this.syncControl();
    this.resetBits = 0;
    // PCI RST# resets the carrier, which pulses every slot's IP RESET#.
    for (let s = 0; s < 4; s++) {
      this.ipack.setReset(s, true);
      this.ipack.setReset(s, false);
    }
    this.edgeLatch = 0;
    this.timeout = 0;
    this.updateIrq();
  }

  // --- BAR0/BAR1: PLX9030 LCR ----------------------------------------------------------------

  private lcrByte(o: number): number {
    if (o >= LCR_BYTES) return 0;
    let b = this.lcrConst[o];
    const brd = [0x2b, 0x2f, 0x33].indexOf(o);
    if (brd >= 0) b = (b & ~1) | (this.bigEndian[brd] ? 1 : 0);
    if (o === 0x4c) b = (this.intcsr & ~0x24) | (this.lint1() ? 0x04 : 0);
    return b;
  }

  private lcrRead(offset: number, width: AccessWidth): number {
    let v = 0;
    for (let i = 0; i < width; i++) v |= this.lcrByte(offset + i) << (8 * i);
    return v >>> 0;
  }

  private lcrWrite(offset: number, value: number, width: AccessWidth): void {
    let ignored = false;
    for (let i = 0; i < width; i++) {
      const o = offset + i;
      const b = (value >>> (8 * i)) & 0xff;
      const brd = [0x2b, 0x2f, 0x33].indexOf(o);
      if (brd >= 0) {
        this.bigEndian[brd] = (b & 1) === 1;
        this.syncLanes();
        if ((b & ~1) !== (this.lcrConst[o] & ~1)) ignored = true;
      } else if (o === 0x4c) this.intcsr = b & INTCSR_WRITABLE;
      else if (o < LCR_BYTES && b !== this.lcrConst[o]) ignored = true;
    }
    if (ignored)
      this.trace?.record(
        'unimp',
        this.name,
        'LCR',
        offset,
        width,
        value >>> 0,
        'PLX LCR write: only LASxBRD bit 24 and INTCSR are writable',
      );
    this.updateIrq();
  }

  // --- BAR2: carrier registers -----------------------------------------------------------------

  /** The masks of control, by STATUS bit (see edgeMask). */
  private syncControl(): void {
    let edge = 0;
    let en = 0;
    let lint = 0;
    for (let s = 0; s < 4; s++) {
      const ctl = this.control[s];
      for (let n = 0; n < 2; n++) {
        if (ctl & CTL_EDGE[n]) edge |= 1 << (2 * s + n);
        if (ctl & CTL_EN[n]) en |= 1 << (2 * s + n);
      }
      if (ctl & CTL_TIME_INT_EN) lint |= 1 << (12 + s);
      if (ctl & CTL_ERR_INT_EN) lint |= 1 << (8 + s);
    }
    this.edgeMask = edge;
    this.enMask = en;
    this.lintMask = lint;
  }

  // STATUS and LINTi1 are read on every interrupt and every request-line change: bit masks
  // (derived from control) over the bus's eight line levels, no loop over slots.
  private status(): number {
    // A line in edge mode shows its latch; in level mode, its level while enabled.
    const levels = this.ipack.irqLevels & this.enMask & ~this.edgeMask;
    // ERROR# (bits 11:8) is never asserted by the modules we have.
    return (this.timeout << 12) | (this.edgeLatch & this.edgeMask) | levels;
  }

  private carrierRead(offset: number, width: AccessWidth): number {
    if (width !== 2 || offset & 1) {
      this.trace?.record(
        'guest-error',
        this.name,
        'BAR2',
        offset,
        width,
        0,
        'TPCI200 registers take 16-bit accesses only',
      );
      return 0;
    }
    let v = 0;
    if (offset >= 0x02 && offset <= 0x08) v = this.control[(offset - 2) >> 1];
    else if (offset === 0x0a) v = this.resetBits;
    else if (offset === 0x0c) v = this.status();
    return this.bigEndian[0] ? swap16(v) : v;
  }

  private carrierWrite(offset: number, value: number, width: AccessWidth): void {
    if (width !== 2 || offset & 1) {
      this.trace?.record(
        'guest-error',
        this.name,
        'BAR2',
        offset,
        width,
        value,
        'TPCI200 registers take 16-bit accesses only',
      );
      return;
    }
    const v = this.bigEndian[0] ? swap16(value & 0xffff) : value & 0xffff;
    if (offset >= 0x02 && offset <= 0x08) {
      const s = (offset - 2) >> 1;
      const old = this.control[s];
      this.control[s] = v & 0xff;
      // An edge-mode line that becomes enabled while high does not latch: only rising edges do.
      for (const n of [0, 1] as const) {
        if ((old ^ this.control[s]) & CTL_EDGE[n]) this.edgeLatch &= ~(1 << (2 * s + n));
      }
      this.syncControl();
    } else if (offset === 0x0a) {
      this.resetBits = v & 0xf;
      for (let s = 0; s < 4; s++) this.ipack.setReset(s, ((this.resetBits >> s) & 1) === 1);
    } else if (offset === 0x0c) {
      this.edgeLatch &= ~(v & 0xff);
      this.timeout &= ~((v >> 12) & 0xf);
    } else if (offset === 0x00) {
      this.trace?.record('guest-error', this.name, 'BAR2', offset, width, value, 'REVISION is read-only');
    }
    this.updateIrq();
  }

  // --- IP spaces ------------------------------------------------------------------------------

  private noModule(slot: number): boolean {
    if (this.ipack.responds(slot)) return false;
    this.timedOut(slot);
    return true;
  }

  /** A cycle to an empty slot (or one held in reset) times out; reads return 0. */
  timedOut(slot: number): number {
    this.timeout |= 1 << slot;
    this.updateIrq();
    return 0;
  }

  /** PCI → IP for a 16-bit-wide local space (LAS1, LAS2) per the byte-lane rule of §1.4. */
  private laneAddr(las: number, offset: number, width: AccessWidth): number {
    return width === 1 && !this.bigEndian[las] ? offset ^ 1 : offset;
  }

  private badWidth(
    space: string,
    offset: number,
    width: AccessWidth,
    value: number,
    allowed: string,
  ): boolean {
    this.trace?.record(
      'guest-error',
      this.name,
      space,
      offset,
      width,
      value,
      `${space} accepts ${allowed} accesses`,
    );
    return true;
  }

  // LAS1 offset → slot (bits 9:8) and space (bits 7:6: 0–1 IO at bits 6:0, 2 ID, 3 INT at bits 5:0).
  /** BAR3 cycles (Tpci200Bar hands over all but IO-space bytes). */
  las1Read(offset: number, width: AccessWidth): number {
    if ((width !== 1 && width !== 2) || (width === 2 && offset & 1)) {
      this.badWidth('BAR3', offset, width, 0, '8-bit or aligned 16-bit');
      return 0;
    }
    const slot = (offset >> 8) & 3;
    const sel = (offset >> 6) & 3;
    if (this.noModule(slot)) return 0;
    const w = width as IpWidth;
    if (sel <= 1) {
      const word = this.ipack.ioRead(slot, this.laneAddr(1, offset & 0x7f, width), w);
      return w === 2 && this.bigEndian[1] ? swap16(word) : word;
    }
    const raw = offset & 0x3f;
    const addr = this.laneAddr(1, raw, width);
    if (sel === 3) {
      if (raw >= 4) return 0;
      const line: IpLine = addr >= 2 ? 1 : 0;
      const word = this.ipack.intAck(slot, line) & 0xffff;
      if (w === 1) return addr & 1 ? word & 0xff : word >> 8;
      return this.bigEndian[1] ? swap16(word) : word;
    }
    const word = this.ipack.idRead(slot, addr, w);
    return w === 2 && this.bigEndian[1] ? swap16(word) : word;
  }

  las1Write(offset: number, value: number, width: AccessWidth): void {
    if ((width !== 1 && width !== 2) || (width === 2 && offset & 1)) {
      this.badWidth('BAR3', offset, width, value, '8-bit or aligned 16-bit');
      return;
    }
    const slot = (offset >> 8) & 3;
    const sel = (offset >> 6) & 3;
    if (this.noModule(slot)) return;
    const v = width === 2 && this.bigEndian[1] ? swap16(value & 0xffff) : value & 0xffff;
    if (sel <= 1) this.ipack.ioWrite(slot, this.laneAddr(1, offset & 0x7f, width), v, width as IpWidth);
    else if (sel === 2) this.ipack.idWrite(slot, this.laneAddr(1, offset & 0x3f, width), v, width as IpWidth);
    else this.trace?.record('guest-error', this.name, 'BAR3', offset, width, value, 'write to INT space');
  }

  private mem16Read(offset: number, width: AccessWidth): number {
    if ((width !== 1 && width !== 2) || (width === 2 && offset & 1)) {
      this.badWidth('BAR4', offset, width, 0, '8-bit or aligned 16-bit');
      return 0;
    }
    const slot = (offset >> 23) & 3;
    if (this.noModule(slot)) return 0;
    const word = this.ipack.memRead(slot, this.laneAddr(2, offset & 0x7f_ffff, width), width as IpWidth);
    return width === 2 && this.bigEndian[2] ? swap16(word) : word;
  }

  private mem16Write(offset: number, value: number, width: AccessWidth): void {
    if ((width !== 1 && width !== 2) || (width === 2 && offset & 1)) {
      this.badWidth('BAR4', offset, width, value, '8-bit or aligned 16-bit');
      return;
    }
    const slot = (offset >> 23) & 3;
    if (this.noModule(slot)) return;
    const v = width === 2 && this.bigEndian[2] ? swap16(value & 0xffff) : value & 0xffff;
    this.ipack.memWrite(slot, this.laneAddr(2, offset & 0x7f_ffff, width), v, width as IpWidth);
  }

  private mem8Read(offset: number, width: AccessWidth): number {
    if (width !== 1) {
      this.badWidth('BAR5', offset, width, 0, '8-bit');
      return 0;
    }
    const slot = (offset >> 22) & 3;
    if (this.noModule(slot)) return 0;
    return this.ipack.memRead(slot, offset & 0x3f_ffff, 1) & 0xff;
  }

  private mem8Write(offset: number, value: number, width: AccessWidth): void {
    if (width !== 1) {
      this.badWidth('BAR5', offset, width, value, '8-bit');
      return;
    }
    const slot = (offset >> 22) & 3;
    if (this.noModule(slot)) return;
    this.ipack.memWrite(slot, offset & 0x3f_ffff, value & 0xff, 1);
  }

  // --- interrupts -----------------------------------------------------------------------------

  /** An IP module's request line changed (IpackIrqSink). */
  ipIrqChanged(slot: number, line: IpLine, active: boolean): void {
    const b = 1 << (2 * slot + line);
    if (active && (this.edgeMask & this.enMask & b) !== 0) this.edgeLatch |= b;
    this.updateIrq();
  }

  /** The carrier's interrupt output, wired to PLX LINTi1. */
  private lint1(): boolean {
    // Any slot's INT bit, or a timeout/error bit whose IP_x_CONTROL enables it.
    return (this.status() & (0xff | this.lintMask)) !== 0;
  }

  /** INTA# = (LINTi1 active and enabled, or the software interrupt) and PCI interrupts enabled. */
  updateIrq(force = false): void {
    const local = (this.intcsr & 0x01 && this.lint1()) || (this.intcsr & 0x80) !== 0;
    const level = local && (this.intcsr & 0x40) !== 0;
    if (force || level !== this.inta) {
      this.inta = level;
      this.line?.set(level);
    }
  }

  /** Current INTA# level (true = asserted). */
  get intaAsserted(): boolean {
    return this.inta;
  }

  /** STATUS as the guest would read it (no side effects), for tests and the inspector. */
  peekStatus(): number {
    return this.status();
  }

  // --- trace decoding -------------------------------------------------------------------------

  /** LASxBRD bit 24 of LAS0–2 as bits 0–2 (what decoding depends on in the carrier). */
  private endianBits(): number {
    return (this.bigEndian[0] ? 1 : 0) | (this.bigEndian[1] ? 2 : 0) | (this.bigEndian[2] ? 4 : 0);
  }

  /** Where an IP-space access goes: [slot, space, IP address] for BAR3–5 (byte lanes per be bits). */
  private ipTarget(bar: number, offset: number, width: AccessWidth, be: number): [number, IpSpace, number] {
    const lane = (las: number, o: number) => (width === 1 && !((be >> las) & 1) ? o ^ 1 : o);
    if (bar === 3) {
      const sel = (offset >> 6) & 3;
      const space: IpSpace = sel <= 1 ? 'IO' : sel === 2 ? 'ID' : 'INT';
      return [(offset >> 8) & 3, space, lane(1, sel <= 1 ? offset & 0x7f : offset & 0x3f)];
    }
    if (bar === 4) return [(offset >> 23) & 3, 'MEM', lane(2, offset & 0x7f_ffff)];
    return [(offset >> 22) & 3, 'MEM', offset & 0x3f_ffff];
  }

  /** Trace context (PciFunction.traceContext): endianness bits, the module's context above them. */
  traceContext(bar: number, offset: number, dir: 'read' | 'write', width: AccessWidth): number {
    const be = this.endianBits();
    if (bar < 3 || width === 4) return be;
    if (bar === 3 && width === 1 && !(offset & 0x80)) {
      // The common case without the target array.
      const addr = be & 2 ? offset & 0x7f : (offset & 0x7f) ^ 1;
      return be | (this.ipack.traceContext((offset >> 8) & 3, 'IO', addr, dir, 1) << 3);
    }
    const [slot, space, addr] = this.ipTarget(bar, offset, width, be);
    return be | (this.ipack.traceContext(slot, space, addr, dir, width as IpWidth) << 3);
  }

  describe(
    bar: number,
    offset: number,
    dir: 'read' | 'write',
    value: number,
    width: AccessWidth,
    ctx?: number,
  ): string {
    const be = ctx === undefined ? this.endianBits() : ctx & 7;
    const moduleCtx = ctx === undefined ? undefined : ctx >> 3;
    if (bar === 0 || bar === 1) {
      const name = LCR.nameAt(offset, dir) ?? LCR.nameAt(offset & ~1, dir) ?? LCR.nameAt(offset & ~3, dir);
      if (!name) return `LCR ${hex(offset)}`;
      const def = PLX_LCR_REGS[name];
      const shift = 8 * (offset - def.offset);
      return LCR.decode(name, (value << shift) >>> 0);
    }
    if (bar === 2) {
      const name = CARRIER.nameAt(offset, dir);
      if (!name) return `reserved ${hex(offset)}`;
      return CARRIER.decode(name, be & 1 ? swap16(value & 0xffff) : value);
    }
    if (width === 4) return `BAR${bar} ${hex(offset)} (bad width)`;
    const w = width as IpWidth;
    const [slot, space, addr] = this.ipTarget(bar, offset, width, be);
    const swapped = bar === 3 ? be & 2 : bar === 4 ? be & 4 : 0;
    const ipValue = w === 2 && swapped ? swap16(value & 0xffff) : value;
    return this.ipack.describe(slot, space, addr, dir, ipValue, w, moduleCtx);
  }

  // --- snapshot -------------------------------------------------------------------------------

  snapshot(): Tpci200Snapshot {
    return {
      v: 1,
      bigEndian: [...this.bigEndian],
      intcsr: this.intcsr,
      control: [...this.control],
      reset: this.resetBits,
      edgeLatch: this.edgeLatch,
      timeout: this.timeout,
      ipack: this.ipack.snapshot(),
    };
  }

  restore(s: Tpci200Snapshot): void {
    check(s?.v === 1, 'tpci200: version');
    check(Array.isArray(s.bigEndian) && s.bigEndian.length === 3, 'tpci200: bigEndian');
    check(Array.isArray(s.control) && s.control.length === 4, 'tpci200: control');
    check([s.intcsr, s.reset, s.edgeLatch, s.timeout].every(Number.isInteger), 'tpci200: fields');
    this.ipack.restore(s.ipack);
    this.bigEndian = [...s.bigEndian];
    this.syncLanes();
    this.intcsr = s.intcsr;
    this.control = [...s.control];
    this.syncControl();
    this.resetBits = s.reset;
    this.edgeLatch = s.edgeLatch;
    this.timeout = s.timeout;
    this.updateIrq(true);
  }
}
