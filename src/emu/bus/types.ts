// Interfaces between device models, buses and the guest. Devices are black boxes seen through
// registers (DESIGN rule 1); the guest reaches them only through a Platform (rule 2).

export type AccessWidth = 1 | 2 | 4;

/** Read/write of 8/16/32 bits at an offset inside one BAR or address space. */
export interface MmioHandler {
  read(offset: number, width: AccessWidth): number;
  write(offset: number, value: number, width: AccessWidth): void;
}

/** One level-sensitive interrupt line; the device drives it from updateIrq(). */
export interface IrqLine {
  set(level: boolean): void;
}

export interface PciBarDef {
  kind: 'mem' | 'io';
  /** Size in bytes, a power of two. */
  size: number;
  prefetchable?: boolean;
  handler: MmioHandler;
}

export interface PciIdentity {
  vendorId: number;
  deviceId: number;
  subsystemVendorId: number;
  subsystemId: number;
  /** 24-bit class code: base class, sub-class, prog-if. */
  classCode: number;
  revision: number;
  /** 0 = none, 1 = INTA#, 2 = INTB#, ... */
  interruptPin: number;
}

/** A PCI function as the bus sees it: identity, up to six BARs, an INTx line. */
export interface PciFunction {
  readonly name: string;
  readonly identity: PciIdentity;
  /** Exactly six entries, undefined where the BAR is not implemented. */
  readonly bars: readonly (PciBarDef | undefined)[];
  /** The bus hands the function its INTx line at plug time. */
  connectIrq(line: IrqLine): void;
  /** Called when the guest changes the command register (memory/IO decode, bus master). */
  onCommand?(command: number): void;
  /**
   * Optional trace decoder: names the register (and fields) a BAR access touched, e.g.
   * "ipoctal.A SRA RXRDY TXRDY". Must have no side effects. With ctx (from traceContext) it
   * decodes as the access did then, whatever the state is now.
   */
  describe?(
    bar: number,
    offset: number,
    dir: 'read' | 'write',
    value: number,
    width: AccessWidth,
    ctx?: number,
  ): string;
  /**
   * Optional, with describe: the state describe() needs for this access, as one integer (taken
   * at the access, after a read and before a write, as describe() would be called). The bus
   * then builds the trace text only when the trace is read.
   */
  traceContext?(bar: number, offset: number, dir: 'read' | 'write', width: AccessWidth): number;
  reset(): void;
}

/** Guest physical memory: the target of DMA and where the guest allocates its buffers. */
export interface PhysMemory {
  readonly size: number;
  read8(addr: number): number;
  write8(addr: number, value: number): void;
  read32(addr: number): number;
  write32(addr: number, value: number): void;
  readBytes(addr: number, length: number): Uint8Array;
  writeBytes(addr: number, data: Uint8Array): void;
  /** Allocates a zeroed, aligned buffer for the guest (a tiny page allocator). */
  alloc(length: number, align?: number): number;
}

/** A driver's mapping of bus memory (Platform.ioremap): accesses at offsets inside it. */
export interface MappedMmio {
  readonly base: number;
  readonly size: number;
  read(offset: number, width: AccessWidth): number;
  write(offset: number, value: number, width: AccessWidth): void;
}

/**
 * What a guest kernel may touch: PCI configuration cycles, memory/IO accesses at bus addresses,
 * interrupt registration, and its own RAM. Nothing else: no device objects.
 */
export interface Platform {
  configRead(bus: number, device: number, fn: number, offset: number, width: AccessWidth): number;
  configWrite(
    bus: number,
    device: number,
    fn: number,
    offset: number,
    value: number,
    width: AccessWidth,
  ): void;
  mmioRead(addr: number, width: AccessWidth): number;
  mmioWrite(addr: number, value: number, width: AccessWidth): void;
  /**
   * Maps bus memory [base, base + size) for a driver (Linux's ioremap): the region's
   * read/write(offset, ...) are mmioRead/mmioWrite(base + offset, ...), the same accesses.
   * Optional (a platform that wraps another may leave it out): drivers call ioremap() below.
   */
  ioremap?(base: number, size: number): MappedMmio;
  ioRead(port: number, width: AccessWidth): number;
  ioWrite(port: number, value: number, width: AccessWidth): void;
  /**
   * Registers a handler for an interrupt number (as read from the PCI interrupt-line register).
   * The handler runs from a scheduler event, never inside a device access, while the line is
   * asserted (level-triggered, shared lines call every handler).
   */
  requestIrq(irq: number, handler: () => void): void;
  freeIrq(irq: number, handler: () => void): void;
  readonly ram: PhysMemory;
  /** Current virtual time in ns (the guest's clock). */
  nowNs(): number;
}

/** A mapping made of the platform's mmioRead/mmioWrite, for a platform without ioremap. */
class AddressMapping implements MappedMmio {
  constructor(
    private readonly p: Platform,
    readonly base: number,
    readonly size: number,
  ) {}
  read(offset: number, width: AccessWidth): number {
    return this.p.mmioRead(this.base + offset, width);
  }
  write(offset: number, value: number, width: AccessWidth): void {
    this.p.mmioWrite(this.base + offset, value, width);
  }
}

/** Maps bus memory for a driver: the platform's ioremap if it has one, else its mmio calls. */
export function ioremap(p: Platform, base: number, size: number): MappedMmio {
  return p.ioremap ? p.ioremap(base, size) : new AddressMapping(p, base, size);
}
