import { describe, expect, it } from 'vitest';
import { Rng } from '../emu/core/rng';
import { Scheduler } from '../emu/core/scheduler';
import { TraceRing } from '../emu/core/trace';
import { createTdcSubsystem } from '../emu/tdc/tdc-subsystem';
import type { TdcItem } from './tdc-protocol';
import { TDC_EVERY_MS, TDC_RECENT_ROWS, type TdcStreamedMachine, TdcStreams } from './tdc-streams';

/** The smallest rig: the TDC subsystem on its own scheduler, dressed as a Machine. */
function rig() {
  const sched = new Scheduler();
  const trace = new TraceRing(256, () => sched.nowNs);
  const tdc = createTdcSubsystem(sched, new Rng(1), trace);
  const table = tdc.qmpCommands();
  const machine: TdcStreamedMachine = {
    get nowNs() {
      return sched.nowNs;
    },
    getSubsystem: (name) => (name === 'tdc' ? (tdc as never) : undefined),
    qmp: (cmd) => ({ return: table[cmd.execute](cmd.arguments ?? {}) }),
  };
  const items: TdcItem[] = [];
  const transfers: ArrayBuffer[] = [];
  const streams = new TdcStreams((item, transfer = []) => {
    items.push(item);
    transfers.push(...transfer);
  });
  sched.runFor(20_000_000); // the driver probes
  streams.attach(machine);
  return { sched, machine, streams, items, transfers };
}

const data = (items: TdcItem[]) =>
  items.filter((i): i is Extract<TdcItem, { kind: 'tdcData' }> => i.kind === 'tdcData');

describe('TdcStreams', () => {
  it('sends nothing until the panel asks for the stream', () => {
    const { streams, items } = rig();
    streams.collect(0);
    streams.collect(1000);
    expect(items).toEqual([]);
  });

  it('sends at most one item per TDC_EVERY_MS while on, none after it is switched off', () => {
    const { streams, items } = rig();
    streams.handle({ kind: 'tdcStream', on: true });
    for (let ms = 0; ms < 10 * TDC_EVERY_MS; ms += 5) streams.collect(ms);
    expect(data(items).length).toBe(10);
    streams.handle({ kind: 'tdcStream', on: false });
    streams.collect(5000);
    expect(data(items).length).toBe(10);
  });

  it('reports a 1 kHz train on channel 1 as 1000/s with bounded, numbered recent rows', () => {
    const { sched, machine, streams, items } = rig();
    machine.qmp({ execute: 'x-tdc-pulses', arguments: { channel: 1, period_ns: 1_000_000, width_ns: 200 } });
    sched.runFor(2_100_000_000);
    streams.handle({ kind: 'tdcStream', on: true });
    streams.collect(0);
    const item = data(items)[0];
    const ch1 = item.channels[0];
    expect(Math.abs(ch1.ratePerS - 1000)).toBeLessThanOrEqual(10);
    expect(ch1.timestamps).toBeGreaterThan(2000);
    const rows = item.recent.filter((r) => r.channel === 1);
    expect(rows.length).toBe(TDC_RECENT_ROWS);
    expect(rows[rows.length - 1].index).toBe(ch1.timestamps);
    expect(item.recent.filter((r) => r.channel === 2)).toEqual([]);
    const bin = item.histogram?.counts[0].findIndex((c) => c > 0);
    expect(item.histogram?.lowerNs[bin ?? 0]).toBe(2 ** 19); // 1 ms lies in [524288, 1048576) ns
  });

  it('carries the event log only when it changed, with a fired DMA error and its effect', () => {
    const { sched, machine, streams, items } = rig();
    streams.handle({ kind: 'tdcStream', on: true });
    streams.collect(0);
    const first = data(items)[0].events ?? [];
    streams.collect(TDC_EVERY_MS);
    expect(data(items)[1].events).toBeUndefined();
    machine.qmp({ execute: 'x-inject-fault', arguments: { device: 'spec0', kind: 'dma-error' } });
    machine.qmp({ execute: 'x-tdc-pulses', arguments: { channel: 1, period_ns: 100_000, width_ns: 200 } });
    sched.runFor(100_000_000);
    streams.collect(2 * TDC_EVERY_MS);
    const events = data(items)[2].events ?? [];
    expect(events.length).toBeGreaterThan(first.length);
    const fault = events.find((e) => e.source === 'fault' && e.what === 'dma-error');
    expect(fault?.fired).toBe(true);
    expect(fault?.text).toMatch(/STAT/);
  });

  it('exports the newest timestamps of every channel with transferred buffers', () => {
    const { sched, machine, streams, items, transfers } = rig();
    machine.qmp({ execute: 'x-tdc-pulses', arguments: { channel: 3, period_ns: 1_000_000, width_ns: 200 } });
    sched.runFor(50_000_000);
    streams.handle({ kind: 'tdcExportRequest', id: 7 });
    const exp = items.find((i) => i.kind === 'tdcExport');
    if (exp?.kind !== 'tdcExport') throw new Error('no export');
    expect(exp.id).toBe(7);
    expect(exp.channels.map((c) => c.seconds.length)).toEqual([0, 0, expect.any(Number), 0, 0]);
    expect(exp.channels[2].seconds.length).toBeGreaterThan(30);
    expect(exp.channels[2].firstIndex).toBe(1);
    expect(transfers.length).toBe(10);
  });

  it('says once that a lab has no TDC', () => {
    const items: TdcItem[] = [];
    const streams = new TdcStreams((item) => items.push(item));
    streams.attach({ nowNs: 0, getSubsystem: () => undefined, qmp: () => ({ return: {} }) });
    streams.handle({ kind: 'tdcStream', on: true });
    streams.collect(0);
    streams.collect(1000);
    expect(items).toEqual([{ kind: 'tdcAbsent' }]);
  });
});
