import { describe, expect, it } from 'vitest';
import { IPOCTAL_232, IPOCTAL_422, IPOCTAL_485, termiosToRegs } from './ipoctal-driver';
import { ipackCrc1 } from './tpci200-driver';
import { DEFAULT_TERMIOS, type Termios } from './tty';

const t = (change: Partial<Termios>): Termios => ({ ...DEFAULT_TERMIOS, ...change });

describe('ipack ID PROM CRC (ipack.md §2.4, §3.1)', () => {
  it('gives 0xCC, 0x61, 0x98 for the IP-Octal 232, 422 and 485 PROMs', () => {
    const prom = (model: number) => [0x49, 0x50, 0x41, 0x43, 0xf0, model, 0xa1, 0, 0, 0, 0x0c, 0xff];
    expect(ipackCrc1(prom(0x22))).toBe(0xcc);
    expect(ipackCrc1(prom(0x2a))).toBe(0x61);
    expect(ipackCrc1(prom(0x48))).toBe(0x98);
  });
});

describe('ipoctal set_termios register values (ipack.md §3.8)', () => {
  it('programs 9600 8N1 on a 232 as MR1 0x13, MR2 0x07, CSR 0xBB', () => {
    expect(termiosToRegs(t({}), IPOCTAL_232)).toMatchObject({ mr1: 0x13, mr2: 0x07, csr: 0xbb });
  });

  it('follows the datasheet for parity: even is MR1 bit 2 = 0, odd is 1', () => {
    expect(termiosToRegs(t({ parenb: true }), IPOCTAL_232)?.mr1).toBe(0x03);
    expect(termiosToRegs(t({ parenb: true, parodd: true }), IPOCTAL_232)?.mr1).toBe(0x07);
  });

  it('maps character sizes, two stop bits and RTS/CTS on a 232', () => {
    expect(termiosToRegs(t({ csize: 7 }), IPOCTAL_232)?.mr1).toBe(0x12);
    expect(termiosToRegs(t({ csize: 6 }), IPOCTAL_232)?.mr1).toBe(0x11);
    const cs5 = termiosToRegs(t({ csize: 5 }), IPOCTAL_232);
    expect(cs5?.mr1).toBe(0x13);
    expect(cs5?.applied.csize).toBe(8);
    expect(termiosToRegs(t({ cstopb: true }), IPOCTAL_232)?.mr2).toBe(0x0f);
    expect(termiosToRegs(t({ crtscts: true }), IPOCTAL_232)).toMatchObject({ mr1: 0x93, mr2: 0x17 });
  });

  it('uses TxRTS on a 485, no flow control on a 422, and refuses an unknown board', () => {
    expect(termiosToRegs(t({ crtscts: true }), IPOCTAL_485)).toMatchObject({ mr1: 0x13, mr2: 0x27 });
    expect(termiosToRegs(t({ crtscts: true }), IPOCTAL_422)).toMatchObject({ mr1: 0x13, mr2: 0x07 });
    expect(termiosToRegs(t({}), 0x99)).toBeUndefined();
  });

  it('uses the set-2 codes and turns every unsupported rate into 38400', () => {
    const csr = (baud: number) => termiosToRegs(t({ baud }), IPOCTAL_232)?.csr;
    expect(csr(19200)).toBe(0xcc);
    expect(csr(38400)).toBe(0x22);
    expect(csr(2000)).toBe(0x77);
    expect(csr(1800)).toBe(0xaa);
    expect(csr(115200)).toBe(0x22);
    expect(termiosToRegs(t({ baud: 57600 }), IPOCTAL_232)?.applied.baud).toBe(38400);
  });
});
