import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tdcRecordPs } from '../../hw/spec-tdc-regs';
import { addOffset, decodeRecord, encodeRecord, offsetFromPs } from './record';

describe('TDC record encoding (§2.10)', () => {
  it('encodes the three records of the §5(c) example word for word', () => {
    expect(encodeRecord({ seconds: 1234, coarse: 12_500, frac: 512, bins: 0 }, 0, 0)).toEqual([
      0x4d2, 0x30d4, 0x200, 0x08,
    ]);
    expect(encodeRecord({ seconds: 1234, coarse: 25_000, frac: 1280, bins: 0 }, 0, 1)).toEqual([
      0x4d2, 0x61a8, 0x500, 0x18,
    ]);
    expect(encodeRecord({ seconds: 1234, coarse: 37_562, frac: 2048, bins: 0 }, 0, 2)).toEqual([
      0x4d2, 0x92ba, 0x800, 0x28,
    ]);
  });

  it('converts to ps as the library does: coarse × 8000 + ⌊frac × 125 / 64⌋', () => {
    expect(tdcRecordPs(12_500, 512)).toBe(100_001_000);
    expect(tdcRecordPs(25_000, 1280)).toBe(200_002_500);
    expect(tdcRecordPs(37_562, 2048)).toBe(300_500_000);
    expect(tdcRecordPs(0, 1)).toBe(1); // 1.953125 truncated
    expect(tdcRecordPs(0, 4095)).toBe(7998);
    expect(tdcRecordPs(124_999_999, 4095)).toBe(999_999_999_998);
  });

  it('puts raw bins in word 2 bits 24:12 and readers get frac back by masking 0xFFF', () => {
    const w = encodeRecord({ seconds: 1, coarse: 2, frac: 0xabc, bins: 0x1234 }, 4, 7);
    expect(w[2]).toBe(0xabc | (0x1234 << 12));
    const d = decodeRecord(w);
    expect(d).toMatchObject({ frac: 0xabc, bins: 0x1234, channel: 4, rising: true, seq: 7 });
  });

  it('wraps the exported sequence number at 2^28 (B7)', () => {
    expect(decodeRecord(encodeRecord({ seconds: 0, coarse: 0, frac: 0, bins: 0 }, 1, 0x0fffffff)).seq).toBe(
      0x0fffffff,
    );
    expect(decodeRecord(encodeRecord({ seconds: 0, coarse: 0, frac: 0, bins: 0 }, 1, 0x10000000)).seq).toBe(
      0,
    );
  });

  it('round-trips any field values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 124_999_999 }),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 0x0fffffff }),
        (seconds, coarse, frac, ch, seq) => {
          const d = decodeRecord(encodeRecord({ seconds, coarse, frac, bins: 0 }, ch, seq));
          expect([d.seconds, d.coarse, d.frac, d.channel, d.seq]).toEqual([seconds, coarse, frac, ch, seq]);
        },
      ),
    );
  });
});

describe('offsets (§2.11)', () => {
  it('splits −229,460 ps into 0xFFFFFFFF / 124,999,971 / 1301 as the driver does', () => {
    expect(offsetFromPs(-229_460)).toEqual({ seconds: 0xffffffff, coarse: 124_999_971, frac: 1301 });
    expect(offsetFromPs(229_460)).toEqual({ seconds: 0, coarse: 28, frac: 2795 });
  });

  it('adds with frac → coarse → seconds carries and wraps seconds modulo 2^32', () => {
    const ts = { seconds: 10, coarse: 124_999_999, frac: 4000, bins: 0 };
    expect(addOffset(ts, { seconds: 0, coarse: 0, frac: 100 })).toEqual({
      seconds: 11,
      coarse: 0,
      frac: 4,
      bins: 0,
    });
    const back = addOffset({ seconds: 10, coarse: 100, frac: 0, bins: 0 }, offsetFromPs(-229_460));
    expect(back.seconds).toBe(10);
    // |offset| is truncated to 1/4096 units before negation, so the result is 1 ps late.
    expect(tdcRecordPs(back.coarse, back.frac)).toBe(100 * 8000 - 229_460 + 1);
  });
});
