import { describe, expect, it } from 'vitest';
import {
  decodeLatin1,
  encodeLatin1,
  formatOf,
  rawTermios,
  type Termios,
  TTY_OUTPUT_MAX,
  Tty,
  type TtyDriver,
} from './tty';

/** A driver that takes bytes into a small ring; tests drain it by hand. */
class FakeDriver implements TtyDriver {
  opened = 0;
  closed = 0;
  sent: number[] = [];
  ring: number[] = [];
  room = 8;
  busy = false;
  applied: Termios[] = [];
  open(): void {
    this.opened++;
  }
  close(): void {
    this.closed++;
  }
  write(bytes: ArrayLike<number>, start: number, end: number): number {
    const n = Math.min(end - start, this.room - this.ring.length);
    for (let i = 0; i < n; i++) this.ring.push(bytes[start + i]);
    if (n > 0) this.busy = true;
    return n;
  }
  writeRoom(): number {
    return this.room - this.ring.length;
  }
  charsInBuffer(): number {
    return this.ring.length + (this.busy ? 1 : 0);
  }
  setTermios(t: Termios): Termios {
    this.applied.push(t);
    return t.baud === 12345 ? { ...t, baud: 38400 } : t;
  }
  /** Sends everything, waking the tty as an interrupt handler would. */
  drain(tty: Tty): void {
    while (this.ring.length > 0 || this.busy) {
      if (this.ring.length > 0) this.sent.push(this.ring.shift()!);
      else this.busy = false;
      tty.wakeup();
    }
  }
}

function rig(): { tty: Tty; drv: FakeDriver; got: string[]; intr: { n: number } } {
  const drv = new FakeDriver();
  const tty = new Tty('ttyX', drv);
  const got: string[] = [];
  const intr = { n: 0 };
  tty.attach({ onData: (b) => got.push(decodeLatin1(b)), onInterrupt: () => intr.n++ });
  tty.open();
  return { tty, drv, got, intr };
}

/** One driver batch: every character, then the flip-buffer push. */
const type = (tty: Tty, s: string) => {
  for (const b of encodeLatin1(s)) tty.receive(b, 'normal');
  tty.flipPush();
};

describe('tty line discipline', () => {
  it('delivers a whole line in canonical mode, with CR mapped to NL and echoed as CR NL', () => {
    const { tty, drv, got } = rig();
    type(tty, 'ls\r');
    drv.drain(tty);
    expect(got).toEqual(['ls\n']);
    expect(decodeLatin1(drv.sent)).toBe('ls\r\n');
  });

  it('erases the last character on DEL and on Backspace, echoing "\\b \\b"', () => {
    const { tty, drv, got } = rig();
    type(tty, 'lx\x7fs\r');
    type(tty, 'ab\x08\r');
    drv.drain(tty);
    expect(got).toEqual(['ls\n', 'a\n']);
    expect(decodeLatin1(drv.sent)).toBe('lx\b \bs\r\nab\b \b\r\n');
  });

  it('interrupts the reader on Ctrl-C and drops the partial line when isig is on', () => {
    const { tty, got, intr } = rig();
    type(tty, 'abc\x03def\r');
    expect(intr.n).toBe(1);
    expect(got).toEqual(['def\n']);
  });

  it('passes every byte through untouched in raw mode, Ctrl-C and CR included', () => {
    const { tty, drv, got, intr } = rig();
    tty.setTermios(rawTermios(tty.termios));
    type(tty, 'a\r\x03');
    tty.write('x\n');
    drv.drain(tty);
    expect(got).toEqual(['a\r\x03']);
    expect(intr.n).toBe(0);
    expect(decodeLatin1(drv.sent)).toBe('x\n');
  });

  it('turns a break into NUL and drops the overrun marker', () => {
    const { tty, got } = rig();
    tty.setTermios(rawTermios(tty.termios));
    tty.receive(0x55, 'break');
    tty.receive(0, 'overrun');
    tty.receive(0x41, 'parity');
    tty.flipPush();
    expect(got).toEqual(['\0A']);
  });

  it('queues output beyond the driver room and sends it all as room appears', () => {
    const { tty, drv } = rig();
    tty.write('0123456789abcdefghij');
    expect(drv.ring.length).toBe(8);
    expect(tty.pendingOutput).toBe(12);
    drv.drain(tty);
    expect(decodeLatin1(drv.sent)).toBe('0123456789abcdefghij');
  });

  it('closes the driver only after queued output drained', () => {
    const { tty, drv } = rig();
    tty.write('hello');
    tty.close();
    expect(drv.closed).toBe(0);
    drv.drain(tty);
    expect(drv.closed).toBe(1);
    expect(decodeLatin1(drv.sent)).toBe('hello');
  });

  it('applies a TCSADRAIN change after earlier output and holds later output until then', () => {
    const { tty, drv } = rig();
    tty.write('ab');
    tty.setTermios({ baud: 19200 });
    tty.write('cd');
    expect(drv.applied).toEqual([]);
    expect(drv.ring).toEqual(encodeLatin1('ab'));
    drv.drain(tty);
    expect(drv.applied.map((t) => t.baud)).toEqual([19200]);
    expect(decodeLatin1(drv.sent)).toBe('abcd');
    expect(tty.termios.baud).toBe(19200);
  });

  it('keeps the termios the driver reports (unsupported rates fall back)', () => {
    const { tty } = rig();
    expect(tty.setTermios({ baud: 12345 }).baud).toBe(38400);
  });

  it('formats line settings as 8N1, 7E2, 8O1', () => {
    const t = rig().tty.termios;
    expect(formatOf(t)).toBe('8N1');
    expect(formatOf({ ...t, csize: 7, parenb: true, cstopb: true })).toBe('7E2');
    expect(formatOf({ ...t, parenb: true, parodd: true })).toBe('8O1');
  });

  it('restores a snapshot exactly and refuses a bad one without changing state', () => {
    const { tty } = rig();
    type(tty, 'par');
    tty.write('queued output beyond room');
    const snap = tty.snapshot();
    const other = new Tty('ttyX', new FakeDriver());
    other.restore(snap);
    expect(other.snapshot()).toEqual(snap);
    expect(() => other.restore({ ...snap, line: [999] })).toThrow();
    expect(other.snapshot()).toEqual(snap);
  });
});

describe('tty output limit', () => {
  it('drops and counts output beyond TTY_OUTPUT_MAX while the driver is stalled', () => {
    const drv = new FakeDriver();
    drv.room = 0;
    const tty = new Tty('ttyY', drv);
    tty.open();
    tty.write(new Array(TTY_OUTPUT_MAX + 10).fill(0x41));
    expect(tty.pendingOutput).toBe(TTY_OUTPUT_MAX);
    expect(tty.droppedBytes).toBe(10);
  });
});
