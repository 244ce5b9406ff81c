// The train loop's fast form replaces the ACAM bin division by a multiplication (train-loop.ts):
// the same bin for every ps offset inside a start period.
import { describe, expect, it } from 'vitest';
import { BIN_PS, RETRIGGER_PS } from './acam';
import { PER_BIN } from './train-loop';

describe('train loop arithmetic', () => {
  it('floor(r × PER_BIN) is floor(r / BIN_PS) for every whole ps r of a start period', () => {
    let mismatches = 0;
    for (let r = 0; r < RETRIGGER_PS; r++)
      if (Math.floor(r * PER_BIN) !== Math.floor(r / BIN_PS)) mismatches++;
    expect(mismatches).toBe(0);
  });
});
