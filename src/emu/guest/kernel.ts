// The lab's tiny guest kernel core (the deterministic TypeScript guest, automation.md §3):
// a dmesg ring with Linux-style virtual timestamps, IRQ registration through the Platform,
// a /dev name registry and the uptime clock. Interface: Platform only (bus/types.ts).
import type { Platform } from '../bus/types';
import type { Tty } from './tty';

const DMESG_LINES = 512;

export interface KernelSnapshot {
  v: 1;
  dmesg: string[];
}

/** Formats virtual ns as Linux's printk time prefix, e.g. "[    0.012345]". */
export function printkTime(ns: number): string {
  const us = Math.floor(ns / 1000);
  const secs = Math.floor(us / 1_000_000);
  const frac = String(us % 1_000_000).padStart(6, '0');
  return `[${String(secs).padStart(5, ' ')}.${frac}]`;
}

export class GuestKernel {
  private log: string[] = [];
  private readonly devices = new Map<string, Tty>();

  constructor(readonly platform: Platform) {}

  /** Appends one kernel message, stamped with the current virtual time. */
  printk(message: string): void {
    this.log.push(`${printkTime(this.platform.nowNs())} ${message}`);
    if (this.log.length > DMESG_LINES) this.log.splice(0, this.log.length - DMESG_LINES);
  }

  /** dev_info style: "<driver> <device>: message". */
  devPrintk(driver: string, device: string, message: string): void {
    this.printk(`${driver} ${device}: ${message}`);
  }

  dmesg(): readonly string[] {
    return this.log;
  }

  uptimeNs(): number {
    return this.platform.nowNs();
  }

  requestIrq(irq: number, handler: () => void): void {
    this.platform.requestIrq(irq, handler);
  }

  freeIrq(irq: number, handler: () => void): void {
    this.platform.freeIrq(irq, handler);
  }

  /** Registers a character device under /dev/<name>. */
  registerDevice(name: string, tty: Tty): void {
    if (this.devices.has(name)) throw new Error(`kernel: /dev/${name} already exists`);
    this.devices.set(name, tty);
  }

  /** Looks up "/dev/name" or "name". */
  lookup(path: string): Tty | undefined {
    return this.devices.get(path.startsWith('/dev/') ? path.slice(5) : path);
  }

  deviceNames(): string[] {
    return [...this.devices.keys()].sort();
  }

  snapshot(): KernelSnapshot {
    return { v: 1, dmesg: [...this.log] };
  }

  restore(s: KernelSnapshot): void {
    if (s?.v !== 1 || !Array.isArray(s.dmesg) || !s.dmesg.every((l) => typeof l === 'string'))
      throw new Error('kernel snapshot: bad data');
    this.log = [...s.dmesg];
  }
}
