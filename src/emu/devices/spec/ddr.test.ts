import { describe, expect, it } from 'vitest';
import { fromBase64, SparseDdr, toBase64 } from './ddr';

describe('sparse carrier DDR (§1.10)', () => {
  it('reads 0 where nothing was written and allocates pages only on non-zero writes', () => {
    const ddr = new SparseDdr();
    expect(ddr.read32(0x0abc_def0)).toBe(0);
    ddr.write32(0x0abc_def0, 0);
    expect(ddr.allocatedPages).toBe(0);
    ddr.write32(0x0abc_def0, 0xdeadbeef);
    expect(ddr.read32(0x0abc_def0)).toBe(0xdeadbeef);
    expect(ddr.read8(0x0abc_def0)).toBe(0xef);
    expect(ddr.allocatedPages).toBe(1);
  });

  it('wraps addresses at the DDR size', () => {
    const ddr = new SparseDdr(1 << 20);
    ddr.write32((1 << 20) + 8, 0x1234);
    expect(ddr.read32(8)).toBe(0x1234);
  });

  it('snapshots and restores exactly, and rejects a bad snapshot without changing state', () => {
    const ddr = new SparseDdr(1 << 20);
    ddr.writeBytes(0xfffe, Uint8Array.from([1, 2, 3, 4]));
    const snap = ddr.snapshot();
    const other = new SparseDdr(1 << 20);
    other.restore(snap);
    expect(Array.from(other.readBytes(0xfffe, 4))).toEqual([1, 2, 3, 4]);
    expect(() => other.restore({ ...snap, pages: { 0: 'AAA=' } })).toThrow();
    expect(other.read8(0x10001)).toBe(4);
  });

  it('base64 round-trips any length', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);
      expect(Array.from(fromBase64(toBase64(bytes)))).toEqual(Array.from(bytes));
    }
  });
});
