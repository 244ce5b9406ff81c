// The host end of one serial line: frame formats, character timing, and the deterministic
// line-sampling rule used when sender and receiver disagree (ipack.md §3.5 plus [inf]).
//
// Interface:
//   FrameFormat, SerialHostEnd (onTxByte, optional onTxBreak / onRtsChange)
//   frameBits(f), charTimeNs(f), encodeParity(), sampleFrame(byte, sender, receiver)
//
// Mismatch rule (documented model, deterministic): the sender's character is drawn as a
// waveform (start bit 0, data LSB first, parity bit if any, then mark for the stop bits and
// idle), each bit lasting 1/senderBaud. The receiver times from the falling edge of the start
// bit and samples the middle of each of its own bit cells (1/receiverBaud): start, its data
// bits, its parity bit if any, and the first stop bit only (as the SCC2698B does).
//   - start sample = 1: a false start, the character is lost;
//   - stop sample = 0: framing error; all data, parity and stop samples 0: a break (NUL + RB);
//   - parity sample disagrees with the receiver's mode: parity error.
// So a baud rate off by more than about 5% (half a bit over ten bits) garbles bytes, and data
// bits / parity differences give wrong bytes with framing or parity errors; a sender with more
// stop bits than the receiver expects is fine, as on real lines. Inter-character effects
// (re-sync on a later edge inside the same frame) are not modelled.

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space' | 'multidrop';

export interface FrameFormat {
  baud: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: Parity;
  /** Stop length in bit times: 1, 1.5, 2, or the SCC2698B's sixteenths (0.5625 … 2). */
  stopBits: number;
}

export const FRAME_9600_8N1: FrameFormat = { baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 };

/** The host side of one channel: what the device calls when a character leaves TxD. */
export interface SerialHostEnd {
  /** One character has left the shift register (at the end of its last stop bit). */
  onTxByte(byte: number, frame: FrameFormat): void;
  /** TxD held at space (start break) or released. */
  onTxBreak?(active: boolean): void;
  /** The channel's RTS output (MPO in RTSN mode), true = asserted. */
  onRtsChange?(asserted: boolean): void;
}

/** Conditions a host can force on the next received character. */
export type RxCondition = 'framing' | 'parity' | 'break' | 'overrun';

/** Bits per character on the line: start + data + parity + stop. */
export function frameBits(f: FrameFormat): number {
  return 1 + f.dataBits + (f.parity === 'none' ? 0 : 1) + f.stopBits;
}

/** One character time in integer ns (rounded to nearest). 9600 8N1 → 1 041 667 ns. */
export function charTimeNs(f: FrameFormat): number {
  return Math.round((frameBits(f) * 1e9) / f.baud);
}

/** The parity bit a sender puts on the line for `data` (undefined when there is none). */
export function encodeParity(data: number, dataBits: number, parity: Parity): number | undefined {
  let ones = 0;
  for (let i = 0; i < dataBits; i++) ones += (data >> i) & 1;
  switch (parity) {
    case 'none':
      return undefined;
    case 'even':
      return ones & 1;
    case 'odd':
      return (ones & 1) ^ 1;
    case 'mark':
      return 1;
    case 'space':
    case 'multidrop':
      return 0;
  }
}

export interface SampledChar {
  /** False when the start bit was not confirmed: nothing enters the receiver. */
  received: boolean;
  byte: number;
  parityError: boolean;
  framingError: boolean;
  break: boolean;
  /** Multidrop: the address/data bit as received. */
  addressBit: number;
}

function sameFrame(a: FrameFormat, b: FrameFormat): boolean {
  return a.baud === b.baud && a.dataBits === b.dataBits && a.parity === b.parity;
}

/** What a receiver programmed with `rx` makes of `byte` sent with `tx` (rule in the header). */
export function sampleFrame(byte: number, tx: FrameFormat, rx: FrameFormat): SampledChar {
  const sent = byte & ((1 << tx.dataBits) - 1);
  if (sameFrame(tx, rx)) {
    return {
      received: true,
      byte: sent,
      parityError: false,
      framingError: false,
      break: false,
      addressBit: 0,
    };
  }
  const txParity = encodeParity(sent, tx.dataBits, tx.parity);
  const bits = [0];
  for (let i = 0; i < tx.dataBits; i++) bits.push((sent >> i) & 1);
  if (txParity !== undefined) bits.push(txParity);
  const senderBitNs = 1e9 / tx.baud;
  const receiverBitNs = 1e9 / rx.baud;
  const level = (cell: number) => {
    const t = (cell + 0.5) * receiverBitNs;
    const k = Math.floor(t / senderBitNs);
    return k < bits.length ? bits[k] : 1;
  };
  if (level(0) !== 0)
    return { received: false, byte: 0, parityError: false, framingError: false, break: false, addressBit: 0 };
  let data = 0;
  let cell = 1;
  for (let i = 0; i < rx.dataBits; i++, cell++) data |= level(cell) << i;
  let parityBit = 0;
  const hasParity = rx.parity !== 'none';
  if (hasParity) parityBit = level(cell++);
  const stop = level(cell);
  const allZero = data === 0 && parityBit === 0 && stop === 0;
  let parityError = false;
  if (hasParity && rx.parity !== 'multidrop')
    parityError = encodeParity(data, rx.dataBits, rx.parity) !== parityBit;
  return {
    received: true,
    byte: data,
    parityError: allZero ? false : parityError,
    framingError: allZero ? false : stop === 0,
    break: allZero,
    addressBit: rx.parity === 'multidrop' ? parityBit : 0,
  };
}
