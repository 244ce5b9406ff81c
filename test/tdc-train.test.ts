// Lazily time-tagged pulse trains (fmc-tdc.ts inputTrain/sync, tdc-signal.ts hand-off) give the same
// run as one scheduler event per edge: same DDR image, records in guest RAM, counters, register
// values and interrupt instants.
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '../src/emu/core/rng';
import { stateHash } from '../src/emu/core/snapshot';
import { TrainLoop } from '../src/emu/devices/fmc-tdc/train-loop';
import type { SpecOptions } from '../src/emu/devices/spec/spec';
import { TdcSignalSource } from '../src/emu/devices/tdc-signal';
import { makeRig, type Rig, setupChannel, setupInterrupts } from './tdc-rig';

interface Run {
  rig: Rig;
  signals: TdcSignalSource;
  intxEdges: number[];
}

/** A rig whose signal source drives the TDC lazily (fast) or through inputEdge only (perEdge). */
function build(
  fast: boolean,
  channels: number[],
  size = 0x200,
  timeoutMs = 1,
  burst = 4,
  options: SpecOptions = {},
): Run {
  const rig = makeRig(options, 5);
  setupInterrupts(rig);
  for (const ch of channels) setupChannel(rig, ch, size, timeoutMs, burst);
  const tdc = rig.spec.tdc;
  const input = fast ? tdc : { inputEdge: tdc.inputEdge.bind(tdc), isTerminated: tdc.isTerminated.bind(tdc) };
  const signals = new TdcSignalSource(rig.sched, 'test.signals', new Rng(77), input);
  const intxEdges: number[] = [];
  let level = false;
  rig.spec.connectIrq({
    set: (l) => {
      if (l !== level) intxEdges.push(rig.sched.nowNs);
      level = l;
    },
  });
  return { rig, signals, intxEdges };
}

/** Serves every channel a few times like the driver: switch, wait DONE, DMA the full buffer. */
function serve(run: Run, channels: number[], rounds: number): number[] {
  const { rig } = run;
  const seen: number[] = [];
  for (let round = 0; round < rounds; round++) {
    rig.sched.runFor(700_000);
    for (const ch of channels) {
      const buf = 0x26000 + 0x40 * ch;
      seen.push(rig.r0(0x2300c));
      rig.w0(buf, rig.r0(buf) | (1 << 21));
      rig.sched.runFor(300);
      const count = rig.r0(buf + 8);
      seen.push(count, rig.r0(buf + 4), rig.r0(0x2300c));
      const base = rig.r0(buf + 4) === ch * 0x2000000 ? ch * 0x2000000 + 0x1000000 : ch * 0x2000000;
      rig.w0(buf + 0x10, base);
      rig.w0(buf + 0x14, 0x40000000 | 0x200);
      rig.w0(0xc4, 4);
      rig.w0(0xc8, base);
      rig.w0(0xcc, 0x1000 * (1 + ch + 5 * (round % 3)));
      rig.w0(0xd4, Math.max(16, Math.min(count, 256) * 16));
      rig.w0(0xc0, 1);
      rig.sched.runFor(20_000);
    }
  }
  return seen;
}

function outcome(run: Run, channels: number[], seen: number[]) {
  const tdc = run.rig.spec.tdc;
  return {
    seen,
    counters: channels.map((ch) => tdc.counters(ch)),
    signals: channels.map((ch) => ({ ...run.signals.counters(ch) })),
    ddr: stateHash(run.rig.spec.ddr.snapshot()),
    ram: stateHash(Array.from(run.rig.ram.bytes)),
    intx: run.intxEdges,
    rng: tdc.snapshot().rng,
  };
}

/**
 * `drive` run with the fast form and with one scheduler event per edge, each result marked with
 * whether the train loop took regular chunks in that run.
 */
function fastAndSlow<T extends object>(drive: (fast: boolean) => T): (T & { regularChunks: boolean })[] {
  const regular = vi.spyOn(
    TrainLoop.prototype as unknown as { advanceRegular: () => number },
    'advanceRegular',
  );
  try {
    return [true, false].map((fast) => {
      regular.mockClear();
      const result = drive(fast);
      return { ...result, regularChunks: regular.mock.calls.length > 0 };
    });
  } finally {
    regular.mockRestore();
  }
}

describe('pulse trains handed to the TDC', () => {
  it('give the same records, counters and interrupt instants as one event per edge', () => {
    const channels = [0, 2, 3];
    const results = [true, false].map((fast) => {
      const run = build(fast, channels);
      run.signals.periodic(0, { periodNs: 1000, widthNs: 200 });
      // Edges of different channels never share a virtual ns here (ns mod 100: 0 | 77 | 33, 23): within
      // one ns the per-edge path takes edges in scheduling order, the lazy path in ps order
      // (fmc-tdc.ts header). Channel 3's 90.5 ns pulses sit in the 88–96 ns band where jitter decides.
      const t0 = run.rig.sched.nowNs;
      run.signals.periodic(2, { periodNs: 2_500, widthNs: 300, startNs: t0 + 777 });
      run.signals.periodic(3, { periodNs: 300, widthNs: 90.5, count: 4000, startNs: t0 + 33 });
      return outcome(run, channels, serve(run, channels, 4));
    });
    expect(results[0].counters[0].stored).toBeGreaterThan(1000);
    expect(results[0].counters[2].filtered).toBeGreaterThan(0);
    expect(results[0].intx.length).toBeGreaterThan(0);
    expect(results[0].seen.filter((isr, i) => i % 4 === 0 && isr !== 0).length).toBeGreaterThan(0);
    expect(results[0]).toEqual(results[1]);
  });

  it('give the same results for a train with a ps fraction in its period', () => {
    const results = [true, false].map((fast) => {
      const run = build(fast, [2]);
      run.signals.periodic(2, { periodNs: 2_500.25, widthNs: 300.5, startNs: 777 });
      return outcome(run, [2], serve(run, [2], 3));
    });
    expect(results[0].counters[0].stored).toBeGreaterThan(500);
    expect(results[0]).toEqual(results[1]);
  });

  it('give the same results with frequent outliers and wide jitter near the width limits', () => {
    // 130 ns pulses stay clear of the 12-tick limit even with ±4 ns outliers (the falling edge is
    // then not time-tagged, only its rng draws taken); 100 ns pulses go through the full check.
    const options: SpecOptions = { tdc: { acam: { jitterPs: 300, outlierProbability: 0.02 } } };
    const results = [true, false].map((fast) => {
      const run = build(fast, [0, 1], 0x200, 1, 4, options);
      const t0 = run.rig.sched.nowNs;
      run.signals.periodic(0, { periodNs: 1000, widthNs: 130 });
      run.signals.periodic(1, { periodNs: 1000, widthNs: 100.25, startNs: t0 + 500 });
      return outcome(run, [0, 1], serve(run, [0, 1], 2));
    });
    expect(results[0].counters[1].filtered).toBeGreaterThan(0);
    expect(results[0]).toEqual(results[1]);
  });

  it('give the same results with channel offsets, raw mode and pulses the ACAM loses', () => {
    // Channel 0 adds OFFSET1..3 with carries into the seconds (the loop's offset arithmetic), channel
    // 1's 6 ns pulses every 17.25 ns fall within the pair resolution and fill the hit FIFO, channel
    // 4 is muted by raw mode until it is switched off halfway.
    const channels = [0, 1, 4];
    const results = [true, false].map((fast) => {
      const run = build(fast, channels);
      const ts = (ch: number, reg: number) => 0x25000 + 0x100 * ch + reg;
      run.rig.w0(ts(0, 0x0c), 0xffffffff);
      run.rig.w0(ts(0, 0x10), 124_999_990);
      run.rig.w0(ts(0, 0x14), 4000);
      run.rig.w0(ts(4, 0x18), 1 << 6);
      const t0 = run.rig.sched.nowNs;
      run.signals.periodic(0, { periodNs: 1000, widthNs: 200 });
      run.signals.periodic(1, { periodNs: 17.25, widthNs: 6, count: 3000, startNs: t0 + 401 });
      run.signals.periodic(4, { periodNs: 700, widthNs: 250, startNs: t0 + 55 });
      const seen = serve(run, channels, 1);
      run.rig.w0(ts(4, 0x18), 0);
      seen.push(...serve(run, channels, 1));
      return outcome(run, channels, seen);
    });
    expect(results[0].counters[0].stored).toBeGreaterThan(500);
    expect(results[0].counters[1].lostInAcam).toBeGreaterThan(100);
    expect(results[0].counters[2].muted).toBeGreaterThan(100);
    expect(results[0].counters[2].stored).toBeGreaterThan(100);
    expect(results[0]).toEqual(results[1]);
  });

  it('give the same results in regular chunks (one period on every channel), with outliers', () => {
    // Three channels at 1 µs with edges 200 ns or more apart: chunks whose first edges lie within one
    // period go through the regular form (pattern of draws, no per-edge lists), the others through
    // the general one; frequent outliers hand the rng to the ACAM in the middle of both. Channel 2
    // stops halfway, so later chunks have two members.
    const options: SpecOptions = { tdc: { acam: { outlierProbability: 0.01 } } };
    const channels = [0, 1, 2];
    const results = fastAndSlow((fast) => {
      const run = build(fast, channels, 0x200, 1, 4, options);
      const t0 = run.rig.sched.nowNs;
      run.signals.periodic(0, { periodNs: 1000, widthNs: 250, startNs: t0 + 10 });
      run.signals.periodic(1, { periodNs: 1000, widthNs: 400.75, startNs: t0 + 343.25 });
      run.signals.periodic(2, { periodNs: 1000, widthNs: 300, startNs: t0 + 676.5 });
      const seen = serve(run, channels, 1);
      run.signals.stop(2);
      seen.push(...serve(run, channels, 1));
      return outcome(run, channels, seen);
    });
    expect(results[0].regularChunks).toBe(true);
    expect(results[0].counters[0].stored).toBeGreaterThan(500);
    expect(results[0]).toEqual({ ...results[1], regularChunks: true });
  });

  it('give the same results in regular chunks across a second of the board, with offsets and outliers', () => {
    // A rising edge lands exactly on the board's next second, so its jitter or outlier moves some
    // timestamps back into the previous second; channel 0 adds offsets carrying into the seconds.
    const options: SpecOptions = { tdc: { acam: { jitterPs: 200, outlierProbability: 0.01 } } };
    const channels = [0, 1, 3];
    const results = fastAndSlow((fast) => {
      const run = build(fast, channels, 0x200, 1, 4, options);
      const tb = run.rig.spec.tdc.timeBase;
      const boundaryNs = tb.state.baseNs + 1_000_000_000;
      run.rig.sched.runFor(boundaryNs - 500_000 - run.rig.sched.nowNs);
      const ts = (ch: number, reg: number) => 0x25000 + 0x100 * ch + reg;
      run.rig.w0(ts(0, 0x0c), 0xffffffff);
      run.rig.w0(ts(0, 0x10), 124_999_990);
      run.rig.w0(ts(0, 0x14), 4000);
      const before = tb.currentUtc;
      run.signals.periodic(0, { periodNs: 1000, widthNs: 250, startNs: boundaryNs - 400_000 });
      run.signals.periodic(1, { periodNs: 1000, widthNs: 300, startNs: boundaryNs - 400_000 + 333 });
      run.signals.periodic(3, { periodNs: 1000, widthNs: 400, startNs: boundaryNs - 400_000 + 667.5 });
      const seen = serve(run, channels, 2);
      return { ...outcome(run, channels, seen), crossed: tb.currentUtc - before };
    });
    expect(results[0].crossed).toBe(1);
    expect(results[0].regularChunks).toBe(true);
    expect(results[0].counters[0].stored).toBeGreaterThan(500);
    expect(results[0]).toEqual({ ...results[1], regularChunks: true });
  });

  it('fills and switches on their own at the same instant when nobody serves the buffer', () => {
    const results = [true, false].map((fast) => {
      const run = build(fast, [1], 100, 5, 16);
      run.signals.periodic(1, { periodNs: 500, widthNs: 150 });
      run.rig.sched.runFor(180_000);
      const b = run.rig.spec.tdc.buffers[1].state;
      return { b: { count: b.count, counters: b.counters, curBase: b.curBase }, intx: run.intxEdges };
    });
    expect(results[0].b.counters.autoSwitches).toBe(2);
    expect(results[0].b.counters.droppedNoBuffer).toBeGreaterThan(100);
    expect(results[0]).toEqual(results[1]);
  });

  it('are taken back edge by edge when edge loss starts, and stop with the pending falling edge', () => {
    const results = [true, false].map((fast) => {
      const run = build(fast, [0]);
      run.signals.periodic(0, { periodNs: 1000, widthNs: 600 });
      run.rig.sched.runFor(50_300);
      run.signals.edgeLoss(0, 'rising', 0.2);
      run.rig.sched.runFor(40_000);
      run.signals.edgeLoss(0, 'rising', 0);
      run.rig.sched.runFor(10_250);
      run.signals.stop(0);
      const active = run.signals.active(0);
      run.rig.sched.runFor(5_000);
      return { ...outcome(run, [0], []), active };
    });
    expect(results[0].signals[0].pulses).toBe(101);
    expect(results[0].active).toBe(false);
    expect(results[0]).toEqual(results[1]);
  });
});
