// The guest tty layer: termios, a small N_TTY-like line discipline (canonical and raw modes,
// echo, erase, CR/LF mapping, Ctrl-C) and the write queue towards a tty driver. Deterministic
// and event-driven: input arrives from the driver's interrupt handler, output drains on wakeup.

import { ByteQueue, isByteArray } from './byte-queue';

export interface Termios {
  baud: number;
  /** Character size in bits, 5..8. */
  csize: 5 | 6 | 7 | 8;
  parenb: boolean;
  parodd: boolean;
  cstopb: boolean;
  crtscts: boolean;
  /** Line-at-a-time input with erase. */
  icanon: boolean;
  echo: boolean;
  /** Map received CR to NL. */
  icrnl: boolean;
  /** Map NL to CR NL on output (OPOST ONLCR). */
  onlcr: boolean;
  /** Ctrl-C interrupts the reader. */
  isig: boolean;
}

/** Linux's tty_std_termios with the ipoctal init_termios (B9600 CS8). */
export const DEFAULT_TERMIOS: Readonly<Termios> = {
  baud: 9600,
  csize: 8,
  parenb: false,
  parodd: false,
  cstopb: false,
  crtscts: false,
  icanon: true,
  echo: true,
  icrnl: true,
  onlcr: true,
  isig: true,
};

/** Raw mode as cfmakeraw() sets it (the line settings are left alone). */
export function rawTermios(t: Termios): Termios {
  return { ...t, icanon: false, echo: false, icrnl: false, onlcr: false, isig: false };
}

/** "8N1", "7E2", ... */
export function formatOf(t: Pick<Termios, 'csize' | 'parenb' | 'parodd' | 'cstopb'>): string {
  const parity = t.parenb ? (t.parodd ? 'O' : 'E') : 'N';
  return `${t.csize}${parity}${t.cstopb ? 2 : 1}`;
}

export type RxFlag = 'normal' | 'parity' | 'frame' | 'break' | 'overrun';

/** What a tty driver provides (Linux's tty_operations, trimmed). */
export interface TtyDriver {
  open(): void;
  close(): void;
  /** Queues bytes for transmission (copy them: the view is valid only during the call); returns how many it took. */
  write(bytes: ArrayLike<number>, start: number, end: number): number;
  writeRoom(): number;
  /** Bytes queued or still being sent. */
  charsInBuffer(): number;
  /** Programs the hardware; returns the termios actually in effect (unsupported rates fall back). */
  setTermios(t: Termios): Termios;
}

/** Whoever reads the tty: a program, or a command borrowing the tty for a while. */
export interface TtyReader {
  /** Bytes that arrived (valid only during the call: copy what you keep). */
  onData(bytes: ArrayLike<number>): void;
  onInterrupt(): void;
}

export interface TtySnapshot {
  v: 1;
  termios: Termios;
  openCount: number;
  closing: boolean;
  droppedBytes: number;
  line: number[];
  out: number[];
  pendingTermios: Termios | null;
  holdAfter: number;
}

const NL = 0x0a;
const CR = 0x0d;
const DEL = 0x7f;
const BS = 0x08;
const ETX = 0x03;
const LINE_MAX = 4095;
/**
 * Output a tty holds beyond the driver's ring. A real writer would block here; our programs
 * cannot, so past this much the tty drops output and counts it (as N_TTY drops input when a
 * blocked reader lets its buffer fill).
 */
export const TTY_OUTPUT_MAX = 65536;

export class Tty {
  private termiosNow: Termios = { ...DEFAULT_TERMIOS };
  /**
   * termios asks for raw input without echo (cfmakeraw: no ICANON, ECHO, ISIG, ICRNL), kept with
   * termios: receive() tests one boolean per byte instead of four fields of an object whose
   * hidden class depends on where it was built. Termios objects are replaced, never changed in
   * place.
   */
  private rawNoEcho = false;
  private openCount = 0;
  private closing = false;
  private line: number[] = [];
  /** Raw input received in this driver batch, not yet handed to the reader (see flipPush). */
  private rawBatch = new Uint8Array(256);
  private rawLength = 0;
  /** The other batch buffer: a reader's view stays intact if input arrives while it runs. */
  private rawSpare = new Uint8Array(256);
  private lines: number[][] = [];
  private readonly out = new ByteQueue(TTY_OUTPUT_MAX);
  /** Output bytes dropped because the queue was full. */
  droppedBytes = 0;
  private readonly readers: TtyReader[] = [];
  /** A TCSADRAIN change waiting for the output written before it to leave the wire. */
  private pendingTermios: Termios | null = null;
  /** While a change waits: how many queued bytes were written before it (the rest are held). */
  private holdAfter = 0;

  private readonly driverWrite: (bytes: ArrayLike<number>, start: number, end: number) => number;

  constructor(
    readonly name: string,
    private readonly driver: TtyDriver,
  ) {
    this.driverWrite = (bytes, start, end) => this.driver.write(bytes, start, end);
  }

  get termios(): Termios {
    return this.termiosNow;
  }

  set termios(t: Termios) {
    this.termiosNow = t;
    this.rawNoEcho = t.icanon === false && t.echo === false && t.isig === false && t.icrnl === false;
  }

  get isOpen(): boolean {
    return this.openCount > 0;
  }

  /** Bytes written but not yet taken by the driver. */
  get pendingOutput(): number {
    return this.out.length;
  }

  open(): void {
    if (this.openCount++ === 0) {
      if (this.closing) this.closing = false;
      else this.driver.open();
    }
  }

  /** The last close waits for queued output to drain, then closes the driver. */
  close(): void {
    if (this.openCount === 0) return;
    if (--this.openCount > 0) return;
    this.line = [];
    if (this.pendingTermios) {
      this.termios = this.pendingTermios;
      this.pendingTermios = null;
      this.holdAfter = 0;
    }
    if (this.out.length > 0 || this.driver.charsInBuffer() > 0) this.closing = true;
    else this.driver.close();
  }

  /**
   * tcsetattr. With drain (TCSADRAIN, what stty uses) the change waits until everything written
   * before it has left the wire; later output is held until then. Returns the termios in effect
   * (or, while it waits, the one requested).
   */
  setTermios(change: Partial<Termios>, drain = true): Termios {
    const wanted = { ...(this.pendingTermios ?? this.termios), ...change };
    if (!this.isOpen) {
      this.termios = wanted;
      return wanted;
    }
    if (drain && (this.out.length > 0 || this.driver.charsInBuffer() > 0)) {
      if (!this.pendingTermios) this.holdAfter = this.out.length;
      this.pendingTermios = wanted;
      return wanted;
    }
    this.termios = this.driver.setTermios(wanted);
    return this.termios;
  }

  attach(reader: TtyReader): void {
    this.readers.push(reader);
  }

  detach(reader: TtyReader): void {
    const i = this.readers.lastIndexOf(reader);
    if (i >= 0) this.readers.splice(i, 1);
  }

  /** Output, with OPOST/ONLCR processing. Returns the count of bytes accepted (all of them). */
  write(data: string | ArrayLike<number>): number {
    const n = this.queueOutput(data);
    this.flush();
    return n;
  }

  /** Queues output (OPOST/ONLCR) without pushing it to the driver yet. */
  private queueOutput(data: string | ArrayLike<number>): number {
    const bytes = typeof data === 'string' ? encodeLatin1(data) : data;
    const before = this.out.length;
    let wanted = bytes.length;
    if (this.termios.onlcr) {
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (b === NL) {
          wanted++;
          this.out.pushByte(CR);
        }
        this.out.pushByte(b);
      }
    } else this.out.push(bytes);
    this.droppedBytes += wanted - (this.out.length - before);
    return bytes.length;
  }

  /** Driver callback: room appeared, or the transmitter went idle. */
  wakeup(): void {
    this.flush();
    if (this.pendingTermios && this.holdAfter === 0 && this.driver.charsInBuffer() === 0) {
      const t = this.pendingTermios;
      this.pendingTermios = null;
      this.termios = this.driver.setTermios(t);
      this.flush();
    }
    if (this.closing && this.out.length === 0 && this.driver.charsInBuffer() === 0) {
      this.closing = false;
      this.driver.close();
    }
  }

  private flush(): void {
    for (;;) {
      const limit = this.pendingTermios ? this.holdAfter : this.out.length;
      const n = Math.min(limit, this.driver.writeRoom());
      if (n <= 0) break;
      // What the driver refuses stays at the front of the queue.
      const taken = this.out.writeTo(this.driverWrite, n);
      if (this.pendingTermios) this.holdAfter -= taken;
      if (taken < n) break;
    }
  }

  /**
   * Driver callback: one received character with its error flag (N_TTY receive). Echoes are
   * queued and the reader sees the data when the driver pushes the batch (flipPush).
   */
  receive(byte: number, flag: RxFlag): void {
    if (flag === 'normal' && this.openCount > 0 && this.rawNoEcho === true) {
      // Raw input without echo (cfmakeraw): the byte joins the batch as it is.
      if (this.rawLength === this.rawBatch.length) this.growRawBatch();
      this.rawBatch[this.rawLength++] = byte;
      return;
    }
    this.receiveCooked(byte, flag);
  }

  private growRawBatch(): void {
    const grown = new Uint8Array(2 * this.rawLength);
    grown.set(this.rawBatch);
    this.rawBatch = grown;
  }

  /** receive() with any processing: CR mapping, signals, echo, canonical lines, error flags. */
  private receiveCooked(byte: number, flag: RxFlag): void {
    if (!this.isOpen) return;
    if (flag === 'overrun') return; // N_TTY only reports overruns; the driver counted it
    let b = flag === 'break' ? 0 : byte;
    const t = this.termios;
    if (t.icrnl && b === CR) b = NL;
    if (t.isig && b === ETX) {
      this.line = [];
      this.rawLength = 0;
      this.lines = [];
      if (t.echo) this.queueOutput('^C\n');
      this.flush();
      this.reader()?.onInterrupt();
      return;
    }
    if (!t.icanon) {
      if (t.echo) this.echoByte(b);
      if (this.rawLength === this.rawBatch.length) this.growRawBatch();
      this.rawBatch[this.rawLength++] = b;
      return;
    }
    if (b === DEL || b === BS) {
      if (this.line.length > 0) {
        this.line.pop();
        if (t.echo) this.queueOutput('\b \b');
      }
      return;
    }
    if (b === NL) {
      this.line.push(NL);
      if (t.echo) this.echoByte(NL);
      this.lines.push(this.line);
      this.line = [];
      return;
    }
    if (this.line.length >= LINE_MAX) return;
    this.line.push(b);
    if (t.echo) this.echoByte(b);
  }

  /** queueOutput of one byte (ONLCR included) without an array per byte. */
  private echoByte(b: number): void {
    if (b === NL && this.termios.onlcr && !this.out.pushByte(CR)) this.droppedBytes++;
    if (!this.out.pushByte(b)) this.droppedBytes++;
  }

  /**
   * Driver callback after its receive loop (tty_flip_buffer_push): sends the queued echoes and
   * hands the reader what arrived, raw bytes as one batch, canonical input line by line.
   */
  flipPush(): void {
    this.flush();
    if (this.rawLength > 0) {
      const full = this.rawBatch;
      const batch = full.subarray(0, this.rawLength);
      this.rawBatch = this.rawSpare;
      this.rawLength = 0;
      this.reader()?.onData(batch);
      this.rawSpare = full;
    }
    while (this.lines.length > 0) {
      const line = this.lines.shift() as number[];
      this.reader()?.onData(line);
    }
  }

  /** Drops every reader (restore: the programs re-attach). */
  clearReaders(): void {
    this.readers.length = 0;
  }

  private reader(): TtyReader | undefined {
    return this.readers[this.readers.length - 1];
  }

  snapshot(): TtySnapshot {
    return {
      v: 1,
      termios: { ...this.termios },
      openCount: this.openCount,
      closing: this.closing,
      droppedBytes: this.droppedBytes,
      line: [...this.line],
      out: this.out.toArray(),
      pendingTermios: this.pendingTermios ? { ...this.pendingTermios } : null,
      holdAfter: this.holdAfter,
    };
  }

  restore(s: TtySnapshot): void {
    if (
      s?.v !== 1 ||
      typeof s.termios !== 'object' ||
      !Number.isInteger(s.openCount) ||
      s.openCount < 0 ||
      !isByteArray(s.line) ||
      !isByteArray(s.out) ||
      s.out.length > TTY_OUTPUT_MAX
    )
      throw new Error(`tty ${this.name} snapshot: bad data`);
    this.termios = { ...s.termios };
    this.openCount = s.openCount;
    this.closing = Boolean(s.closing);
    this.droppedBytes = Number.isInteger(s.droppedBytes) ? s.droppedBytes : 0;
    this.line = [...s.line];
    this.out.load(s.out);
    this.pendingTermios = s.pendingTermios ? { ...s.pendingTermios } : null;
    this.holdAfter = Number.isInteger(s.holdAfter) ? s.holdAfter : 0;
  }
}

export function encodeLatin1(s: string): number[] {
  const out: number[] = new Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function decodeLatin1(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
