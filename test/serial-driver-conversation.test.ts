// Golden test: the TS guest's tpci200 + ipoctal drivers hold the same register conversation
// with the hardware as Linux does. The expected sequence is written from ipack.md §1.7 (carrier
// probe), §2.4 (ID read), §3.8 (ipoctal probe, open, set_termios, write) and §5, not from the
// driver code. Accesses are read from the bus-trace ring as kind/space/offset/width/value.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { type TraceRecord, TraceRing } from '../src/emu/core/trace';
import { SerialRack } from '../src/emu/serial/serial-rack';

type Access = [
  kind: 'read' | 'write',
  space: string,
  offset: number,
  width: number,
  value: number | undefined,
];

const r = (space: string, offset: number, width: number, value?: number): Access => [
  'read',
  space,
  offset,
  width,
  value,
];
const w = (space: string, offset: number, width: number, value: number): Access => [
  'write',
  space,
  offset,
  width,
  value,
];

// §3.1: the IP-Octal 232 PROM, bytes 0..11.
const PROM = [0x49, 0x50, 0x41, 0x43, 0xf0, 0x22, 0xa1, 0x00, 0x00, 0x00, 0x0c, 0xcc];
// §1.2 / §1.7 step 5: slot s IO at BAR3 + 0x100·s, ID at +0x80; MEM8 = BAR5.
const IO = (slot: number) => 0x100 * slot;
const ID = (slot: number) => 0x100 * slot + 0x80;
// §3.2: channel c registers at IO + 0x10·c: MR +1, CSR +3, CR +5.
const CR = (c: number) => 0x10 * c + 0x05;
const MR = (c: number) => 0x10 * c + 0x01;
const CSR = (c: number) => 0x10 * c + 0x03;

function carrierProbe(): Access[] {
  return [
    // §1.7 steps 2–3: LAS1 and LAS2 big-endian.
    r('BAR0', 0x2c, 4, 0x144120a2),
    w('BAR0', 0x2c, 4, 0x154120a2),
    r('BAR0', 0x30, 4, 0x144120a2),
    w('BAR0', 0x30, 4, 0x154120a2),
    // step 6: every slot 8 MHz, level, interrupts off.
    w('BAR2', 0x02, 2, 0),
    w('BAR2', 0x04, 2, 0),
    w('BAR2', 0x06, 2, 0),
    w('BAR2', 0x08, 2, 0),
  ];
}

function slotInit(slot: number): Access[] {
  // §1.7 step 9.1–9.2: clear CLK32 (read-modify-write), clear a stale timeout.
  return [
    r('BAR2', 0x02 + 2 * slot, 2, 0),
    w('BAR2', 0x02 + 2 * slot, 2, 0),
    w('BAR2', 0x0c, 2, 0x1000 << slot),
  ];
}

function ipoctalIdRead(): Access[] {
  // §2.4 / §5(a) rows 8–10: signature, length, then the 12 bytes.
  const out: Access[] = [1, 3, 5, 7].map((off, k) => r('BAR3', ID(0) + off, 1, PROM[k]));
  out.push(r('BAR3', ID(0) + 0x15, 1, 0x0c));
  PROM.forEach((b, k) => {
    out.push(r('BAR3', ID(0) + 2 * k + 1, 1, b));
  });
  return out;
}

function ipoctalProbe(): Access[] {
  const out: Access[] = [];
  // §3.8 probe step 1, per channel.
  for (let c = 0; c < 8; c++) {
    for (const cmd of [0x0a, 0x20, 0x30, 0x40, 0x10]) out.push(w('BAR3', IO(0) + CR(c), 1, cmd));
    out.push(w('BAR3', IO(0) + MR(c), 1, 0x03), w('BAR3', IO(0) + MR(c), 1, 0x00));
    out.push(w('BAR3', IO(0) + CSR(c), 1, 0xbb));
  }
  // step 2, per block: ACR, OPCR, IMR.
  for (let k = 0; k < 4; k++) {
    out.push(w('BAR3', IO(0) + 0x20 * k + 0x09, 1, 0x80));
    out.push(w('BAR3', IO(0) + 0x20 * k + 0x1b, 1, 0x80));
    out.push(w('BAR3', IO(0) + 0x20 * k + 0x0b, 1, 0x77));
  }
  // step 3: the vector "dummy write" at MEM8 + 1.
  out.push(w('BAR5', 0x01, 1, 0x01));
  // step 5: request_irq → control[slot] |= 0x00C0 (last).
  out.push(r('BAR2', 0x02, 2, 0x0000), w('BAR2', 0x02, 2, 0x00c0));
  return out;
}

function emptySlot(slot: number): Access[] {
  // §1.7 step 9.3: the IPAC test fails at ID+1, the VITA4 test at ID+0; nothing more.
  return [...slotInit(slot), r('BAR3', ID(slot) + 1, 1), r('BAR3', ID(slot) + 0, 1)];
}

/** §3.8 open + set_termios for 9600 8N1 (§3.8 step 4: MR1 0x13, MR2 0x07, CSR 0xBB). */
function openAt9600(c: number): Access[] {
  const out: Access[] = [w('BAR3', CR(c), 1, 0x01)];
  for (const cmd of [0x0a, 0x20, 0x30, 0x40, 0x10]) out.push(w('BAR3', CR(c), 1, cmd));
  out.push(w('BAR3', MR(c), 1, 0x13), w('BAR3', MR(c), 1, 0x07), w('BAR3', CSR(c), 1, 0xbb));
  out.push(w('BAR3', CR(c), 1, 0x01));
  return out;
}

function boot(): { rack: SerialRack; trace: TraceRing; sched: Scheduler; records: TraceRecord[] } {
  const sched = new Scheduler();
  const trace = new TraceRing(65536, () => sched.nowNs);
  const rack = new SerialRack(sched, new Rng(1), trace);
  return { rack, trace, sched, records: trace.since(0) };
}

const mmio = (recs: TraceRecord[]): Access[] =>
  recs
    .filter((x) => x.device === 'tpci200' && (x.kind === 'read' || x.kind === 'write'))
    .map((x) => [x.kind as 'read' | 'write', x.space, x.offset, x.width, x.value]);

/** Compares, treating an undefined expected value as "any value". */
function expectConversation(actual: Access[], expected: Access[]): void {
  const normalised = actual.map((a, i) => {
    const e = expected[i];
    return e && e[4] === undefined ? ([a[0], a[1], a[2], a[3], undefined] as Access) : a;
  });
  expect(normalised).toEqual(expected);
}

describe('guest driver conversation (golden, from ipack.md)', () => {
  it('probes carrier, slots and module, then opens every port, in Linux order', () => {
    const { records } = boot();
    const shellTx: Access[] = [w('BAR3', CR(0), 1, 0x04)]; // §3.8 write path: enable TX, no THR write
    const expected: Access[] = [
      ...carrierProbe(),
      ...slotInit(0),
      ...ipoctalIdRead(),
      ...ipoctalProbe(),
      ...emptySlot(1),
      ...emptySlot(2),
      ...emptySlot(3),
      ...openAt9600(0),
      ...shellTx,
      ...[1, 2, 3, 4, 5, 6, 7].flatMap(openAt9600),
    ];
    expectConversation(mmio(records), expected);
  });

  it('finds the carrier by its IDs and leaves memory decode on', () => {
    const { records } = boot();
    const cfg = records.filter((x) => x.device === 'tpci200' && x.kind === 'cfg-read');
    const at = (off: number) => cfg.find((x) => x.offset === off && x.width === 4)?.value;
    expect(at(0x00)).toBe(0x30c81498);
    expect(at(0x2c)).toBe(0x300a1498);
    const writes = records.filter(
      (x) => x.device === 'tpci200' && x.kind === 'cfg-write' && x.offset === 0x04,
    );
    expect((writes[writes.length - 1].value ?? 0) & 0x2).toBe(0x2);
  });

  it('sends the first byte from the TxRDY interrupt: STATUS, INT acks, then one THR write', () => {
    const { trace, sched } = boot();
    const seq = trace.lastSeq;
    sched.runFor(10_000);
    const recs = mmio(trace.since(seq));
    // §1.7 ISR: R16 STATUS first; §3.8 ISR: R16 INT+0 and INT+2; then per channel ISR + SR.
    expect(recs[0].slice(0, 4)).toEqual(['read', 'BAR2', 0x0c, 2]);
    expect((recs[0][4] ?? 0) & 0xff).toBe(0x01); // slot A INT0; bits 8–15 (timeouts of empty slots) ignored
    expect(recs[1].slice(0, 4)).toEqual(['read', 'BAR3', 0xc0, 2]);
    expect(recs[2].slice(0, 4)).toEqual(['read', 'BAR3', 0xc2, 2]);
    expect(recs[3]).toEqual(r('BAR3', 0x0b, 1, recs[3][4]));
    expect(recs[4].slice(0, 4)).toEqual(['read', 'BAR3', 0x03, 1]);
    expect((recs[4][4] ?? 0) & 0x0c).toBe(0x0c); // TxRDY + TxEMT on a freshly enabled transmitter
    const thr = recs.filter((a) => a[0] === 'write' && a[2] === 0x07);
    expect(thr[0]).toEqual(w('BAR3', 0x07, 1, 'i'.charCodeAt(0)));
  });

  it('reads SR before RHR and resets the error status after an errored character (§3.8 receive loop)', () => {
    const { rack, trace, sched } = boot();
    sched.runFor(20_000_000);
    const seq = trace.lastSeq;
    rack.inject(3, 'parity');
    rack.hostWrite(3, 'A');
    sched.runFor(2_000_000);
    const recs = mmio(trace.since(seq)).filter((a) => a[2] >= 0x20 && a[2] < 0x40);
    const rhr = recs.findIndex((a) => a[0] === 'read' && a[2] === 0x37);
    expect(rhr).toBeGreaterThan(0);
    const before = recs.slice(0, rhr).filter((a) => a[2] === 0x33);
    expect((before[before.length - 1][4] ?? 0) & 0x21).toBe(0x21); // SR: RxRDY + parity error
    expect(recs[rhr][4]).toBe(0x41);
    expect(recs[rhr + 1]).toEqual(w('BAR3', 0x35, 1, 0x40)); // CR: reset error status
  });
});
