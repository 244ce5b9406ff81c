// Guest driver for the GE IP-Octal 232/422/485 (eight SCC2698B channels) on the IndustryPack
// bus, following Linux's ipoctal conversation (ipack.md §3.8): probe resets every channel and
// programs ACR/OPCR/IMR per block, open enables RX, set_termios writes MR1/MR2/CSR, the write
// path sends one byte per TxRDY interrupt until TxEMT, the receive loop reads SR before RHR and
// counts per-character errors. Devices: /dev/ipoctal.<bus>.<slot>.<channel>.
//
// Deliberate differences from Linux, each a Linux bug the spec names (§3.3, §3.8, §6 item 10):
// parity type follows the datasheet (MR1 bit 2 = 1 is odd); `rx` is counted; the driver wakes the
// tty when room appears, so a close after a write drains instead of waiting closing_wait;
// chars_in_buffer includes the character still on the wire, so TCSADRAIN waits for TxEMT.
import { ioremap, type MappedMmio, type Platform } from '../bus/types';
import { ByteQueue, isByteArray } from './byte-queue';
import type { GuestKernel } from './kernel';
import { applyOrRollBack } from './rollback';
import type { IpackDevice, IpackDriver } from './tpci200-driver';
import { type RxFlag, type Termios, Tty, type TtyDriver } from './tty';

// Channel register offsets inside the channel's 0x10-byte window (odd IP addresses).
export const CH_MR = 0x01;
export const CH_SR = 0x03; // read
export const CH_CSR = 0x03; // write
export const CH_CR = 0x05;
export const CH_RHR = 0x07; // read
export const CH_THR = 0x07; // write
// Block registers inside the block's 0x20-byte address range.
export const BLK_ACR = 0x09;
export const BLK_ISR = 0x0b; // read
export const BLK_IMR = 0x0b; // write
export const BLK_OPCR = 0x1b;

export const SR_RXRDY = 0x01;
export const SR_TXRDY = 0x04;
export const SR_TXEMT = 0x08;
export const SR_OVERRUN = 0x10;
export const SR_PARITY = 0x20;
export const SR_FRAMING = 0x40;
export const SR_BREAK = 0x80;
export const SR_ERRORS = 0xf0;

export const CR_ENABLE_RX = 0x01;
export const CR_DISABLE_RX = 0x02;
export const CR_ENABLE_TX = 0x04;
export const CR_DISABLE_TX = 0x08;
export const CR_RESET_MR = 0x10;
export const CR_RESET_RX = 0x20;
export const CR_RESET_TX = 0x30;
export const CR_RESET_ERROR = 0x40;
export const CR_RESET_BREAK_CHANGE = 0x50;
export const CR_ASSERT_RTSN = 0x80;
export const CR_NEGATE_RTSN = 0x90;

export const IMR_PROBE = 0x77; // TxRDY a/b, RxRDY a/b, delta-break a/b
export const ISR_DELTA_BREAK_AB = 0x44;

export const IPOCTAL_232 = 0x22;
export const IPOCTAL_422 = 0x2a;
export const IPOCTAL_485 = 0x48;
export const IPOCTAL_VENDOR = 0xf0;
export const XMIT_RING = 4096;

/** Baud rates the driver maps to CSR codes with ACR[7] = 1 (set 2); everything else is 38400. */
export const BAUD_CODES_SET2: Readonly<Record<number, number>> = {
  75: 0x0,
  110: 0x1,
  150: 0x3,
  300: 0x4,
  600: 0x5,
  1200: 0x6,
  1800: 0xa,
  2000: 0x7,
  2400: 0x8,
  4800: 0x9,
  9600: 0xb,
  19200: 0xc,
  38400: 0x2,
};

export interface IpoctalStats {
  tx: number;
  rx: number;
  overrun: number;
  parity: number;
  framing: number;
  break: number;
}

const zeroStats = (): IpoctalStats => ({ tx: 0, rx: 0, overrun: 0, parity: 0, framing: 0, break: 0 });

/** MR1/MR2/CSR for a termios, as set_termios computes them (with datasheet parity). */
export function termiosToRegs(
  t: Termios,
  boardId: number,
): { mr1: number; mr2: number; csr: number; applied: Termios } | undefined {
  const applied: Termios = { ...t };
  let mr1: number;
  if (t.csize === 6) mr1 = 0x01;
  else if (t.csize === 7) mr1 = 0x02;
  else {
    mr1 = 0x03;
    applied.csize = 8;
  }
  if (!t.parenb) mr1 |= 0x10;
  else if (t.parodd) mr1 |= 0x04;
  let mr2 = t.cstopb ? 0x0f : 0x07;
  if (boardId === IPOCTAL_232) {
    if (t.crtscts) {
      mr1 |= 0x80;
      mr2 |= 0x10;
    }
  } else if (boardId === IPOCTAL_485) {
    mr2 |= 0x20;
    applied.crtscts = false;
  } else if (boardId === IPOCTAL_422) applied.crtscts = false;
  else return undefined;
  let code = BAUD_CODES_SET2[t.baud];
  if (code === undefined) {
    code = 0x2;
    applied.baud = 38400;
  }
  return { mr1, mr2, csr: code * 0x11, applied };
}

export interface IpoctalChannelSnapshot {
  v: 1;
  rxEnabled: boolean;
  txOn: boolean;
  ring: number[];
  stats: IpoctalStats;
  termios: Termios | null;
}

/** One SCC2698B channel as a tty driver. */
export class IpoctalChannel implements TtyDriver {
  rxEnabled = false;
  /** TX enabled by the driver and not yet switched off after TxEMT. */
  txOn = false;
  readonly ring = new ByteQueue(XMIT_RING, XMIT_RING);
  stats: IpoctalStats = zeroStats();
  /** The line settings last programmed into MR1/MR2/CSR (null = probe values). */
  programmed: Termios | null = null;
  tty!: Tty;
  // Register offsets inside the board's IO mapping (small integers: see MmioRegion).
  readonly cr: number;
  readonly mr: number;
  readonly sr: number;
  readonly data: number;
  readonly isrAddr: number;
  readonly rxBit: number;
  readonly txBit: number;

  constructor(
    /** The board's IO space, mapped (ipoctal_inst_slot's ioremap). */
    private readonly io: MappedMmio,
    readonly index: number,
    private readonly boardId: number,
  ) {
    const base = 0x10 * index;
    this.mr = base + CH_MR;
    this.sr = base + CH_SR;
    this.cr = base + CH_CR;
    this.data = base + CH_RHR;
    this.isrAddr = 0x20 * (index >> 1) + BLK_ISR;
    this.rxBit = index & 1 ? 0x20 : 0x02;
    this.txBit = index & 1 ? 0x10 : 0x01;
  }

  private writeCr(v: number): void {
    this.io.write(this.cr, v, 1);
  }

  /** RX/TX off, reset RX, TX, error status and the MR pointer. */
  resetChannel(): void {
    for (const cmd of [CR_DISABLE_RX | CR_DISABLE_TX, CR_RESET_RX, CR_RESET_TX, CR_RESET_ERROR, CR_RESET_MR])
      this.writeCr(cmd);
  }

  /** Probe programming: 8 bits with parity, stop code 0, 9600/9600 (Linux's values). */
  probeChannel(): void {
    this.resetChannel();
    this.io.write(this.mr, 0x03, 1);
    this.io.write(this.mr, 0x00, 1);
    this.io.write(this.sr, 0xbb, 1);
  }

  open(): void {
    this.writeCr(CR_ENABLE_RX);
    this.rxEnabled = true;
  }

  close(): void {
    this.resetChannel();
    this.rxEnabled = false;
    this.txOn = false;
    this.ring.clear();
    this.stats = zeroStats();
  }

  write(bytes: ArrayLike<number>, start: number, end: number): number {
    const n = this.ring.push(bytes, start, end);
    if (this.boardId === IPOCTAL_485) {
      this.writeCr(CR_DISABLE_RX);
      this.writeCr(CR_ASSERT_RTSN);
    }
    this.writeCr(CR_ENABLE_TX);
    this.txOn = true;
    return n;
  }

  writeRoom(): number {
    return this.ring.room;
  }

  charsInBuffer(): number {
    return this.ring.length + (this.txOn ? 1 : 0);
  }

  setTermios(t: Termios): Termios {
    this.resetChannel();
    this.txOn = false;
    const regs = termiosToRegs(t, this.boardId);
    if (!regs) return t;
    this.io.write(this.mr, regs.mr1, 1);
    this.io.write(this.mr, regs.mr2, 1);
    this.io.write(this.sr, regs.csr, 1);
    if (this.rxEnabled) this.writeCr(CR_ENABLE_RX);
    this.programmed = regs.applied;
    return regs.applied;
  }

  // service() and receiveLoop() name the register bits as literals: optimised code loads a
  // module constant from its cell and checks it on every use.

  /** This channel's part of the interrupt handler (§3.8 ISR step 2). */
  service(): void {
    const isr = this.io.read(this.isrAddr, 1);
    const sr = this.io.read(this.sr, 1);
    if ((isr & 0x44) /* ISR_DELTA_BREAK_AB */ !== 0) this.writeCr(CR_RESET_BREAK_CHANGE);
    if ((sr & 0x08) /* SR_TXEMT */ !== 0 && this.ring.length === 0 && this.txOn === true) {
      this.writeCr(CR_DISABLE_TX);
      if (this.boardId === IPOCTAL_485) {
        this.writeCr(CR_NEGATE_RTSN);
        this.writeCr(CR_ENABLE_RX);
      }
      this.txOn = false;
      this.tty?.wakeup();
    }
    if ((isr & this.rxBit) !== 0 && (sr & 0x01) /* SR_RXRDY */ !== 0) this.receiveLoop(sr);
    // The TX step starts from the SR read at entry, as Linux does (the receive loop's reads are
    // its own), and then, unlike Linux's one byte per interrupt, keeps filling THR while SR
    // shows TxRDY: one byte per TxRDY seen, never a write while the holding register is full.
    if ((isr & this.txBit) !== 0 && (sr & 0x04) /* SR_TXRDY */ !== 0 && this.ring.length > 0) {
      const io = this.io;
      const ring = this.ring;
      const stats = this.stats;
      const thrAddr = this.data;
      const srAddr = this.sr;
      let txSr = sr;
      do {
        io.write(thrAddr, ring.shift(), 1);
        stats.tx++;
        if (ring.length === 0) break;
        txSr = io.read(srAddr, 1);
      } while ((txSr & 0x04) /* SR_TXRDY */ !== 0);
      this.tty?.wakeup();
    }
  }

  /**
   * Reads SR before RHR; the error bits belong to the character about to be read. Linux loops
   * on ISR's RxRDY bit and reads SR as well; with MR1[6] = 0 (RxINT on RxRDY, as this driver
   * programs it) that bit is SR's RxRDY, so the loop tests the SR it needs anyway.
   */
  private receiveLoop(firstSr: number): void {
    const io = this.io;
    const rhrAddr = this.data;
    const srAddr = this.sr;
    let sr = firstSr;
    do {
      const value = io.read(rhrAddr, 1);
      const flag = (sr & 0xf0) /* SR_ERRORS */ !== 0 ? this.receiveErrors(sr) : 'normal';
      this.stats.rx++;
      this.tty?.receive(value, flag);
      sr = io.read(srAddr, 1);
    } while ((sr & 0x01) /* SR_RXRDY */ !== 0);
    this.tty?.flipPush();
  }

  /** The error bits of the SR read before a character: reset them, count them, flag the character. */
  private receiveErrors(sr: number): RxFlag {
    let flag: RxFlag = 'normal';
    this.writeCr(CR_RESET_ERROR);
    if (sr & SR_OVERRUN) {
      this.stats.overrun++;
      this.tty?.receive(0, 'overrun');
    }
    if (sr & SR_PARITY) {
      this.stats.parity++;
      flag = 'parity';
    }
    if (sr & SR_FRAMING) {
      this.stats.framing++;
      flag = 'frame';
    }
    if (sr & SR_BREAK) {
      this.stats.break++;
      flag = 'break';
    }
    return flag;
  }

  snapshot(): IpoctalChannelSnapshot {
    return {
      v: 1,
      rxEnabled: this.rxEnabled,
      txOn: this.txOn,
      ring: this.ring.toArray(),
      stats: { ...this.stats },
      termios: this.programmed ? { ...this.programmed } : null,
    };
  }

  restore(s: IpoctalChannelSnapshot): void {
    if (s?.v !== 1 || !isByteArray(s.ring) || s.ring.length > XMIT_RING || typeof s.stats !== 'object')
      throw new Error(`ipoctal channel ${this.index} snapshot: bad data`);
    this.rxEnabled = Boolean(s.rxEnabled);
    this.txOn = Boolean(s.txOn);
    this.ring.load(s.ring);
    this.stats = { ...s.stats };
    this.programmed = s.termios ? { ...s.termios } : null;
  }
}

/** One probed IP-Octal board: 8 channels, their ttys and the interrupt handler. */
export class IpoctalBoard {
  readonly channels: IpoctalChannel[] = [];
  readonly ttys: Tty[] = [];
  /** Interrupt handler invocations (for the stats command). */
  irqCount = 0;
  private intSpace: MappedMmio | null = null;

  constructor(
    private readonly p: Platform,
    private readonly dev: IpackDevice,
  ) {}

  get boardId(): number {
    return this.dev.device;
  }

  deviceName(channel: number): string {
    return `ipoctal.${this.dev.busNr}.${this.dev.slot}.${channel}`;
  }

  /** ipoctal_inst_slot (§3.8 probe steps 1–5). */
  install(kernel: GuestKernel): void {
    // The IO, INT and MEM8 spaces mapped, as Linux's ipoctal_inst_slot does.
    const io = ioremap(this.p, this.dev.io.base, this.dev.io.size);
    this.intSpace = ioremap(this.p, this.dev.int.base, this.dev.int.size);
    const mem8 = ioremap(this.p, this.dev.mem8.base, this.dev.mem8.size);
    for (let c = 0; c < 8; c++) {
      const ch = new IpoctalChannel(io, c, this.boardId);
      ch.probeChannel();
      this.channels.push(ch);
    }
    for (let k = 0; k < 4; k++) {
      const block = 0x20 * k;
      io.write(block + BLK_ACR, 0x80, 1);
      io.write(block + BLK_OPCR, 0x80, 1);
      io.write(block + BLK_IMR, IMR_PROBE, 1);
    }
    mem8.write(1, 0x01, 1);
    for (const ch of this.channels) {
      const tty = new Tty(this.deviceName(ch.index), ch);
      ch.tty = tty;
      this.ttys.push(tty);
      kernel.registerDevice(tty.name, tty);
    }
    this.dev.requestIrq(() => this.handleIrq());
    kernel.printk(
      `ipoctal: ipack-dev.${this.dev.busNr}.${this.dev.slot}: 8 channels as ${this.deviceName(0)}..7`,
    );
  }

  /** ipoctal_irq_handler: acknowledge both lines, then service every channel. */
  handleIrq(): void {
    this.irqCount++;
    const int = this.intSpace as MappedMmio; // mapped at install, before the IRQ is requested
    int.read(0, 2);
    int.read(2, 2);
    for (const ch of this.channels) ch.service();
  }

  snapshot(): { v: 1; irqCount: number; channels: IpoctalChannelSnapshot[] } {
    return { v: 1, irqCount: this.irqCount, channels: this.channels.map((c) => c.snapshot()) };
  }

  restore(s: { v: 1; irqCount: number; channels: IpoctalChannelSnapshot[] }): void {
    if (s?.v !== 1 || !Array.isArray(s.channels) || s.channels.length !== this.channels.length)
      throw new Error('ipoctal board snapshot: bad data');
    const saved = this.channels.map((c) => c.snapshot());
    const apply = (list: IpoctalChannelSnapshot[]) => {
      for (const [i, cs] of list.entries()) this.channels[i].restore(cs);
    };
    applyOrRollBack(saved, s.channels, apply);
    this.irqCount = s.irqCount;
  }
}

/** The ipack module driver: binds format 1, vendor 0xF0, models 0x22/0x2A/0x48. */
export class IpoctalDriver implements IpackDriver {
  readonly name = 'ipoctal';
  readonly idTable = [
    { format: 1, vendor: IPOCTAL_VENDOR, device: IPOCTAL_232 },
    { format: 1, vendor: IPOCTAL_VENDOR, device: IPOCTAL_422 },
    { format: 1, vendor: IPOCTAL_VENDOR, device: IPOCTAL_485 },
  ];
  readonly boards: IpoctalBoard[] = [];

  constructor(private readonly kernel: GuestKernel) {}

  probe(dev: IpackDevice): boolean {
    const board = new IpoctalBoard(this.kernel.platform, dev);
    board.install(this.kernel);
    this.boards.push(board);
    return true;
  }
}
