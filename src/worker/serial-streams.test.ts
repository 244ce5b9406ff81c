import { describe, expect, it } from 'vitest';
import { Rng } from '../emu/core/rng';
import { Scheduler } from '../emu/core/scheduler';
import { stateHash } from '../emu/core/snapshot';
import { TraceRing } from '../emu/core/trace';
import { SerialRack } from '../emu/serial/serial-rack';
import type { RackItem } from './serial-protocol';
import { RackStreams, SERIAL_EVERY_MS, type StreamedMachine, TRACE_BATCH_MAX } from './serial-streams';

/** The smallest rig: a serial rack on its own scheduler, dressed as a Machine. */
function rig() {
  const sched = new Scheduler();
  const trace = new TraceRing(4096, () => sched.nowNs);
  const rack = new SerialRack(sched, new Rng(1), trace);
  const machine: StreamedMachine = {
    get nowNs() {
      return sched.nowNs;
    },
    trace,
    getSubsystem: (name) => (name === 'serial' ? rack : undefined),
    qmp: () => ({ error: { class: 'CommandNotFound', desc: 'none' } }),
  };
  const items: RackItem[] = [];
  const transfers: ArrayBuffer[] = [];
  const streams = new RackStreams((item, transfer = []) => {
    items.push(item);
    transfers.push(...transfer);
  });
  sched.runFor(50_000_000); // the guest boots and opens its ports
  streams.attach(machine);
  return { sched, trace, rack, streams, items, transfers };
}

const lastOf = (items: RackItem[], kind: RackItem['kind']) =>
  [...items].reverse().find((i) => i.kind === kind);

const text = (items: RackItem[], port: number) =>
  items
    .flatMap((i) => (i.kind === 'serialOutput' ? i.chunks.filter((c) => c.port === port) : []))
    .map((c) => String.fromCharCode(...c.bytes))
    .join('');

describe('RackStreams', () => {
  it('announces the topology: PCI bus, TPCI200, four slots, the IP-Octal in A with eight channels', () => {
    const { items } = rig();
    const topo = items.find((i) => i.kind === 'topology');
    if (topo?.kind !== 'topology') throw new Error('no topology item');
    const tpci = topo.roots[0].children[0];
    expect(tpci.id).toBe('tpci200');
    expect(tpci.children.map((s) => s.id)).toEqual(['slot.A', 'slot.B', 'slot.C', 'slot.D']);
    const octal = tpci.children[0].children[0];
    expect(octal.children.map((c) => c.port)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(tpci.children[1].children).toEqual([]);
  });

  it('streams what the guest printed before the streams were attached (the boot prompt)', () => {
    const { streams, items } = rig();
    streams.collect(1000);
    expect(text(items, 0)).toContain('ipoctal0$ ');
  });

  it('sends typed input to the shell and its answer back as batched, transferred bytes', () => {
    const { sched, streams, items, transfers } = rig();
    expect(streams.handle({ kind: 'serialInput', port: 0, data: 'help\r' } as { kind: string })).toBe(true);
    let wallMs = 0;
    for (let i = 0; i < 60; i++) {
      sched.runFor(10_000_000);
      wallMs += SERIAL_EVERY_MS;
      streams.collect(wallMs);
    }
    expect(text(items, 0)).toContain('commands:');
    const outputs = items.filter((i) => i.kind === 'serialOutput');
    expect(outputs.length).toBeLessThanOrEqual(60);
    expect(outputs.every((o) => o.kind === 'serialOutput' && o.chunks.every((c) => c.bytes.length > 0))).toBe(
      true,
    );
    expect(transfers.length).toBe(
      outputs.reduce((n, o) => n + (o.kind === 'serialOutput' ? o.chunks.length : 0), 0),
    );
  });

  it('emits at most one serial item per frame interval, keeping the bytes for the next one', () => {
    const { sched, streams, items } = rig();
    streams.handle({ kind: 'serialInput', port: 5, data: 'abc' } as { kind: string });
    sched.runFor(20_000_000);
    streams.collect(1000);
    streams.handle({ kind: 'serialInput', port: 5, data: 'def' } as { kind: string });
    sched.runFor(20_000_000);
    streams.collect(1000 + SERIAL_EVERY_MS / 2);
    expect(items.filter((i) => i.kind === 'serialOutput').length).toBe(1);
    streams.collect(1000 + SERIAL_EVERY_MS + 1);
    expect(items.filter((i) => i.kind === 'serialOutput').length).toBe(2);
    expect(text(items, 5)).toBe('abcdef');
  });

  it('reports per-port status with the guest counters and the host end settings', () => {
    const { streams, items, rack } = rig();
    rack.connect(6, 7);
    streams.handle({ kind: 'qmp' });
    streams.collect(0);
    const status = lastOf(items, 'serialStatus');
    if (status?.kind !== 'serialStatus') throw new Error('no status');
    expect(status.ports).toHaveLength(8);
    expect(status.ports[0]).toMatchObject({ device: 'ipoctal.0.0.0', program: 'shell', host: 'follow' });
    expect(status.ports[6].peer).toBe(7);
    expect(status.ports[7].peer).toBe(6);
  });

  it('streams trace records only while the trace view is on, bounded and counting what was dropped', () => {
    const { sched, streams, items, trace } = rig();
    expect(trace.enabled).toBe(false);
    streams.handle({ kind: 'serialInput', port: 1, data: 'x' } as { kind: string });
    sched.runFor(5_000_000);
    streams.collect(0);
    expect(items.some((i) => i.kind === 'traceRecords')).toBe(false);

    streams.handle({ kind: 'traceStream', on: true } as { kind: string });
    expect(trace.enabled).toBe(true);
    streams.handle({ kind: 'serialInput', port: 1, data: 'hello' } as { kind: string });
    sched.runFor(10_000_000);
    streams.collect(1000);
    const batch = lastOf(items, 'traceRecords');
    if (batch?.kind !== 'traceRecords') throw new Error('no trace batch');
    expect(batch.records.length).toBeGreaterThan(0);
    expect(batch.records.length).toBeLessThanOrEqual(TRACE_BATCH_MAX);
    expect(batch.records.some((r) => / (THR|SR|RHR)[A-H]\b/.test(r.text))).toBe(true);
    const seqs = batch.records.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    for (let i = 0; i < 6000; i++) trace.record('event', 'test', 'none', 0, 0, i, 'filler');
    streams.collect(2000);
    const big = lastOf(items, 'traceRecords');
    if (big?.kind !== 'traceRecords') throw new Error('no trace batch');
    expect(big.records).toHaveLength(TRACE_BATCH_MAX);
    expect(big.dropped).toBe(6000 - TRACE_BATCH_MAX);
    expect(big.records.at(-1)?.value).toBe(5999);

    streams.handle({ kind: 'traceStream', on: false } as { kind: string });
    expect(trace.enabled).toBe(false);
  });

  it('sends decoded registers of the selected node without changing the machine', () => {
    const { sched, streams, items, rack } = rig();
    streams.handle({ kind: 'serialInput', port: 3, data: 'zz' } as { kind: string });
    sched.runFor(1_000_000);
    streams.collect(0); // hand over the output so far: draining it is not what is under test
    const before = stateHash(rack.snapshot());
    for (const node of ['pci', 'tpci200', 'slot.A', 'ipoctal', 'channel.3']) {
      streams.handle({ kind: 'inspect', node } as { kind: string });
      streams.collect(0);
    }
    expect(stateHash(rack.snapshot())).toBe(before);
    const regs = items.filter((i) => i.kind === 'registers');
    const ch3 = regs.find((r) => r.kind === 'registers' && r.node === 'channel.3');
    if (ch3?.kind !== 'registers') throw new Error('no registers');
    const names = ch3.rows.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['MR1D', 'MR2D', 'CSRD', 'SRD']));
    const mr1 = ch3.rows.find((r) => r.name === 'MR1D');
    expect(mr1?.fields).toMatch(/BITS=3/); // 8 data bits as the guest programmed them
    const carrier = regs.find((r) => r.kind === 'registers' && r.node === 'tpci200');
    if (carrier?.kind !== 'registers') throw new Error('no carrier registers');
    expect(carrier.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['VENDOR_ID', 'IP_A_CONTROL', 'STATUS']),
    );
  });
});
