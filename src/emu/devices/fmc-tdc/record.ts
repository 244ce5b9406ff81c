// The 16-byte FMC TDC timestamp record and its arithmetic, spec tdc.md §2.10 (format, ps
// conversion) and §2.11 (offset addition with carries, tdc_ts_addsub).
//
// Interface: encodeRecord(ts, channel, seq) → four little-endian words; decodeRecord(words);
// addOffset(ts, offset); offsetFromPs(ps) (how the driver splits a signed ps offset into
// OFFSET1..3); recordPs (word 1/2 → ps within the second, as the library computes it).

import {
  TDC_COARSE_PER_SECOND,
  TDC_FRAC_MASK,
  TDC_META_CHANNEL_MASK,
  TDC_META_SEQ_SHIFT,
  TDC_META_SLOPE,
  TDC_RAW_BINS_MASK,
  TDC_RAW_BINS_SHIFT,
  TDC_SEQ_MODULO,
  tdcRecordPs,
} from '../../hw/spec-tdc-regs';
import type { TdcTimestamp } from './acam';

export type RecordWords = [number, number, number, number];

export interface DecodedRecord {
  seconds: number;
  coarse: number;
  frac: number;
  bins: number;
  channel: number;
  rising: boolean;
  seq: number;
  /** ps within the second. */
  ps: number;
}

/** Words of one record; seq is reduced to its 28 exported bits. */
export function encodeRecord(ts: TdcTimestamp, channel: number, seq: number, rising = true): RecordWords {
  const w = new Uint32Array(4);
  encodeRecordInto(ts, channel, seq, rising, w);
  return [w[0], w[1], w[2], w[3]];
}

/** encodeRecord() into out[0..3] (no allocation: the per-edge path). */
export function encodeRecordInto(
  ts: TdcTimestamp,
  channel: number,
  seq: number,
  rising: boolean,
  out: Uint32Array,
): void {
  out[0] = ts.seconds >>> 0;
  out[1] = ts.coarse >>> 0;
  out[2] = ((ts.frac & TDC_FRAC_MASK) | ((ts.bins & TDC_RAW_BINS_MASK) << TDC_RAW_BINS_SHIFT)) >>> 0;
  out[3] =
    ((channel & TDC_META_CHANNEL_MASK) |
      (rising ? TDC_META_SLOPE : 0) |
      ((seq % TDC_SEQ_MODULO) << TDC_META_SEQ_SHIFT)) >>>
    0;
}

export function decodeRecord(w: readonly number[]): DecodedRecord {
  const frac = w[2] & TDC_FRAC_MASK;
  return {
    seconds: w[0] >>> 0,
    coarse: w[1] >>> 0,
    frac,
    bins: (w[2] >>> TDC_RAW_BINS_SHIFT) & TDC_RAW_BINS_MASK,
    channel: w[3] & TDC_META_CHANNEL_MASK,
    rising: (w[3] & TDC_META_SLOPE) !== 0,
    seq: w[3] >>> TDC_META_SEQ_SHIFT,
    ps: tdcRecordPs(w[1] >>> 0, frac),
  };
}

export interface TdcOffset {
  /** Signed seconds as a 32-bit word (0xFFFFFFFF = −1). */
  seconds: number;
  coarse: number;
  frac: number;
}

/** ts + offset with frac → coarse → seconds carries; seconds wrap modulo 2^32. */
export function addOffset(ts: TdcTimestamp, off: TdcOffset): TdcTimestamp {
  return addOffsetInto(ts, off, { seconds: 0, coarse: 0, frac: 0, bins: 0 });
}

/** addOffset() into out (may be ts itself). */
export function addOffsetInto(ts: TdcTimestamp, off: TdcOffset, out: TdcTimestamp): TdcTimestamp {
  let frac = ts.frac + (off.frac & TDC_FRAC_MASK);
  let carry = 0;
  if (frac >= 4096) {
    frac -= 4096;
    carry = 1;
  }
  let coarse = ts.coarse + off.coarse + carry;
  let seconds = ts.seconds + off.seconds;
  while (coarse >= TDC_COARSE_PER_SECOND) {
    coarse -= TDC_COARSE_PER_SECOND;
    seconds++;
  }
  out.seconds = seconds >>> 0;
  out.coarse = coarse;
  out.frac = frac;
  out.bins = ts.bins;
  return out;
}

/**
 * Splits a signed offset in ps into OFFSET1..3 as the v8 driver does (§2.11): |ps| into 8 ns ticks
 * and 1/4096 fractions, negated from zero when negative.
 */
export function offsetFromPs(ps: number): TdcOffset {
  const mag = Math.abs(Math.trunc(ps));
  const seconds = Math.floor(mag / 1e12);
  const rem = mag - seconds * 1e12;
  const coarse = Math.floor(rem / 8000);
  const frac = Math.floor(((rem - coarse * 8000) * 4096) / 8000);
  if (ps >= 0) return { seconds, coarse, frac };
  // 0 − (seconds, coarse, frac) with borrows.
  let f = -frac;
  let c = -coarse;
  let s = -seconds;
  if (f < 0) {
    f += 4096;
    c -= 1;
  }
  if (c < 0) {
    c += TDC_COARSE_PER_SECOND;
    s -= 1;
  }
  return { seconds: s >>> 0, coarse: c, frac: f };
}
