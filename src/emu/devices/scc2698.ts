// Philips SCC2698B octal UART (ipack.md §3.2–§3.7; datasheet semantics [DS]).
//
// Interface:
//   registers    64, numbered r = 0..63: block k = r >> 4 (A–D), index r & 15 (BLOCK_REGS);
//                channel c = 2k + ((r & 15) >> 3). read(r) / write(r, value) have the side effects
//                of the chip (RHR pops, MR pointer advances, IPCR clears, counter start/stop).
//   interrupts   one request per block, active while ISR & IMR ≠ 0: onIrqChange(block, active).
//   host ends    per channel: setHostEnd(c, SerialHostEnd), receiveFromHost(c, byte, frame?,
//                condition?), setUnpaced(c, on), setHostFrame(c, frame | null), setCts(c, level).
//   time         every character time, break and counter period is a scheduler event (owner
//                "<name>.scc"); all state, including pending event ids, is in snapshot().
//
// Modelled: MR1/MR2 with the sticky pointer, CSR with both baud tables (ACR[7]), CR enable bits
// and every command (0x1–0xA, 0xC), SR, RX FIFO 3 deep + hold register with overrun, per-entry
// PE/FE/RB, character and block error modes, RxINT = RxRDY or FFULL, break detect with the
// delta-break bit at start and end, TX holding + shift register at the programmed character
// time, start/stop break, CTS-gated TX, RTSN (CR 0x8/0x9, MR1[7] RxRTS, MR2[5] TxRTS) when OPCR
// selects RTSN, the four channel modes (normal, auto echo, local and remote loopback), the
// counter/timer (crystal and TX-clock sources), receiver time-out mode, IPCR/IP/ACR[3:0]
// change-of-state on the MPI inputs (MPI0 = CTSN [inf]).
// Not modelled: external clocks (CSR 0xE/0xF and C/T external sources run at 9600 / not at all,
// reported as 'unimp'), the BRG and 1X/16X test modes, MPO functions other than RTSN (stored),
// the receiver's re-sync on edges inside a mis-timed frame (serial-backend.ts rule).

import { bit, bits, defineRegs, RegMap } from '../core/regs';
import type { EventId, Scheduler } from '../core/scheduler';
import { check, cloneState } from '../core/snapshot';
import type { TraceRing } from '../core/trace';
import {
  charTimeNs,
  type FrameFormat,
  type Parity,
  type RxCondition,
  type SerialHostEnd,
  sampleFrame,
} from './serial-backend';

// Field layouts shared by the channel a and b registers and by ISR/IMR.
const MR1_FIELDS = {
  BITS: bits(0, 2),
  PTYPE: bit(2),
  PMODE: bits(3, 2),
  ERRMODE: bit(5),
  RXINT: bit(6),
  RXRTS: bit(7),
};
const MR2_FIELDS = { STOP: bits(0, 4), CTSTX: bit(4), TXRTS: bit(5), CHMODE: bits(6, 2) };
const SR_FIELDS = {
  RXRDY: bit(0),
  FFULL: bit(1),
  TXRDY: bit(2),
  TXEMT: bit(3),
  OVERRUN: bit(4),
  PE: bit(5),
  FE: bit(6),
  RB: bit(7),
};
const CSR_FIELDS = { TX_CLOCK: bits(0, 4), RX_CLOCK: bits(4, 4) };
const CR_FIELDS = { RX_ON: bit(0), RX_OFF: bit(1), TX_ON: bit(2), TX_OFF: bit(3), CMD: bits(4, 4) };
const DATA_FIELDS = { DATA: bits(0, 8) };
const ISR_FIELDS = {
  TXRDYA: bit(0),
  RXRDYA: bit(1),
  DBREAKA: bit(2),
  CTRRDY: bit(3),
  TXRDYB: bit(4),
  RXRDYB: bit(5),
  DBREAKB: bit(6),
  IPCHG: bit(7),
};

// SCC2698B block registers by index r & 15. The IP bus puts register r at odd byte address 2r+1.
export const BLOCK_REGS = defineRegs({
  MR1A: {
    offset: 0,
    access: 'rw',
    fields: MR1_FIELDS,
    note: 'MR1 and MR2 share the address; the first access after CR 0x10 is MR1',
  },
  MR2A: { offset: 0, access: 'rw', fields: MR2_FIELDS },
  SRA: { offset: 1, access: 'r', fields: SR_FIELDS },
  CSRA: { offset: 1, access: 'w', fields: CSR_FIELDS },
  BRG_TEST: { offset: 2, access: 'r', note: 'reading puts the chip in a test mode: do not read' },
  CRA: { offset: 2, access: 'w', fields: CR_FIELDS },
  RHRA: { offset: 3, access: 'r', fields: DATA_FIELDS },
  THRA: { offset: 3, access: 'w', fields: DATA_FIELDS },
  IPCR: { offset: 4, access: 'r', fields: { LEVELS: bits(0, 4), DELTAS: bits(4, 4) } },
  ACR: { offset: 4, access: 'w', fields: { IPCHG_EN: bits(0, 4), CT_MODE: bits(4, 3), BRG_SET2: bit(7) } },
  ISR: { offset: 5, access: 'r', fields: ISR_FIELDS },
  IMR: { offset: 5, access: 'w', reset: 0, fields: ISR_FIELDS },
  CTU: { offset: 6, access: 'r' },
  CTUR: { offset: 6, access: 'w' },
  CTL: { offset: 7, access: 'r' },
  CTLR: { offset: 7, access: 'w' },
  MR1B: { offset: 8, access: 'rw', fields: MR1_FIELDS },
  MR2B: { offset: 8, access: 'rw', fields: MR2_FIELDS },
  SRB: { offset: 9, access: 'r', fields: SR_FIELDS },
  CSRB: { offset: 9, access: 'w', fields: CSR_FIELDS },
  TEST_1X16X: { offset: 10, access: 'r', note: 'reading puts the chip in a test mode: do not read' },
  CRB: { offset: 10, access: 'w', fields: CR_FIELDS },
  RHRB: { offset: 11, access: 'r', fields: DATA_FIELDS },
  THRB: { offset: 11, access: 'w', fields: DATA_FIELDS },
  RESERVED_12: { offset: 12, access: 'rw' },
  IP: { offset: 13, access: 'r', fields: { LEVELS: bits(0, 4) } },
  OPCR: { offset: 13, access: 'w', fields: { MPOA: bits(0, 3), MPOB: bits(4, 3), MPP_OUT: bit(7) } },
  START_COUNTER: { offset: 14, access: 'r', note: 'the read starts the counter/timer' },
  RESERVED_14: { offset: 14, access: 'w' },
  STOP_COUNTER: { offset: 15, access: 'r', note: 'the read stops the counter and clears ISR.CTRRDY' },
  RESERVED_15: { offset: 15, access: 'w' },
});

export const SCC_REGS = new RegMap(BLOCK_REGS);
export const BLOCK_NAMES = ['A', 'B', 'C', 'D'] as const;

/** Crystal on the IP-Octal. */
export const SCC_XTAL_HZ = 3_686_400;
/** CSR codes 0x0–0xC, ACR[7] = 0 (set 1) and 1 (set 2). 0x7 in set 2 is 2000 nominal, 2003.5 exact. */
export const BAUD_SET1 = [50, 110, 134.5, 200, 300, 600, 1200, 1050, 2400, 4800, 7200, 9600, 38400];
export const BAUD_SET2 = [75, 110, 38400, 150, 300, 600, 1200, 2003.5, 2400, 4800, 1800, 9600, 19200];

// SR bits.
export const SR_RXRDY = 0x01;
export const SR_FFULL = 0x02;
export const SR_TXRDY = 0x04;
export const SR_TXEMT = 0x08;
export const SR_OVERRUN = 0x10;
export const SR_PE = 0x20;
export const SR_FE = 0x40;
export const SR_RB = 0x80;

const RX_FIFO_DEPTH = 3;
const FALLBACK_BAUD = 9600;

// Scheduler event kinds (arg = channel, or block for the counter).
const EV_TX_DONE = 1;
const EV_HOST_KICK = 2;
const EV_LINE_DONE = 3;
const EV_BREAK_END = 4;
const EV_COUNTER = 5;

/**
 * A received character as the FIFO holds it: the data byte in bits 7:0 and its SR[7:5] bits
 * (PE, FE, RB) in bits 15:13, i.e. byte | flags << 8 (a number: no object per character).
 * Older snapshots hold { byte, flags } objects; restore converts them.
 */
type RxEntry = number;
const entryOf = (byte: number, flags: number): RxEntry => (byte & 0xff) | ((flags & 0xe0) << 8);
const entryByte = (e: RxEntry) => e & 0xff;

interface HostChar {
  byte: number;
  frame: FrameFormat | null;
  condition: RxCondition | null;
  /** Already clocked onto the wire by another UART (a cable): completes without a new frame time. */
  clocked?: boolean;
}

export interface ChannelState {
  mr1: number;
  mr2: number;
  /** 0 = the next MR access goes to MR1, 1 = to MR2 (sticky until CR 0x10). */
  mrPointer: 0 | 1;
  csr: number;
  rxEnabled: boolean;
  txEnabled: boolean;
  rxFifo: RxEntry[];
  /** A complete character waiting in the receive shift register (the 4th). */
  rxHold: RxEntry | null;
  overrun: boolean;
  /** Block error mode: SR[7:5] accumulated since CR 0x40. */
  blockErrors: number;
  deltaBreak: boolean;
  /** The receiver is inside a break (line at space). */
  inBreak: boolean;
  lastRhr: number;
  thr: number | null;
  shifting: number | null;
  shiftFrame: FrameFormat | null;
  txRdy: boolean;
  txEmt: boolean;
  txEvent: EventId;
  /** CR 0x6 seen while a character was shifting: break starts when it ends. */
  txBreakPending: boolean;
  txBreak: boolean;
  rtsAsserted: boolean;
  ctsAsserted: boolean;
  timeoutMode: boolean;
  // Host side of the line (its queue of characters is a HostLine, outside this state).
  hostFrame: FrameFormat | null;
  unpaced: boolean;
  /**
   * Unpaced transmitter (a host end that takes characters as fast as they come): in normal
   * mode a character leaves the shift register the moment it enters it, so TxRDY and TxEMT are
   * set again at the end of the THR write. Absent in older snapshots (= paced).
   */
  txUnpaced?: boolean;
  /** The character (or break) now on the host→device line, paced mode. */
  lineChar: HostChar | null;
  /** The receiver was off at some point during lineChar: it is lost. */
  lineLost: boolean;
  lineEvent: EventId;
  kickEvent: EventId;
}

/** A channel as the snapshot holds it: the state plus the host's queued characters. */
export interface ChannelSnapshot extends ChannelState {
  /**
   * Host characters not yet on the line; hostQueue[hostHead] is next. A plain character (no
   * frame of its own, no forced condition) is kept as its byte value.
   */
  hostQueue: (HostChar | number)[];
  hostHead: number;
}

export interface BlockState {
  acr: number;
  imr: number;
  opcr: number;
  ctur: number;
  ctlr: number;
  counterRunning: boolean;
  counterStartNs: number;
  counterStartValue: number;
  counterStoppedValue: number;
  counterReady: boolean;
  counterEvent: EventId;
  /** Ticks after counterStartNs at which counterEvent fires. */
  counterEventTicks: number;
  /** IPCR[7:4]: change seen on MPI0a, MPI1a, MPI0b, MPI1b since the last IPCR read. */
  ipDeltas: number;
  ipChange: boolean;
  irq: boolean;
}

export interface Scc2698Snapshot {
  v: 1;
  channels: ChannelSnapshot[];
  blocks: BlockState[];
}

/** The chip's live state (host queues apart, in HostLine). */
interface Scc2698State {
  v: 1;
  channels: ChannelState[];
  blocks: BlockState[];
}

export type SccIrqListener = (block: number, active: boolean) => void;

/** A listener to the block requests as an object (the module): see Scc2698.addIrqSink. */
export interface SccIrqSink {
  sccIrqChanged(block: number, active: boolean): void;
}

class FnSccSink implements SccIrqSink {
  constructor(private readonly fn: SccIrqListener) {}
  sccIrqChanged(block: number, active: boolean): void {
    this.fn(block, active);
  }
}

function initialChannel(): ChannelState {
  return {
    mr1: 0,
    mr2: 0,
    mrPointer: 0,
    csr: 0,
    rxEnabled: false,
    txEnabled: false,
    rxFifo: [],
    rxHold: null,
    overrun: false,
    blockErrors: 0,
    deltaBreak: false,
    inBreak: false,
    lastRhr: 0,
    thr: null,
    shifting: null,
    shiftFrame: null,
    txRdy: false,
    txEmt: false,
    txEvent: 0,
    txBreakPending: false,
    txBreak: false,
    rtsAsserted: false,
    ctsAsserted: true,
    timeoutMode: false,
    hostFrame: null,
    unpaced: false,
    txUnpaced: false,
    lineChar: null,
    lineLost: false,
    lineEvent: 0,
    kickEvent: 0,
  };
}

function initialBlock(): BlockState {
  return {
    acr: 0,
    imr: 0,
    opcr: 0,
    ctur: 0,
    ctlr: 0,
    counterRunning: false,
    counterStartNs: 0,
    counterStartValue: 0,
    counterStoppedValue: 0,
    counterReady: false,
    counterEvent: 0,
    counterEventTicks: 0,
    ipDeltas: 0,
    ipChange: false,
    irq: false,
  };
}

// Trace text depends only on (register, name, value): cached, the trace costs little per access.
const describeCache = new Map<string, string>();

function describeRegister(r: number, name: string, value: number): string {
  const key = `${r}:${name}:${value}`;
  const hit = describeCache.get(key);
  if (hit !== undefined) return hit;
  const block = (r >> 4) & 3;
  const decoded = SCC_REGS.decode(name as keyof typeof BLOCK_REGS, value);
  const m = /^(MR1|MR2|SR|CSR|CR|RHR|THR)([AB])$/.exec(name);
  const label = m
    ? `${m[1]}${'ABCDEFGH'[block * 2 + (m[2] === 'B' ? 1 : 0)]}`
    : `${name}[${BLOCK_NAMES[block]}]`;
  const text = label + decoded.slice(name.length);
  if (describeCache.size < 65536) describeCache.set(key, text);
  return text;
}

/**
 * The host's side of one channel's line: characters not yet on the wire, oldest first. A plain
 * character (no frame of its own, no forced condition) is its byte value in a typed ring; any
 * other is a HostChar, kept in a parallel array at the same ring index (code −1). Outside the
 * chip's snapshot state (reset keeps it: the far end keeps sending); snapshot() writes it out as
 * the hostQueue list.
 */
class HostLine {
  private codes = new Int16Array(64);
  private chars: (HostChar | undefined)[] = new Array(64);
  private head = 0;
  count = 0;

  push(byte: number): void {
    if (this.count === this.codes.length) this.grow();
    const at = (this.head + this.count) & (this.codes.length - 1);
    this.codes[at] = byte;
    this.count++;
  }

  pushChar(hc: HostChar): void {
    if (this.count === this.codes.length) this.grow();
    const at = (this.head + this.count) & (this.codes.length - 1);
    this.codes[at] = -1;
    this.chars[at] = hc;
    this.count++;
  }

  /** bytes[start..end) as plain characters. */
  pushBytes(bytes: ArrayLike<number>, start: number, end: number): void {
    const n = end - start;
    while (this.count + n > this.codes.length) this.grow();
    const codes = this.codes;
    const mask = codes.length - 1;
    let at = (this.head + this.count) & mask;
    if (bytes instanceof Uint8Array && at + n <= codes.length) {
      codes.set(bytes.subarray(start, end), at); // a byte array's values are already 0..255
    } else {
      for (let i = start; i < end; i++) {
        codes[at] = bytes[i] & 0xff;
        at = (at + 1) & mask;
      }
    }
    this.count += n;
  }

  /** The next character's code (its byte, or −1 for a HostChar); the line must not be empty. */
  peekCode(): number {
    return this.codes[this.head];
  }

  /** Removes the next character if it is plain and returns its byte; else −1 (nothing removed). */
  nextPlain(): number {
    if (this.count === 0) return -1;
    const code = this.codes[this.head];
    if (code < 0) return -1;
    this.head = (this.head + 1) & (this.codes.length - 1);
    this.count--;
    return code;
  }

  /** Removes the next character and returns its code (see peekCode). */
  takeCode(): number {
    const code = this.codes[this.head];
    this.head = (this.head + 1) & (this.codes.length - 1);
    this.count--;
    return code;
  }

  /** Removes the next character as a HostChar or byte value. */
  take(): HostChar | number {
    const at = this.head;
    const code = this.takeCode();
    if (code >= 0) return code;
    const hc = this.chars[at] as HostChar;
    this.chars[at] = undefined;
    return hc;
  }

  toList(): (HostChar | number)[] {
    const out: (HostChar | number)[] = [];
    const mask = this.codes.length - 1;
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) & mask;
      const code = this.codes[at];
      out.push(code >= 0 ? code : (this.chars[at] as HostChar));
    }
    return out;
  }

  load(list: readonly (HostChar | number)[]): void {
    this.head = 0;
    this.count = 0;
    this.chars.fill(undefined);
    for (const e of list) {
      if (typeof e === 'number') this.push(e & 0xff);
      else this.pushChar(e);
    }
  }

  private grow(): void {
    const n = this.codes.length;
    const codes = new Int16Array(2 * n);
    const chars: (HostChar | undefined)[] = new Array(2 * n);
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) & (n - 1);
      codes[i] = this.codes[at];
      chars[i] = this.chars[at];
    }
    this.codes = codes;
    this.chars = chars;
    this.head = 0;
  }
}

/** The FIFO's oldest entry, removed (Array.prototype.shift left-trims the array: far slower). */
function popFront(fifo: RxEntry[]): RxEntry | undefined {
  const n = fifo.length;
  if (n === 0) return undefined;
  const top = fifo[0];
  for (let i = 1; i < n; i++) fifo[i - 1] = fifo[i];
  fifo.pop();
  return top;
}

/** A queued plain byte as a host character (the paced line and the slow unpaced cases). */
function plainChar(byte: number): HostChar {
  return { byte, frame: null, condition: null };
}

const PARITY_WITH: Parity[] = ['even', 'odd'];
const PARITY_FORCE: Parity[] = ['space', 'mark'];

export class Scc2698 {
  private s: Scc2698State = { v: 1, channels: [], blocks: [] };
  /**
   * The configuration half of the unpaced fast paths' conditions, per channel (derived, not
   * state): bit c = RX (readRhr: unpaced, receiver enabled, no host frame, MR1[7] and MR2[6]
   * clear, no timeout mode), bit 8 + c = TX (writeThrRegister: TX unpaced, transmitter enabled,
   * MR2[7:4] = 0, no break). refreshFast(c) right after every change of one of those fields.
   */
  private fastBits = 0;
  /** The channels and blocks of s (one load less on every register access; set whenever s is). */
  private chs: ChannelState[] = [];
  private blks: BlockState[] = [];
  /** Per channel, the host's characters not yet on the line. */
  private readonly lines: HostLine[] = Array.from({ length: 8 }, () => new HostLine());
  private readonly owner: number;
  private readonly hosts: (SerialHostEnd | undefined)[] = new Array(8);
  /**
   * Objects, not closures: a closure is a call target that dies with its owner, and optimised
   * code that inlined it is thrown away then.
   */
  private readonly irqSinks: SccIrqSink[] = [];
  /** Trace texts by (register, value, direction, MR pointer): at most 64·256·4 entries. */
  private readonly describeCache = new Map<number, string>();
  /** Derived from registers (txTiming), not state: not in the snapshot. */
  private readonly txTimingCache: ({ key: number; frame: FrameFormat; ns: number } | undefined)[] = new Array(
    8,
  );

  constructor(
    private readonly sched: Scheduler,
    /** Trace device name and event owner prefix, e.g. "ipoctal.A". */
    readonly name: string,
    private readonly trace?: TraceRing,
  ) {
    this.owner = sched.register(`${name}.scc`, (kind, arg) => this.onEvent(kind, arg));
    this.reset();
  }

  onIrqChange(listener: SccIrqListener): void {
    this.irqSinks.push(new FnSccSink(listener));
  }

  /** onIrqChange with an object (the IP module). */
  addIrqSink(sink: SccIrqSink): void {
    this.irqSinks.push(sink);
  }

  /** Power-up / RESET# state, set explicitly (ipack.md §3.7). Host-side queues survive. */
  reset(): void {
    const old = this.chs;
    this.txTimingCache.fill(undefined);
    for (const ch of old) this.cancel(ch.txEvent);
    for (const b of this.blks) this.cancel(b.counterEvent);
    this.s = {
      v: 1,
      channels: Array.from({ length: 8 }, (_, c) => {
        const fresh = initialChannel();
        const prev = old[c];
        if (prev) {
          // The far end keeps sending; a character already on the line is lost to the reset.
          fresh.hostFrame = prev.hostFrame;
          fresh.unpaced = prev.unpaced;
          fresh.txUnpaced = prev.txUnpaced;
          fresh.ctsAsserted = prev.ctsAsserted;
          fresh.lineChar = prev.lineChar;
          fresh.lineEvent = prev.lineEvent;
          fresh.lineLost = prev.lineChar !== null;
          fresh.kickEvent = prev.kickEvent;
        }
        return fresh;
      }),
      blocks: Array.from({ length: 4 }, initialBlock),
    };
    this.chs = this.s.channels;
    this.blks = this.s.blocks;
    for (let c = 0; c < 8; c++) this.refreshFast(c);
    for (let c = 0; c < 8; c++) this.hosts[c]?.onRtsChange?.(false);
    this.updateIrq();
  }

  private cancel(id: EventId): void {
    if (id) this.sched.cancel(id);
  }

  private ch(c: number): ChannelState {
    return this.chs[c];
  }

  /** fastBits for channel c from its state (call after any change of the fields it tests). */
  private refreshFast(c: number): void {
    const ch = this.chs[c];
    if (ch === undefined) return;
    const rx =
      ch.unpaced === true &&
      ch.rxEnabled === true &&
      ch.hostFrame === null &&
      ((ch.mr1 & 0x80) | (ch.mr2 & 0x40)) === 0 &&
      ch.timeoutMode === false;
    const tx =
      ch.txUnpaced === true && ch.txEnabled === true && (ch.mr2 & 0xf0) === 0 && ch.txBreak === false;
    this.fastBits = (this.fastBits & ~(0x101 << c)) | (rx ? 1 << c : 0) | (tx ? 256 << c : 0);
  }

  // --- derived values ---------------------------------------------------------------------

  private dataBits(c: number): 5 | 6 | 7 | 8 {
    return (5 + (this.ch(c).mr1 & 3)) as 5 | 6 | 7 | 8;
  }

  private parity(c: number): Parity {
    const mr1 = this.ch(c).mr1;
    const type = (mr1 >> 2) & 1;
    switch ((mr1 >> 3) & 3) {
      case 0:
        return PARITY_WITH[type];
      case 1:
        return PARITY_FORCE[type];
      case 2:
        return 'none';
      default:
        return 'multidrop';
    }
  }

  /** Stop length in bits from MR2[3:0] (ipack.md §3.3). */
  private stopBits(c: number): number {
    const n = this.ch(c).mr2 & 0xf;
    if (this.dataBits(c) === 5 || n >= 8) return (17 + n) / 16;
    return (9 + n) / 16;
  }

  /** Baud rate for a CSR nibble in channel c's block. */
  baudFor(c: number, code: number): number {
    const block = this.blks[c >> 1];
    if (code <= 0xc) return (block.acr & 0x80 ? BAUD_SET2 : BAUD_SET1)[code];
    if (code === 0xd) {
      const hz = this.counterClockHz(c >> 1);
      const preload = this.preload(c >> 1);
      if (hz > 0 && block.acr & 0x40) return hz / (2 * preload) / 16;
    }
    return FALLBACK_BAUD;
  }

  rxBaud(c: number): number {
    return this.baudFor(c, this.ch(c).csr >> 4);
  }

  txBaud(c: number): number {
    return this.baudFor(c, this.ch(c).csr & 0xf);
  }

  /** The frame the transmitter of channel c sends with. */
  txFrame(c: number): FrameFormat {
    return {
      baud: this.txBaud(c),
      dataBits: this.dataBits(c),
      parity: this.parity(c),
      stopBits: this.stopBits(c),
    };
  }

  /**
   * txFrame(c) and its character time, reused until MR1/MR2 or CSR of the channel, ACR of its
   * block, a reset or a restore changes what they depend on (forgetTxTiming; codes 0xD–0xF
   * depend on the counter/timer: never cached). The frame object is shared: treat it as
   * read-only.
   */
  private txTiming(c: number): { frame: FrameFormat; ns: number } {
    const hit = this.txTimingCache[c];
    if (hit !== undefined) return hit;
    return this.txTimingMiss(c);
  }

  /** Channel c's registers that txTiming depends on may have changed. */
  private forgetTxTiming(c: number): void {
    this.txTimingCache[c] = undefined;
  }

  /** What txTiming depends on, as one number; −1 for codes 0xD–0xF (never cached). */
  private txTimingKey(c: number): number {
    const ch = this.chs[c];
    const code = ch.csr & 0xf;
    if (code > 0xc) return -1;
    return (ch.mr1 & 0x1f) | ((ch.mr2 & 0xf) << 5) | (code << 9) | ((this.blks[c >> 1].acr & 0x80) << 6);
  }

  private txTimingMiss(c: number): { frame: FrameFormat; ns: number } {
    const key = this.txTimingKey(c);
    const frame = this.txFrame(c);
    const timing = { key, frame, ns: charTimeNs(frame) };
    if (key >= 0) this.txTimingCache[c] = timing;
    return timing;
  }

  /** The frame the receiver of channel c expects. */
  rxFrame(c: number): FrameFormat {
    return {
      baud: this.rxBaud(c),
      dataBits: this.dataBits(c),
      parity: this.parity(c),
      stopBits: this.stopBits(c),
    };
  }

  sr(c: number): number {
    const ch = this.chs[c];
    const fifo = ch.rxFifo;
    const n = fifo.length;
    // Booleans compared with === (V8 does not track a field's boolean type: a bare test is a
    // generic truthiness check, === one compare). The SR bits and the FIFO depth as literals:
    // optimised code loads a module constant from its cell and checks it on every use.
    let v =
      (ch.txRdy === true ? 0x04 /* SR_TXRDY */ : 0) |
      (ch.txEmt === true ? 0x08 /* SR_TXEMT */ : 0) |
      (ch.overrun === true ? 0x10 /* SR_OVERRUN */ : 0);
    if (n > 0) v |= n >= 3 /* RX_FIFO_DEPTH */ ? 0x03 /* SR_RXRDY | SR_FFULL */ : 0x01 /* SR_RXRDY */;
    return (
      v |
      ((ch.mr1 & 0x20) !== 0 ? ch.blockErrors : n > 0 ? (fifo[0] >> 8) & 0xe0 /* the entry's SR[7:5] */ : 0)
    );
  }

  isr(block: number): number {
    const b = this.blks[block];
    let v = this.isrNibble(this.chs[block * 2]) | (this.isrNibble(this.chs[block * 2 + 1]) << 4);
    if (b.counterReady) v |= 0x08;
    if (b.ipChange) v |= 0x80;
    return v;
  }

  /** A channel's ISR bits: TxRDY, RxRDY (or FFULL with MR1[6]), delta break (from sr()). */
  private isrNibble(ch: ChannelState): number {
    const n = ch.rxFifo.length;
    let nib = ch.txRdy === true ? 1 : 0;
    if ((ch.mr1 & 0x40) !== 0 ? n >= 3 /* RX_FIFO_DEPTH */ : n > 0) nib |= 2;
    if (ch.deltaBreak === true) nib |= 4;
    return nib;
  }

  /** Current level of the block's interrupt request. */
  irqLevel(block: number): boolean {
    return this.blks[block].irq;
  }

  /** Read-only view for the inspector and tests (do not mutate). */
  get state(): Readonly<Scc2698State> {
    return this.s;
  }

  // --- register access --------------------------------------------------------------------

  /** The MR pointer of the channel register r belongs to (0 = MR1 next, 1 = MR2). */
  mrPointer(r: number): 0 | 1 {
    return this.ch(((r >> 4) & 3) * 2 + ((r & 15) >> 3)).mrPointer;
  }

  /**
   * Name of register r for a read or write as it would be decoded now ("MR2A", "SRB"), or with
   * the MR pointer given (trace decoding after the fact).
   */
  regName(r: number, dir: 'read' | 'write', mrPointer?: 0 | 1): string | undefined {
    const index = r & 15;
    let name = SCC_REGS.nameAt(index, dir) as string | undefined;
    if (name === 'MR1A' || name === 'MR1B') {
      if ((mrPointer ?? this.mrPointer(r)) === 1) name = index === 0 ? 'MR2A' : 'MR2B';
    }
    return name;
  }

  /**
   * "SRD RXRDY TXRDY" (channel registers named by channel letter a–h), "ISR[B] RXRDYB" (block
   * registers with their block letter). Decodes the state before the access; no side effects.
   */
  describe(r: number, dir: 'read' | 'write', value: number, mrPointer?: 0 | 1): string {
    // The text depends on (register, direction, value) and, for MR1/MR2, the MR pointer.
    const index = r & 15;
    const mr = index === 0 || index === 8 ? (mrPointer ?? this.mrPointer(r)) : 0;
    const key = ((r & 63) << 11) | ((value & 0xff) << 3) | (dir === 'read' ? 4 : 0) | mr;
    const hit = this.describeCache.get(key);
    if (hit !== undefined) return hit;
    const name = this.regName(r, dir, mr as 0 | 1);
    const text = name ? describeRegister(r & 63, name, value & 0xff) : `reg ${r}`;
    this.describeCache.set(key, text);
    return text;
  }

  // read() and write() stay small (their callers inline them, and V8 inlines only so much
  // bytecode into one function): SR, RHR, ISR and THR, the registers of every received or sent
  // character, are dispatched here, every other register in readOther()/writeOther().
  read(r: number): number {
    const index = r & 7;
    // Channel 2·block + (index >> 3) = bits 5:3 of r.
    if (index === 1) return this.sr((r >> 3) & 7);
    if (index === 3) return this.readRhr((r >> 3) & 7);
    return this.readOther(r);
  }

  private readOther(r: number): number {
    const block = (r >> 4) & 3;
    const index = r & 15;
    const c = block * 2 + (index >> 3);
    switch (index) {
      case 0:
      case 8:
        return this.readMr(c);
      case 1:
      case 9:
        return this.sr(c);
      case 2:
      case 10:
        this.guestError(r, 'read of a test-mode register (BRG / 1X-16X test)');
        return 0;
      case 3:
      case 11:
        return this.readRhr(c);
      case 4:
        return this.readIpcr(block);
      case 5:
        return this.isr(block);
      case 6:
        return (this.counterValue(block) >> 8) & 0xff;
      case 7:
        return this.counterValue(block) & 0xff;
      case 12:
        this.guestError(r, 'read of reserved register 12');
        return 0;
      case 13:
        return this.inputLevels(block);
      case 14:
        this.startCounter(block);
        return 0;
      default:
        this.stopCounter(block);
        return 0;
    }
  }

  write(r: number, value: number): void {
    if ((r & 7) === 3) this.writeThrRegister((r >> 3) & 7, value & 0xff);
    else this.writeOther(r, value);
  }

  /** A THR write (see writeThr), with the unpaced bulk case first. */
  private writeThrRegister(c: number, v: number): void {
    const ch = this.chs[c];
    if (
      (this.fastBits & (256 << c)) !== 0 /* see refreshFast */ &&
      ch.txRdy === true &&
      ch.txEmt === true &&
      ch.thr === null &&
      ch.shifting === null
    ) {
      // The unpaced bulk case (normal mode, no CTS or RTS control, transmitter idle): the
      // character goes through THR and the shift register out at once and TxRDY/TxEMT are
      // set again, as writeThr → sendUnpaced leave them: nothing else changes.
      const frame = this.txTiming(c).frame;
      this.hosts[c]?.onTxByte(v & ((1 << frame.dataBits) - 1), frame);
      return;
    }
    const nibble = this.isrNibble(ch);
    this.writeThr(c, v);
    this.updateChannelIrq(ch, c, nibble);
  }

  private writeOther(r: number, value: number): void {
    const v = value & 0xff;
    const block = (r >> 4) & 3;
    const index = r & 15;
    const c = block * 2 + (index >> 3);
    switch (index) {
      case 0:
      case 8:
        this.writeMr(c, v);
        break;
      case 1:
      case 9:
        this.writeCsr(c, v);
        break;
      case 2:
      case 10:
        this.runCommand(c, v);
        break;
      case 4:
        this.writeAcr(block, v);
        break;
      case 5:
        this.blks[block].imr = v;
        break;
      case 6:
        this.blks[block].ctur = v;
        break;
      case 7:
        this.blks[block].ctlr = v;
        break;
      case 13:
        this.writeOpcr(block, v);
        break;
      default:
        this.guestError(r, `write to reserved register ${index}`);
        return;
    }
    this.updateBlockIrq(block);
  }

  private guestError(r: number, text: string): void {
    this.trace?.record('guest-error', this.name, 'IO', 2 * r + 1, 1, 0, text);
  }

  private unimp(r: number, text: string): void {
    this.trace?.record('unimp', this.name, 'IO', 2 * r + 1, 1, 0, text);
  }

  private readMr(c: number): number {
    const ch = this.ch(c);
    const v = ch.mrPointer === 0 ? ch.mr1 : ch.mr2;
    ch.mrPointer = 1;
    return v;
  }

  private writeMr(c: number, v: number): void {
    const ch = this.ch(c);
    this.forgetTxTiming(c);
    if (ch.mrPointer === 0) ch.mr1 = v;
    else {
      ch.mr2 = v;
      if (v & 0x40 && (v & 0xc0) !== 0xc0) this.traceModeChange(c, v);
    }
    this.refreshFast(c);
    ch.mrPointer = 1;
    this.updateRts(c);
  }

  private traceModeChange(c: number, mr2: number): void {
    const modes = ['normal', 'auto echo', 'local loopback', 'remote loopback'];
    this.trace?.record('event', this.name, 'IO', 0, 0, mr2, `channel ${c}: ${modes[mr2 >> 6]} mode`);
  }

  private writeCsr(c: number, v: number): void {
    this.ch(c).csr = v;
    this.forgetTxTiming(c);
    for (const code of [v >> 4, v & 0xf]) {
      if (code === 0xd && !(this.counterClockHz(c >> 1) > 0 && this.blks[c >> 1].acr & 0x40))
        this.unimp(c * 8 + 1, 'CSR 0xD needs the C/T in timer mode on a modelled clock: running at 9600');
      if (code >= 0xe) this.unimp(c * 8 + 1, 'CSR external clock: running at 9600');
    }
  }

  private writeAcr(block: number, v: number): void {
    const b = this.blks[block];
    b.acr = v;
    this.forgetTxTiming(block * 2);
    this.forgetTxTiming(block * 2 + 1);
    const mode = (v >> 4) & 7;
    if (mode === 0 || mode === 4 || mode === 5)
      this.unimp(block * 16 + 4, 'ACR counter/timer external clock source: the C/T does not count');
  }

  private writeOpcr(block: number, v: number): void {
    this.blks[block].opcr = v;
    if ((v & 0x07) !== 0 || (v & 0x70) !== 0)
      this.unimp(block * 16 + 13, 'OPCR MPO function other than RTSN: stored, pin not driven');
    this.updateRts(block * 2);
    this.updateRts(block * 2 + 1);
  }

  // --- CR ---------------------------------------------------------------------------------

  private runCommand(c: number, v: number): void {
    const ch = this.ch(c);
    // Enable/disable bits first, then the command (QEMU's order, ipack.md §3.3).
    if (v & 0x01) this.enableReceiver(c);
    if (v & 0x02) this.disableReceiver(c);
    if (v & 0x04) {
      ch.txEnabled = true;
      this.refreshFast(c);
      ch.txRdy = ch.thr === null;
      ch.txEmt = ch.thr === null && ch.shifting === null;
      this.loadShifter(c);
    }
    if (v & 0x08) {
      ch.txEnabled = false;
      this.refreshFast(c);
      ch.txRdy = false;
      ch.txEmt = false;
    }
    switch (v >> 4) {
      case 0x0:
        break;
      case 0x1:
        ch.mrPointer = 0;
        break;
      case 0x2:
        this.disableReceiver(c);
        ch.rxFifo = [];
        ch.rxHold = null;
        ch.overrun = false;
        ch.blockErrors = 0;
        ch.inBreak = false;
        this.updateRts(c);
        break;
      case 0x3:
        this.cancel(ch.txEvent);
        ch.txEvent = 0;
        ch.txEnabled = false;
        ch.thr = null;
        ch.shifting = null;
        ch.shiftFrame = null;
        ch.txRdy = false;
        ch.txEmt = false;
        if (ch.txBreak) this.hosts[c]?.onTxBreak?.(false);
        ch.txBreak = false;
        ch.txBreakPending = false;
        this.refreshFast(c);
        break;
      case 0x4:
        ch.overrun = false;
        ch.blockErrors = 0;
        break;
      case 0x5:
        ch.deltaBreak = false;
        break;
      case 0x6:
        if (ch.shifting !== null) ch.txBreakPending = true;
        else this.startBreak(c);
        break;
      case 0x7:
        this.stopBreak(c);
        break;
      case 0x8:
        this.setRts(c, true);
        break;
      case 0x9:
        this.setRts(c, false);
        break;
      case 0xa:
        ch.timeoutMode = true;
        this.refreshFast(c);
        break;
      case 0xc:
        ch.timeoutMode = false;
        this.refreshFast(c);
        break;
      default:
        this.guestError(c * 8 + 2, `CR reserved command 0x${(v >> 4).toString(16)}`);
    }
  }

  private enableReceiver(c: number): void {
    const ch = this.ch(c);
    if (ch.rxEnabled) return;
    ch.rxEnabled = true;
    this.refreshFast(c);
    // A character already on the line started while we were deaf: lose it.
    if (ch.lineChar) ch.lineLost = true;
    if (ch.unpaced) this.scheduleKick(c);
  }

  private disableReceiver(c: number): void {
    const ch = this.ch(c);
    ch.rxEnabled = false;
    this.refreshFast(c);
    if (ch.lineChar) ch.lineLost = true;
  }

  private startBreak(c: number): void {
    const ch = this.ch(c);
    ch.txBreakPending = false;
    if (ch.txBreak) return;
    ch.txBreak = true;
    this.refreshFast(c);
    this.hosts[c]?.onTxBreak?.(true);
  }

  private stopBreak(c: number): void {
    const ch = this.ch(c);
    ch.txBreakPending = false;
    if (!ch.txBreak) return;
    ch.txBreak = false;
    this.refreshFast(c);
    this.hosts[c]?.onTxBreak?.(false);
    this.loadShifter(c);
  }

  // --- RTS / CTS --------------------------------------------------------------------------

  private setRts(c: number, asserted: boolean): void {
    const ch = this.ch(c);
    if (ch.rtsAsserted === asserted) return;
    ch.rtsAsserted = asserted;
    const mpo = (this.blks[c >> 1].opcr >> ((c & 1) * 4)) & 7;
    if (mpo === 0) this.hosts[c]?.onRtsChange?.(asserted);
  }

  /** MR1[7] RxRTS: negate RTSN while the FIFO is full, re-assert when there is room. */
  private updateRts(c: number): void {
    const ch = this.ch(c);
    if (ch.mr1 & 0x80) this.setRts(c, ch.rxFifo.length < RX_FIFO_DEPTH);
  }

  /** The CTS input of channel c (MPI0 of its half of the block [inf]). true = asserted. */
  setCts(c: number, asserted: boolean): void {
    const ch = this.ch(c);
    if (ch.ctsAsserted === asserted) return;
    ch.ctsAsserted = asserted;
    const block = c >> 1;
    const b = this.blks[block];
    const pin = (c & 1) * 2; // MPI0a = bit 0, MPI1a = 1, MPI0b = 2, MPI1b = 3
    b.ipDeltas |= 1 << pin;
    if (b.acr & (1 << pin)) b.ipChange = true;
    this.loadShifter(c);
    this.updateIrq();
  }

  private inputLevels(block: number): number {
    // CTSN is active low; MPI1 pins are not connected on the IP-Octal 232 and read high.
    const a = this.ch(block * 2).ctsAsserted ? 0 : 1;
    const b = this.ch(block * 2 + 1).ctsAsserted ? 0 : 1;
    return a | 0x2 | (b << 2) | 0x8;
  }

  private readIpcr(block: number): number {
    const b = this.blks[block];
    const v = (b.ipDeltas << 4) | this.inputLevels(block);
    b.ipDeltas = 0;
    b.ipChange = false;
    this.updateIrq();
    return v;
  }

  // --- TX path ----------------------------------------------------------------------------

  private writeThr(c: number, v: number): void {
    const ch = this.ch(c);
    const mode = ch.mr2 >> 6;
    if (!ch.txEnabled) {
      this.guestError(c * 8 + 3, 'THR write while the transmitter is disabled: character dropped');
      return;
    }
    if (mode === 1 || mode === 3) {
      this.guestError(c * 8 + 3, 'THR write in echo/remote loopback mode: CPU is disconnected from TX');
      return;
    }
    if (ch.thr !== null)
      this.guestError(c * 8 + 3, 'THR write while TxRDY = 0: holding register overwritten');
    ch.thr = v;
    ch.txRdy = false;
    ch.txEmt = false;
    this.loadShifter(c);
  }

  private loadShifter(c: number): void {
    const ch = this.ch(c);
    if (ch.shifting !== null || ch.thr === null || ch.txBreak) return;
    if (ch.mr2 & 0x10 && !ch.ctsAsserted) return;
    if (ch.txUnpaced && ch.mr2 >> 6 === 0) {
      this.sendUnpaced(c);
      return;
    }
    ch.shifting = ch.thr;
    ch.thr = null;
    ch.txRdy = ch.txEnabled;
    const timing = this.txTiming(c);
    ch.shiftFrame = timing.frame;
    ch.txEvent = this.sched.after(timing.ns, this.owner, EV_TX_DONE, c);
  }

  /**
   * Unpaced TX (normal mode only: local loopback stays paced, so an echo program on a looped
   * channel cannot spin at one instant): the holding register's character goes through the
   * shift register and out at once; the transmitter is then empty, as finishTx leaves it.
   */
  private sendUnpaced(c: number): void {
    const ch = this.ch(c);
    const byte = ch.thr as number;
    ch.thr = null;
    const frame = this.txTiming(c).frame;
    this.hosts[c]?.onTxByte(byte & ((1 << frame.dataBits) - 1), frame);
    ch.txRdy = ch.txEnabled;
    ch.txEmt = ch.txEnabled;
    if (ch.mr2 & 0x20) this.setRts(c, false);
  }

  private finishTx(c: number): void {
    const ch = this.ch(c);
    ch.txEvent = 0;
    const byte = ch.shifting;
    const frame = ch.shiftFrame;
    ch.shifting = null;
    ch.shiftFrame = null;
    if (byte !== null && frame) {
      const data = byte & ((1 << frame.dataBits) - 1);
      if (ch.mr2 >> 6 === 2) this.deliverToReceiver(c, sampleFrame(data, frame, this.rxFrame(c)), null);
      else this.hosts[c]?.onTxByte(data, frame);
    }
    if (ch.txBreakPending) this.startBreak(c);
    this.loadShifter(c);
    if (ch.shifting === null && ch.thr === null) {
      ch.txEmt = ch.txEnabled;
      if (ch.mr2 & 0x20) this.setRts(c, false);
    }
    this.updateBlockIrq(c >> 1);
  }

  // --- RX path ----------------------------------------------------------------------------

  private readRhr(c: number): number {
    const ch = this.chs[c];
    const fifo = ch.rxFifo;
    const line = this.lines[c];
    if (
      (this.fastBits & (1 << c)) !== 0 /* see refreshFast */ &&
      fifo.length === 3 /* RX_FIFO_DEPTH */ &&
      ch.rxHold === null
    ) {
      // The unpaced bulk case: the next plain host character takes the freed place at once.
      // Same effect as the general path (popRhr: pop, fillUnpaced → receiveChar, no RTS or
      // ISR change: the FIFO is full before and after), without the FIFO moving.
      const code = line.nextPlain();
      if (code >= 0) {
        const top = fifo[0];
        fifo[0] = fifo[1];
        fifo[1] = fifo[2];
        fifo[2] = code & ((1 << (5 + (ch.mr1 & 3))) - 1);
        const byte = top & 0xff;
        ch.lastRhr = byte;
        return byte;
      }
    }
    return this.popRhr(c);
  }

  /** An RHR read in general: the FIFO moves, the hold register and the host line refill it. */
  private popRhr(c: number): number {
    const ch = this.chs[c];
    const fifo = ch.rxFifo;
    if (fifo.length === 0) return ch.lastRhr; // empty FIFO: previous byte, no state change (QEMU)
    // Only this channel's ISR bits can change here (see updateChannelIrq).
    const nibble = this.isrNibble(ch);
    const byte = entryByte(popFront(ch.rxFifo) as RxEntry);
    ch.lastRhr = byte;
    if (ch.rxHold !== null) {
      ch.rxFifo.push(ch.rxHold);
      ch.rxHold = null;
    }
    this.updateRts(c);
    // Unpaced: the next host character arrives the instant a FIFO position frees.
    if (ch.unpaced && this.lines[c].count > 0) this.fillUnpaced(c);
    this.updateChannelIrq(ch, c, nibble);
    return byte;
  }

  /** A complete character (or break frame) reaches the receiver of channel c. */
  private deliverToReceiver(
    c: number,
    sample: ReturnType<typeof sampleFrame>,
    condition: RxCondition | null,
  ): void {
    const ch = this.ch(c);
    if (!ch.rxEnabled || !sample.received) return;
    let flags = 0;
    if (sample.parityError || condition === 'parity') flags |= SR_PE;
    if (sample.framingError || condition === 'framing') flags |= SR_FE;
    if (sample.break) flags |= SR_RB;
    if (this.parity(c) === 'multidrop') flags = (flags & ~SR_PE) | (sample.addressBit ? SR_PE : 0);
    this.receiveChar(c, sample.byte, flags, sample.break, condition === 'overrun');
  }

  /** The receiver (enabled) takes a sampled character with its SR[7:5] flags. */
  private receiveChar(c: number, byte: number, flags: number, isBreak: boolean, overrun: boolean): void {
    const ch = this.ch(c);
    const mode = ch.mr2 >> 6;
    if (mode === 1 || mode === 3) {
      // Automatic echo / remote loopback: the character goes straight back out on TxD.
      const frame = this.txTiming(c).frame;
      if (!isBreak) this.hosts[c]?.onTxByte(byte & ((1 << frame.dataBits) - 1), frame);
      if (mode === 3) return;
    }
    if (isBreak) {
      ch.inBreak = true;
      ch.deltaBreak = true;
    }
    const entry = entryOf(isBreak ? 0 : byte, flags);
    if (ch.rxFifo.length < RX_FIFO_DEPTH) ch.rxFifo.push(entry);
    else {
      if (ch.rxHold !== null) ch.overrun = true; // the 5th character overwrites the waiting 4th
      ch.rxHold = entry;
    }
    if (overrun) ch.overrun = true;
    ch.blockErrors |= flags;
    if (ch.timeoutMode) this.startCounter(c >> 1);
    this.updateRts(c);
  }

  private endBreak(c: number): void {
    const ch = this.ch(c);
    if (ch.inBreak && ch.rxEnabled) ch.deltaBreak = true;
    ch.inBreak = false;
  }

  // --- host entry points ------------------------------------------------------------------

  setHostEnd(c: number, host: SerialHostEnd | undefined): void {
    this.hosts[c] = host;
  }

  /**
   * The one door for host input: a character (or, with condition 'break', a break) is queued on
   * the host's line and enters at the current virtual time, paced at the sender's frame time,
   * or unpaced (as fast as the FIFO drains). frame defaults to the channel's host frame, and
   * that to "match the receiver". condition forces an error on this character.
   */
  receiveFromHost(c: number, byte: number, frame?: FrameFormat, condition?: RxCondition): void {
    if (!frame && !condition) this.lines[c].push(byte & 0xff);
    else
      this.lines[c].pushChar({
        byte: byte & 0xff,
        frame: frame ? { ...frame } : null,
        condition: condition ?? null,
      });
    this.scheduleKick(c);
  }

  /** receiveFromHost for each of bytes[start..end), plain characters (a paste, a bulk write). */
  receiveBytesFromHost(c: number, bytes: ArrayLike<number>, start = 0, end = bytes.length): void {
    if (end <= start) return;
    this.lines[c].pushBytes(bytes, start, end);
    this.scheduleKick(c);
  }

  /**
   * A character that has just finished on a wire from another UART (a null-modem cable: call it
   * from the sender's onTxByte). It completes in the receiver now, not one more frame time later.
   */
  receiveFromWire(c: number, byte: number, frame: FrameFormat): void {
    this.lines[c].pushChar({ byte: byte & 0xff, frame: { ...frame }, condition: null, clocked: true });
    this.scheduleKick(c);
  }

  /**
   * Unpaced: each host byte enters the instant a FIFO position frees (no overrun possible);
   * paced otherwise. tx (default: the same) makes the transmitter unpaced too (sendUnpaced):
   * give false when the line goes to another UART (a cable), which clocks it at its frame time.
   */
  setUnpaced(c: number, unpaced: boolean, tx = unpaced): void {
    const ch = this.ch(c);
    ch.unpaced = unpaced;
    ch.txUnpaced = tx;
    this.refreshFast(c);
    if (this.lines[c].count > 0) this.scheduleKick(c);
    if (tx) {
      // A character already waiting in THR leaves now (the one shifting finishes on its event).
      this.loadShifter(c);
      this.updateBlockIrq(c >> 1);
    }
  }

  /** The host's line settings for sending; null = always match the receiver's programming. */
  setHostFrame(c: number, frame: FrameFormat | null): void {
    this.ch(c).hostFrame = frame ? { ...frame } : null;
    this.refreshFast(c);
  }

  /** Bytes the host has queued that have not yet entered the receiver. */
  hostBacklog(c: number): number {
    const ch = this.ch(c);
    return this.lines[c].count + (ch.lineChar ? 1 : 0);
  }

  private scheduleKick(c: number): void {
    const ch = this.ch(c);
    if (ch.kickEvent) return;
    ch.kickEvent = this.sched.after(0, this.owner, EV_HOST_KICK, c);
  }

  private senderFrame(c: number, hc: HostChar): FrameFormat {
    return hc.frame ?? this.ch(c).hostFrame ?? this.rxFrame(c);
  }

  private hostKick(c: number): void {
    const ch = this.ch(c);
    ch.kickEvent = 0;
    if (ch.unpaced) {
      this.fillUnpaced(c);
      this.updateBlockIrq(c >> 1);
      return;
    }
    const line = this.lines[c];
    if (ch.lineChar || line.count === 0) return;
    const next = line.take();
    const hc = typeof next === 'number' ? plainChar(next) : next;
    ch.lineChar = hc;
    ch.lineLost = !ch.rxEnabled;
    const delayNs = hc.clocked ? 0 : charTimeNs(this.senderFrame(c, hc));
    ch.lineEvent = this.sched.after(delayNs, this.owner, EV_LINE_DONE, c);
  }

  /** Unpaced line: host characters enter until the FIFO is full (none waits in the shifter). */
  private fillUnpaced(c: number): void {
    const ch = this.ch(c);
    const line = this.lines[c];
    while (line.count > 0 && ch.rxEnabled && ch.rxFifo.length < RX_FIFO_DEPTH && ch.rxHold === null) {
      const code = line.peekCode();
      if (code >= 0 && ch.hostFrame === null) {
        // The sender uses the receiver's own frame: sampleFrame gives the data bits back, no
        // errors (multidrop: address bit 0).
        line.takeCode();
        this.receiveChar(c, code & ((1 << (5 + (ch.mr1 & 3))) - 1), 0, false, false);
        continue;
      }
      const next = line.take();
      const hc = typeof next === 'number' ? plainChar(next) : next;
      if (hc.condition === null && hc.frame === null && ch.hostFrame === null) {
        this.receiveChar(c, hc.byte & ((1 << this.dataBits(c)) - 1), 0, false, false);
      } else if (hc.condition === 'break') {
        this.deliverToReceiver(c, this.breakSample(), null);
        this.endBreak(c);
      } else
        this.deliverToReceiver(
          c,
          sampleFrame(hc.byte, this.senderFrame(c, hc), this.rxFrame(c)),
          hc.condition,
        );
    }
  }

  private breakSample(): ReturnType<typeof sampleFrame> {
    return { received: true, byte: 0, parityError: false, framingError: false, break: true, addressBit: 0 };
  }

  private lineDone(c: number): void {
    const ch = this.ch(c);
    ch.lineEvent = 0;
    const hc = ch.lineChar;
    if (!hc) return;
    const lost = ch.lineLost || !ch.rxEnabled;
    if (hc.condition === 'break') {
      // One character time of space: the receiver sees an all-zero frame. The line stays at
      // space for one more character time, then returns to mark (end of break).
      if (!lost) this.deliverToReceiver(c, this.breakSample(), null);
      ch.lineEvent = this.sched.after(charTimeNs(this.senderFrame(c, hc)), this.owner, EV_BREAK_END, c);
      this.updateBlockIrq(c >> 1);
      return;
    }
    ch.lineChar = null;
    if (!lost)
      this.deliverToReceiver(c, sampleFrame(hc.byte, this.senderFrame(c, hc), this.rxFrame(c)), hc.condition);
    this.updateBlockIrq(c >> 1);
    this.hostKick(c);
  }

  private breakEnd(c: number): void {
    const ch = this.ch(c);
    ch.lineEvent = 0;
    ch.lineChar = null;
    this.endBreak(c);
    this.updateBlockIrq(c >> 1);
    this.hostKick(c);
  }

  // --- counter/timer ----------------------------------------------------------------------

  private counterClockHz(block: number): number {
    switch ((this.blks[block].acr >> 4) & 7) {
      case 1:
      case 2: {
        // Counter on a channel's TX clock (1×). A TX clock taken from the C/T itself is a loop.
        const c = block * 2 + (((this.blks[block].acr >> 4) & 7) - 1);
        const code = this.ch(c).csr & 0xf;
        return code === 0xd ? 0 : this.baudFor(c, code);
      }
      case 3:
      case 7:
        return SCC_XTAL_HZ / 16;
      case 6:
        return SCC_XTAL_HZ;
      default:
        return 0;
    }
  }

  private preload(block: number): number {
    const b = this.blks[block];
    return (b.ctur << 8) | b.ctlr || 0x10000;
  }

  private ticksSince(block: number, hz: number): number {
    return Math.floor(((this.sched.nowNs - this.blks[block].counterStartNs) * hz) / 1e9);
  }

  private counterValue(block: number): number {
    const b = this.blks[block];
    const hz = this.counterClockHz(block);
    if (!b.counterRunning || hz === 0) return b.counterStoppedValue;
    const t = this.ticksSince(block, hz);
    if (b.acr & 0x40) return b.counterStartValue - (t % b.counterStartValue);
    return (((b.counterStartValue - t) % 0x10000) + 0x10000) % 0x10000;
  }

  private startCounter(block: number): void {
    const b = this.blks[block];
    this.cancel(b.counterEvent);
    b.counterEvent = 0;
    b.counterRunning = true;
    b.counterStartNs = this.sched.nowNs;
    b.counterStartValue = this.preload(block);
    const hz = this.counterClockHz(block);
    if (hz === 0) return;
    // Counter: ready when the count reaches 0. Timer: a square wave of period 2 × preload, ready
    // once per period ("every other zero count").
    b.counterEventTicks = b.acr & 0x40 ? 2 * b.counterStartValue : b.counterStartValue;
    this.armCounter(block, hz);
  }

  private armCounter(block: number, hz: number): void {
    const b = this.blks[block];
    const atNs = b.counterStartNs + Math.ceil((b.counterEventTicks * 1e9) / hz);
    b.counterEvent = this.sched.at(atNs, this.owner, EV_COUNTER, block);
  }

  private counterFired(block: number): void {
    const b = this.blks[block];
    b.counterEvent = 0;
    const hz = this.counterClockHz(block);
    if (!b.counterRunning || hz === 0) return;
    b.counterReady = true;
    b.counterEventTicks += b.acr & 0x40 ? 2 * b.counterStartValue : 0x10000;
    this.armCounter(block, hz);
    this.updateIrq();
  }

  private stopCounter(block: number): void {
    const b = this.blks[block];
    b.counterReady = false;
    if (!(b.acr & 0x40)) {
      // Counter mode stops; the timer keeps running and only the ready bit clears.
      b.counterStoppedValue = this.counterValue(block);
      b.counterRunning = false;
      this.cancel(b.counterEvent);
      b.counterEvent = 0;
    }
    this.updateIrq();
  }

  // --- interrupts and events --------------------------------------------------------------

  updateIrq(): void {
    for (let k = 0; k < 4; k++) this.updateBlockIrq(k);
  }

  /** updateIrq for one block, after a change that only touched its own channels/registers. */
  private updateBlockIrq(k: number): void {
    const b = this.blks[k];
    const level = b.imr !== 0 && (this.isr(k) & b.imr) !== 0;
    if (level !== b.irq) {
      b.irq = level;
      const sinks = this.irqSinks;
      for (let i = 0; i < sinks.length; i++) sinks[i].sccIrqChanged(k, level);
    }
  }

  /**
   * updateBlockIrq after an access whose effects reach only channel c's ISR bits (an RHR read,
   * a THR write): the request level, ISR & IMR ≠ 0, can change only if those bits did, so the
   * block is looked at again only then. nibble: isrNibble(ch) before the access.
   */
  private updateChannelIrq(ch: ChannelState, c: number, nibble: number): void {
    if (this.isrNibble(ch) !== nibble) this.updateBlockIrq(c >> 1);
  }

  private onEvent(kind: number, arg: number): void {
    switch (kind) {
      case EV_TX_DONE:
        this.finishTx(arg);
        break;
      case EV_HOST_KICK:
        this.hostKick(arg);
        break;
      case EV_LINE_DONE:
        this.lineDone(arg);
        break;
      case EV_BREAK_END:
        this.breakEnd(arg);
        break;
      case EV_COUNTER:
        this.counterFired(arg);
        break;
    }
  }

  // --- snapshot ---------------------------------------------------------------------------

  snapshot(): Scc2698Snapshot {
    const snap = cloneState(this.s) as Scc2698Snapshot;
    snap.channels.forEach((ch, c) => {
      ch.hostQueue = cloneState(this.lines[c].toList());
      ch.hostHead = 0;
    });
    return snap;
  }

  restore(snap: Scc2698Snapshot): void {
    check(snap?.v === 1, 'scc2698: version');
    check(Array.isArray(snap.channels) && snap.channels.length === 8, 'scc2698: 8 channels');
    check(Array.isArray(snap.blocks) && snap.blocks.length === 4, 'scc2698: 4 blocks');
    const isEntry = (e: unknown) =>
      typeof e === 'number' ||
      (typeof (e as { byte?: unknown })?.byte === 'number' &&
        typeof (e as { flags?: unknown }).flags === 'number');
    for (const ch of snap.channels) {
      check(
        Array.isArray(ch.rxFifo) && ch.rxFifo.length <= RX_FIFO_DEPTH && ch.rxFifo.every(isEntry),
        'scc2698: rx fifo',
      );
      check(ch.rxHold === null || isEntry(ch.rxHold), 'scc2698: rx hold');
      check(
        Array.isArray(ch.hostQueue) && Number.isInteger(ch.hostHead) && ch.hostHead <= ch.hostQueue.length,
        'scc2698: host queue',
      );
      check(
        ch.hostQueue.every((e) => (typeof e === 'number' ? (e & 0xff) === e : typeof e?.byte === 'number')),
        'scc2698: host queue entries',
      );
      check(ch.mrPointer === 0 || ch.mrPointer === 1, 'scc2698: MR pointer');
      for (const k of ['mr1', 'mr2', 'csr', 'txEvent', 'lineEvent', 'kickEvent'] as const)
        check(Number.isInteger(ch[k]), `scc2698: ${k}`);
    }
    for (const b of snap.blocks)
      for (const k of ['acr', 'imr', 'opcr', 'ctur', 'ctlr', 'counterEvent'] as const)
        check(Number.isInteger(b[k]), `scc2698: ${k}`);
    const copy = cloneState(snap);
    this.txTimingCache.fill(undefined);
    // Entries saved as { byte, flags } objects (older snapshots) become numbers.
    const asEntry = (e: unknown): RxEntry =>
      typeof e === 'number' ? e : entryOf((e as { byte: number }).byte, (e as { flags: number }).flags);
    this.s = {
      v: 1,
      channels: copy.channels.map((saved, c) => {
        this.lines[c].load(saved.hostQueue.slice(saved.hostHead));
        // The fields of a fresh channel, in its order (one object shape for every channel).
        const ch = initialChannel() as unknown as Record<string, unknown>;
        for (const k of Object.keys(ch)) ch[k] = (saved as unknown as Record<string, unknown>)[k];
        const live = ch as unknown as ChannelState;
        live.rxFifo = saved.rxFifo.map(asEntry);
        live.rxHold = saved.rxHold === null ? null : asEntry(saved.rxHold);
        return live;
      }),
      blocks: copy.blocks.map((saved) => {
        const b = initialBlock() as unknown as Record<string, unknown>;
        for (const k of Object.keys(b)) b[k] = (saved as unknown as Record<string, unknown>)[k];
        return b as unknown as BlockState;
      }),
    };
    this.chs = this.s.channels;
    this.blks = this.s.blocks;
    for (let c = 0; c < 8; c++) this.refreshFast(c);
    // Tell the listeners the restored levels.
    for (let k = 0; k < 4; k++) for (const sink of this.irqSinks) sink.sccIrqChanged(k, this.blks[k].irq);
  }
}
