// SPEC carrier DDR3 (256 MiB), spec tdc.md §1.10: a sparse byte store of 64 KiB pages allocated
// on first write; unwritten bytes read 0. Addresses wrap at the DDR size (the Wishbone port
// ignores the upper bits). Written by the TDC buffer controllers, read/written by the GN4124 DMA.
//
// Interface: read8/write8, read32/write32 (little-endian), readBytes/writeBytes, snapshot/restore;
// writeRecord (the TDC's 16-byte records, through a word view of the page); beforeAccess, a hook
// run before every read and bulk write from outside, so the TDC's lazily computed records are in
// place before anyone looks (fmc-tdc.ts sync()).

import { check } from '../../core/snapshot';
import { SPEC_DDR_SIZE } from '../../hw/spec-tdc-regs';

const PAGE_BITS = 16;
const PAGE_BYTES = 1 << PAGE_BITS;
const ZERO_PAGE = new Uint8Array(PAGE_BYTES);
/** Typed-array words are host-endian; the word fast path is used on little-endian hosts only. */
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface DdrSnapshot {
  v: 1;
  size: number;
  /** page index → base64 of PAGE_BYTES bytes (all-zero pages left out). */
  pages: Record<string, string>;
}

export class SparseDdr {
  private readonly pages = new Map<number, Uint8Array>();
  private readonly mask: number;
  /** Word views of pages written by writeRecord, and the last one used (index −1 = none). */
  private readonly wordViews = new Map<number, Uint32Array>();
  private lastWordsIndex = -1;
  private lastWords: Uint32Array = new Uint32Array(0);
  /** Called before every read and bulk write from outside the TDC (which first brings its lazily computed records up to date). */
  beforeAccess: () => void = () => {};
  /**
   * Called before a bulk read of [addr, addr + length) (readRuns, readBytes): by default
   * beforeAccess; the TDC skips bringing its records up to date when none can land there.
   */
  beforeRead: (addr: number, length: number) => void = () => this.beforeAccess();

  constructor(readonly size = SPEC_DDR_SIZE) {
    check(size >= PAGE_BYTES && (size & (size - 1)) === 0, 'ddr size must be a power of two ≥ 64 KiB');
    this.mask = size - 1;
  }

  /** Number of pages holding memory (for the UI and tests). */
  get allocatedPages(): number {
    return this.pages.size;
  }

  read8(addr: number): number {
    this.beforeAccess();
    const a = (addr >>> 0) & this.mask;
    const page = this.pages.get(a >>> PAGE_BITS);
    return page ? page[a & (PAGE_BYTES - 1)] : 0;
  }

  write8(addr: number, value: number): void {
    const a = (addr >>> 0) & this.mask;
    let page = this.pages.get(a >>> PAGE_BITS);
    if (!page) {
      if ((value & 0xff) === 0) return;
      page = new Uint8Array(PAGE_BYTES);
      this.pages.set(a >>> PAGE_BITS, page);
    }
    page[a & (PAGE_BYTES - 1)] = value & 0xff;
  }

  read32(addr: number): number {
    this.beforeAccess();
    const a = (addr >>> 0) & this.mask;
    const off = a & (PAGE_BYTES - 1);
    if (off > PAGE_BYTES - 4) {
      return (
        (this.read8(a) | (this.read8(a + 1) << 8) | (this.read8(a + 2) << 16) | (this.read8(a + 3) << 24)) >>>
        0
      );
    }
    const page = this.pages.get(a >>> PAGE_BITS);
    if (!page) return 0;
    return (page[off] | (page[off + 1] << 8) | (page[off + 2] << 16) | (page[off + 3] << 24)) >>> 0;
  }

  write32(addr: number, value: number): void {
    const a = (addr >>> 0) & this.mask;
    const off = a & (PAGE_BYTES - 1);
    const page = off <= PAGE_BYTES - 4 ? this.pageFor(a, value !== 0) : undefined;
    if (!page) {
      if (off > PAGE_BYTES - 4) for (let i = 0; i < 4; i++) this.write8(a + i, value >>> (8 * i));
      return;
    }
    page[off] = value & 0xff;
    page[off + 1] = (value >>> 8) & 0xff;
    page[off + 2] = (value >>> 16) & 0xff;
    page[off + 3] = (value >>> 24) & 0xff;
  }

  /** One 16-byte record of four little-endian words, src[at..at + 3] (the TDC buffer controllers). */
  writeRecord(addr: number, src: Uint32Array, at: number): void {
    const a = (addr >>> 0) & this.mask;
    const off = a & (PAGE_BYTES - 1);
    if (!HOST_LE || (off & 3) !== 0 || off > PAGE_BYTES - 16) {
      for (let i = 0; i < 4; i++) this.write32(a + 4 * i, src[at + i]);
      return;
    }
    const w = this.wordsFor(a, (src[at] | src[at + 1] | src[at + 2] | src[at + 3]) !== 0);
    if (!w) return;
    const i = off >>> 2;
    w[i] = src[at];
    w[i + 1] = src[at + 1];
    w[i + 2] = src[at + 2];
    w[i + 3] = src[at + 3];
  }

  /**
   * n consecutive records from addr, src[srcAt .. srcAt + 4n − 1]: the same bytes as n writeRecord()
   * calls, one page lookup per page (TDC bursts).
   */
  writeRecords(addr: number, src: Uint32Array, n: number, srcAt = 0): void {
    let i = 0;
    while (i < n) {
      const a = ((addr >>> 0) + 16 * i) & this.mask;
      const off = a & (PAGE_BYTES - 1);
      const fit = Math.min(n - i, (PAGE_BYTES - off) >>> 4);
      if (!HOST_LE || (off & 3) !== 0 || fit === 0) {
        this.writeRecord(a, src, srcAt + 4 * i);
        i++;
        continue;
      }
      const from = srcAt + 4 * i;
      const to = from + 4 * fit;
      const w = this.wordsFor(a, false) ?? (anyNonZero(src, from, to) ? this.wordsFor(a, true) : undefined);
      // A word loop for a record or two; set() of a subarray (a view allocated) for longer runs.
      if (w) {
        if (fit >= 4) w.set(src.subarray(from, to), off >>> 2);
        else for (let k = from, o = off >>> 2; k < to; k++, o++) w[o] = src[k];
      }
      i += fit;
    }
  }

  /** The word view of the page holding a (masked) address; the page is allocated when create is true. */
  private wordsFor(a: number, create: boolean): Uint32Array | undefined {
    const index = a >>> PAGE_BITS;
    if (index === this.lastWordsIndex) return this.lastWords;
    let words = this.wordViews.get(index);
    if (!words) {
      const page = this.pageFor(a, create);
      if (!page) return undefined;
      words = new Uint32Array(page.buffer, page.byteOffset, PAGE_BYTES >>> 2);
      this.wordViews.set(index, words);
    }
    this.lastWords = words;
    this.lastWordsIndex = index;
    return words;
  }

  /** The page holding a (masked) address; allocated when create is true. */
  private pageFor(a: number, create: boolean): Uint8Array | undefined {
    let page = this.pages.get(a >>> PAGE_BITS);
    if (!page && create) {
      page = new Uint8Array(PAGE_BYTES);
      this.pages.set(a >>> PAGE_BITS, page);
    }
    return page;
  }

  readBytes(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readRuns(addr, length, (run, at) => out.set(run, at));
    return out;
  }

  /**
   * [addr, addr + length) as runs within pages, in order, without a copy: visit(run, offset from
   * addr). Unwritten pages come as zeros. The runs are views of the store: read them, keep none.
   */
  readRuns(addr: number, length: number, visit: (run: Uint8Array, at: number) => void): void {
    this.beforeRead(addr, length);
    let done = 0;
    while (done < length) {
      const a = ((addr >>> 0) + done) & this.mask;
      const off = a & (PAGE_BYTES - 1);
      const n = Math.min(length - done, PAGE_BYTES - off);
      const page = this.pages.get(a >>> PAGE_BITS) ?? ZERO_PAGE;
      visit(page.subarray(off, off + n), done);
      done += n;
    }
  }

  writeBytes(addr: number, data: Uint8Array): void {
    this.beforeAccess();
    let done = 0;
    while (done < data.length) {
      const a = ((addr >>> 0) + done) & this.mask;
      const off = a & (PAGE_BYTES - 1);
      const n = Math.min(data.length - done, PAGE_BYTES - off);
      const chunk = data.subarray(done, done + n);
      const page = this.pageFor(
        a,
        chunk.some((b) => b !== 0),
      );
      if (page) page.set(chunk, off);
      done += n;
    }
  }

  clear(): void {
    this.pages.clear();
    this.wordViews.clear();
    this.lastWordsIndex = -1;
  }

  snapshot(): DdrSnapshot {
    this.beforeAccess();
    const pages: Record<string, string> = {};
    for (const [index, page] of [...this.pages.entries()].sort((a, b) => a[0] - b[0])) {
      if (page.some((b) => b !== 0)) pages[String(index)] = toBase64(page);
    }
    return { v: 1, size: this.size, pages };
  }

  restore(s: DdrSnapshot): void {
    check(s?.v === 1 && s.size === this.size && typeof s.pages === 'object', 'ddr: bad snapshot');
    const decoded = new Map<number, Uint8Array>();
    for (const [key, text] of Object.entries(s.pages)) {
      const index = Number(key);
      check(Number.isInteger(index) && index >= 0 && index < this.size / PAGE_BYTES, 'ddr: bad page index');
      const bytes = fromBase64(text);
      check(bytes.length === PAGE_BYTES, 'ddr: bad page length');
      decoded.set(index, bytes);
    }
    this.pages.clear();
    this.wordViews.clear();
    this.lastWordsIndex = -1;
    for (const [k, v] of decoded) this.pages.set(k, v);
  }
}

function anyNonZero(words: Uint32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (words[i] !== 0) return true;
  return false;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 without padding tricks beyond '=' (no btoa in src/emu). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >>> 18) & 63] + B64[(n >>> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >>> 6) & 63] : '=';
    out += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return out;
}

export function fromBase64(text: string): Uint8Array {
  check(typeof text === 'string' && text.length % 4 === 0, 'base64: bad length');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text[i + j];
      const v = c === '=' ? 0 : B64.indexOf(c);
      check(v >= 0, 'base64: bad character');
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >>> 16) & 0xff;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}
