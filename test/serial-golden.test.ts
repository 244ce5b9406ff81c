// Golden run of the serial rack: fixed input on all eight ports, paced and unpaced, a null-modem
// cable, the channel modes (auto echo, local loopback), forced errors (framing, parity, break,
// overrun), host settings that disagree with the guest, a drain, and a snapshot restored into a
// fresh rack. The hashes were printed once from the code before the serial path was optimised
// (session 3) and pasted here: every speed change must keep them, i.e. the same host bytes, the
// same driver counters, the same virtual times and, traced, the same bus accesses in the same
// order with the same values, times and decoded texts.
import { createHash, type Hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { TraceRing } from '../src/emu/core/trace';
import { SerialRack } from '../src/emu/serial/serial-rack';

const MS = 1_000_000;
const ALL_ECHO = ['echo', 'echo', 'echo', 'echo', 'echo', 'echo', 'echo', 'echo'] as const;

/** A recorder: observables (same traced or not) and the bus trace, each into its own hash. */
class Golden {
  readonly obs: Hash = createHash('sha256');
  readonly tr: Hash = createHash('sha256');
  traceRecords = 0;
  private lastSeq = 0;

  constructor(
    readonly sched: Scheduler,
    public rack: SerialRack,
    readonly trace?: TraceRing,
  ) {}

  /** Reads every trace record since the last call into the trace hash (none may be lost). */
  takeTrace(): void {
    if (!this.trace) return;
    const recs = this.trace.since(this.lastSeq);
    if (recs.length > 0 && recs[0].seq !== this.lastSeq + 1)
      throw new Error(`golden: trace ring overflowed (${recs[0].seq} after ${this.lastSeq})`);
    for (const r of recs) {
      this.tr.update(
        `${r.seq} ${r.atNs} ${r.kind} ${r.device} ${r.space} ${r.offset} ${r.width} ${r.value} ${r.text}\n`,
      );
    }
    this.traceRecords += recs.length;
    if (recs.length > 0) this.lastSeq = recs[recs.length - 1].seq;
  }

  run(ns: number, sliceNs = 250_000): void {
    const end = this.sched.nowNs + ns;
    while (this.sched.nowNs < end) {
      this.sched.runUntil(Math.min(end, this.sched.nowNs + sliceNs));
      this.takeTrace();
    }
  }

  checkpoint(label: string): void {
    this.takeTrace();
    const r = this.rack;
    const parts = [
      label,
      String(this.sched.nowNs),
      JSON.stringify(r.counters()),
      JSON.stringify(r.ports()),
      String(r.guest.ipoctal.boards[0].irqCount),
      String(r.guest.tpci200.spurious),
      JSON.stringify(r.guest.ttys.map((t) => [t.pendingOutput, t.droppedBytes])),
      String(r.hw.tpci200.intaAsserted),
      String(r.hw.tpci200.peekStatus()),
    ];
    for (let p = 0; p < 8; p++) parts.push(r.hostOutput(p));
    this.obs.update(`${parts.join('\u0001')}\n`);
  }
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 0x20 + ((x >>> 16) % 95);
  }
  return out;
}

/** The bench's run (bench/serial.ts), smaller: 8 unpaced echo ports fed in 512-byte chunks. */
function unpacedBench(traced: boolean, bytesPerPort = 3000): Golden {
  const sched = new Scheduler();
  const trace = traced ? new TraceRing(1 << 20, () => sched.nowNs) : undefined;
  const rack = new SerialRack(sched, new Rng(1), trace, ALL_ECHO);
  const g = new Golden(sched, rack, trace);
  g.run(MS);
  g.checkpoint('boot');
  const payload = bytes(bytesPerPort, 7);
  const sent = new Array(8).fill(0);
  for (let port = 0; port < 8; port++) rack.setUnpaced(port, true);
  let slices = 0;
  while (!rack.counters().every((c) => c.hostReceived >= bytesPerPort)) {
    rack.channels.forEach((ch, port) => {
      if (sent[port] < bytesPerPort && ch.backlog() < 512) {
        const n = Math.min(512, bytesPerPort - sent[port]);
        rack.hostWrite(port, payload.subarray(sent[port], sent[port] + n));
        sent[port] += n;
      }
    });
    g.run(MS, MS);
    if (++slices % 4 === 0) g.checkpoint(`slice ${slices}`);
    if (slices > 10_000) throw new Error('golden: unpaced run does not finish');
  }
  g.checkpoint('done');
  return g;
}

/** Everything else: paced lines, shell, cable, channel modes, errors, mismatch, drain, restore. */
function mixed(traced: boolean): Golden {
  const sched = new Scheduler();
  const trace = traced ? new TraceRing(1 << 20, () => sched.nowNs) : undefined;
  const rack = new SerialRack(sched, new Rng(1), trace);
  const g = new Golden(sched, rack, trace);
  g.run(20 * MS);
  g.checkpoint('boot');
  const drained: string[] = [];
  const drain = () => {
    for (const d of rack.drainHostOutput()) drained.push(`${d.port}:${Buffer.from(d.bytes).toString('hex')}`);
  };

  // Paced input on every port; the shell answers on port 0.
  rack.hostWrite(0, 'help\r');
  for (let p = 1; p < 8; p++) rack.hostWrite(p, bytes(40, p));
  g.run(60 * MS);
  g.checkpoint('paced');
  drain();

  // Forced conditions on paced ports 1–4, then on unpaced ports 5 and 6.
  rack.inject(1, 'framing');
  rack.hostWrite(1, 'F1');
  rack.inject(2, 'parity');
  rack.hostWrite(2, 'P2');
  rack.inject(3, 'break');
  rack.hostWrite(3, 'B3');
  rack.inject(4, 'overrun');
  rack.hostWrite(4, 'O4');
  g.run(15 * MS);
  rack.setUnpaced(5, true);
  rack.setUnpaced(6, true);
  rack.inject(5, 'framing');
  rack.hostWrite(5, bytes(300, 5));
  rack.inject(6, 'break');
  rack.hostWrite(6, bytes(300, 6));
  rack.inject(6, 'parity');
  rack.hostWrite(6, 'xyz');
  g.run(15 * MS);
  g.checkpoint('errors');
  rack.hostWrite(0, 'stats\r');
  g.run(200 * MS);
  g.checkpoint('stats');
  drain();

  // Host ends that disagree with the guest, and stty changing the guest's line.
  rack.setHostSettings(2, { baud: 19200, format: '8N1' });
  rack.setHostSettings(3, { baud: 9600, format: '7E1' });
  rack.hostWrite(2, bytes(20, 22));
  rack.hostWrite(3, bytes(20, 33));
  rack.hostWrite(0, 'stty -F /dev/ipoctal.0.0.4 19200 cs7 parenb\r');
  g.run(80 * MS);
  rack.hostWrite(4, bytes(30, 44));
  g.run(40 * MS);
  rack.setHostSettings(4, { baud: 19200, format: '7E1' });
  rack.hostWrite(4, bytes(30, 45));
  g.run(40 * MS);
  g.checkpoint('mismatch');

  // A null-modem cable between 6 and 7 (both echo: a ping-pong at the line rate), paced and
  // with one end unpaced; then unplugged.
  rack.setUnpaced(6, false);
  rack.connect(6, 7);
  rack.hostWrite(6, 'cable');
  g.run(30 * MS);
  rack.setUnpaced(7, true);
  rack.hostWrite(7, 'unpaced end');
  g.run(30 * MS);
  g.checkpoint('cable');
  rack.connect(7, null);
  rack.hostWrite(7, 'solo');
  g.run(10 * MS);
  g.checkpoint('unplugged');

  // Channel modes written straight to MR2 (CR 0x10 then MR1, MR2): auto echo on channel 1,
  // local loopback on channel 2 (the echo program then talks to itself at the line rate).
  const p = rack.rig.platform;
  const io = rack.guest.tpci200.ipackDevices[0].io.base;
  const mode = (ch: number, mr2: number) => {
    p.mmioWrite(io + 0x10 * ch + 0x05, 0x10, 1);
    p.mmioWrite(io + 0x10 * ch + 0x01, 0x13, 1);
    p.mmioWrite(io + 0x10 * ch + 0x01, mr2, 1);
  };
  mode(1, 0x47);
  mode(2, 0x87);
  rack.hostWrite(1, 'auto echo');
  rack.hostWrite(2, 'loop');
  g.run(30 * MS);
  g.checkpoint('modes');
  mode(1, 0x07);
  mode(2, 0x07);
  rack.hostWrite(1, 'normal');
  g.run(20 * MS);
  drain();
  g.checkpoint('normal');

  // Snapshot in the middle of unpaced traffic; a fresh rack restored from it must run the same.
  for (let q = 1; q < 8; q++) rack.setUnpaced(q, true);
  for (let q = 1; q < 8; q++) rack.hostWrite(q, bytes(700, 100 + q));
  rack.hostWrite(0, 'lspci\r');
  g.run(2 * MS + 123_457);
  const snap = JSON.parse(JSON.stringify({ rack: rack.snapshot(), sched: sched.snapshot() }));
  g.run(60 * MS);
  g.checkpoint('after snapshot');
  const sched2 = new Scheduler();
  const rack2 = new SerialRack(sched2, new Rng(1));
  rack2.restore(snap.rack);
  sched2.restore(snap.sched);
  sched2.runFor(60 * MS);
  for (let q = 0; q < 8; q++) expect(rack2.hostOutput(q)).toBe(rack.hostOutput(q));
  expect(rack2.counters()).toEqual(rack.counters());
  expect(rack2.ports()).toEqual(rack.ports());
  expect(sched2.nowNs).toBe(sched.nowNs);
  g.obs.update(drained.join('\n'));
  return g;
}

// Printed once from the unmodified code (session 3, before the serial path was optimised).
const GOLDEN = {
  unpacedObs: '53382becabdbaf4d541dc2010d25b66a70e56f19e8f3621c8ea34b1f00c07736',
  unpacedTrace: 'c0e1d65c7804235cfeb21128c6b1e7214d7882c01507654da233816cc25db998',
  unpacedRecords: 96629,
  mixedObs: '86b628ad1941ae18a2ee3568defaca6a1fca6659c053ba6f055ee5be6c13c3b0',
  mixedTrace: 'a078348992ed5b65bc74d7ea101165d9e1486f99a159d592cd30d15168d42d07',
  mixedRecords: 198686,
};

/** Runs a scenario untraced and traced: the observables agree, and both hashes are the pinned ones. */
function expectGolden(
  name: string,
  scenario: (traced: boolean) => Golden,
  pinned: { obs: string; trace: string; records: number },
): void {
  const plain = scenario(false);
  const traced = scenario(true);
  const obs = plain.obs.digest('hex');
  expect(traced.obs.digest('hex')).toBe(obs);
  const tr = traced.tr.digest('hex');
  if (process.env.GOLDEN_PRINT) console.log(name, obs, tr, traced.traceRecords);
  expect(obs).toBe(pinned.obs);
  expect(tr).toBe(pinned.trace);
  expect(traced.traceRecords).toBe(pinned.records);
}

describe('serial rack golden run (observables pinned before the speed work)', () => {
  it('unpaced, eight echo ports fed in chunks: same host bytes, counters, times and bus trace', () => {
    expectGolden('unpaced', unpacedBench, {
      obs: GOLDEN.unpacedObs,
      trace: GOLDEN.unpacedTrace,
      records: GOLDEN.unpacedRecords,
    });
  });

  it('paced, shell, cable, channel modes, forced errors, mismatched hosts, drain and restore', () => {
    expectGolden('mixed', mixed, {
      obs: GOLDEN.mixedObs,
      trace: GOLDEN.mixedTrace,
      records: GOLDEN.mixedRecords,
    });
  });
});
