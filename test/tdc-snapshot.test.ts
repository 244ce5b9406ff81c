// Snapshot round trip of the whole SPEC + TDC rig in the middle of a DMA transfer, with pulse
// trains, noise and an armed fault pending: restore into a fresh rig + run equals the
// uninterrupted run, bit for bit.
import { describe, expect, it } from 'vitest';
import { stateHash } from '../src/emu/core/snapshot';
import { makeRig, type Rig, setupChannel, setupInterrupts } from './tdc-rig';

function snapshotAll(rig: Rig) {
  return {
    sched: rig.sched.snapshot(),
    spec: rig.spec.snapshot(),
    signals: rig.signals.snapshot(),
    faults: rig.faults.snapshot(),
    ram: Array.from(rig.ram.bytes.slice(0, 0x40000)),
  };
}

function restoreAll(rig: Rig, s: ReturnType<typeof snapshotAll>): void {
  rig.sched.restore(s.sched);
  rig.spec.restore(s.spec);
  rig.signals.restore(s.signals);
  rig.faults.restore(s.faults);
  rig.ram.bytes.set(s.ram, 0);
}

/** Driver-like activity after the snapshot point: serve channel 0, DMA its buffer, repeat. */
function continueRun(rig: Rig): void {
  for (let round = 0; round < 5; round++) {
    rig.sched.runFor(3_000_000);
    rig.w0(0xc4, 4);
    rig.w0(0x26000, rig.r0(0x26000) | (1 << 21));
    rig.sched.runFor(1_000);
    const count = rig.r0(0x26008);
    const base = rig.r0(0x26004) === 0 ? 0x1000000 : 0;
    rig.w0(0x26010, base);
    rig.w0(0x26014, 0x40000100);
    rig.w0(0xc8, base);
    rig.w0(0xcc, 0x10000 + 0x1000 * round);
    rig.w0(0xd4, Math.max(4, Math.min(count, 256) * 16));
    rig.w0(0xc0, 1);
    rig.w0(0x11c, 1);
  }
  rig.sched.runFor(2_000_000);
}

function build(seed: number): Rig {
  const rig = makeRig({}, seed);
  setupInterrupts(rig);
  setupChannel(rig, 0, 0x100, 1, 4);
  setupChannel(rig, 2, 0x100, 0, 1);
  return rig;
}

describe('snapshot / restore of SPEC + FMC TDC', () => {
  it('restoring a mid-DMA snapshot into a fresh rig and running equals the uninterrupted run', () => {
    const a = build(3);
    a.signals.periodic(0, { periodNs: 2_500.25, widthNs: 300 });
    a.signals.noise(0, { rateHz: 200_000, widthNs: 20 });
    a.signals.periodic(2, { periodNs: 9_000, widthNs: 150 });
    a.signals.edgeLoss(2, 'rising', 0.1);
    a.sched.runFor(2_000_000);
    // Start a 4 KiB transfer and stop 3 µs into it (2 µs latency + 16 µs of data).
    a.w0(0xc8, 0);
    a.w0(0xcc, 0x8000);
    a.w0(0xd4, 4096);
    a.w0(0xc0, 1);
    a.faults.dmaError('next');
    a.sched.runFor(3_000);
    expect(a.spec.dma.state.status).toBe(1);
    const snap = snapshotAll(a);

    const b = build(999);
    restoreAll(b, snap);
    expect(stateHash(b.spec.snapshot())).toBe(stateHash(a.spec.snapshot()));

    continueRun(a);
    continueRun(b);
    expect(stateHash(b.spec.snapshot())).toBe(stateHash(a.spec.snapshot()));
    expect(stateHash(b.signals.snapshot())).toBe(stateHash(a.signals.snapshot()));
    expect(b.faults.report()).toEqual(a.faults.report());
    expect(Buffer.from(b.ram.bytes).equals(Buffer.from(a.ram.bytes))).toBe(true);
    expect(a.spec.dma.state.transfers).toBeGreaterThanOrEqual(5);
    expect(a.spec.tdc.buffers[0].state.counters.stored).toBeGreaterThan(1000);
  });

  it('rejects a damaged snapshot and leaves the running state unchanged', () => {
    const a = build(4);
    a.signals.periodic(0, { periodNs: 1000, widthNs: 200 });
    a.sched.runFor(100_000);
    const good = a.spec.snapshot();
    const before = stateHash(good);
    const bad = JSON.parse(JSON.stringify(good));
    bad.tdc.buffers[3] = { v: 1 };
    expect(() => a.spec.restore(bad)).toThrow();
    expect(stateHash(a.spec.snapshot())).toBe(before);
    const bad2 = JSON.parse(JSON.stringify(good));
    bad2.dma.status = 7;
    expect(() => a.spec.restore(bad2)).toThrow();
    expect(stateHash(a.spec.snapshot())).toBe(before);
  });

  it('two runs with the same seed and inputs end in the same state', () => {
    const run = () => {
      const rig = build(21);
      rig.signals.periodic(0, { periodNs: 777.7, widthNs: 250 });
      rig.signals.noise(0, { rateHz: 500_000, widthNs: 30 });
      rig.signals.reflection(2, { probability: 0.3 });
      rig.signals.periodic(2, { periodNs: 1234, widthNs: 300 });
      continueRun(rig);
      return stateHash({ spec: rig.spec.snapshot(), signals: rig.signals.snapshot() });
    };
    expect(run()).toBe(run());
  });
});
