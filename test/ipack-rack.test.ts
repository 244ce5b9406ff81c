// The IndustryPack rack through the Platform only, as a guest driver sees it: the minimal driver
// conversation of ipack.md §5 (detect, polled TX, interrupt-driven RX with acknowledge).
import { describe, expect, it } from 'vitest';
import { createPlatformRig } from '../src/emu/bus/platform';
import { Scheduler } from '../src/emu/core/scheduler';
import { stableStringify } from '../src/emu/core/snapshot';
import { TraceRing } from '../src/emu/core/trace';
import { createIpOctalRack } from '../src/emu/devices/ipoctal232';
import type { FrameFormat } from '../src/emu/devices/serial-backend';

const PCI_SLOT = 4;

function boot() {
  const sched = new Scheduler();
  const trace = new TraceRing(8192, () => sched.nowNs);
  const rig = createPlatformRig(sched, { trace });
  const rack = createIpOctalRack(sched, rig.pci, { pciSlot: PCI_SLOT, trace });
  rig.pci.assignResources();
  const p = rig.platform;
  const bar = (n: number) => p.configRead(0, PCI_SLOT, 0, 0x10 + 4 * n, 4) & ~0xf;
  const B = [0, 1, 2, 3, 4, 5].map((n) =>
    n === 1 ? p.configRead(0, PCI_SLOT, 0, 0x14, 4) & ~3 : bar(n) >>> 0,
  );
  const IO = B[3];
  const ID = B[3] + 0x80;
  const INT = B[3] + 0xc0;
  const MEM8 = B[5];
  const sent: { byte: number; frame: FrameFormat; atNs: number }[] = [];
  rack.ipoctal
    .channel(3)
    .attach({ onTxByte: (byte, frame) => sent.push({ byte, frame, atNs: sched.nowNs }) });
  return { sched, trace, rig, rack, p, B, IO, ID, INT, MEM8, sent };
}

/** §5 (a) steps 4–5 (and LAS2, as Linux does), plus slot A control cleared. */
function probeCarrier(t: ReturnType<typeof boot>) {
  const { p, B } = t;
  p.mmioWrite(B[0] + 0x2c, p.mmioRead(B[0] + 0x2c, 4) | 0x0100_0000, 4);
  p.mmioWrite(B[0] + 0x30, p.mmioRead(B[0] + 0x30, 4) | 0x0100_0000, 4);
  p.mmioWrite(B[2] + 0x02, 0, 2);
  p.mmioWrite(B[2] + 0x0c, 0x1000, 2);
}

/** §5 (b) steps 1–10: channel 3 at 9600 8N1, RX and TX enabled. */
function openChannel3(t: ReturnType<typeof boot>) {
  const { p, IO } = t;
  for (const cr of [0x0a, 0x20, 0x30, 0x40, 0x10]) p.mmioWrite(IO + 0x35, cr, 1);
  p.mmioWrite(IO + 0x31, 0x13, 1);
  p.mmioWrite(IO + 0x31, 0x07, 1);
  p.mmioWrite(IO + 0x29, 0x80, 1);
  p.mmioWrite(IO + 0x33, 0xbb, 1);
  p.mmioWrite(IO + 0x35, 0x05, 1);
}

describe('IndustryPack rack through the Platform (ipack.md §5)', () => {
  it('(a) detects the carrier by subsystem ID and reads the IP-Octal ID PROM with a valid CRC', () => {
    const t = boot();
    const { p } = t;
    expect(p.configRead(0, PCI_SLOT, 0, 0x00, 4)).toBe(0x30c8_1498);
    expect(p.configRead(0, PCI_SLOT, 0, 0x2c, 4)).toBe(0x300a_1498);
    expect(p.configRead(0, PCI_SLOT, 0, 0x04, 2) & 0x2).toBe(0x2);
    expect(p.mmioRead(t.B[0] + 0x2c, 4)).toBe(0x1441_20a2);
    probeCarrier(t);
    expect(p.mmioRead(t.B[0] + 0x2c, 4)).toBe(0x1541_20a2);
    const prom = Array.from({ length: p.mmioRead(t.ID + 0x15, 1) }, (_, k) =>
      p.mmioRead(t.ID + 1 + 2 * k, 1),
    );
    expect(prom).toEqual([0x49, 0x50, 0x41, 0x43, 0xf0, 0x22, 0xa1, 0, 0, 0, 0x0c, 0xcc]);
    // Slot B is empty: the signature test fails at the first byte.
    expect(p.mmioRead(t.B[3] + 0x180 + 1, 1)).toBe(0);
  });

  it('(b) sends "hi" polled at 9600 8N1: TxEMT about two character times after the first write', () => {
    const t = boot();
    const { p, IO, sched, sent } = t;
    probeCarrier(t);
    openChannel3(t);
    expect(p.mmioRead(IO + 0x33, 1)).toBe(0x0c);
    const t0 = sched.nowNs;
    p.mmioWrite(IO + 0x37, 0x68, 1);
    sched.runUntilTrue(() => (p.mmioRead(IO + 0x33, 1) & 0x04) !== 0, t0 + 10_000_000);
    p.mmioWrite(IO + 0x37, 0x69, 1);
    const done = sched.runUntilTrue(() => (p.mmioRead(IO + 0x33, 1) & 0x08) !== 0, t0 + 10_000_000);
    expect(done - t0).toBe(2 * 1_041_667);
    p.mmioWrite(IO + 0x35, 0x08, 1);
    expect(sent.map((s) => String.fromCharCode(s.byte)).join('')).toBe('hi');
    expect(sent[1].frame).toEqual({ baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
  });

  it('(c) receives one byte by interrupt: status bit 0, vector in the high byte, RHR read releases INTA', () => {
    const t = boot();
    const { p, IO, INT, MEM8, sched, rack, rig, B } = t;
    probeCarrier(t);
    openChannel3(t);
    p.mmioWrite(IO + 0x2b, 0x20, 1);
    p.mmioWrite(MEM8 + 0x01, 0x01, 1);
    const log: string[] = [];
    const irq = p.configRead(0, PCI_SLOT, 0, 0x3c, 1);
    p.requestIrq(irq, () => {
      const status = p.mmioRead(B[2] + 0x0c, 2);
      log.push(`status=${status.toString(16)}`);
      if (!(status & 0xff)) return;
      log.push(`vector=${p.mmioRead(INT, 2).toString(16)}`);
      const isr = p.mmioRead(IO + 0x2b, 1);
      const sr = p.mmioRead(IO + 0x33, 1);
      log.push(`isr=${isr.toString(16)} sr=${sr.toString(16)}`);
      if (isr & 0x20 && sr & 1) log.push(`rhr=${p.mmioRead(IO + 0x37, 1).toString(16)}`);
      log.push(`after=${p.mmioRead(B[2] + 0x0c, 2).toString(16)}`);
    });
    p.mmioWrite(B[2] + 0x02, p.mmioRead(B[2] + 0x02, 2) | 0x40, 2);
    rack.ipoctal.channel(3).receiveFromHost(0x41);
    sched.runUntil(1_041_666);
    expect(log).toEqual([]);
    sched.runUntil(2_000_000);
    expect(log).toEqual(['status=1', 'vector=100', 'isr=30 sr=d', 'rhr=41', 'after=0']);
    expect(rig.irq.isAsserted(irq)).toBe(false);
  });

  it('traces every access with decoded register names', () => {
    const t = boot();
    probeCarrier(t);
    openChannel3(t);
    t.p.mmioRead(t.IO + 0x33, 1);
    const texts = t.trace.since(0).map((r) => `${r.kind} ${r.space} ${r.text}`);
    expect(texts).toContain('write BAR0 LAS1BRD BUS_WIDTH=1 BE');
    expect(texts).toContain('write BAR3 ipoctal.A MR1D BITS=3 PMODE=2');
    expect(texts).toContain('write BAR3 ipoctal.A MR2D STOP=7 CHMODE=0');
    expect(texts).toContain('read BAR3 ipoctal.A SRD TXRDY TXEMT');
  });

  it('a snapshot of the whole rack taken mid-character restores to the same future', () => {
    const run = (stopAt: number | undefined) => {
      const t = boot();
      probeCarrier(t);
      openChannel3(t);
      t.p.mmioWrite(t.IO + 0x37, 0x41, 1);
      t.p.mmioWrite(t.IO + 0x37, 0x42, 1);
      t.rack.ipoctal.channel(3).receiveFromHost(0x5a);
      if (stopAt !== undefined) t.sched.runUntil(stopAt);
      return t;
    };
    const a = run(700_000);
    const snap = JSON.parse(
      JSON.stringify({ sched: a.sched.snapshot(), pci: a.rig.pci.snapshot(), rack: a.rack.snapshot() }),
    );
    a.sched.runUntil(5_000_000);
    const b = boot();
    b.sched.restore(snap.sched);
    b.rig.pci.restore(snap.pci);
    b.rack.restore(snap.rack);
    b.sched.runUntil(5_000_000);
    expect(stableStringify(b.rack.snapshot())).toBe(stableStringify(a.rack.snapshot()));
    expect(b.sent.map((s) => [s.byte, s.atNs])).toEqual(a.sent.map((s) => [s.byte, s.atNs]));
    expect(b.p.mmioRead(b.IO + 0x37, 1)).toBe(0x5a);
  });
});

describe('Linux-style interrupt-driven TX (ipack.md §6 pitfall 4)', () => {
  it('writes one byte per TxRDY interrupt, disables TX at TxEMT, and the level then ends', () => {
    const t = boot();
    const { p, IO, INT, B, sched, rig, trace, sent } = t;
    probeCarrier(t);
    openChannel3(t);
    p.mmioWrite(IO + 0x35, 0x08, 1); // TX off until there is data
    p.mmioWrite(IO + 0x2b, 0x10, 1); // IMR block B: TxRDY b
    const queue = [...'hello'].map((ch) => ch.charCodeAt(0));
    let passes = 0;
    const irq = p.configRead(0, PCI_SLOT, 0, 0x3c, 1);
    p.requestIrq(irq, () => {
      passes++;
      if (!(p.mmioRead(B[2] + 0x0c, 2) & 0xff)) return;
      p.mmioRead(INT, 2);
      const isr = p.mmioRead(IO + 0x2b, 1);
      const sr = p.mmioRead(IO + 0x33, 1);
      if (sr & 0x08 && queue.length === 0) p.mmioWrite(IO + 0x35, 0x08, 1);
      if (isr & 0x10 && sr & 0x04 && queue.length > 0) p.mmioWrite(IO + 0x37, queue.shift() as number, 1);
    });
    p.mmioWrite(B[2] + 0x02, p.mmioRead(B[2] + 0x02, 2) | 0xc0, 2);
    p.mmioWrite(IO + 0x35, 0x04, 1); // the tty write path: TX on, first byte from the interrupt
    sched.runUntil(20_000_000);
    expect(sent.map((s) => String.fromCharCode(s.byte)).join('')).toBe('hello');
    expect(sent.at(-1)?.atNs).toBe(5 * 1_041_667);
    expect(rig.irq.isAsserted(irq)).toBe(false);
    expect(rack(t).chip.state.channels[3].txEnabled).toBe(false);
    // The ISR re-enters while the last character shifts (about one character time at 2 µs).
    expect(passes).toBeGreaterThan(100);
    expect(passes).toBeLessThan(2000);
    expect(trace.since(0).some((r) => /irq storm/.test(r.text))).toBe(false);
  });
});

function rack(t: ReturnType<typeof boot>) {
  return t.rack.ipoctal;
}
