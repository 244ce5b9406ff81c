// Puts the lab's TPCI200 (the serial rack's PciFunction, src/emu/devices/tpci200.ts) on v86's PCI
// bus, so Linux's unmodified tpci200 and ipoctal drivers reach the same device models as the
// TypeScript guest. No second model: every access goes through the rack's own PciBus
// (rig.pci.mmioRead/mmioWrite), which decodes the BAR, calls the model and records the access
// in the bus trace, and INTA# comes from the rack's interrupt controller (rig.irq).
//
// Layout (linux-guest.md): device 0x10 on bus 0 (PIRQD → IRQ 11 as SeaBIOS routes it), memory
// BARs at fixed addresses (v86 never moves memory BARs), COMMAND preset to I/O + memory decode
// (v86 does not store COMMAND writes):
//   BAR0 0xFB000000 (128 B, PLX LCR)   BAR2 0xFB000100 (256 B, carrier)   BAR3 0xFB000400 (1 KiB,
//   IP IO/ID/INT)   — all three in one 128 KiB MMIO block, dispatched by the PciBus —
//   BAR4 0xF8000000 (32 MiB, IP MEM 16-bit)   BAR5 0xFA000000 (16 MiB, IP MEM 8-bit).
//   BAR1 (I/O mirror of the LCR) is left unimplemented: Linux does not use it.
//
// Access widths. v86 hands MMIO to us as 8-bit or 32-bit calls only: a 16-bit access arrives as
// two 8-bit calls, low byte first, within one instruction. Where that would change behaviour the
// bridge puts the 16-bit access back together:
//   - BAR2 (carrier registers, 16-bit only; an 8-bit access is a guest error in the model):
//     the low-byte read performs the 16-bit read and keeps the high byte for the next call;
//     the low-byte write is held until the high byte completes it.
//   - BAR3 INT space (interrupt acknowledge cycles, Linux reads them with readw): reads are put
//     back together so one readw is one acknowledge cycle, as on the bus.
//   - Everything else passes byte by byte. That is exact here: with LASxBRD bit 24 set (Linux)
//     an 8-bit access reaches IP address = PCI offset, so the two halves of a 16-bit access read
//     the same bytes a 16-bit access would, and the SCC2698's registers (the ones with read side
//     effects) sit on odd addresses only, read once either way.
// A held byte is completed or flushed by the next access, and never outlives the current run
// slice (flushed from a microtask).
//
// Interrupts (trap 1): v86 delivers an interrupt as soon as raise_irq is called, even from
// inside an MMIO handler in the middle of an instruction. A rising edge that happens during a
// guest access is therefore deferred to a microtask (it reaches v86 between instructions);
// falling edges, and rising edges caused from outside a guest access (time passing, host
// input), go through at once.
import type { AccessWidth } from '../emu/bus/types';
import { SERIAL_PCI_SLOT, type SerialRack } from '../emu/serial/serial-rack';
import type { V86Internals, V86PciDevice } from './v86-internals';
import { V86_MMAP_BLOCK } from './v86-internals';

/** PCI device number of the TPCI200 on v86's bus 0 (lspci in Linux shows 00:10.0). */
export const LINUX_PCI_DEVICE = 0x10;
/** v86's pci_id: bus << 8 | device << 3 | function. */
export const LINUX_PCI_ID = LINUX_PCI_DEVICE << 3;
/** The interrupt SeaBIOS routes device 0x10 INTA# to (PIRQD). */
export const LINUX_TPCI200_IRQ = 11;
/** Fixed BAR addresses (0 = not implemented). */
export const TPCI200_BAR_ADDRESSES: readonly number[] = [
  0xfb00_0000, 0, 0xfb00_0100, 0xfb00_0400, 0xf800_0000, 0xfa00_0000,
];
/** PCI COMMAND as v86 reports it: I/O and memory decode on. */
export const LINUX_PCI_COMMAND = 0x0003;

const CFG_COMMAND = 0x04;
const CFG_BAR0 = 0x10;
const CFG_INTERRUPT_LINE = 0x3c;

/** Whatever keeps the lab's clock with v86's: called before every device access. */
export interface ClockSync {
  sync(): void;
}

/** The 256-byte configuration space v86 serves for the rack's TPCI200. */
export function tpci200ConfigSpace(rack: SerialRack): number[] {
  const fn = rack.hw.tpci200;
  const id = fn.identity;
  const space = new Array<number>(256).fill(0);
  const put = (offset: number, value: number, bytes: number) => {
    for (let i = 0; i < bytes; i++) space[offset + i] = (value >>> (8 * i)) & 0xff;
  };
  put(0x00, id.vendorId, 2);
  put(0x02, id.deviceId, 2);
  put(CFG_COMMAND, LINUX_PCI_COMMAND, 2);
  put(0x08, id.revision, 1);
  put(0x09, id.classCode, 3);
  TPCI200_BAR_ADDRESSES.forEach((addr, bar) => {
    const def = fn.bars[bar];
    if (def?.kind === 'mem' && addr !== 0) put(CFG_BAR0 + 4 * bar, addr | (def.prefetchable ? 8 : 0), 4);
  });
  put(0x2c, id.subsystemVendorId, 2);
  put(0x2e, id.subsystemId, 2);
  put(CFG_INTERRUPT_LINE, LINUX_TPCI200_IRQ, 1);
  put(0x3d, id.interruptPin, 1);
  return space;
}

type ReadPolicy = 'byte' | 'word';

interface BarWindow {
  bar: number;
  base: number;
  end: number;
}

/** INTA# of the lab's TPCI200 → v86's PCI interrupt, with trap 1's deferred rising edges. */
export class IrqBridge {
  /** The level v86 was last told. */
  private v86Level = false;
  /** The level the lab's interrupt controller drives. */
  private labLevel = false;
  private deferred = false;
  private destroyed = false;
  /** Rising edges that were deferred to a microtask (for tests and the report). */
  deferredEdges = 0;

  constructor(
    private readonly v86: V86Internals,
    private readonly pciId: number,
    private readonly inGuestAccess: () => boolean,
  ) {}

  set(level: boolean): void {
    this.labLevel = level;
    if (this.destroyed) return;
    if (!level) {
      if (this.v86Level) {
        this.v86Level = false;
        this.v86.lowerIrq(this.pciId);
      }
      return;
    }
    if (!this.inGuestAccess()) {
      this.apply();
      return;
    }
    if (this.deferred) return;
    this.deferred = true;
    this.deferredEdges++;
    queueMicrotask(() => {
      this.deferred = false;
      this.apply();
    });
  }

  private apply(): void {
    if (this.destroyed || !this.labLevel || this.v86Level) return;
    this.v86Level = true;
    this.v86.raiseIrq(this.pciId);
  }

  get level(): boolean {
    return this.v86Level;
  }

  destroy(): void {
    this.destroyed = true;
  }
}

/** The TPCI200 on v86's bus: config space, MMIO blocks and INTA#. */
export class Tpci200Bridge {
  readonly irq: IrqBridge;
  /** The interrupt number of the TPCI200's INTA# on the rack's own interrupt controller. */
  readonly labIrq: number;
  private readonly windows: BarWindow[] = [];
  private depth = 0;
  /** A 16-bit read's high byte, kept for the second half (address, or -1). */
  private heldReadAddr = -1;
  private heldReadByte = 0;
  /** A 16-bit write's low byte, waiting for its high byte (address, or -1). */
  private heldWriteAddr = -1;
  private heldWriteByte = 0;
  private flushQueued = false;
  /** Guest accesses served (8-bit and 32-bit calls, as v86 made them). */
  accesses = 0;

  constructor(
    v86: V86Internals,
    private readonly rack: SerialRack,
    private readonly clock: ClockSync,
  ) {
    const fn = rack.hw.tpci200;
    const pci = rack.rig.pci;
    // The lab's own bus decodes the same addresses v86's guest uses ("firmware" for the rack).
    TPCI200_BAR_ADDRESSES.forEach((addr, bar) => {
      if (fn.bars[bar]) pci.configWrite(0, SERIAL_PCI_SLOT, 0, CFG_BAR0 + 4 * bar, addr, 4);
    });
    pci.configWrite(0, SERIAL_PCI_SLOT, 0, CFG_COMMAND, LINUX_PCI_COMMAND, 2);
    pci.configWrite(0, SERIAL_PCI_SLOT, 0, CFG_INTERRUPT_LINE, LINUX_TPCI200_IRQ, 1);
    this.labIrq = pci.irqOf(SERIAL_PCI_SLOT);

    const device: V86PciDevice = {
      pci_id: LINUX_PCI_ID,
      pci_space: tpci200ConfigSpace(rack),
      pci_bars: fn.bars.map((def, bar) =>
        def?.kind === 'mem' && TPCI200_BAR_ADDRESSES[bar] !== 0 ? { size: def.size } : undefined,
      ),
      name: fn.name,
    };
    v86.registerPciDevice(device);

    const blocks = new Set<number>();
    fn.bars.forEach((def, bar) => {
      const base = TPCI200_BAR_ADDRESSES[bar];
      if (def?.kind !== 'mem' || base === 0) return;
      this.windows.push({ bar, base, end: base + def.size });
      const first = Math.floor(base / V86_MMAP_BLOCK);
      const last = Math.floor((base + def.size - 1) / V86_MMAP_BLOCK);
      for (let b = first; b <= last; b++) blocks.add(b);
    });
    const handlers = {
      read8: (a: number) => this.read8(a >>> 0),
      write8: (a: number, v: number) => this.write8(a >>> 0, v & 0xff),
      read32: (a: number) => this.read32(a >>> 0),
      write32: (a: number, v: number) => this.write32(a >>> 0, v >>> 0),
    };
    for (const [start, count] of runs([...blocks].sort((x, y) => x - y)))
      v86.mmapRegister(start * V86_MMAP_BLOCK, count * V86_MMAP_BLOCK, handlers);

    this.irq = new IrqBridge(v86, LINUX_PCI_ID, () => this.depth > 0);
    rack.rig.irq.onChange((irq, level) => {
      if (irq === this.labIrq) this.irq.set(level);
    });
  }

  /** Tells v86 the rack's current INTA# level (after a restore, which does not notify). */
  resyncIrq(): void {
    this.irq.set(this.rack.rig.irq.isAsserted(this.labIrq));
  }

  destroy(): void {
    this.irq.destroy();
  }

  // --- access paths -----------------------------------------------------------------------------

  private window(addr: number): BarWindow | undefined {
    for (const w of this.windows) if (addr >= w.base && addr < w.end) return w;
    return undefined;
  }

  private readPolicy(addr: number): ReadPolicy {
    const w = this.window(addr);
    if (!w) return 'byte';
    if (w.bar === 2) return 'word';
    if (w.bar === 3 && ((addr - w.base) & 0xc0) === 0xc0) return 'word'; // INT space
    return 'byte';
  }

  private writeIsWord(addr: number): boolean {
    return this.window(addr)?.bar === 2;
  }

  /** Runs one guest access: the lab's clock first, rising edges inside it deferred (trap 1). */
  private guestAccess<T>(access: () => T): T {
    this.depth++;
    this.accesses++;
    try {
      this.clock.sync();
      return access();
    } finally {
      this.depth--;
    }
  }

  private busRead(addr: number, width: AccessWidth): number {
    return this.rack.rig.pci.mmioRead(addr, width);
  }

  private busWrite(addr: number, value: number, width: AccessWidth): void {
    this.rack.rig.pci.mmioWrite(addr, value, width);
  }

  /** Completes nothing: a held write byte goes out as the 8-bit write it turned out to be. */
  private flushHeldWrite(): void {
    if (this.heldWriteAddr < 0) return;
    const addr = this.heldWriteAddr;
    this.heldWriteAddr = -1;
    this.busWrite(addr, this.heldWriteByte, 1);
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.heldReadAddr = -1;
      // Between instructions: a rising edge this causes may reach v86 at once.
      this.flushHeldWrite();
    });
  }

  private read8(addr: number): number {
    return this.guestAccess(() => {
      if (addr === this.heldReadAddr) {
        this.heldReadAddr = -1;
        return this.heldReadByte;
      }
      this.heldReadAddr = -1;
      this.flushHeldWrite();
      if (this.readPolicy(addr) === 'byte') return this.busRead(addr, 1) & 0xff;
      if (addr & 1) return (this.busRead(addr - 1, 2) >>> 8) & 0xff;
      const word = this.busRead(addr, 2);
      this.heldReadAddr = addr + 1;
      this.heldReadByte = (word >>> 8) & 0xff;
      this.queueFlush();
      return word & 0xff;
    });
  }

  private write8(addr: number, value: number): void {
    this.guestAccess(() => {
      this.heldReadAddr = -1;
      if (this.heldWriteAddr >= 0 && addr === this.heldWriteAddr + 1) {
        const low = this.heldWriteAddr;
        this.heldWriteAddr = -1;
        this.busWrite(low, this.heldWriteByte | (value << 8), 2);
        return;
      }
      this.flushHeldWrite();
      if (this.writeIsWord(addr) && !(addr & 1)) {
        this.heldWriteAddr = addr;
        this.heldWriteByte = value;
        this.queueFlush();
        return;
      }
      this.busWrite(addr, value, 1);
    });
  }

  /** A 32-bit access (BAR0's PLX registers): whole, after anything held. */
  private access32<T>(access: () => T): T {
    return this.guestAccess(() => {
      this.heldReadAddr = -1;
      this.flushHeldWrite();
      return access();
    });
  }

  private read32(addr: number): number {
    return this.access32(() => this.busRead(addr, 4) | 0);
  }

  private write32(addr: number, value: number): void {
    this.access32(() => this.busWrite(addr, value, 4));
  }
}

/** [start, count] runs of consecutive integers in a sorted list. */
function runs(sorted: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === n) last[1]++;
    else out.push([n, 1]);
  }
  return out;
}
