// Guest PCI enumeration of bus 0 as Linux's PCI core does it: probe every device/function's
// vendor ID (0xFFFF = empty), read identity and class, size each BAR (save, write all ones,
// read the mask, restore) with decode off, record the interrupt line that firmware assigned.
// BAR addresses are the firmware's; the guest never moves them. Interface: Platform config cycles.
import type { Platform } from '../bus/types';

export const PCI_VENDOR_ID = 0x00;
export const PCI_COMMAND = 0x04;
export const PCI_CLASS_REVISION = 0x08;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYSTEM = 0x2c;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;

export interface GuestBar {
  kind: 'mem' | 'io';
  /** Bus address the firmware assigned. */
  base: number;
  size: number;
}

export interface GuestPciDev {
  bus: number;
  device: number;
  fn: number;
  vendorId: number;
  deviceId: number;
  subsystemVendorId: number;
  subsystemId: number;
  classCode: number;
  revision: number;
  interruptPin: number;
  interruptLine: number;
  bars: (GuestBar | undefined)[];
  /** Name of the bound driver, once a driver claimed it. */
  driver?: string;
}

/** "0000:00:02.0" */
export function pciName(d: Pick<GuestPciDev, 'bus' | 'device' | 'fn'>): string {
  const h2 = (n: number) => n.toString(16).padStart(2, '0');
  return `0000:${h2(d.bus)}:${h2(d.device)}.${d.fn}`;
}

function sizeBar(p: Platform, dev: number, fn: number, index: number): { bar?: GuestBar; skip: boolean } {
  const off = PCI_BAR0 + 4 * index;
  const orig = p.configRead(0, dev, fn, off, 4) >>> 0;
  p.configWrite(0, dev, fn, off, 0xffffffff, 4);
  const mask = p.configRead(0, dev, fn, off, 4) >>> 0;
  p.configWrite(0, dev, fn, off, orig, 4);
  if (mask === 0 || mask === 0xffffffff) return { skip: false };
  if (orig & 1) {
    const size = (~(mask & 0xfffffffc) + 1) & 0xffff;
    return { bar: { kind: 'io', base: orig & 0xfffffffc, size }, skip: false };
  }
  const is64 = ((orig >> 1) & 3) === 2;
  const size = (~(mask & 0xfffffff0) + 1) >>> 0;
  return { bar: { kind: 'mem', base: (orig & 0xfffffff0) >>> 0, size }, skip: is64 };
}

/** Enumerates bus 0; decode is switched off while BARs are sized and restored afterwards. */
export function enumeratePci(p: Platform): GuestPciDev[] {
  const found: GuestPciDev[] = [];
  for (let dev = 0; dev < 32; dev++) {
    for (let fn = 0; fn < 8; fn++) {
      const ids = p.configRead(0, dev, fn, PCI_VENDOR_ID, 4) >>> 0;
      if ((ids & 0xffff) === 0xffff) {
        if (fn === 0) break;
        continue;
      }
      const header = p.configRead(0, dev, fn, PCI_HEADER_TYPE, 1);
      const classRev = p.configRead(0, dev, fn, PCI_CLASS_REVISION, 4) >>> 0;
      const subsys = p.configRead(0, dev, fn, PCI_SUBSYSTEM, 4) >>> 0;
      const irq = p.configRead(0, dev, fn, PCI_INTERRUPT_LINE, 2);
      const bars: (GuestBar | undefined)[] = [
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      ];
      if ((header & 0x7f) === 0) {
        const command = p.configRead(0, dev, fn, PCI_COMMAND, 2);
        p.configWrite(0, dev, fn, PCI_COMMAND, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY), 2);
        for (let i = 0; i < 6; i++) {
          const r = sizeBar(p, dev, fn, i);
          bars[i] = r.bar;
          if (r.skip) i++;
        }
        p.configWrite(0, dev, fn, PCI_COMMAND, command, 2);
      }
      found.push({
        bus: 0,
        device: dev,
        fn,
        vendorId: ids & 0xffff,
        deviceId: ids >>> 16,
        subsystemVendorId: subsys & 0xffff,
        subsystemId: subsys >>> 16,
        classCode: classRev >>> 8,
        revision: classRev & 0xff,
        interruptLine: irq & 0xff,
        interruptPin: (irq >> 8) & 0xff,
        bars,
      });
      if (fn === 0 && !(header & 0x80)) break;
    }
  }
  return found;
}

/** pci_enable_device: turn on the decode the BARs need (read-modify-write of COMMAND). */
export function enableDevice(p: Platform, d: GuestPciDev): void {
  const command = p.configRead(d.bus, d.device, d.fn, PCI_COMMAND, 2);
  let want = command;
  if (d.bars.some((b) => b?.kind === 'mem')) want |= PCI_COMMAND_MEMORY;
  if (d.bars.some((b) => b?.kind === 'io')) want |= PCI_COMMAND_IO;
  if (want !== command) p.configWrite(d.bus, d.device, d.fn, PCI_COMMAND, want, 2);
}

/** lspci-like lines: "00:02.0 0680: 1498:30c8 (rev 00) [tpci200] irq 11". */
export function lspci(devs: readonly GuestPciDev[]): string[] {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return devs.map((d) => {
    const drv = d.driver ? ` driver ${d.driver}` : '';
    return `${pciName(d).slice(5)} ${h(d.classCode >> 8, 4)}: ${h(d.vendorId, 4)}:${h(d.deviceId, 4)} (rev ${h(d.revision, 2)}) subsystem ${h(d.subsystemVendorId, 4)}:${h(d.subsystemId, 4)} irq ${d.interruptLine}${drv}`;
  });
}
