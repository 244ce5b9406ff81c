import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  charTimeNs,
  encodeParity,
  FRAME_9600_8N1,
  type FrameFormat,
  frameBits,
  sampleFrame,
} from './serial-backend';

const f = (
  baud: number,
  dataBits: 5 | 6 | 7 | 8 = 8,
  parity: FrameFormat['parity'] = 'none',
  stopBits = 1,
) => ({
  baud,
  dataBits,
  parity,
  stopBits,
});

describe('serial frame timing', () => {
  it('counts start + data + parity + stop bits and rounds the character time to ns', () => {
    expect(frameBits(FRAME_9600_8N1)).toBe(10);
    expect(charTimeNs(FRAME_9600_8N1)).toBe(1_041_667);
    expect(frameBits(f(9600, 7, 'even', 2))).toBe(11);
    expect(charTimeNs(f(38400))).toBe(260_417);
    expect(frameBits(f(9600, 8, 'even', 0.5625))).toBeCloseTo(10.5625);
  });

  it('puts an even/odd/mark/space parity bit as the line carries it', () => {
    expect(encodeParity(0x41, 8, 'even')).toBe(0);
    expect(encodeParity(0x43, 8, 'even')).toBe(1);
    expect(encodeParity(0x43, 8, 'odd')).toBe(0);
    expect(encodeParity(0x00, 8, 'mark')).toBe(1);
    expect(encodeParity(0xff, 8, 'space')).toBe(0);
    expect(encodeParity(0xff, 8, 'none')).toBeUndefined();
  });
});

describe('sampleFrame (the mismatch rule)', () => {
  it('passes every byte unchanged when both ends agree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (b) => {
        const r = sampleFrame(b, f(9600, 8, 'odd'), f(9600, 8, 'odd'));
        expect(r).toMatchObject({
          received: true,
          byte: b,
          parityError: false,
          framingError: false,
          break: false,
        });
      }),
    );
  });

  it('tolerates a 2% baud error and garbles some bytes at 10% for 8N1', () => {
    let bad2 = 0;
    let bad10 = 0;
    for (let b = 0; b < 256; b++) {
      const r2 = sampleFrame(b, f(9792), f(9600));
      const r10 = sampleFrame(b, f(10_560), f(9600));
      if (r2.byte !== b || r2.framingError) bad2++;
      if (!r10.received || r10.byte !== b || r10.framingError) bad10++;
    }
    expect(bad2).toBe(0);
    expect(bad10).toBeGreaterThan(0);
  });

  it('flags a parity error when the sender uses the other parity', () => {
    const r = sampleFrame(0x41, f(9600, 8, 'odd'), f(9600, 8, 'even'));
    expect(r).toMatchObject({ byte: 0x41, parityError: true, framingError: false });
  });

  it('reads the stop bit as the 8th data bit when a 7-bit sender meets an 8-bit receiver', () => {
    const r = sampleFrame(0x41, f(9600, 7), f(9600, 8));
    expect(r.byte).toBe(0xc1);
    expect(r.framingError).toBe(false);
    const zeroPadded = sampleFrame(0x41, f(9600, 7, 'space'), f(9600, 8));
    expect(zeroPadded.byte).toBe(0x41);
  });

  it('accepts a sender with more stop bits than the receiver expects (only the first is checked)', () => {
    expect(sampleFrame(0x55, f(9600, 8, 'none', 2), f(9600, 8, 'none', 1))).toMatchObject({
      byte: 0x55,
      framingError: false,
    });
  });

  it('sees an all-zero frame with a zero stop bit as a break, and a lost start as nothing', () => {
    expect(sampleFrame(0x00, f(2400), f(9600)).break).toBe(true);
    expect(sampleFrame(0xff, f(38400), f(9600)).received).toBe(false);
  });
});
