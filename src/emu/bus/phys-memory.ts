// Guest physical RAM: a Uint8Array, little-endian multi-byte access, and a tiny bump allocator
// for guest buffers (aligned, zeroed, never freed). Out-of-range accesses throw a RangeError:
// a device DMA or a guest pointer outside RAM is a bug worth seeing, not silence.
//
// Interface: PhysMemory (bus/types.ts) plus read16/write16, snapshot()/restore().

import { check } from '../core/snapshot';
import type { PhysMemory } from './types';

const PAGE_BYTES = 4096;

export interface PhysMemorySnapshot {
  v: 1;
  size: number;
  nextFree: number;
  /** Only pages holding a non-zero byte: page index → hex string of PAGE_BYTES bytes. */
  pages: Record<string, string>;
}

export class RamMemory implements PhysMemory {
  readonly bytes: Uint8Array;
  private nextFree: number;

  readonly allocBase: number;

  /**
   * allocBase: where alloc() starts (the low area is left to the guest's fixed use); by default
   * 1 MiB, or a quarter of a smaller RAM (page aligned).
   */
  constructor(
    readonly size: number,
    allocBase?: number,
  ) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`ram: bad size ${size}`);
    this.bytes = new Uint8Array(size);
    this.allocBase = Math.min(
      allocBase ?? Math.min(0x10_0000, Math.floor(size / 4 / PAGE_BYTES) * PAGE_BYTES),
      size,
    );
    this.nextFree = this.allocBase;
  }

  private checkRange(addr: number, length: number): void {
    if (!Number.isInteger(addr) || addr < 0 || length < 0 || addr + length > this.size)
      throw new RangeError(`ram: access 0x${addr.toString(16)}+${length} outside ${this.size} bytes`);
  }

  read8(addr: number): number {
    this.checkRange(addr, 1);
    return this.bytes[addr];
  }

  write8(addr: number, value: number): void {
    this.checkRange(addr, 1);
    this.bytes[addr] = value & 0xff;
  }

  read16(addr: number): number {
    this.checkRange(addr, 2);
    return this.bytes[addr] | (this.bytes[addr + 1] << 8);
  }

  write16(addr: number, value: number): void {
    this.checkRange(addr, 2);
    this.bytes[addr] = value & 0xff;
    this.bytes[addr + 1] = (value >>> 8) & 0xff;
  }

  read32(addr: number): number {
    this.checkRange(addr, 4);
    const b = this.bytes;
    return (b[addr] | (b[addr + 1] << 8) | (b[addr + 2] << 16) | (b[addr + 3] << 24)) >>> 0;
  }

  write32(addr: number, value: number): void {
    this.checkRange(addr, 4);
    const b = this.bytes;
    b[addr] = value & 0xff;
    b[addr + 1] = (value >>> 8) & 0xff;
    b[addr + 2] = (value >>> 16) & 0xff;
    b[addr + 3] = (value >>> 24) & 0xff;
  }

  readBytes(addr: number, length: number): Uint8Array {
    this.checkRange(addr, length);
    return this.bytes.slice(addr, addr + length);
  }

  writeBytes(addr: number, data: Uint8Array): void {
    this.checkRange(addr, data.length);
    this.bytes.set(data, addr);
  }

  alloc(length: number, align = 64): number {
    if (!Number.isInteger(length) || length <= 0) throw new RangeError(`ram: bad alloc length ${length}`);
    if (!Number.isInteger(align) || align <= 0 || (align & (align - 1)) !== 0)
      throw new RangeError(`ram: alignment ${align} is not a power of two`);
    const addr = Math.ceil(this.nextFree / align) * align;
    if (addr + length > this.size) throw new RangeError(`ram: out of memory allocating ${length} bytes`);
    this.nextFree = addr + length;
    this.bytes.fill(0, addr, addr + length);
    return addr;
  }

  /** Bytes still available to alloc() (ignoring alignment). */
  get freeBytes(): number {
    return this.size - this.nextFree;
  }

  snapshot(): PhysMemorySnapshot {
    const pages: Record<string, string> = {};
    for (let p = 0; p * PAGE_BYTES < this.size; p++) {
      const page = this.bytes.subarray(p * PAGE_BYTES, Math.min(this.size, (p + 1) * PAGE_BYTES));
      if (page.some((x) => x !== 0)) {
        let hex = '';
        for (const x of page) hex += x.toString(16).padStart(2, '0');
        pages[String(p)] = hex;
      }
    }
    return { v: 1, size: this.size, nextFree: this.nextFree, pages };
  }

  restore(s: PhysMemorySnapshot): void {
    check(s?.v === 1, 'ram: version');
    check(s.size === this.size, `ram: size ${s.size} differs from ${this.size}`);
    check(Number.isInteger(s.nextFree) && s.nextFree >= 0 && s.nextFree <= this.size, 'ram: nextFree');
    for (const [k, hex] of Object.entries(s.pages ?? {})) {
      const p = Number(k);
      check(Number.isInteger(p) && p >= 0 && p * PAGE_BYTES < this.size, `ram: bad page ${k}`);
      const len = Math.min(PAGE_BYTES, this.size - p * PAGE_BYTES);
      check(typeof hex === 'string' && hex.length === len * 2 && /^[0-9a-f]*$/.test(hex), `ram: page ${k}`);
    }
    this.bytes.fill(0);
    for (const [k, hex] of Object.entries(s.pages ?? {})) {
      const base = Number(k) * PAGE_BYTES;
      for (let i = 0; i < hex.length / 2; i++)
        this.bytes[base + i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    }
    this.nextFree = s.nextFree;
  }
}
