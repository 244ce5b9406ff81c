// IndustryPack bus as a carrier sees it (ipack.md §2): four slots A–D, each with IO, ID, INT and
// MEM spaces, two interrupt request lines (INTREQ0#, INTREQ1#) and a RESET# line.
//
// Addresses here are IP byte addresses. The IP bus is 16 bits wide and big-endian: the byte on
// D15–D8 is at the even address, the byte on D7–D0 at the odd one. A 16-bit cycle at even address
// A carries (byte A << 8) | byte A+1. 8-bit chips sit on D7–D0, i.e. at odd addresses.
// The carrier (tpci200.ts) maps PCI byte lanes onto this; modules never see PCI.
//
// Interface:
//   IpackModule           what a module implements (IO/ID/MEM cycles, INT acknowledge, reset)
//   new IpackBus(name)    plug(slot, module), ioRead/ioWrite/idRead/memRead/memWrite/intAck,
//                         irqLevel(slot, line), onIrqChange(cb), setReset(slot, asserted)
//   ipackIdCrc(bytes)     the format-1 ID PROM CRC (§2.4)
//   buildIdProm(fields)   a 12-byte format-1 PROM with its CRC

export type IpSpace = 'IO' | 'ID' | 'INT' | 'MEM';
export type IpWidth = 1 | 2;
export type IpLine = 0 | 1;
export const IP_SLOT_NAMES = ['A', 'B', 'C', 'D'] as const;
export const IP_SLOT_COUNT = 4;

/** What the bus gives a module at plug time. */
export interface IpackSlotPort {
  readonly slot: number;
  /** "A".."D" */
  readonly slotName: string;
  /** Drives the module's INTREQ0# (line 0) or INTREQ1# (line 1); true = request active. */
  setIrq(line: IpLine, active: boolean): void;
}

/** An IndustryPack module. Every cycle is addressed by IP byte address inside its space. */
export interface IpackModule {
  /** Short name used in traces, e.g. "ipoctal". */
  readonly kind: string;
  attach(port: IpackSlotPort): void;
  ioRead(addr: number, width: IpWidth): number;
  ioWrite(addr: number, value: number, width: IpWidth): void;
  idRead(addr: number, width: IpWidth): number;
  /** ID-space writes are ignored by PROM-only modules; optional. */
  idWrite?(addr: number, value: number, width: IpWidth): void;
  /** Interrupt-acknowledge cycle for a line: returns the vector on D7–D0 (and D15–D8 if any). */
  intAck(line: IpLine): number;
  memRead(addr: number, width: IpWidth): number;
  memWrite(addr: number, value: number, width: IpWidth): void;
  /** RESET#: return to the power-up state (ipack.md §3.7 for the IP-Octal). */
  reset(): void;
  /**
   * Trace decoder, no side effects: e.g. "SRA RXRDY TXRDY". With ctx (from traceContext) it
   * decodes from the state the access saw instead of the state now.
   */
  describe?(
    space: IpSpace,
    addr: number,
    dir: 'read' | 'write',
    value: number,
    width: IpWidth,
    ctx?: number,
  ): string;
  /** The state describe() needs for this cycle, as an integer of at most 16 bits (0 if none). */
  traceContext?(space: IpSpace, addr: number, dir: 'read' | 'write', width: IpWidth): number;
  snapshot(): unknown;
  restore(s: unknown): void;
}

export type IpIrqListener = (slot: number, line: IpLine, active: boolean) => void;

/** A listener to request-line changes as an object (a carrier): see IpackBus.addIrqSink. */
export interface IpackIrqSink {
  ipIrqChanged(slot: number, line: IpLine, active: boolean): void;
}

/** A function listener as a sink. */
class FnIrqSink implements IpackIrqSink {
  constructor(private readonly fn: IpIrqListener) {}
  ipIrqChanged(slot: number, line: IpLine, active: boolean): void {
    this.fn(slot, line, active);
  }
}

/** What a module gets at plug time: its slot and its request lines. */
class SlotPort implements IpackSlotPort {
  readonly slotName: string;
  constructor(
    private readonly bus: IpackBus,
    readonly slot: number,
  ) {
    this.slotName = IP_SLOT_NAMES[slot];
  }
  setIrq(line: IpLine, active: boolean): void {
    this.bus.setIrq(this.slot, line, active);
  }
}

interface SlotState {
  module?: IpackModule;
  irq: [boolean, boolean];
  inReset: boolean;
}

export class IpackBus {
  private readonly slots: SlotState[] = IP_SLOT_NAMES.map(() => ({ irq: [false, false], inReset: false }));
  /**
   * Who hears request-line changes. Objects, not closures: a closure is a call target that dies
   * with its owner (a rack), and optimised code that inlined it is thrown away then.
   */
  private readonly sinks: IpackIrqSink[] = [];
  /**
   * Per slot, the module that answers cycles now (plugged and not in reset), else null. The
   * array is updated in place (never replaced), so a carrier may keep it and dispatch its
   * common cycles through it without a call into the bus.
   */
  private readonly answering: (IpackModule | null)[] = [null, null, null, null];
  /**
   * Every request line's level as one number, bit 2·slot + line (what irqLevel reads): the
   * carrier's STATUS takes all eight at once. Kept with slots[].irq by setIrq and restore.
   */
  private levels = 0;
  /** describe(): module text → "<kind>.<slot> <text>", per slot. */
  private readonly describeCache = IP_SLOT_NAMES.map(() => new Map<string, string>());

  constructor(readonly name = 'ipack0') {}

  plug(slot: number, module: IpackModule): void {
    const s = this.slots[slot];
    if (!s) throw new RangeError(`ipack: bad slot ${slot}`);
    if (s.module) throw new Error(`ipack: slot ${IP_SLOT_NAMES[slot]} already holds ${s.module.kind}`);
    s.module = module;
    this.answering[slot] = s.inReset ? null : module;
    module.attach(new SlotPort(this, slot));
  }

  /** The per-slot answering modules (see answering): read-only, live, same array for the bus's life. */
  get answeringModules(): readonly (IpackModule | null)[] {
    return this.answering;
  }

  moduleAt(slot: number): IpackModule | undefined {
    return this.slots[slot]?.module;
  }

  /** True when a module answers cycles in this slot (present and not held in reset). */
  responds(slot: number): boolean {
    return (this.answering[slot] ?? null) !== null;
  }

  /** Called with (slot, line, active) whenever a request line changes. */
  onIrqChange(listener: IpIrqListener): void {
    this.sinks.push(new FnIrqSink(listener));
  }

  /** onIrqChange with an object (the carrier). */
  addIrqSink(sink: IpackIrqSink): void {
    this.sinks.push(sink);
  }

  irqLevel(slot: number, line: IpLine): boolean {
    return this.slots[slot]?.irq[line] ?? false;
  }

  /** Every request line's level, bit 2·slot + line set while the line is active. */
  get irqLevels(): number {
    return this.levels;
  }

  /** A module drives a request line (through its SlotPort). */
  setIrq(slot: number, line: IpLine, active: boolean): void {
    const s = this.slots[slot];
    const level = active && !s.inReset;
    if (s.irq[line] === level) return;
    s.irq[line] = level;
    const bit = 1 << (2 * slot + line);
    this.levels = level ? this.levels | bit : this.levels & ~bit;
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].ipIrqChanged(slot, line, level);
  }

  /** RESET#: the module resets on assertion and ignores cycles while held. */
  setReset(slot: number, asserted: boolean): void {
    const s = this.slots[slot];
    if (!s || s.inReset === asserted) return;
    s.inReset = asserted;
    this.answering[slot] = asserted ? null : (s.module ?? null);
    if (asserted) {
      s.module?.reset();
      this.setIrq(slot, 0, false);
      this.setIrq(slot, 1, false);
    }
  }

  inReset(slot: number): boolean {
    return this.slots[slot]?.inReset ?? false;
  }

  // Cycles. An empty slot or one in reset reads 0 and ignores writes (QEMU does the same; the
  // carrier decides whether that is a timeout).
  ioRead(slot: number, addr: number, width: IpWidth): number {
    const m = this.answering[slot] ?? null;
    return m === null ? 0 : m.ioRead(addr, width);
  }
  ioWrite(slot: number, addr: number, value: number, width: IpWidth): void {
    const m = this.answering[slot] ?? null;
    if (m !== null) m.ioWrite(addr, value, width);
  }
  idRead(slot: number, addr: number, width: IpWidth): number {
    const m = this.answering[slot] ?? null;
    return m === null ? 0 : m.idRead(addr, width);
  }
  idWrite(slot: number, addr: number, value: number, width: IpWidth): void {
    this.answering[slot]?.idWrite?.(addr, value, width);
  }
  intAck(slot: number, line: IpLine): number {
    const m = this.answering[slot] ?? null;
    return m === null ? 0 : m.intAck(line);
  }
  memRead(slot: number, addr: number, width: IpWidth): number {
    const m = this.answering[slot] ?? null;
    return m === null ? 0 : m.memRead(addr, width);
  }
  memWrite(slot: number, addr: number, value: number, width: IpWidth): void {
    const m = this.answering[slot] ?? null;
    if (m !== null) m.memWrite(addr, value, width);
  }

  /** The module's trace context for a cycle (IpackModule.traceContext), 0 if it has none. */
  traceContext(slot: number, space: IpSpace, addr: number, dir: 'read' | 'write', width: IpWidth): number {
    return this.slots[slot]?.module?.traceContext?.(space, addr, dir, width) ?? 0;
  }

  /** "ipoctal.A SRA RXRDY" for the trace; empty slots say so. ctx: from traceContext. */
  describe(
    slot: number,
    space: IpSpace,
    addr: number,
    dir: 'read' | 'write',
    value: number,
    width: IpWidth,
    ctx?: number,
  ): string {
    const m = this.slots[slot]?.module;
    if (!m) return `empty.${IP_SLOT_NAMES[slot] ?? '?'} ${space} 0x${addr.toString(16)}`;
    const inner = m.describe?.(space, addr, dir, value, width, ctx) ?? `${space} 0x${addr.toString(16)}`;
    // Modules return the same few texts again and again: keep the prefixed copies.
    const cache = this.describeCache[slot];
    let text = cache.get(inner);
    if (text === undefined) {
      text = `${m.kind}.${IP_SLOT_NAMES[slot]} ${inner}`;
      if (cache.size >= 65536) cache.clear();
      cache.set(inner, text);
    }
    return text;
  }

  snapshot(): { v: 1; inReset: boolean[]; irq: boolean[][] } {
    return { v: 1, inReset: this.slots.map((s) => s.inReset), irq: this.slots.map((s) => [...s.irq]) };
  }

  restore(snap: { v: 1; inReset: boolean[]; irq: boolean[][] }): void {
    if (snap?.v !== 1 || snap.inReset?.length !== IP_SLOT_COUNT || snap.irq?.length !== IP_SLOT_COUNT)
      throw new Error('ipack bus snapshot: bad data');
    this.levels = 0;
    this.slots.forEach((s, i) => {
      s.inReset = snap.inReset[i];
      s.irq = [snap.irq[i][0], snap.irq[i][1]];
      if (s.irq[0]) this.levels |= 1 << (2 * i);
      if (s.irq[1]) this.levels |= 1 << (2 * i + 1);
      this.answering[i] = s.inReset ? null : (s.module ?? null);
    });
  }
}

/**
 * Format-1 ID PROM CRC (ipack.md §2.4): CRC-16 polynomial 0x1021, MSB first, initial 0xFFFF,
 * complemented, low 8 bits; byte 11 (the CRC itself) counts as 0.
 */
export function ipackIdCrc(bytes: ArrayLike<number>, length = bytes.length): number {
  let crc = 0xffff;
  for (let i = 0; i < length; i++) {
    const b = i === 11 ? 0 : bytes[i] & 0xff;
    crc ^= b << 8;
    for (let k = 0; k < 8; k++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return ~crc & 0xff;
}

export interface IdPromFields {
  manufacturer: number;
  model: number;
  revision: number;
  driverId?: number;
  /** 'C' (8 MHz) or 'H' (32 MHz capable) as the fourth signature byte. */
  clock32?: boolean;
}

/** A 12-byte format-1 ("IPAC") ID PROM with byte 10 = 0x0C and a correct CRC. */
export function buildIdProm(f: IdPromFields): Uint8Array {
  const p = new Uint8Array(12);
  p.set([0x49, 0x50, 0x41, f.clock32 ? 0x48 : 0x43]);
  p[4] = f.manufacturer & 0xff;
  p[5] = f.model & 0xff;
  p[6] = f.revision & 0xff;
  p[7] = 0;
  p[8] = (f.driverId ?? 0) & 0xff;
  p[9] = ((f.driverId ?? 0) >> 8) & 0xff;
  p[10] = 0x0c;
  p[11] = ipackIdCrc(p, 12);
  return p;
}
