// (Until 02:25 this was test/tdc-scenarios.test.ts; that name now holds the device-model tests.)
// tdc.md §3 scenarios through the TDC subsystem's QMP commands, as scenarios/tdc/*.json run them
// in the default lab: the correct driver's outcome, and the v8-compatible mode's for D1, D3, D8, I1.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../src/cli/scenario';
import { ScenarioRun } from '../src/cli/scenario-runner';
import { QmpError } from '../src/emu/control/qmp-types';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { TraceRing } from '../src/emu/core/trace';
import { Machine } from '../src/emu/machine';
import { createTdcSubsystem } from '../src/emu/tdc/tdc-subsystem';

const MS = 1_000_000;
const S = 1_000_000_000;

interface ChannelRow {
  channel: number;
  enabled: boolean;
  termination: boolean;
  timestamps: number;
  dropped: number;
  sequence_gaps: number;
  dma_errors: number;
  dma_recoveries: number;
  last_ts: { seconds: number; ps: number };
  duplicates: number;
  dma_retries: number;
  dma_timeouts: number;
  blocks_lost: number;
  resyncs: number;
  switch_stalls: number;
  spurious_irqs: number;
  state: string;
}

function lab(seed = 1) {
  const sched = new Scheduler();
  const trace = new TraceRing(1024, () => sched.nowNs);
  trace.enabled = false;
  const tdc = createTdcSubsystem(sched, new Rng(seed), trace);
  const cmds = tdc.qmpCommands();
  const qmp = (name: string, args: Record<string, unknown> = {}) => {
    const h = cmds[name];
    if (!h) throw new Error(`no command ${name}`);
    return h(args);
  };
  const query = (ch: number) => (qmp('x-query-tdc') as ChannelRow[])[ch - 1];
  const driver = () =>
    qmp('x-query-tdc-driver') as {
      unexpected_irqs: number;
      spurious_dma_irqs: number;
      local_bus_errors: number;
      state: string;
    };
  sched.runFor(10 * MS); // probe
  return { sched, tdc, qmp, query, driver, run: (ns: number) => sched.runFor(ns) };
}

/** 1 kHz on channel 1, 200 ns wide, until stopped. */
const train = (qmp: (n: string, a?: Record<string, unknown>) => unknown, channel = 1, periodNs = 1_000_000) =>
  qmp('x-tdc-pulses', { channel, period_ns: periodNs, width_ns: 200, count: 0 });

describe('TDC subsystem: default lab', () => {
  it('boots with all five channels enabled and terminated', () => {
    const { qmp, driver } = lab();
    expect(driver().state).toBe('ready');
    const rows = qmp('x-query-tdc') as ChannelRow[];
    expect(rows.map((r) => [r.channel, r.enabled, r.termination])).toEqual([
      [1, true, true],
      [2, true, true],
      [3, true, true],
      [4, true, true],
      [5, true, true],
    ]);
  });

  it('P1: a 1 kHz pulse train on channel 1 gives 1000 timestamps per second', () => {
    const { qmp, query, run, tdc } = lab();
    train(qmp);
    run(1 * S);
    run(2_020 * MS);
    // Every pulse of the board's second 2 was delivered, and nothing else carries that second.
    const second2 = tdc.recentTimestamps(1, 1024).filter((t) => t.seconds === 2);
    expect(second2.length).toBe(1000);
    // The rate meter sees 10 ms batches: within one batch of 1000/s.
    expect(Math.abs(tdc.rates()[0] - 1000)).toBeLessThanOrEqual(12);
    expect(query(1)).toMatchObject({ sequence_gaps: 0, duplicates: 0, dropped: 0 });
    expect(query(2).timestamps).toBe(0);
    // Intervals of 1 ms fall in the [2^19, 2^20) ns bin.
    const h = tdc.intervalHistogram(1);
    expect(h.counts[19]).toBeGreaterThan(2900);
    const recent = tdc.recentTimestamps(1, 2);
    const dtPs = (recent[1].seconds - recent[0].seconds) * 1e12 + (recent[1].ps - recent[0].ps);
    expect(Math.abs(dtPs - 1e9)).toBeLessThan(2000);
  });

  it('P3: glitches shorter than the minimum width produce no timestamp', () => {
    const { qmp, query, run } = lab();
    qmp('x-tdc-noise', { channel: 1, rate_hz: 20_000, width_ns: 40 });
    qmp('x-tdc-pulses', { channel: 2, period_ns: 100_000, width_ns: 50, count: 100 });
    run(500 * MS);
    expect(query(1).timestamps).toBe(0);
    expect(query(2).timestamps).toBe(0);
    expect(query(1).sequence_gaps).toBe(0);
  });

  it('P6a: a lost rising edge gives a duplicate that the driver drops and counts', () => {
    const { qmp, query, run, tdc } = lab();
    tdc.signals.edgeLoss(0, 'rising', 0.2);
    train(qmp);
    run(1 * S);
    const q = query(1);
    expect(q.duplicates).toBeGreaterThan(50);
    expect(q.timestamps + q.duplicates).toBeGreaterThan(900);
    const recent = tdc.recentTimestamps(1, 500);
    for (let i = 1; i < recent.length; i++)
      expect(recent[i].seconds * 1e12 + recent[i].ps).toBeGreaterThan(
        recent[i - 1].seconds * 1e12 + recent[i - 1].ps,
      );
  });

  it('x-tdc-channel-set goes through the driver (termination, enable, offset)', () => {
    const { qmp, query, run, tdc } = lab();
    qmp('x-tdc-channel-set', { channel: 3, termination: false });
    expect(tdc.spec.tdc.isTerminated(2)).toBe(false);
    expect(query(3).termination).toBe(false);
    train(qmp);
    run(100 * MS);
    // Phase of the 1 ms train within its period, in ps, before and after a +1 µs user offset.
    const phase = () => {
      const t = tdc.recentTimestamps(1, 1)[0];
      return (t.seconds * 1e12 + t.ps) % 1e9;
    };
    const before = phase();
    qmp('x-tdc-channel-set', { channel: 1, offset_ps: 1_000_000 });
    run(100 * MS);
    expect(query(1)).toMatchObject({ offset_ps: 1_000_000, sequence_gaps: 0 });
    expect(Math.abs(phase() - before - 1_000_000)).toBeLessThan(1000);
    qmp('x-tdc-channel-set', { channel: 1, enabled: false });
    run(50 * MS);
    const frozen = query(1).timestamps;
    run(100 * MS);
    expect(query(1).timestamps).toBe(frozen);
    expect(query(1).enabled).toBe(false);
  });
  it('disabling and enabling a channel restarts its numbering without a reported loss', () => {
    const { qmp, query, run } = lab();
    train(qmp);
    run(105 * MS);
    qmp('x-tdc-channel-set', { channel: 1, enabled: false });
    run(50 * MS);
    const before = query(1).timestamps;
    qmp('x-tdc-channel-set', { channel: 1, enabled: true });
    run(300 * MS);
    const q = query(1) as ChannelRow & { sequence_restarts: number };
    expect(q.timestamps - before).toBeGreaterThanOrEqual(280);
    expect(q.sequence_gaps).toBe(0);
    expect(q.duplicates).toBe(0);
  });
});

describe('TDC subsystem: DMA faults (tdc.md §3.2)', () => {
  it('D1: a DMA error is retried; timestamps continue with no duplicate and no gap', () => {
    const { qmp, query, run, tdc } = lab();
    train(qmp);
    run(100 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'dma-error' });
    run(400 * MS);
    const q = query(1);
    expect(q).toMatchObject({
      dma_errors: 1,
      dma_retries: 1,
      dma_recoveries: 1,
      duplicates: 0,
      sequence_gaps: 0,
    });
    expect(q.timestamps).toBeGreaterThanOrEqual(490);
    const faults = qmp('x-query-tdc-faults') as { kind: string; fired_ns: number | null }[];
    expect(faults[0].kind).toBe('dma-error');
    expect(faults[0].fired_ns).toBeGreaterThan(100 * MS);
    expect(tdc.eventLog().some((e) => e.source === 'driver' && /retry succeeded/.test(e.text))).toBe(true);
  });

  it('D1: when every retry fails the block is given up and the loss matches the sequence gap', () => {
    const { qmp, query, run } = lab();
    train(qmp);
    run(100 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'dma-error', count: 3 });
    run(400 * MS);
    const q = query(1);
    expect(q.dma_errors).toBe(3);
    expect(q.blocks_lost).toBe(1);
    expect(q.dropped).toBeGreaterThan(0);
    expect(q.sequence_gaps).toBe(q.dropped);
    expect(q.timestamps + q.dropped).toBeGreaterThanOrEqual(490);
  });

  it('D1 (fmc-tdc-v8 mode): a DMA error stalls acquisition for good', () => {
    const { qmp, query, run } = lab();
    qmp('x-tdc-driver-mode', { mode: 'fmc-tdc-v8' });
    train(qmp);
    run(100 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'dma-error' });
    run(100 * MS);
    const stalled = query(1).timestamps;
    run(500 * MS);
    expect(query(1)).toMatchObject({ dma_errors: 1, dma_recoveries: 0, timestamps: stalled });
    expect(stalled).toBeLessThan(200);
  });

  it('D3: a hung DMA is aborted by the watchdog and retried', () => {
    const { qmp, query, run } = lab();
    train(qmp);
    run(100 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'dma-hang' });
    run(400 * MS);
    const q = query(1);
    expect(q).toMatchObject({ dma_timeouts: 1, dma_recoveries: 1, sequence_gaps: 0, duplicates: 0 });
    expect(q.timestamps).toBeGreaterThanOrEqual(490);
  });

  it('D3 (fmc-tdc-v8 mode): a hung DMA waits forever', () => {
    const { qmp, query, run } = lab();
    qmp('x-tdc-driver-mode', { mode: 'fmc-tdc-v8' });
    train(qmp);
    run(100 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'dma-hang' });
    run(100 * MS);
    const stalled = query(1).timestamps;
    run(500 * MS);
    expect(query(1).timestamps).toBe(stalled);
    expect(query(1).dma_recoveries).toBe(0);
  });

  it('D4: a spurious DMA interrupt is acknowledged and counted', () => {
    const { qmp, query, run, driver } = lab();
    train(qmp);
    run(55 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'dma-spurious-irq' });
    run(445 * MS);
    expect(driver().spurious_dma_irqs).toBe(1);
    expect(query(1).timestamps).toBeGreaterThanOrEqual(480);
  });

  it('D8: a switch that never completes disables that channel; the others go on', () => {
    const { qmp, query, run } = lab();
    train(qmp, 1);
    train(qmp, 2);
    run(100 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'switch-stall', channel: 1 });
    run(400 * MS);
    expect(query(1)).toMatchObject({ switch_stalls: 1, enabled: false, state: 'failed' });
    expect(query(2).timestamps).toBeGreaterThanOrEqual(480);
  });

  it('D8 (fmc-tdc-v8 mode): the switch poll spins forever and every channel stops', () => {
    const { qmp, query, run } = lab();
    qmp('x-tdc-driver-mode', { mode: 'fmc-tdc-v8' });
    train(qmp, 1);
    train(qmp, 2);
    run(100 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'switch-stall', channel: 1 });
    run(100 * MS);
    const stalled2 = query(2).timestamps;
    run(300 * MS);
    expect(query(1).state).toBe('switching');
    expect(query(2).timestamps).toBe(stalled2);
  });

  it('D9: the hardware switched on its own; the driver resynchronises and accounts for every pulse', () => {
    const { qmp, query, run } = lab();
    qmp('x-inject-fault', { device: 'spec0', kind: 'buffer-capacity', channel: 1, records: 64 });
    // 10 kHz: 100 timestamps per 10 ms coalescing window, more than the 64 a buffer holds.
    qmp('x-tdc-pulses', { channel: 1, period_ns: 100_000, width_ns: 200, count: 4000 });
    run(500 * MS);
    const q = query(1);
    expect(q.resyncs).toBeGreaterThan(0);
    expect(q.duplicates).toBe(0);
    expect(q.timestamps + q.sequence_gaps).toBe(4000);
  });
});

describe('TDC subsystem: interrupt plumbing (tdc.md §3.3)', () => {
  it('I1: an EIC bit of a disabled channel is masked and counted; channel 1 goes on', () => {
    const { qmp, query, run, driver } = lab();
    qmp('x-tdc-channel-set', { channel: 2, enabled: false });
    train(qmp);
    run(50 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'spurious-tdc-irq', channel: 2 });
    run(450 * MS);
    expect(query(2).spurious_irqs).toBe(1);
    expect(driver().unexpected_irqs).toBe(1);
    expect(query(1).timestamps).toBeGreaterThanOrEqual(480);
  });

  it('I1 (fmc-tdc-v8 mode): "not mine" leaves the level up: an interrupt storm, and acquisition stops', () => {
    const { qmp, query, run, driver } = lab();
    qmp('x-tdc-driver-mode', { mode: 'fmc-tdc-v8' });
    qmp('x-tdc-channel-set', { channel: 2, enabled: false });
    train(qmp);
    run(50 * MS);
    qmp('x-inject-fault', { device: 'spec0', kind: 'spurious-tdc-irq', channel: 2 });
    run(30 * MS);
    const stalled = query(1).timestamps;
    run(30 * MS);
    expect(driver().unexpected_irqs).toBeGreaterThan(1000);
    expect(query(1).timestamps).toBe(stalled);
  });

  it('I3: a GN4124 local-bus error is cleared and counted', () => {
    const { qmp, run, driver, query } = lab();
    train(qmp);
    qmp('x-inject-fault', { device: 'spec0', kind: 'local-bus-error', bit: 3 });
    run(200 * MS);
    expect(driver().local_bus_errors).toBe(1);
    expect(query(1).timestamps).toBeGreaterThanOrEqual(180);
  });

  it('B7: sequence numbers are compared modulo 2^28 across the wrap', () => {
    const { qmp, query, run } = lab();
    qmp('x-inject-fault', { device: 'spec0', kind: 'sequence-preset', channel: 1, seq: 0x0ffffff0 });
    train(qmp);
    run(200 * MS);
    // The first record after enable sets the baseline; the wrap at 2^28 is not a gap.
    const q = query(1);
    expect(q.timestamps).toBeGreaterThanOrEqual(180);
    expect(q.sequence_gaps).toBe(0);
    expect(q.duplicates).toBe(0);
  });
});

describe('TDC subsystem: QMP validation', () => {
  const bad: [string, Record<string, unknown>, string][] = [
    [
      'x-tdc-pulses',
      { channel: 6, period_ns: 1000, width_ns: 100 },
      "Parameter 'channel' expects a value between 1 and 5",
    ],
    [
      'x-tdc-pulses',
      { channel: 1, period_ns: 100, width_ns: 100 },
      "Parameter 'width_ns' must be smaller than 'period_ns'",
    ],
    ['x-tdc-pulses', { channel: 1, width_ns: 100 }, "Parameter 'period_ns' is missing"],
    [
      'x-tdc-pulses',
      { channel: '1', period_ns: 1000, width_ns: 100 },
      "Invalid parameter type for 'channel', expected: integer",
    ],
    [
      'x-tdc-noise',
      { channel: 1, rate_hz: -1, width_ns: 10 },
      "Parameter 'rate_hz' expects a value between 0 and 100000000",
    ],
    [
      'x-tdc-channel-set',
      { channel: 1, enabled: 'yes' },
      "Invalid parameter type for 'enabled', expected: boolean",
    ],
    [
      'x-tdc-channel-set',
      { channel: 1, offset_ps: 2e9 },
      "Parameter 'offset_ps' expects a value between -1000000000 and 1000000000",
    ],
    ['x-tdc-channel-set', { channel: 1, colour: 'red' }, "Parameter 'colour' is unexpected"],
    ['x-tdc-driver-mode', { mode: 'linux' }, "Parameter 'mode' does not accept value 'linux'"],
    ['x-inject-fault', { device: 'spec1', kind: 'dma-error' }, "Device 'spec1' not found"],
    ['x-inject-fault', { device: 'spec0', kind: 'melt' }, "Parameter 'kind' does not accept value 'melt'"],
    ['x-inject-fault', { device: 'spec0', kind: 'switch-stall' }, "Parameter 'channel' is missing"],
    [
      'x-inject-fault',
      { device: 'spec0', kind: 'dma-error', count: 0 },
      "Parameter 'count' expects a value between 1 and 1000",
    ],
  ];
  for (const [cmd, args, text] of bad) {
    it(`${cmd} ${JSON.stringify(args)} fails with "${text}" and changes nothing`, () => {
      const { qmp, tdc } = lab();
      const state = () =>
        JSON.stringify([
          qmp('x-query-tdc'),
          tdc.driver.snapshot(),
          tdc.signals.snapshot(),
          tdc.faults.snapshot(),
        ]);
      const before = state();
      let err: unknown;
      try {
        qmp(cmd, args);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(QmpError);
      expect((err as QmpError).desc).toBe(text);
      expect(state()).toBe(before);
    });
  }
});

describe('TDC subsystem: snapshot', () => {
  it('restore + run equals run, bit for bit', () => {
    const a = lab(5);
    train(a.qmp);
    a.qmp('x-tdc-noise', { channel: 2, rate_hz: 1000, width_ns: 300 });
    a.run(55 * MS);
    const snap = a.tdc.snapshot();
    const schedSnap = a.sched.snapshot();
    a.run(200 * MS);
    const expected = JSON.stringify(a.qmp('x-query-tdc'));

    const b = lab(5);
    b.sched.restore(schedSnap);
    b.tdc.restore(snap);
    b.run(200 * MS);
    expect(JSON.stringify(b.qmp('x-query-tdc'))).toBe(expected);
  });

  it('restore + run equals run from any instant: mid-probe, mid-switch, mid-DMA', () => {
    for (const atNs of [150_000, 1_100_000, 21_300_000, 31_302_000, 41_305_500]) {
      const sched = new Scheduler();
      const trace = new TraceRing(16, () => sched.nowNs);
      const a = createTdcSubsystem(sched, new Rng(9), trace, undefined, undefined, { ramBytes: 1 << 20 });
      a.qmpCommands()['x-tdc-pulses']({ channel: 3, period_ns: 10_000, width_ns: 300, count: 0 });
      sched.runUntil(atNs);
      const snap = JSON.parse(JSON.stringify(a.snapshot()));
      const schedSnap = sched.snapshot();
      sched.runFor(30 * MS);
      const expected = JSON.stringify(a.qmpCommands()['x-query-tdc']({}));

      const sched2 = new Scheduler();
      const b = createTdcSubsystem(sched2, new Rng(9), new TraceRing(16), undefined, undefined, {
        ramBytes: 1 << 20,
      });
      sched2.restore(schedSnap);
      b.restore(snap);
      sched2.runFor(30 * MS);
      expect(JSON.stringify(b.qmpCommands()['x-query-tdc']({}))).toBe(expected);
    }
  });

  it('a bad snapshot throws and changes nothing', () => {
    const { tdc, qmp, run } = lab();
    train(qmp);
    run(50 * MS);
    const before = JSON.stringify(tdc.snapshot());
    const bad = { ...(tdc.snapshot() as object), driver: { v: 2 } };
    expect(() => tdc.restore(bad)).toThrow();
    expect(JSON.stringify(tdc.snapshot())).toBe(before);
  });
});

// The scenario files of scenarios/tdc, run by the CLI's scenario runner on a default-lab Machine
// with the TDC subsystem plugged in (the Machine adds it itself once it is wired in machine.ts).
describe('scenarios/tdc/*.json', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../scenarios/tdc');
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    it(`${file} passes`, () => {
      const scenario = validateScenario(JSON.parse(readFileSync(join(dir, file), 'utf8')), file);
      const run = ScenarioRun.prepare(scenario);
      const m = run.machine;
      if (!m.getSubsystem('tdc')) m.addSubsystem(createTdcSubsystem(m.sched, m.rng, m.trace));
      const failed = run.run().filter((r) => !r.passed);
      expect(failed.map((r) => `step ${r.step} ${r.title}: ${r.detail}`)).toEqual([]);
    });
  }
});

describe('TDC subsystem in the default-lab Machine', () => {
  const build = () => {
    const m = Machine.create({ lab: 'default', seed: 3 });
    if (!m.getSubsystem('tdc')) m.addSubsystem(createTdcSubsystem(m.sched, m.rng, m.trace));
    return m;
  };
  const ret = (r: unknown) => (r as { return: unknown }).return;

  it('shares the scheduler with the serial rack and the disks; a machine snapshot round-trips', () => {
    const a = build();
    a.qmp({ execute: 'x-tdc-pulses', arguments: { channel: 1, period_ns: 1_000_000, width_ns: 200 } });
    a.qmp({ execute: 'x-tdc-noise', arguments: { channel: 2, rate_hz: 2000, width_ns: 300 } });
    a.run(105 * MS);
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    a.run(200 * MS);
    const expected = JSON.stringify(ret(a.qmp({ execute: 'x-query-tdc' })));
    expect((ret(a.qmp({ execute: 'x-query-tdc' })) as ChannelRow[])[0].timestamps).toBeGreaterThan(280);
    const b = build();
    b.restore(snap);
    b.run(200 * MS);
    expect(JSON.stringify(ret(b.qmp({ execute: 'x-query-tdc' })))).toBe(expected);
  });
});
