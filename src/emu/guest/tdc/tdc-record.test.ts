import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TDC_COARSE_PS, TDC_SEQ_MODULO } from '../../hw/spec-tdc-regs';
import {
  type DecodeState,
  decodeRecords,
  newDecodeState,
  offsetToWords,
  psWithinSecond,
  SEQ_MASK,
  sequenceGap,
} from './tdc-record';

describe('tdc-record', () => {
  it('decodeRecords spells the register file constants as literals: they must match', () => {
    expect(SEQ_MASK).toBe(0x0fffffff);
    expect(TDC_SEQ_MODULO / 2).toBe(0x08000000);
    expect(TDC_COARSE_PS).toBe(8000);
  });

  it('decodes the three records of the spec conversation (tdc.md §5(c))', () => {
    expect(psWithinSecond(12_500, 0x200)).toBe(100_001_000);
    expect(psWithinSecond(25_000, 0x500)).toBe(200_002_500);
    expect(psWithinSecond(37_562, 0x800)).toBe(300_500_000);
  });

  it('masks the raw ACAM bins out of word 2', () => {
    expect(psWithinSecond(1, 0x1234_5200)).toBe(psWithinSecond(1, 0x200));
  });

  it('splits −229,460 ps as the v8 driver does (tdc.md §2.11)', () => {
    expect(offsetToWords(-229_460)).toEqual({ seconds: 0xffffffff, coarse: 124_999_971, frac: 1301 });
  });

  it('splits positive offsets into ticks and fractions', () => {
    expect(offsetToWords(0)).toEqual({ seconds: 0, coarse: 0, frac: 0 });
    expect(offsetToWords(1_000_000_000_000 + 8000 + 1000)).toEqual({ seconds: 1, coarse: 1, frac: 512 });
  });

  it('an offset and its negation add up to zero with carries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), (ps) => {
        const p = offsetToWords(ps);
        const n = offsetToWords(-ps);
        let frac = p.frac + n.frac;
        let coarse = p.coarse + n.coarse + (frac >= 4096 ? 1 : 0);
        frac &= 0xfff;
        const carry = coarse >= 125_000_000 ? 1 : 0;
        coarse %= 125_000_000;
        expect([(p.seconds + n.seconds + carry) >>> 0, coarse, frac]).toEqual([0, 0, 0]);
      }),
    );
  });

  it('counts sequence gaps modulo 2^28 across the wrap (scenario B7)', () => {
    expect(sequenceGap(5, 5)).toBe(0);
    expect(sequenceGap(5, 8)).toBe(3);
    expect(sequenceGap(SEQ_MASK, 0)).toBe(1);
    expect(sequenceGap(SEQ_MASK - 1, 1)).toBe(3);
  });

  const fresh = (): DecodeState => ({ ...newDecodeState(), expectedSeq: 0 });
  const rec = (s: number, coarse: number, frac: number, seq: number, ch = 1) => [
    s,
    coarse,
    frac,
    (seq << 4) | 8 | ch,
  ];

  it('decodes a batch, counting gaps and dropping duplicates of the same channel', () => {
    const words = Uint32Array.from([
      ...rec(5, 100, 0x200, 0),
      ...rec(5, 100, 0x200, 1), // duplicate of the previous one (P6a)
      ...rec(5, 300, 0, 2, 3), // another channel: skipped
      ...rec(5, 400, 64, 5), // seq 2..4 missing (3 numbers, one gap)
    ]);
    const st = fresh();
    const s = new Float64Array(4);
    const ps = new Float64Array(4);
    expect(decodeRecords(words, 4, 1, st, true, s, ps)).toBe(2);
    expect([...s.slice(0, 2)]).toEqual([5, 5]);
    expect([...ps.slice(0, 2)]).toEqual([800_000 + 1000, 3_200_000 + 125]);
    expect(st).toMatchObject({ duplicates: 1, sequenceGaps: 3, gapEvents: 1, expectedSeq: 6 });
  });

  it('delivers duplicates when told not to drop them (v8 behaviour)', () => {
    const words = Uint32Array.from([...rec(1, 1, 1, 0), ...rec(1, 1, 1, 1)]);
    const st = fresh();
    expect(decodeRecords(words, 2, 1, st, false, new Float64Array(2), new Float64Array(2))).toBe(2);
    expect(st.duplicates).toBe(1);
  });

  it('takes a backward jump as a restart of the numbering, not as a loss', () => {
    const words = Uint32Array.from([
      ...rec(1, 1, 1, 100),
      ...rec(1, 2, 1, 101),
      ...rec(1, 3, 1, 0),
      ...rec(1, 4, 1, 1),
    ]);
    const st = newDecodeState();
    expect(decodeRecords(words, 4, 1, st, true, new Float64Array(4), new Float64Array(4))).toBe(4);
    expect(st).toMatchObject({ sequenceGaps: 0, gapEvents: 0, sequenceRestarts: 1, expectedSeq: 2 });
  });
});
