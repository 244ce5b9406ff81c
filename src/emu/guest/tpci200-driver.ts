// Guest driver for the TEWS TPCI200 IndustryPack carrier (ipack.md §1.7) and the IndustryPack
// bus core it registers (§2.4 ID read and CRC, §2.5 driver binding). The register conversation
// follows Linux's tpci200 + ipack core in order; all hardware access goes through the Platform.
import { ioremap, type MappedMmio, type Platform } from '../bus/types';
import type { GuestKernel } from './kernel';
import { enableDevice, type GuestPciDev, pciName } from './pci-enum';

// BAR0: PLX PCI9030 local configuration registers; BAR2: TPCI200 interface registers.
export const PLX_LAS1BRD = 0x2c;
export const PLX_LAS2BRD = 0x30;
export const PLX_BIG_ENDIAN = 0x0100_0000;
export const TPCI200_CONTROL_A = 0x02;
export const TPCI200_STATUS = 0x0c;
export const CTRL_CLK32 = 0x0001;
export const CTRL_INT_EN = 0x00c0;
export const TPCI200_NB_SLOT = 4;

export const TPCI200_IDS = {
  vendorId: 0x1498,
  deviceId: 0x30c8,
  subsystemVendorId: 0x1498,
  subsystemId: 0x300a,
};

/** One of a module's five address regions as the carrier maps it (bus address + size). */
export interface IpackRegion {
  base: number;
  size: number;
}

export interface IpackIdTableEntry {
  format: number;
  vendor: number;
  device: number;
}

/** An IndustryPack device as the bus core presents it to module drivers ("ipack-dev.B.S"). */
export interface IpackDevice {
  busNr: number;
  slot: number;
  format: number;
  vendor: number;
  device: number;
  idBytes: number[];
  crcOk: boolean;
  io: IpackRegion;
  id: IpackRegion;
  int: IpackRegion;
  mem8: IpackRegion;
  mem16: IpackRegion;
  /** Carrier bus operations (ipack_bus_ops). */
  requestIrq(handler: () => void): void;
  freeIrq(): void;
  getClockrate(): number;
}

export interface IpackDriver {
  readonly name: string;
  readonly idTable: readonly IpackIdTableEntry[];
  probe(dev: IpackDevice): boolean;
}

export const IPACK_ANY_FORMAT = 0xff;
export const IPACK_ANY_ID = 0xffffffff;

/** §2.5: each field equal or wildcard; first entry that matches wins. */
export function ipackMatch(table: readonly IpackIdTableEntry[], dev: IpackDevice): boolean {
  return table.some(
    (e) =>
      (e.format === IPACK_ANY_FORMAT || e.format === dev.format) &&
      (e.vendor === IPACK_ANY_ID || e.vendor === dev.vendor) &&
      (e.device === IPACK_ANY_ID || e.device === dev.device),
  );
}

/** §2.4 format-1 CRC: CRC-16/0x1021 MSB first, init 0xFFFF, complemented, over bytes with byte 11 as 0. */
export function ipackCrc1(bytes: readonly number[]): number {
  let crc = 0xffff;
  bytes.forEach((b, i) => {
    crc ^= (i === 11 ? 0 : b & 0xff) << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  });
  return ~crc & 0xff;
}

const hex = (n: number, w = 2) => `0x${n.toString(16).padStart(w, '0')}`;

export interface Tpci200Snapshot {
  v: 1;
  spurious: number;
}

export class Tpci200Driver {
  readonly name = 'tpci200';
  /** BAR2 (carrier registers), mapped at probe as Linux's tpci200 does (BAR0 too, for probe only). */
  private regs: MappedMmio | null = null;
  private bar3 = 0;
  private bar4 = 0;
  private bar5 = 0;
  private irq = -1;
  private devName = '';
  readonly slotHandlers: ((() => void) | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly ipackDevices: IpackDevice[] = [];
  /** Interrupts that showed no slot bit (the kernel's "nobody cared" would count these). */
  spurious = 0;
  private readonly isr = () => this.handleIrq();

  constructor(
    private readonly kernel: GuestKernel,
    private readonly moduleDrivers: readonly IpackDriver[],
    private readonly busNr = 0,
  ) {}

  private get p(): Platform {
    return this.kernel.platform;
  }

  matches(d: GuestPciDev): boolean {
    return (
      d.vendorId === TPCI200_IDS.vendorId &&
      d.deviceId === TPCI200_IDS.deviceId &&
      d.subsystemVendorId === TPCI200_IDS.subsystemVendorId &&
      d.subsystemId === TPCI200_IDS.subsystemId
    );
  }

  /** tpci200_pci_probe, in the order of §1.7. */
  probe(d: GuestPciDev): boolean {
    const [b0, , b2, b3, b4, b5] = d.bars;
    this.devName = pciName(d);
    if (!b0 || !b2 || !b3 || !b4 || !b5) {
      this.kernel.devPrintk('tpci200', this.devName, 'missing BAR, not binding');
      return false;
    }
    enableDevice(this.p, d);
    const lcr = ioremap(this.p, b0.base, b0.size);
    this.regs = ioremap(this.p, b2.base, b2.size);
    this.bar3 = b3.base;
    this.bar4 = b4.base;
    this.bar5 = b5.base;
    // LAS1 and LAS2 big-endian: PCI byte offset = IP byte address.
    for (const off of [PLX_LAS1BRD, PLX_LAS2BRD]) {
      const brd = lcr.read(off, 4) >>> 0;
      lcr.write(off, (brd | PLX_BIG_ENDIAN) >>> 0, 4);
    }
    for (let s = 0; s < TPCI200_NB_SLOT; s++) this.carrier.write(this.control(s), 0, 2);
    this.irq = d.interruptLine;
    this.kernel.requestIrq(this.irq, this.isr);
    d.driver = 'tpci200';
    this.kernel.devPrintk('tpci200', this.devName, `Carrier installed, IRQ ${this.irq}`);
    for (let s = 0; s < TPCI200_NB_SLOT; s++) this.initSlot(s);
    return true;
  }

  /** BAR2 as mapped at probe (the driver touches it only once bound). */
  private get carrier(): MappedMmio {
    return this.regs as MappedMmio;
  }

  /** Offset of a slot's IP_x_CONTROL register in BAR2. */
  private control(slot: number): number {
    return TPCI200_CONTROL_A + 2 * slot;
  }

  private rmwControl(slot: number, set: number, clear: number): void {
    const v = this.carrier.read(this.control(slot), 2);
    this.carrier.write(this.control(slot), ((v & ~clear) | set) & 0xffff, 2);
  }

  /** ipack_device_init + ipack_device_add for one slot. */
  private initSlot(slot: number): void {
    const devName = `ipack-dev.${this.busNr}.${slot}`;
    this.rmwControl(slot, 0, CTRL_CLK32);
    this.carrier.write(TPCI200_STATUS, 0x1000 << slot, 2);
    const idBase = this.bar3 + 0x100 * slot + 0x80;
    const r8 = (off: number) => this.p.mmioRead(idBase + off, 1);
    const ipac = [0x49, 0x50, 0x41];
    let format = 0;
    if (r8(1) === ipac[0] && r8(3) === ipac[1] && r8(5) === ipac[2]) {
      const c = r8(7);
      if (c === 0x43 || c === 0x48) format = 1;
    }
    if (format === 0) {
      // "VITA4 " as seen bytewise through a big-endian LAS: I V A T ' ' 4.
      const vita = [0x49, 0x56, 0x41, 0x54, 0x20, 0x34];
      let ok = true;
      for (let i = 0; i < vita.length && ok; i++) ok = r8(i) === vita[i];
      if (ok) {
        this.kernel.printk(`ipack ${devName}: VITA4 ID format not supported by this guest`);
        return;
      }
      this.kernel.printk(`ipack ${devName}: error reading device id section`);
      return;
    }
    let length = r8(0x15);
    if (length < 0x0c || length > 0x40) {
      this.kernel.printk(`ipack ${devName}: invalid id size ${length}`);
      length = 0x0c;
    }
    const idBytes: number[] = [];
    for (let k = 0; k < length; k++) idBytes.push(r8(2 * k + 1));
    const crc = ipackCrc1(idBytes);
    const crcOk = crc === idBytes[11];
    if (!crcOk)
      this.kernel.printk(
        `ipack ${devName}: ID CRC invalid found ${hex(idBytes[11])} vs calculated ${hex(crc)}`,
      );
    // Linux tests the reserved byte 7 for 'H' (ipack.md §2.4 item 5): kept as Linux does it.
    if (idBytes[7] === 0x48) this.rmwControl(slot, CTRL_CLK32, 0);
    const dev: IpackDevice = {
      busNr: this.busNr,
      slot,
      format,
      vendor: idBytes[4],
      device: idBytes[5],
      idBytes,
      crcOk,
      io: { base: this.bar3 + 0x100 * slot, size: 0x80 },
      id: { base: idBase, size: 0x40 },
      int: { base: this.bar3 + 0x100 * slot + 0xc0, size: 0x40 },
      mem8: { base: this.bar5 + 0x40_0000 * slot, size: 0x40_0000 },
      mem16: { base: this.bar4 + 0x80_0000 * slot, size: 0x80_0000 },
      requestIrq: (h) => {
        this.slotHandlers[slot] = h;
        this.rmwControl(slot, CTRL_INT_EN, 0);
      },
      freeIrq: () => {
        this.rmwControl(slot, 0, CTRL_INT_EN);
        this.slotHandlers[slot] = undefined;
      },
      getClockrate: () => (this.carrier.read(this.control(slot), 2) & CTRL_CLK32 ? 32 : 8),
    };
    this.ipackDevices.push(dev);
    this.kernel.printk(
      `ipack ${devName}: fmt=${hex(format, 1)} vendor=${hex(dev.vendor)} device=${hex(dev.device)}`,
    );
    for (const drv of this.moduleDrivers) {
      if (ipackMatch(drv.idTable, dev) && drv.probe(dev)) break;
    }
  }

  /** tpci200_interrupt: read STATUS, dispatch each pending slot, disable orphans. */
  handleIrq(): boolean {
    const status = this.carrier.read(TPCI200_STATUS, 2);
    if ((status & 0xff) === 0) {
      this.spurious++;
      return false;
    }
    for (let s = 0; s < TPCI200_NB_SLOT; s++) {
      if (!(status & (3 << (2 * s)))) continue;
      const h = this.slotHandlers[s];
      if (h) h();
      else {
        this.rmwControl(s, 0, CTRL_INT_EN);
        this.kernel.devPrintk('tpci200', this.devName, `No registered ISR for slot [${this.busNr}:${s}]!`);
      }
    }
    return true;
  }

  /** The MEM16 window base (kept for module drivers that would want it). */
  get mem16Base(): number {
    return this.bar4;
  }

  snapshot(): Tpci200Snapshot {
    return { v: 1, spurious: this.spurious };
  }

  restore(s: Tpci200Snapshot): void {
    if (s?.v !== 1 || !Number.isInteger(s.spurious)) throw new Error('tpci200 driver snapshot: bad data');
    this.spurious = s.spurious;
  }
}
