// The train loop's fast form replaces the ACAM bin division by a multiplication (train-loop.ts):
// the same bin for every ps offset inside a start period.
import { describe, expect, it } from 'vitest';
import {
  TDC_COARSE_PER_SECOND,
  TDC_FRAC_MASK,
  TDC_META_CHANNEL_MASK,
  TDC_META_SEQ_SHIFT,
  TDC_META_SLOPE,
  TDC_RAW_BINS_MASK,
  TDC_RAW_BINS_SHIFT,
  TDC_SEQ_MODULO,
} from '../../hw/spec-tdc-regs';
import { BIN_PS, COARSE_PER_START, FRAC_NUM, FRAC_SHIFT, PS_PER_S, RETRIGGER_PS } from './acam';
import { PER_BIN } from './train-loop';

describe('train loop arithmetic', () => {
  it('floor(r × PER_BIN) is floor(r / BIN_PS) for every whole ps r of a start period', () => {
    let mismatches = 0;
    for (let r = 0; r < RETRIGGER_PS; r++)
      if (Math.floor(r * PER_BIN) !== Math.floor(r / BIN_PS)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('tagRegular() spells these constants as literals: they must match their sources', () => {
    expect([BIN_PS, PER_BIN]).toEqual([81.0383, 1 / 81.0383]);
    expect([PS_PER_S, RETRIGGER_PS, COARSE_PER_START, FRAC_NUM, FRAC_SHIFT]).toEqual([
      1e12, 512_000, 64, 84_934, 11,
    ]);
    expect([TDC_COARSE_PER_SECOND, TDC_SEQ_MODULO, TDC_FRAC_MASK]).toEqual([125_000_000, 0x10000000, 0xfff]);
    expect([TDC_RAW_BINS_MASK, TDC_RAW_BINS_SHIFT]).toEqual([0x1fff, 12]);
    expect([TDC_META_CHANNEL_MASK, TDC_META_SLOPE, TDC_META_SEQ_SHIFT]).toEqual([7, 8, 4]);
  });
});
