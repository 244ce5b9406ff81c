// PCI bus 0: type-0 configuration space per plugged function, BAR sizing and decode, command
// register, INTx routing to the interrupt controller, and a firmware-style resource assignment.
//
// Interface:
//   new PciBus(irq: IrqController, trace?: TraceRing)
//   plug(slot, fn)                    device number 0..31, function 0 only (single-function devices)
//   configRead/configWrite(bus, dev, fn, offset, width)   as the CPU's config mechanism sees them
//   mmioRead/mmioWrite(addr, width), ioRead/ioWrite(port, width)   decoded to BAR handlers
//                                     (through a table of enabled windows, rebuilt after any BAR
//                                     or COMMAND change, the last two windows hit tried first)
//   assignResources()                 the "BIOS": BAR addresses, interrupt line, decode enable
//   irqOf(slot)                       the interrupt number INTx of a slot is routed to
// Not modelled: bridges and other buses (bus ≠ 0 reads all ones), multi-function devices,
// capabilities, expansion ROMs, parity/SERR, 64-bit BARs.

import { bit, defineRegs, RegMap } from '../core/regs';
import { check } from '../core/snapshot';
import type { TraceRing } from '../core/trace';
import type { IrqController } from './irq-controller';
import type { AccessWidth, IrqLine, MmioHandler, PciBarDef, PciFunction } from './types';

/** Type-0 configuration header, by byte offset (names as in the PCI Local Bus specification). */
export const PCI_CONFIG_REGS = defineRegs({
  VENDOR_ID: { offset: 0x00, access: 'r', width: 2 },
  DEVICE_ID: { offset: 0x02, access: 'r', width: 2 },
  COMMAND: {
    offset: 0x04,
    access: 'rw',
    width: 2,
    fields: { IO: bit(0), MEM: bit(1), MASTER: bit(2), INTX_DISABLE: bit(10) },
    unmodelled: {
      SPECIAL: bit(3),
      MWI: bit(4),
      VGA_SNOOP: bit(5),
      PARITY: bit(6),
      SERR: bit(8),
      FAST_B2B: bit(9),
    },
  },
  STATUS: { offset: 0x06, access: 'r', width: 2, fields: { INT_STATUS: bit(3), CAP_LIST: bit(4) } },
  REVISION_ID: { offset: 0x08, access: 'r', width: 1 },
  CLASS_CODE: { offset: 0x09, access: 'r', width: 1, note: '3 bytes: prog-if, sub-class, base class' },
  CACHE_LINE_SIZE: { offset: 0x0c, access: 'rw', width: 1 },
  LATENCY_TIMER: { offset: 0x0d, access: 'rw', width: 1 },
  HEADER_TYPE: { offset: 0x0e, access: 'r', width: 1 },
  BIST: { offset: 0x0f, access: 'r', width: 1 },
  BAR0: { offset: 0x10, access: 'rw', width: 4 },
  BAR1: { offset: 0x14, access: 'rw', width: 4 },
  BAR2: { offset: 0x18, access: 'rw', width: 4 },
  BAR3: { offset: 0x1c, access: 'rw', width: 4 },
  BAR4: { offset: 0x20, access: 'rw', width: 4 },
  BAR5: { offset: 0x24, access: 'rw', width: 4 },
  CARDBUS_CIS: { offset: 0x28, access: 'r', width: 4 },
  SUBSYSTEM_VENDOR_ID: { offset: 0x2c, access: 'r', width: 2 },
  SUBSYSTEM_ID: { offset: 0x2e, access: 'r', width: 2 },
  ROM_ADDRESS: { offset: 0x30, access: 'r', width: 4 },
  CAPABILITIES_PTR: { offset: 0x34, access: 'r', width: 1 },
  INTERRUPT_LINE: { offset: 0x3c, access: 'rw', width: 1 },
  INTERRUPT_PIN: { offset: 0x3d, access: 'r', width: 1 },
  MIN_GNT: { offset: 0x3e, access: 'r', width: 1 },
  MAX_LAT: { offset: 0x3f, access: 'r', width: 1 },
});

const CONFIG = new RegMap(PCI_CONFIG_REGS);
const CMD_IO = 1 << 0;
const CMD_MEM = 1 << 1;
const CMD_INTX_DISABLE = 1 << 10;
/** Command bits a guest can set (the rest read 0). */
const COMMAND_WRITABLE = 0x0547;
const STATUS_INT = 1 << 3;

/** Where firmware places BARs, as a PC BIOS does below 4 GiB and above the legacy IO ports. */
export const PCI_MEM_WINDOW_BASE = 0xe000_0000;
export const PCI_MEM_WINDOW_END = 0xfec0_0000;
export const PCI_IO_WINDOW_BASE = 0xc000;
export const PCI_IO_WINDOW_END = 0x1_0000;
/** Simple PIRQ routing: INTx of device d goes to PIRQ[(d + pin − 1) mod 4] = IRQ 16 + that. */
export const PCI_PIRQ_BASE = 16;

export interface PciSlotSnapshot {
  command: number;
  cacheLine: number;
  latency: number;
  interruptLine: number;
  barAddress: number[];
  intx: boolean;
}

export interface PciBusSnapshot {
  v: 1;
  slots: Record<string, PciSlotSnapshot>;
}

interface Slot {
  device: number;
  fn: PciFunction;
  command: number;
  cacheLine: number;
  latency: number;
  interruptLine: number;
  /** Programmed base (without flag bits) per BAR; 0 = unassigned. */
  barAddress: number[];
  /** The function's INTx output level (before INTX_DISABLE). */
  intx: boolean;
  /** Interrupt-controller source name, "pci.<device>.<function>". */
  source: string;
}

/** One decoding BAR window (the decode table is rebuilt when a BAR or COMMAND changes). */
interface Window {
  s: Slot;
  bar: number;
  space: string;
  base: number;
  end: number;
  /** end − base (a small integer: the fast path compares the offset with it). */
  size: number;
  handler: MmioHandler;
}

/** A slot's INTx line as its function sees it (an object: no closure per plugged function). */
class IntxLine implements IrqLine {
  constructor(
    private readonly bus: PciBus,
    private readonly slot: Slot,
  ) {}
  set(level: boolean): void {
    this.bus.setIntx(this.slot, level);
  }
}

const ALL_ONES: Record<AccessWidth, number> = { 1: 0xff, 2: 0xffff, 4: 0xffff_ffff };
/** value masked to an access width (without a table lookup on the access path). */
const toWidth = (value: number, width: AccessWidth) =>
  width === 1 ? value & 0xff : width === 2 ? value & 0xffff : value >>> 0;
const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

export class PciBus {
  private readonly slots: (Slot | undefined)[] = new Array(32);
  /** Decoding windows by kind, built on first use after a change (null = stale). */
  private memWindows: Window[] | null = null;
  private ioWindows: Window[] | null = null;
  /**
   * Last window hit per kind: a driver's accesses mostly stay in one BAR. Used only while no two
   * windows of the kind overlap (mid-sizing), so it never changes which window wins.
   */
  private lastMem: Window | null = null;
  private lastIo: Window | null = null;
  /**
   * The window hit before the last one, per kind (same rule as lastMem): a driver that turns
   * to another BAR and back (the TPCI200 ISR reads STATUS in BAR2, then works in BAR3) finds
   * it here instead of scanning the table.
   */
  private prevMem: Window | null = null;
  private prevIo: Window | null = null;
  private memOverlap = false;
  private ioOverlap = false;
  /** Counts decode-table changes: a mapping (MmioRegion) resolved under another value is stale. */
  decodeGen = 0;

  constructor(
    private readonly irq: IrqController,
    private readonly trace?: TraceRing,
  ) {}

  /** Plugs a single-function device at device number `slot` (0..31) and connects its INTx. */
  plug(slot: number, fn: PciFunction): void {
    if (!Number.isInteger(slot) || slot < 0 || slot > 31) throw new RangeError(`pci: bad slot ${slot}`);
    if (this.slots[slot]) throw new Error(`pci: slot ${slot} already holds ${this.slots[slot]?.fn.name}`);
    if (fn.bars.length !== 6) throw new Error(`pci: ${fn.name} must list exactly six BARs`);
    for (const b of fn.bars) {
      if (b && (b.size < (b.kind === 'io' ? 4 : 16) || (b.size & (b.size - 1)) !== 0))
        throw new Error(`pci: ${fn.name} BAR size ${b.size} is not a power of two ≥ 16 (4 for IO)`);
    }
    const s: Slot = {
      device: slot,
      fn,
      command: 0,
      cacheLine: 0,
      latency: 0,
      interruptLine: 0xff,
      barAddress: [0, 0, 0, 0, 0, 0],
      intx: false,
      source: `pci.${slot}.${fn.name}`,
    };
    this.slots[slot] = s;
    this.invalidateDecode();
    fn.connectIrq(new IntxLine(this, s));
  }

  /** The function plugged at a device number, if any. */
  functionAt(slot: number): PciFunction | undefined {
    return this.slots[slot]?.fn;
  }

  /** Device numbers that hold a function, ascending. */
  occupiedSlots(): number[] {
    return this.slots.flatMap((s, i) => (s ? [i] : []));
  }

  /** Interrupt number INTx of `slot` is routed to (0xff if the function has no interrupt pin). */
  irqOf(slot: number): number {
    const s = this.slots[slot];
    if (!s || s.fn.identity.interruptPin === 0) return 0xff;
    return PCI_PIRQ_BASE + ((slot + s.fn.identity.interruptPin - 1) & 3);
  }

  /** Bus address of a BAR as programmed (0 if unassigned or not implemented). */
  barAddress(slot: number, bar: number): number {
    return this.slots[slot]?.barAddress[bar] ?? 0;
  }

  // --- firmware ---------------------------------------------------------------------------

  /**
   * What a PC BIOS does before the OS boots: assigns every BAR a naturally aligned address
   * (memory from 0xE000_0000 up, IO from 0xC000 up, largest first), writes the routed interrupt
   * number into INTERRUPT_LINE and, unless told otherwise, enables memory and IO decode.
   * The guest OS then enumerates and reads what firmware assigned.
   */
  assignResources(options: { enableDecode?: boolean } = {}): void {
    const enable = options.enableDecode ?? true;
    const wanted: { s: Slot; bar: number; def: PciBarDef }[] = [];
    for (const s of this.slots) {
      if (!s) continue;
      s.fn.bars.forEach((def, bar) => {
        if (def) wanted.push({ s, bar, def });
      });
      s.interruptLine = this.irqOf(s.device);
    }
    // Largest first keeps natural alignment without holes; ties by slot then BAR (deterministic).
    wanted.sort((a, b) => b.def.size - a.def.size || a.s.device - b.s.device || a.bar - b.bar);
    let mem = PCI_MEM_WINDOW_BASE;
    let io = PCI_IO_WINDOW_BASE;
    for (const w of wanted) {
      if (w.def.kind === 'mem') {
        const base = Math.ceil(mem / w.def.size) * w.def.size;
        if (base + w.def.size > PCI_MEM_WINDOW_END)
          throw new Error(`pci: memory window full at ${w.s.fn.name}`);
        w.s.barAddress[w.bar] = base;
        mem = base + w.def.size;
      } else {
        const base = Math.ceil(io / w.def.size) * w.def.size;
        if (base + w.def.size > PCI_IO_WINDOW_END) throw new Error(`pci: IO window full at ${w.s.fn.name}`);
        w.s.barAddress[w.bar] = base;
        io = base + w.def.size;
      }
    }
    this.invalidateDecode();
    if (enable) {
      for (const s of this.slots) {
        if (!s) continue;
        const hasIo = s.fn.bars.some((b) => b?.kind === 'io');
        const hasMem = s.fn.bars.some((b) => b?.kind === 'mem');
        this.setCommand(s, s.command | (hasIo ? CMD_IO : 0) | (hasMem ? CMD_MEM : 0));
      }
    }
  }

  // --- configuration space ----------------------------------------------------------------

  configRead(bus: number, device: number, fn: number, offset: number, width: AccessWidth): number {
    const s = bus === 0 && fn === 0 ? this.slots[device] : undefined;
    if (!s || !this.validConfigAccess(offset, width)) {
      // Master abort: nobody answers, the host bridge returns all ones.
      return ALL_ONES[width] ?? 0xffff_ffff;
    }
    const shift = (offset & 3) * 8;
    const dword = this.readDword(s, offset & 0xfc);
    const value = width === 4 ? dword >>> 0 : (dword >>> shift) & ALL_ONES[width];
    this.trace?.record(
      'cfg-read',
      s.fn.name,
      'cfg',
      offset,
      width,
      value,
      this.describeConfig(offset, value),
    );
    return value;
  }

  configWrite(
    bus: number,
    device: number,
    fn: number,
    offset: number,
    value: number,
    width: AccessWidth,
  ): void {
    const s = bus === 0 && fn === 0 ? this.slots[device] : undefined;
    if (!s || !this.validConfigAccess(offset, width)) return;
    this.trace?.record(
      'cfg-write',
      s.fn.name,
      'cfg',
      offset,
      width,
      value >>> 0,
      this.describeConfig(offset, value),
    );
    const base = offset & 0xfc;
    const shift = (offset & 3) * 8;
    const laneMask = width === 4 ? 0xffff_ffff : ALL_ONES[width] << shift;
    const old = this.readDword(s, base);
    const merged = ((old & ~laneMask) | ((value << shift) & laneMask)) >>> 0;
    this.writeDword(s, base, merged, laneMask >>> 0);
  }

  private validConfigAccess(offset: number, width: AccessWidth): boolean {
    return (
      Number.isInteger(offset) &&
      offset >= 0 &&
      offset + width <= 256 &&
      (width === 1 || width === 2 || width === 4) &&
      offset % width === 0
    );
  }

  private describeConfig(offset: number, value: number): string {
    const name = CONFIG.nameAt(offset, 'read') ?? CONFIG.nameAt(offset, 'write');
    return name ? CONFIG.decode(name, value) : `config 0x${offset.toString(16)}`;
  }

  private barRegister(s: Slot, bar: number): number {
    const def = s.fn.bars[bar];
    if (!def) return 0;
    const addr = s.barAddress[bar];
    if (def.kind === 'io') return (addr & ~(def.size - 1) & 0xffff_fffc) | 1;
    return ((addr & ~(def.size - 1) & 0xffff_fff0) | (def.prefetchable ? 8 : 0)) >>> 0;
  }

  private readDword(s: Slot, base: number): number {
    const id = s.fn.identity;
    switch (base) {
      case 0x00:
        return ((id.deviceId << 16) | id.vendorId) >>> 0;
      case 0x04: {
        const status = s.intx ? STATUS_INT : 0;
        return ((status << 16) | s.command) >>> 0;
      }
      case 0x08:
        return ((id.classCode << 8) | (id.revision & 0xff)) >>> 0;
      case 0x0c:
        return (s.latency << 8) | s.cacheLine; // header type 0, BIST 0
      case 0x10:
      case 0x14:
      case 0x18:
      case 0x1c:
      case 0x20:
      case 0x24:
        return this.barRegister(s, (base - 0x10) >> 2);
      case 0x2c:
        return ((id.subsystemId << 16) | id.subsystemVendorId) >>> 0;
      case 0x3c:
        return ((id.interruptPin & 0xff) << 8) | (s.interruptLine & 0xff);
      default:
        return 0;
    }
  }

  private writeDword(s: Slot, base: number, value: number, laneMask: number): void {
    switch (base) {
      case 0x04:
        if (laneMask & 0xffff) this.setCommand(s, value & 0xffff & COMMAND_WRITABLE);
        return; // status has no writable (W1C) bits that we model
      case 0x0c:
        s.cacheLine = value & 0xff;
        s.latency = (value >>> 8) & 0xff;
        return;
      case 0x10:
      case 0x14:
      case 0x18:
      case 0x1c:
      case 0x20:
      case 0x24: {
        const bar = (base - 0x10) >> 2;
        const def = s.fn.bars[bar];
        if (!def) return;
        // Writing all ones then reading back gives ~(size − 1) | flags: the sizing probe.
        s.barAddress[bar] = (value & ~(def.size - 1) & (def.kind === 'io' ? 0xffff_fffc : 0xffff_fff0)) >>> 0;
        this.invalidateDecode();
        return;
      }
      case 0x3c:
        s.interruptLine = value & 0xff;
        return;
      default:
        return;
    }
  }

  private setCommand(s: Slot, command: number): void {
    const old = s.command;
    s.command = command;
    if ((old ^ command) & (CMD_MEM | CMD_IO)) this.invalidateDecode();
    if ((old ^ command) & CMD_INTX_DISABLE) this.routeIntx(s);
    if (old !== command) s.fn.onCommand?.(command);
  }

  // --- interrupts -------------------------------------------------------------------------

  /** A function drives its INTx output (through its IntxLine). */
  setIntx(s: Slot, level: boolean): void {
    if (s.intx === level) return;
    s.intx = level;
    this.routeIntx(s);
  }

  private routeIntx(s: Slot): void {
    const irq = this.irqOf(s.device);
    if (irq === 0xff) return;
    this.irq.setSource(irq, s.source, s.intx && !(s.command & CMD_INTX_DISABLE));
  }

  // --- memory and IO decode ---------------------------------------------------------------

  private invalidateDecode(): void {
    this.decodeGen++;
    this.memWindows = null;
    this.ioWindows = null;
    this.lastMem = null;
    this.lastIo = null;
    this.prevMem = null;
    this.prevIo = null;
  }

  /** The enabled, assigned BAR windows of one kind, in slot then BAR order (first match wins). */
  private buildWindows(kind: 'mem' | 'io'): Window[] {
    const enableBit = kind === 'mem' ? CMD_MEM : CMD_IO;
    const out: Window[] = [];
    for (const s of this.slots) {
      if (!s || !(s.command & enableBit)) continue;
      for (let bar = 0; bar < 6; bar++) {
        const def = s.fn.bars[bar];
        const base = s.barAddress[bar];
        if (!def || def.kind !== kind || base === 0) continue;
        out.push({
          s,
          bar,
          space: `BAR${bar}`,
          base,
          end: base + def.size,
          size: def.size,
          handler: def.handler,
        });
      }
    }
    return out;
  }

  /** The decode table of one kind, built if stale (with its overlap flag). */
  private windows(kind: 'mem' | 'io'): Window[] {
    const built = kind === 'mem' ? this.memWindows : this.ioWindows;
    if (built !== null) return built;
    const list = this.buildWindows(kind);
    const overlap = list.some((a, i) => list.some((b, j) => j > i && a.base < b.end && b.base < a.end));
    if (kind === 'mem') {
      this.memWindows = list;
      this.memOverlap = overlap;
    } else {
      this.ioWindows = list;
      this.ioOverlap = overlap;
    }
    return list;
  }

  private decode(kind: 'mem' | 'io', addr: number): Window | null {
    const last = kind === 'mem' ? this.lastMem : this.lastIo;
    if (last !== null && addr >= last.base && addr < last.end) return last;
    const prev = kind === 'mem' ? this.prevMem : this.prevIo;
    if (prev !== null && addr >= prev.base && addr < prev.end) {
      // last and prev are set only while no windows overlap: prev is the one window here.
      this.remember(kind, prev);
      return prev;
    }
    const list = this.windows(kind);
    for (let i = 0; i < list.length; i++) {
      const w = list[i];
      if (addr >= w.base && addr < w.end) {
        if (!(kind === 'mem' ? this.memOverlap : this.ioOverlap)) this.remember(kind, w);
        return w;
      }
    }
    return null;
  }

  /**
   * The memory window every address of [base, base + size) decodes to, or null when that is not
   * one window (part of the range unclaimed, or windows overlapping: mid-sizing).
   */
  memWindowOf(base: number, size: number): Window | null {
    const list = this.windows('mem');
    if (this.memOverlap) return null;
    for (let i = 0; i < list.length; i++) {
      const w = list[i];
      if (base >= w.base && base + size <= w.end) return w;
    }
    return null;
  }

  /** A driver's mapping of bus memory (Platform.ioremap): see MmioRegion. */
  mapMem(base: number, size: number): MmioRegion {
    if (!Number.isInteger(base) || !Number.isInteger(size) || base < 0 || size <= 0)
      throw new RangeError(`pci: bad mapping ${base} + ${size}`);
    return new MmioRegion(this, base, size, this.trace);
  }

  /** w becomes the last window hit of its kind, the last one before it the previous one. */
  private remember(kind: 'mem' | 'io', w: Window): void {
    if (kind === 'mem') {
      if (this.lastMem !== w) this.prevMem = this.lastMem;
      this.lastMem = w;
    } else {
      if (this.lastIo !== w) this.prevIo = this.lastIo;
      this.lastIo = w;
    }
  }

  private unclaimed(kind: 'mem' | 'io', addr: number, width: AccessWidth, value: number | undefined): number {
    this.trace?.record(
      'guest-error',
      'pci',
      kind === 'mem' ? 'MEM' : 'IO',
      addr,
      width,
      value ?? 0,
      `unclaimed ${kind} ${value === undefined ? 'read' : 'write'} at ${hex(addr)}`,
    );
    return ALL_ONES[width] ?? 0xffff_ffff;
  }

  private read(kind: 'mem' | 'io', addr: number, width: AccessWidth): number {
    const w = this.decode(kind, addr);
    if (w === null) return this.unclaimed(kind, addr, width, undefined);
    const offset = addr - w.base;
    const v = w.handler.read(offset, width) >>> 0;
    if (this.trace?.enabled) this.traceAccess('read', w, offset, width, v);
    return v;
  }

  private write(kind: 'mem' | 'io', addr: number, width: AccessWidth, value: number): void {
    const w = this.decode(kind, addr);
    if (w === null) {
      this.unclaimed(kind, addr, width, value);
      return;
    }
    const offset = addr - w.base;
    if (this.trace?.enabled) this.traceAccess('write', w, offset, width, value >>> 0);
    w.handler.write(offset, value >>> 0, width);
  }

  private traceAccess(dir: 'read' | 'write', w: Window, offset: number, width: AccessWidth, v: number): void {
    const fn = w.s.fn;
    if (fn.traceContext !== undefined && fn.describe !== undefined) {
      // Decoded when the trace is read, from the state the access saw.
      const ctx = fn.traceContext(w.bar, offset, dir, width);
      this.trace?.recordLazy(dir, fn.name, w.space, offset, width, v, fn, w.bar, ctx);
      return;
    }
    const text = fn.describe?.(w.bar, offset, dir, v, width) ?? '';
    this.trace?.record(dir, fn.name, w.space, offset, width, v, text);
  }

  // Memory accesses try the last window hit first (a driver's accesses mostly stay in one BAR):
  // one bounds check, one test of the trace and one call to the handler. These two stay small,
  // as their callers inline them, and V8 inlines only so much bytecode into one function; a
  // miss, or a trace that records (it decodes every access), takes the full path. The window
  // test is on the offset (addr − base in [0, size): the same test as base ≤ addr < end for
  // every address, NaN included, with one heap number less to load).
  mmioRead(addr: number, width: AccessWidth): number {
    const w = this.lastMem;
    if (w !== null) {
      const offset = addr - w.base;
      const t = this.trace;
      if (offset >= 0 && offset < w.size && (t === undefined || t.enabled === false))
        return w.handler.read(offset, width) >>> 0;
    }
    return this.read('mem', addr, width);
  }

  mmioWrite(addr: number, value: number, width: AccessWidth): void {
    const w = this.lastMem;
    if (w !== null) {
      const offset = addr - w.base;
      const t = this.trace;
      if (offset >= 0 && offset < w.size && (t === undefined || t.enabled === false)) {
        // toWidth spelled out (a module-level function is loaded from its cell and checked).
        w.handler.write(
          offset,
          width === 1 ? value & 0xff : width === 2 ? value & 0xffff : value >>> 0,
          width,
        );
        return;
      }
    }
    this.write('mem', addr, width, toWidth(value, width));
  }

  ioRead(port: number, width: AccessWidth): number {
    return this.read('io', port, width);
  }

  ioWrite(port: number, value: number, width: AccessWidth): void {
    this.write('io', port, width, toWidth(value, width));
  }

  // --- state ------------------------------------------------------------------------------

  /** Power-on reset of config space (not of the functions: call their reset() separately). */
  reset(): void {
    for (const s of this.slots) {
      if (!s) continue;
      s.command = 0;
      s.cacheLine = 0;
      s.latency = 0;
      s.interruptLine = 0xff;
      s.barAddress.fill(0);
      this.routeIntx(s);
    }
    this.invalidateDecode();
  }

  snapshot(): PciBusSnapshot {
    const slots: Record<string, PciSlotSnapshot> = {};
    for (const s of this.slots) {
      if (!s) continue;
      slots[String(s.device)] = {
        command: s.command,
        cacheLine: s.cacheLine,
        latency: s.latency,
        interruptLine: s.interruptLine,
        barAddress: [...s.barAddress],
        intx: s.intx,
      };
    }
    return { v: 1, slots };
  }

  /** Restores config space; the functions' onCommand is told the restored command value. */
  restore(snap: PciBusSnapshot): void {
    check(snap?.v === 1 && typeof snap.slots === 'object' && snap.slots !== null, 'pci: version');
    for (const [k, v] of Object.entries(snap.slots)) {
      check(this.slots[Number(k)] !== undefined, `pci: no function at slot ${k}`);
      check(Array.isArray(v.barAddress) && v.barAddress.length === 6, `pci: slot ${k} BARs`);
      check(Number.isInteger(v.command) && Number.isInteger(v.interruptLine), `pci: slot ${k} fields`);
    }
    for (const [k, v] of Object.entries(snap.slots)) {
      const s = this.slots[Number(k)] as Slot;
      s.command = v.command;
      s.cacheLine = v.cacheLine;
      s.latency = v.latency;
      s.interruptLine = v.interruptLine;
      s.barAddress = [...v.barAddress];
      s.intx = v.intx;
      s.fn.onCommand?.(s.command);
    }
    this.invalidateDecode();
  }
}

/**
 * A driver's mapping of bus memory [base, base + size) (Platform.ioremap, as Linux's ioremap):
 * read/write at an offset are mmioRead/mmioWrite(base + offset), decoded the same way. While
 * the whole mapping lies in one BAR window (no overlap) and no trace records, an access goes
 * straight to that BAR's handler at a small-integer offset: no decode per access, and no bus
 * address (above 2^30: a heap number in V8, boxed again for every call it is passed to) on the
 * way. Anything else (outside the mapping, no single window, tracing) takes the bus's path.
 */
export class MmioRegion {
  /** The window's handler and base − window base, as of decode generation gen (null: none). */
  private handler: MmioHandler | null = null;
  private delta = 0;
  private gen = -1;

  constructor(
    private readonly bus: PciBus,
    readonly base: number,
    readonly size: number,
    private readonly trace: TraceRing | undefined,
  ) {}

  read(offset: number, width: AccessWidth): number {
    const h = this.handler;
    if (h !== null && this.gen === this.bus.decodeGen && offset >= 0 && offset < this.size) {
      const t = this.trace;
      if (t === undefined || t.enabled === false) return h.read(this.delta + offset, width) >>> 0;
    }
    return this.readSlow(offset, width);
  }

  write(offset: number, value: number, width: AccessWidth): void {
    const h = this.handler;
    if (h !== null && this.gen === this.bus.decodeGen && offset >= 0 && offset < this.size) {
      const t = this.trace;
      if (t === undefined || t.enabled === false) {
        // toWidth spelled out (a module-level function is loaded from its cell and checked).
        h.write(
          this.delta + offset,
          width === 1 ? value & 0xff : width === 2 ? value & 0xffff : value >>> 0,
          width,
        );
        return;
      }
    }
    this.writeSlow(offset, value, width);
  }

  private readSlow(offset: number, width: AccessWidth): number {
    if (this.gen !== this.bus.decodeGen) {
      this.resolve();
      return this.read(offset, width);
    }
    return this.bus.mmioRead(this.base + offset, width);
  }

  private writeSlow(offset: number, value: number, width: AccessWidth): void {
    if (this.gen !== this.bus.decodeGen) {
      this.resolve();
      this.write(offset, value, width);
      return;
    }
    this.bus.mmioWrite(this.base + offset, value, width);
  }

  /** Finds the window the mapping decodes to under the current decode table. */
  private resolve(): void {
    const w = this.bus.memWindowOf(this.base, this.size);
    this.handler = w === null ? null : w.handler;
    // A small integer (| 0: a field that ever held a double stays a heap number field).
    this.delta = w === null ? 0 : (this.base - w.base) | 0;
    this.gen = this.bus.decodeGen;
  }
}
