import { describe, expect, it } from 'vitest';
import { Scheduler } from '../core/scheduler';
import { stableStringify } from '../core/snapshot';
import { TraceRing } from '../core/trace';
import {
  BLOCK_REGS,
  Scc2698,
  SR_FE,
  SR_FFULL,
  SR_OVERRUN,
  SR_PE,
  SR_RB,
  SR_RXRDY,
  SR_TXEMT,
  SR_TXRDY,
} from './scc2698';
import type { FrameFormat } from './serial-backend';

type ChannelReg = 'MR' | 'SR' | 'CSR' | 'CR' | 'RHR' | 'THR';
const CHANNEL_INDEX: Record<ChannelReg, number> = {
  MR: BLOCK_REGS.MR1A.offset,
  SR: BLOCK_REGS.SRA.offset,
  CSR: BLOCK_REGS.CSRA.offset,
  CR: BLOCK_REGS.CRA.offset,
  RHR: BLOCK_REGS.RHRA.offset,
  THR: BLOCK_REGS.THRA.offset,
};
/** Register number of a channel register (channel b of a block is 8 further). */
const reg = (c: number, name: ChannelReg) => (c >> 1) * 16 + (c & 1) * 8 + CHANNEL_INDEX[name];
const blockReg = (block: number, name: 'ACR' | 'ISR' | 'IMR' | 'IPCR' | 'CTUR' | 'CTLR' | 'OPCR') =>
  block * 16 + BLOCK_REGS[name].offset;
const START_COUNTER = BLOCK_REGS.START_COUNTER.offset;
const STOP_COUNTER = BLOCK_REGS.STOP_COUNTER.offset;

const CHAR_9600_8N1_NS = 1_041_667;

function rig() {
  const sched = new Scheduler();
  const trace = new TraceRing(1024);
  const scc = new Scc2698(sched, 'ipoctal.A', trace);
  const tx: { c: number; byte: number; frame: FrameFormat; atNs: number }[] = [];
  const breaks: boolean[] = [];
  const rts: boolean[] = [];
  for (let c = 0; c < 8; c++)
    scc.setHostEnd(c, {
      onTxByte: (byte, frame) => tx.push({ c, byte, frame, atNs: sched.nowNs }),
      onTxBreak: (on) => breaks.push(on),
      onRtsChange: (a) => rts.push(a),
    });
  const irqs: boolean[] = [false, false, false, false];
  scc.onIrqChange((b, level) => {
    irqs[b] = level;
  });
  /** 9600 8N1 as Linux programs it (set 2, CSR 0xBB), RX and TX enabled. */
  const open = (c: number, mr1 = 0x13, mr2 = 0x07, csr = 0xbb) => {
    scc.write(reg(c, 'CR'), 0x0a);
    scc.write(reg(c, 'CR'), 0x10);
    scc.write(reg(c, 'MR'), mr1);
    scc.write(reg(c, 'MR'), mr2);
    scc.write(blockReg(c >> 1, 'ACR'), 0x80);
    scc.write(reg(c, 'CSR'), csr);
    scc.write(reg(c, 'CR'), 0x05);
  };
  return { sched, scc, trace, tx, breaks, rts, irqs, open };
}

describe('SCC2698B reset and mode registers', () => {
  it('comes out of reset with SR, ISR, IMR zero, RX/TX off and the MR pointer on MR1', () => {
    const { scc } = rig();
    for (let c = 0; c < 8; c++) {
      expect(scc.read(reg(c, 'SR'))).toBe(0);
      expect(scc.state.channels[c].mrPointer).toBe(0);
      expect(scc.state.channels[c].rxEnabled).toBe(false);
    }
    for (let b = 0; b < 4; b++) {
      expect(scc.read(blockReg(b, 'ISR'))).toBe(0);
      expect(scc.state.blocks[b].imr).toBe(0);
      expect(scc.state.blocks[b].acr).toBe(0);
    }
  });

  it('keeps the MR pointer on MR2 after the first access, reads included, until CR 0x10', () => {
    const { scc } = rig();
    scc.write(reg(3, 'MR'), 0x13);
    scc.write(reg(3, 'MR'), 0x07);
    scc.write(reg(3, 'MR'), 0x0f);
    expect(scc.state.channels[3].mr1).toBe(0x13);
    expect(scc.state.channels[3].mr2).toBe(0x0f);
    scc.write(reg(3, 'CR'), 0x10);
    expect(scc.read(reg(3, 'MR'))).toBe(0x13);
    expect(scc.read(reg(3, 'MR'))).toBe(0x0f);
    expect(scc.read(reg(3, 'MR'))).toBe(0x0f);
    scc.write(reg(3, 'CR'), 0x10);
    scc.read(reg(3, 'MR'));
    scc.write(reg(3, 'MR'), 0x00);
    expect(scc.state.channels[3].mr2).toBe(0x00);
    expect(scc.state.channels[3].mr1).toBe(0x13);
  });

  it('applies CR enable bits and the command of one write; 0x0A is only RX off + TX off', () => {
    const { scc } = rig();
    scc.write(reg(0, 'MR'), 0x13);
    scc.write(reg(0, 'CR'), 0x15);
    expect(scc.state.channels[0].rxEnabled).toBe(true);
    expect(scc.state.channels[0].txEnabled).toBe(true);
    expect(scc.state.channels[0].mrPointer).toBe(0);
    expect(scc.read(reg(0, 'SR'))).toBe(SR_TXRDY | SR_TXEMT);
    scc.write(reg(0, 'CR'), 0x0a);
    expect(scc.state.channels[0].rxEnabled).toBe(false);
    expect(scc.state.channels[0].txEnabled).toBe(false);
    expect(scc.state.channels[0].mrPointer).toBe(0);
    expect(scc.read(reg(0, 'SR'))).toBe(0);
  });

  it('selects the CSR baud table with ACR bit 7 (0x2 = 134.5 or 38400, 0xC = 38400 or 19200)', () => {
    const { scc } = rig();
    scc.write(reg(2, 'CSR'), 0x2c);
    expect(scc.rxBaud(2)).toBe(134.5);
    expect(scc.txBaud(2)).toBe(38400);
    scc.write(blockReg(1, 'ACR'), 0x80);
    expect(scc.rxBaud(2)).toBe(38400);
    expect(scc.txBaud(2)).toBe(19200);
    scc.write(reg(3, 'CSR'), 0xbb);
    expect(scc.txBaud(3)).toBe(9600);
    expect(scc.txBaud(0)).toBe(50); // block A untouched, set 1 code 0
  });

  it('derives the stop length from MR2 (0x7 = 1, 0xF = 2, 0x0 = 0.5625; 5-bit chars differ)', () => {
    const { scc, open } = rig();
    open(0, 0x13, 0x07);
    expect(scc.txFrame(0).stopBits).toBe(1);
    open(0, 0x13, 0x0f);
    expect(scc.txFrame(0).stopBits).toBe(2);
    open(0, 0x03, 0x00);
    expect(scc.txFrame(0)).toMatchObject({ stopBits: 0.5625, parity: 'even', dataBits: 8 });
    open(0, 0x10, 0x00);
    expect(scc.txFrame(0)).toMatchObject({ stopBits: 17 / 16, dataBits: 5, parity: 'none' });
    open(0, 0x07, 0x07);
    expect(scc.txFrame(0).parity).toBe('odd');
  });
});

describe('SCC2698B transmitter', () => {
  it('sets TxEMT exactly one 9600 8N1 character time (1.0417 ms) after a THR write', () => {
    const { sched, scc, tx, open } = rig();
    open(3);
    scc.write(reg(3, 'THR'), 0x68);
    expect(scc.read(reg(3, 'SR')) & (SR_TXRDY | SR_TXEMT)).toBe(SR_TXRDY);
    sched.runUntil(CHAR_9600_8N1_NS - 1);
    expect(scc.read(reg(3, 'SR')) & SR_TXEMT).toBe(0);
    expect(tx).toEqual([]);
    sched.runUntil(CHAR_9600_8N1_NS + 1);
    expect(scc.read(reg(3, 'SR')) & SR_TXEMT).toBe(SR_TXEMT);
    expect(tx).toEqual([
      {
        c: 3,
        byte: 0x68,
        frame: { baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
        atNs: CHAR_9600_8N1_NS,
      },
    ]);
  });

  it('holds a second character in THR (TxRDY = 0) and empties after two character times', () => {
    const { sched, scc, tx, open } = rig();
    open(3);
    scc.write(reg(3, 'THR'), 0x68);
    scc.write(reg(3, 'THR'), 0x69);
    expect(scc.read(reg(3, 'SR')) & (SR_TXRDY | SR_TXEMT)).toBe(0);
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(scc.read(reg(3, 'SR')) & (SR_TXRDY | SR_TXEMT)).toBe(SR_TXRDY);
    sched.runUntil(2 * CHAR_9600_8N1_NS - 1);
    expect(scc.read(reg(3, 'SR')) & SR_TXEMT).toBe(0);
    sched.runUntil(2 * CHAR_9600_8N1_NS);
    expect(scc.read(reg(3, 'SR')) & SR_TXEMT).toBe(SR_TXEMT);
    expect(tx.map((t) => t.byte)).toEqual([0x68, 0x69]);
  });

  it('takes 10 bit times at 38400 and 12 at 9600 8E2 (frame = start + data + parity + stop)', () => {
    const { sched, scc, tx, open } = rig();
    open(0, 0x13, 0x07, 0x22);
    scc.write(reg(0, 'THR'), 1);
    sched.runUntil(10_000_000);
    open(1, 0x03, 0x0f, 0xbb);
    const t0 = sched.nowNs;
    scc.write(reg(1, 'THR'), 2);
    sched.runUntil(t0 + 10_000_000);
    expect(tx[0].atNs).toBe(Math.round(10e9 / 38400));
    expect(tx[1].atNs - t0).toBe(1_250_000);
    expect(tx[1].frame).toMatchObject({ parity: 'even', stopBits: 2 });
  });

  it('clears TxRDY/TxEMT on disable but lets the character in the shifter finish', () => {
    const { sched, scc, tx, open } = rig();
    open(5);
    scc.write(reg(5, 'THR'), 0x41);
    scc.write(reg(5, 'CR'), 0x08);
    expect(scc.read(reg(5, 'SR')) & (SR_TXRDY | SR_TXEMT)).toBe(0);
    sched.runUntil(5_000_000);
    expect(tx.map((t) => t.byte)).toEqual([0x41]);
    expect(scc.read(reg(5, 'SR')) & (SR_TXRDY | SR_TXEMT)).toBe(0);
    scc.write(reg(5, 'THR'), 0x42);
    sched.runUntil(10_000_000);
    expect(tx).toHaveLength(1);
  });

  it('aborts the character on reset transmitter (CR 0x30)', () => {
    const { sched, scc, tx, open } = rig();
    open(2);
    scc.write(reg(2, 'THR'), 0x41);
    scc.write(reg(2, 'CR'), 0x30);
    sched.runUntil(5_000_000);
    expect(tx).toEqual([]);
    expect(scc.read(reg(2, 'SR'))).toBe(0);
  });

  it('holds a character in THR while CTS is negated and MR2 CTS-enable is set', () => {
    const { sched, scc, tx, open } = rig();
    open(0, 0x13, 0x17);
    scc.setCts(0, false);
    scc.write(reg(0, 'THR'), 0x55);
    sched.runUntil(5_000_000);
    expect(tx).toEqual([]);
    scc.setCts(0, true);
    sched.runUntil(5_000_000 + CHAR_9600_8N1_NS);
    expect(tx.map((t) => t.byte)).toEqual([0x55]);
  });

  it('starts a break after the current character and stops it on CR 0x70', () => {
    const { sched, scc, tx, breaks, open } = rig();
    open(0);
    scc.write(reg(0, 'THR'), 0x55);
    scc.write(reg(0, 'CR'), 0x60);
    expect(breaks).toEqual([]);
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(breaks).toEqual([true]);
    expect(tx).toHaveLength(1);
    scc.write(reg(0, 'CR'), 0x70);
    expect(breaks).toEqual([true, false]);
  });

  it('drives RTS with CR 0x80/0x90 and negates it after TX empties when MR2 TxRTS is set', () => {
    const { sched, scc, rts, open } = rig();
    open(1, 0x13, 0x27);
    scc.write(reg(1, 'CR'), 0x80);
    expect(rts.at(-1)).toBe(true);
    scc.write(reg(1, 'THR'), 0x31);
    sched.runUntil(CHAR_9600_8N1_NS - 1);
    expect(rts.at(-1)).toBe(true);
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(rts.at(-1)).toBe(false);
  });

  it('sends transmitted characters to its own receiver in local loopback', () => {
    const { sched, scc, tx, open } = rig();
    open(4, 0x13, 0x87);
    scc.write(reg(4, 'THR'), 0x7e);
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(tx).toEqual([]);
    expect(scc.read(reg(4, 'SR')) & SR_RXRDY).toBe(SR_RXRDY);
    expect(scc.read(reg(4, 'RHR'))).toBe(0x7e);
  });
});

describe('SCC2698B receiver', () => {
  it('receives a host byte one character time after it enters, with RxRDY and ISR', () => {
    const { sched, scc, irqs, open } = rig();
    open(3);
    scc.write(blockReg(1, 'IMR'), 0x20);
    scc.receiveFromHost(3, 0x41);
    sched.runUntil(CHAR_9600_8N1_NS - 1);
    expect(scc.read(reg(3, 'SR')) & SR_RXRDY).toBe(0);
    expect(irqs[1]).toBe(false);
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(scc.read(reg(3, 'SR')) & SR_RXRDY).toBe(SR_RXRDY);
    expect(scc.read(blockReg(1, 'ISR'))).toBe(0x20 | 0x10); // RxRDY b + TxRDY b (channel c is off)
  });

  it('keeps three characters in the FIFO, a fourth in the shift register, and overruns on the fifth', () => {
    const { sched, scc, open } = rig();
    open(0);
    for (const b of [1, 2, 3, 4, 5]) scc.receiveFromHost(0, b);
    sched.runUntil(4 * CHAR_9600_8N1_NS);
    expect(scc.read(reg(0, 'SR')) & (SR_FFULL | SR_OVERRUN)).toBe(SR_FFULL);
    sched.runUntil(5 * CHAR_9600_8N1_NS);
    expect(scc.read(reg(0, 'SR')) & SR_OVERRUN).toBe(SR_OVERRUN);
    expect([1, 2, 3, 4].map(() => scc.read(reg(0, 'RHR')))).toEqual([1, 2, 3, 5]);
    expect(scc.read(reg(0, 'SR')) & (SR_RXRDY | SR_OVERRUN)).toBe(SR_OVERRUN);
    scc.write(reg(0, 'CR'), 0x40);
    expect(scc.read(reg(0, 'SR')) & SR_OVERRUN).toBe(0);
  });

  it('shows each character’s error flags in SR while it is at the top (character mode)', () => {
    const { sched, scc, open } = rig();
    open(1);
    scc.receiveFromHost(1, 0x61);
    scc.receiveFromHost(1, 0x62, undefined, 'parity');
    scc.receiveFromHost(1, 0x63, undefined, 'framing');
    sched.runUntil(3 * CHAR_9600_8N1_NS);
    const seen: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const sr = scc.read(reg(1, 'SR'));
      seen.push([sr & 0xe0, scc.read(reg(1, 'RHR'))]);
    }
    expect(seen).toEqual([
      [0, 0x61],
      [SR_PE, 0x62],
      [SR_FE, 0x63],
    ]);
  });

  it('accumulates error flags in block error mode until CR 0x40', () => {
    const { sched, scc, open } = rig();
    open(1, 0x33);
    scc.receiveFromHost(1, 0x62, undefined, 'parity');
    scc.receiveFromHost(1, 0x63);
    sched.runUntil(2 * CHAR_9600_8N1_NS);
    scc.read(reg(1, 'RHR'));
    expect(scc.read(reg(1, 'SR')) & 0xe0).toBe(SR_PE);
    scc.read(reg(1, 'RHR'));
    expect(scc.read(reg(1, 'SR')) & 0xe0).toBe(SR_PE);
    scc.write(reg(1, 'CR'), 0x40);
    expect(scc.read(reg(1, 'SR')) & 0xe0).toBe(0);
  });

  it('turns a host break into one NUL with RB and sets delta-break at start and end', () => {
    const { sched, scc, open } = rig();
    open(3);
    scc.receiveFromHost(3, 0, undefined, 'break');
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(scc.read(reg(3, 'SR')) & (SR_RB | SR_RXRDY)).toBe(SR_RB | SR_RXRDY);
    expect(scc.read(blockReg(1, 'ISR')) & 0x40).toBe(0x40);
    scc.write(reg(3, 'CR'), 0x50);
    expect(scc.read(blockReg(1, 'ISR')) & 0x40).toBe(0);
    expect(scc.read(reg(3, 'RHR'))).toBe(0);
    sched.runUntil(2 * CHAR_9600_8N1_NS);
    expect(scc.read(blockReg(1, 'ISR')) & 0x40).toBe(0x40);
    expect(scc.read(reg(3, 'SR')) & SR_RXRDY).toBe(0);
  });

  it('clears only its own channel’s delta-break with CR 0x50', () => {
    const { sched, scc, open } = rig();
    open(2);
    open(3);
    scc.receiveFromHost(2, 0, undefined, 'break');
    scc.receiveFromHost(3, 0, undefined, 'break');
    sched.runUntil(CHAR_9600_8N1_NS);
    scc.write(reg(3, 'CR'), 0x50);
    expect(scc.read(blockReg(1, 'ISR')) & 0x44).toBe(0x04);
  });

  it('garbles characters sent at the wrong baud rate or with a different parity', () => {
    const { sched, scc, open } = rig();
    open(0);
    const at4800: FrameFormat = { baud: 4800, dataBits: 8, parity: 'none', stopBits: 1 };
    const at9800: FrameFormat = { baud: 9800, dataBits: 8, parity: 'none', stopBits: 1 };
    scc.receiveFromHost(0, 0x55, at9800); // 2% off: still fine
    scc.receiveFromHost(0, 0x01, at4800); // each sender bit spans two receiver cells
    sched.runUntil(5 * CHAR_9600_8N1_NS);
    expect(scc.read(reg(0, 'SR')) & 0xe0).toBe(0);
    expect(scc.read(reg(0, 'RHR'))).toBe(0x55);
    expect(scc.read(reg(0, 'SR')) & SR_FE).toBe(SR_FE);
    expect(scc.read(reg(0, 'RHR'))).toBe(0x06);
    open(1, 0x03, 0x07); // 8 bits even parity
    const odd: FrameFormat = { baud: 9600, dataBits: 8, parity: 'odd', stopBits: 1 };
    scc.receiveFromHost(1, 0x41, odd);
    sched.runUntil(sched.nowNs + 2 * CHAR_9600_8N1_NS);
    expect(scc.read(reg(1, 'SR')) & (SR_PE | SR_FE)).toBe(SR_PE);
    expect(scc.read(reg(1, 'RHR'))).toBe(0x41);
  });

  it('flags parity errors when an 8N1 host talks to the Linux probe settings (MR1 0x03, MR2 0x00)', () => {
    const { sched, scc, open } = rig();
    open(5, 0x03, 0x00);
    scc.setHostFrame(5, { baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    scc.receiveFromHost(5, 0x41); // two ones: even parity wants 0, the receiver samples the stop bit (1)
    scc.receiveFromHost(5, 0x43); // three ones: parity 1 matches the stop bit by luck
    sched.runUntil(3 * CHAR_9600_8N1_NS);
    expect(scc.read(reg(5, 'SR')) & (SR_PE | SR_FE)).toBe(SR_PE);
    expect(scc.read(reg(5, 'RHR'))).toBe(0x41);
    expect(scc.read(reg(5, 'SR')) & (SR_PE | SR_FE)).toBe(0);
    expect(scc.read(reg(5, 'RHR'))).toBe(0x43);
  });

  it('loses characters arriving while the receiver is disabled (paced)', () => {
    const { sched, scc, open } = rig();
    open(0);
    scc.receiveFromHost(0, 0x31);
    sched.runUntil(CHAR_9600_8N1_NS / 2);
    scc.write(reg(0, 'CR'), 0x02);
    scc.write(reg(0, 'CR'), 0x01);
    scc.receiveFromHost(0, 0x32);
    sched.runUntil(3 * CHAR_9600_8N1_NS);
    expect(scc.read(reg(0, 'RHR'))).toBe(0x32);
    expect(scc.read(reg(0, 'SR')) & SR_RXRDY).toBe(0);
  });

  it('keeps the far end’s queued bytes across a chip reset (the host is not reset)', () => {
    const { sched, scc, open } = rig();
    open(2);
    scc.receiveFromHost(2, 0x31);
    scc.receiveFromHost(2, 0x32);
    sched.runUntil(1000);
    scc.reset();
    expect(scc.read(reg(2, 'SR'))).toBe(0);
    open(2);
    sched.runUntil(3 * CHAR_9600_8N1_NS);
    expect(scc.read(reg(2, 'RHR'))).toBe(0x32); // 0x31 was on the line during the reset: lost
    expect(scc.read(reg(2, 'SR')) & SR_RXRDY).toBe(0);
    expect(scc.hostBacklog(2)).toBe(0);
  });

  it('receives a character from a cable at the instant the peer transmitter finishes it', () => {
    const { sched, scc, tx, open } = rig();
    open(0);
    open(1);
    scc.setHostEnd(0, { onTxByte: (byte, frame) => scc.receiveFromWire(1, byte, frame) });
    scc.write(reg(0, 'THR'), 0x4b);
    sched.runUntil(CHAR_9600_8N1_NS - 1);
    expect(scc.read(reg(1, 'SR')) & SR_RXRDY).toBe(0);
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(scc.read(reg(1, 'RHR'))).toBe(0x4b);
    expect(tx).toEqual([]);
  });

  it('delivers unpaced bytes as fast as the FIFO drains and never overruns', () => {
    const { sched, scc, open } = rig();
    open(6);
    scc.setUnpaced(6, true);
    const data = Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff);
    for (const b of data) scc.receiveFromHost(6, b);
    const got: number[] = [];
    while (got.length < data.length) {
      sched.runUntil(sched.nowNs);
      const sr = scc.read(reg(6, 'SR'));
      expect(sr & SR_OVERRUN).toBe(0);
      if (sr & SR_RXRDY) got.push(scc.read(reg(6, 'RHR')));
      else sched.runFor(1);
    }
    expect(got).toEqual(data);
    expect(sched.nowNs).toBeLessThan(1000);
  });

  it('refills an unpaced FIFO the instant RHR frees a position, without time passing', () => {
    const { sched, scc, open } = rig();
    open(6);
    scc.setUnpaced(6, true);
    for (let b = 0; b < 50; b++) scc.receiveFromHost(6, b);
    sched.runUntil(sched.nowNs);
    const t = sched.nowNs;
    const got: number[] = [];
    while (scc.read(reg(6, 'SR')) & SR_RXRDY) got.push(scc.read(reg(6, 'RHR')));
    expect(got).toEqual(Array.from({ length: 50 }, (_, b) => b));
    expect(sched.nowNs).toBe(t);
    expect(scc.hostBacklog(6)).toBe(0);
  });

  it('sends unpaced TX as THR is written: TxRDY and TxEMT set again, the host has the byte, no time passes', () => {
    const { sched, scc, tx, irqs, open } = rig();
    open(2);
    scc.write(blockReg(1, 'IMR'), 0x01);
    scc.setUnpaced(2, true);
    for (const b of [0x41, 0x42, 0x43]) {
      expect(scc.read(reg(2, 'SR')) & (SR_TXRDY | SR_TXEMT)).toBe(SR_TXRDY | SR_TXEMT);
      scc.write(reg(2, 'THR'), b);
    }
    expect(tx.map((t) => [t.c, t.byte, t.atNs])).toEqual([
      [2, 0x41, 0],
      [2, 0x42, 0],
      [2, 0x43, 0],
    ]);
    expect(tx[0].frame).toEqual({ baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(scc.read(reg(2, 'SR')) & (SR_TXRDY | SR_TXEMT)).toBe(SR_TXRDY | SR_TXEMT);
    expect(irqs[1]).toBe(true); // TxRDY still interrupts
    expect(sched.pending).toBe(0);
  });

  it('keeps TX paced when only RX is unpaced, and in local loopback', () => {
    const { sched, scc, tx, open } = rig();
    open(3);
    scc.setUnpaced(3, true, false);
    scc.write(reg(3, 'THR'), 0x55);
    expect(tx).toEqual([]);
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(tx.map((t) => t.byte)).toEqual([0x55]);
    open(4, 0x13, 0x87); // MR2 mode 2: local loopback
    scc.setUnpaced(4, true);
    scc.write(reg(4, 'THR'), 0x66);
    expect(scc.read(reg(4, 'SR')) & SR_RXRDY).toBe(0);
    sched.runFor(CHAR_9600_8N1_NS);
    expect(scc.read(reg(4, 'RHR'))).toBe(0x66);
  });

  it('sends the character waiting in THR when TX becomes unpaced', () => {
    const { sched, scc, tx, open } = rig();
    open(5);
    scc.write(reg(5, 'THR'), 1); // shifting
    scc.write(reg(5, 'THR'), 2); // waiting in THR
    expect(scc.read(reg(5, 'SR')) & SR_TXRDY).toBe(0);
    scc.setUnpaced(5, true);
    expect(tx).toEqual([]); // the shifter is busy: THR waits for it
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(tx.map((t) => [t.byte, t.atNs])).toEqual([
      [1, CHAR_9600_8N1_NS],
      [2, CHAR_9600_8N1_NS],
    ]);
    expect(scc.read(reg(5, 'SR')) & SR_TXEMT).toBe(SR_TXEMT);
  });

  it('restores FIFO entries saved as { byte, flags } objects (older snapshots)', () => {
    const { sched, scc, open } = rig();
    open(1);
    scc.receiveFromHost(1, 0x41, undefined, 'parity');
    scc.receiveFromHost(1, 0x42);
    sched.runUntil(3 * CHAR_9600_8N1_NS);
    const snap = scc.snapshot();
    const old = JSON.parse(JSON.stringify(snap));
    old.channels[1].rxFifo = [
      { byte: 0x41, flags: SR_PE },
      { byte: 0x42, flags: 0 },
    ];
    scc.restore(old);
    expect(stableStringify(scc.snapshot())).toBe(stableStringify(snap));
    expect(scc.read(reg(1, 'SR')) & (SR_PE | SR_RXRDY)).toBe(SR_PE | SR_RXRDY);
    expect(scc.read(reg(1, 'RHR'))).toBe(0x41);
    expect(scc.read(reg(1, 'SR')) & SR_PE).toBe(0);
    expect(scc.read(reg(1, 'RHR'))).toBe(0x42);
  });

  it('reports FFULL in ISR instead of RxRDY when MR1 RxINT select is set', () => {
    const { sched, scc, open } = rig();
    open(0, 0x53);
    scc.receiveFromHost(0, 1);
    scc.receiveFromHost(0, 2);
    sched.runUntil(2 * CHAR_9600_8N1_NS);
    expect(scc.read(blockReg(0, 'ISR')) & 0x02).toBe(0);
    scc.receiveFromHost(0, 3);
    sched.runUntil(3 * CHAR_9600_8N1_NS);
    expect(scc.read(blockReg(0, 'ISR')) & 0x02).toBe(0x02);
  });

  it('negates RTS when the FIFO fills with MR1 RxRTS and re-asserts it when read', () => {
    const { sched, scc, rts, open } = rig();
    open(0, 0x93);
    scc.write(reg(0, 'CR'), 0x80);
    for (const b of [1, 2, 3]) scc.receiveFromHost(0, b);
    sched.runUntil(3 * CHAR_9600_8N1_NS);
    expect(rts.at(-1)).toBe(false);
    scc.read(reg(0, 'RHR'));
    expect(rts.at(-1)).toBe(true);
  });
});

describe('SCC2698B interrupts, counter and inputs', () => {
  it('raises the block request while ISR & IMR ≠ 0 and drops it when the FIFO empties', () => {
    const { sched, scc, irqs, open } = rig();
    open(3);
    scc.write(blockReg(1, 'IMR'), 0x20);
    scc.receiveFromHost(3, 0x41);
    sched.runUntil(CHAR_9600_8N1_NS);
    expect(irqs[1]).toBe(true);
    expect(scc.read(blockReg(1, 'ISR')) & 0x20).toBe(0x20);
    scc.read(reg(3, 'RHR'));
    expect(irqs[1]).toBe(false);
  });

  it('keeps ISR TxRDY a live copy of SR TxRDY (TxRDY interrupt until disabled)', () => {
    const { scc, irqs, open } = rig();
    open(0);
    scc.write(blockReg(0, 'IMR'), 0x01);
    expect(irqs[0]).toBe(true);
    scc.write(reg(0, 'CR'), 0x08);
    expect(irqs[0]).toBe(false);
  });

  it('sets counter-ready after the timer period on crystal/16 and clears it on stop-counter', () => {
    const { sched, scc, irqs } = rig();
    scc.write(blockReg(2, 'ACR'), 0x70); // timer, crystal / 16 = 230 400 Hz
    scc.write(blockReg(2, 'CTUR'), 0x00);
    scc.write(blockReg(2, 'CTLR'), 0x60); // 96 ticks half period → 192 ticks ≈ 833.3 µs
    scc.write(blockReg(2, 'IMR'), 0x08);
    scc.read(2 * 16 + START_COUNTER);
    sched.runUntil(833_000);
    expect(irqs[2]).toBe(false);
    sched.runUntil(834_000);
    expect(irqs[2]).toBe(true);
    scc.read(2 * 16 + STOP_COUNTER);
    expect(irqs[2]).toBe(false);
    sched.runUntil(1_667_000);
    expect(irqs[2]).toBe(true); // the timer keeps running
  });

  it('counts down in counter mode and stops on the stop command', () => {
    const { sched, scc } = rig();
    scc.write(blockReg(0, 'ACR'), 0x30); // counter, crystal / 16
    scc.write(blockReg(0, 'CTUR'), 0x01);
    scc.write(blockReg(0, 'CTLR'), 0x00);
    scc.read(START_COUNTER);
    sched.runUntil(Math.round((100 * 1e9) / 230_400) + 1);
    scc.read(STOP_COUNTER);
    const value = (scc.read(BLOCK_REGS.CTU.offset) << 8) | scc.read(BLOCK_REGS.CTL.offset);
    expect(value).toBe(256 - 100);
    sched.runFor(1_000_000);
    expect((scc.read(BLOCK_REGS.CTU.offset) << 8) | scc.read(BLOCK_REGS.CTL.offset)).toBe(156);
  });

  it('latches a CTS change in IPCR and raises ISR bit 7 when ACR enables that input', () => {
    const { scc } = rig();
    scc.write(blockReg(0, 'ACR'), 0x01);
    scc.setCts(0, false);
    expect(scc.read(blockReg(0, 'ISR')) & 0x80).toBe(0x80);
    expect(scc.read(blockReg(0, 'IPCR'))).toBe(0x10 | 0x0b); // CTSN a high, CTSN b low, MPI1 high
    expect(scc.read(blockReg(0, 'ISR')) & 0x80).toBe(0);
    expect(scc.read(blockReg(0, 'IPCR')) & 0xf0).toBe(0);
  });

  it('traces test-mode reads as guest errors and CSR external clocks as unimplemented', () => {
    const { scc, trace } = rig();
    scc.read(BLOCK_REGS.BRG_TEST.offset);
    scc.write(reg(0, 'CSR'), 0xee);
    const kinds = trace.since(0).map((r) => r.kind);
    expect(kinds).toContain('guest-error');
    expect(kinds).toContain('unimp');
  });

  it('decodes registers by name for the trace, MR1 then MR2', () => {
    const { scc, open } = rig();
    open(3);
    expect(scc.describe(reg(3, 'SR'), 'read', 0x0d)).toBe('SRD RXRDY TXRDY TXEMT');
    expect(scc.describe(blockReg(1, 'IMR'), 'write', 0x20)).toBe('IMR[B] RXRDYB');
    scc.write(reg(3, 'CR'), 0x10);
    expect(scc.describe(reg(3, 'MR'), 'write', 0x13)).toMatch(/^MR1D BITS=3/);
    scc.write(reg(3, 'MR'), 0x13);
    expect(scc.describe(reg(3, 'MR'), 'write', 0x07)).toMatch(/^MR2D STOP=7/);
  });
});

describe('SCC2698B snapshot', () => {
  it('restored mid-transmission and mid-reception, runs on exactly as the uninterrupted chip', () => {
    const script = (r: ReturnType<typeof rig>) => {
      r.open(3);
      r.open(0, 0x03, 0x0f, 0x22);
      r.scc.write(blockReg(1, 'IMR'), 0x33);
      r.scc.write(reg(3, 'THR'), 0x68);
      r.scc.write(reg(3, 'THR'), 0x69);
      r.scc.write(reg(0, 'THR'), 0x70);
      for (const b of [1, 2, 3, 4, 5, 6]) r.scc.receiveFromHost(3, b);
      r.scc.receiveFromHost(0, 9, undefined, 'break');
    };
    const a = rig();
    script(a);
    a.sched.runUntil(1_500_000);
    const snapSched = JSON.parse(JSON.stringify(a.sched.snapshot()));
    const snapChip = JSON.parse(JSON.stringify(a.scc.snapshot()));
    a.sched.runUntil(20_000_000);
    const b = rig();
    b.sched.restore(snapSched);
    b.scc.restore(snapChip);
    b.sched.runUntil(20_000_000);
    expect(stableStringify(b.scc.snapshot())).toBe(stableStringify(a.scc.snapshot()));
    const tail = a.tx.filter((t) => t.atNs > 1_500_000);
    expect(b.tx).toEqual(tail);
    expect(tail.length).toBeGreaterThan(0);
  });

  it('rejects a malformed snapshot without changing state', () => {
    const { scc, open } = rig();
    open(0);
    const good = scc.snapshot();
    const bad = { ...good, channels: good.channels.slice(0, 7) };
    expect(() => scc.restore(bad)).toThrow(/8 channels/);
    expect(scc.state.channels[0].rxEnabled).toBe(true);
  });
});
