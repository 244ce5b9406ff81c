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

/** Per-channel decoder state: sequence tracking, the previous record (duplicates) and counters. */
export interface DecodeState {
  /** Next sequence number expected; -1 = none yet (after enable the first record sets it). */
  expectedSeq: number;
  hasLast: boolean;
  lastW0: number;
  lastW1: number;
  lastW2: number;
  duplicates: number;
  /** Missing sequence numbers, summed. */
  sequenceGaps: number;
  gapEvents: number;
  /** Backward jumps: the hardware restarted numbering (channel disabled and enabled again). */
  sequenceRestarts: number;
}

export function newDecodeState(): DecodeState {
  return {
    expectedSeq: -1,
    hasLast: false,
    lastW0: 0,
    lastW1: 0,
    lastW2: 0,
    duplicates: 0,
    sequenceGaps: 0,
    gapEvents: 0,
    sequenceRestarts: 0,
  };
}

/**
 * Decodes n records (4 little-endian words each) of channel ch into seconds and ps within the
 * second, in one pass: records of another channel are skipped, sequence gaps are counted modulo
 * 2^28 (a jump of more than 2^27 is a backward one: numbering restarted, not a loss), and a record equal in words 0–2 to the previous one (scenario P6a) is counted as a
 * duplicate and, with dropDuplicates, not delivered. The records start at word `at` of words.
 * Returns the number of timestamps written.
 */
export function decodeRecords(
  words: Uint32Array,
  n: number,
  ch: number,
  st: DecodeState,
  dropDuplicates: boolean,
  outSeconds: Float64Array,
  outPs: Float64Array,
  at = 0,
): number {
  let expected = st.expectedSeq;
  let hasLast = st.hasLast;
  let l0 = st.lastW0;
  let l1 = st.lastW1;
  let l2 = st.lastW2;
  let out = 0;
  let dup = 0;
  let gaps = 0;
  let gapEvents = 0;
  let restarts = 0;
  // One pass over the words, b stepping by a record, the record's constants as literals
  // (SEQ_MASK = 2^28 − 1, half the sequence space 2^27, PS_PER_COARSE = 8000: tdc-record.test.ts).
  const end = at + 4 * n;
  for (let b = at; b < end; b += 4) {
    const w3 = words[b + 3] | 0;
    if ((w3 & 7) !== ch) continue;
    const w0 = words[b];
    const w1 = words[b + 1];
    const w2 = words[b + 2] & 0xfff;
    const seq = (w3 >>> 4) & 0x0fffffff;
    if (seq !== expected && expected >= 0) {
      const d = (seq - expected) & 0x0fffffff;
      if (d > 0x08000000) restarts++;
      else {
        gaps += d;
        gapEvents++;
      }
    }
    expected = (seq + 1) & 0x0fffffff;
    if (w1 === l1 && w0 === l0 && w2 === l2 && hasLast) {
      dup++;
      if (dropDuplicates) continue;
    }
    hasLast = true;
    l0 = w0;
    l1 = w1;
    l2 = w2;
    outSeconds[out] = w0;
    outPs[out] = w1 * 8000 + ((w2 * 125) >>> 6); // w2 < 4096: exact floor(w2 × 125 / 64)
    out++;
  }
  st.expectedSeq = expected;
  st.hasLast = hasLast;
  st.lastW0 = l0;
  st.lastW1 = l1;
  st.lastW2 = l2;
  st.duplicates += dup;
  st.sequenceGaps += gaps;
  st.gapEvents += gapEvents;
  st.sequenceRestarts += restarts;
  return out;
}
