// Decoding of FMC-TDC timestamp records and encoding of channel offsets (tdc.md §2.10, §2.11).
// Pure arithmetic shared by the guest driver and its tests; no hardware access.
//
// Record (16 bytes, little-endian words): w0 seconds, w1 coarse (8 ns ticks), w2 & 0xFFF frac
// (1/4096 of 8 ns), w3 = sequence << 4 | slope << 3 | channel.

import {
  TDC_COARSE_PER_SECOND,
  TDC_COARSE_PS,
  TDC_FRAC_PER_COARSE,
  TDC_RECORD_BYTES,
  TDC_SEQ_MODULO,
  tdcRecordPs,
} from '../../hw/spec-tdc-regs';

export const RECORD_BYTES = TDC_RECORD_BYTES;
const COARSE_PER_SECOND = TDC_COARSE_PER_SECOND;
const PS_PER_COARSE = TDC_COARSE_PS;
export const SEQ_MASK = TDC_SEQ_MODULO - 1;

/** Picoseconds within the second: coarse × 8000 + frac × 125 / 64, truncated as the library does. */
export const psWithinSecond = tdcRecordPs;

export const recordSequence = (w3: number): number => (w3 >>> 4) & SEQ_MASK;
export const recordChannel = (w3: number): number => w3 & 7;
export const recordRising = (w3: number): boolean => (w3 & 8) !== 0;

/** Missing sequence numbers between the expected and the received one, modulo 2^28 (scenario B7). */
export function sequenceGap(expected: number, received: number): number {
  return (received - expected) & SEQ_MASK;
}

export interface OffsetWords {
  /** OFFSET1: seconds, signed 32-bit as an unsigned word. */
  seconds: number;
  /** OFFSET2: 8 ns ticks, 0 … 124,999,999. */
  coarse: number;
  /** OFFSET3: 1/4096 of 8 ns. */
  frac: number;
}

/**
 * Splits an offset in ps into OFFSET1..3 as the v8 driver does (tdc.md §2.11): |offset| into whole
 * 8 ns ticks and 1/4096 fractions (truncated), then subtracted from zero when negative, so
 * −229,460 ps gives (0xFFFFFFFF, 124,999,971, 1301).
 */
export function offsetToWords(offsetPs: number): OffsetWords {
  const magnitude = Math.abs(Math.trunc(offsetPs));
  const totalTicks = Math.floor(magnitude / PS_PER_COARSE);
  const remPs = magnitude - totalTicks * PS_PER_COARSE;
  let frac = Math.floor((remPs * TDC_FRAC_PER_COARSE) / PS_PER_COARSE);
  let coarse = totalTicks % COARSE_PER_SECOND;
  let seconds = Math.floor(totalTicks / COARSE_PER_SECOND);
  if (offsetPs >= 0) return { seconds: seconds >>> 0, coarse, frac };
  // 0 − (seconds, coarse, frac) with borrows.
  let borrow = 0;
  if (frac > 0) {
    frac = TDC_FRAC_PER_COARSE - frac;
    borrow = 1;
  }
  coarse = coarse + borrow;
  borrow = 0;
  if (coarse > 0) {
    coarse = COARSE_PER_SECOND - coarse;
    borrow = 1;
  }
  seconds = -(seconds + borrow);
  return { seconds: seconds >>> 0, coarse, frac };
}
