import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { Scheduler } from '../core/scheduler';
import { TdcSignalSource } from './tdc-signal';

interface Edge {
  ch: number;
  rising: boolean;
  ps: number;
}

function rig(terminated = false, seed = 5) {
  const sched = new Scheduler();
  const edges: Edge[] = [];
  const input = {
    inputEdge: (ch: number, rising: boolean, subNsPs: number) =>
      edges.push({ ch, rising, ps: sched.nowNs * 1000 + subNsPs }),
    isTerminated: () => terminated,
  };
  const sig = new TdcSignalSource(sched, 'sig', new Rng(seed), input);
  return { sched, sig, edges };
}

describe('TDC signal sources (§2.13, §3.1)', () => {
  it('delivers one pulse as a rising and a falling edge at ps resolution', () => {
    const { sched, sig, edges } = rig();
    sig.pulse(2, 200_002.5, 200);
    sched.runFor(1_000_000);
    expect(edges).toEqual([
      { ch: 2, rising: true, ps: 200_002_500 },
      { ch: 2, rising: false, ps: 200_202_500 },
    ]);
    expect(sig.counters(2).pulses).toBe(1);
  });

  it('runs a periodic train for count pulses, and until stop() with count 0', () => {
    const { sched, sig, edges } = rig();
    sig.periodic(0, { periodNs: 1000, widthNs: 100, count: 3, startNs: 500 });
    sched.runFor(10_000);
    expect(edges.filter((e) => e.rising).map((e) => e.ps)).toEqual([500_000, 1_500_000, 2_500_000]);
    expect(sig.active(0)).toBe(false);
    sig.periodic(1, { periodNs: 100, widthNs: 50 });
    sched.runFor(1_000);
    sig.stop(1);
    const n = edges.filter((e) => e.ch === 1 && e.rising).length;
    sched.runFor(1_000);
    expect(edges.filter((e) => e.ch === 1 && e.rising).length).toBe(n);
    expect(n).toBe(11);
  });

  it('produces Poisson glitches at about the requested rate', () => {
    const { sched, sig } = rig();
    sig.noise(3, { rateHz: 100_000, widthNs: 10 });
    sched.runFor(100_000_000);
    const g = sig.counters(3).glitches;
    expect(g).toBeGreaterThan(9_500);
    expect(g).toBeLessThan(10_500);
    sig.noise(3, null);
    sched.runFor(1_000_000);
    expect(sig.counters(3).glitches).toBeLessThanOrEqual(g + 1);
  });

  it('loses pulse edges with the given probability', () => {
    const { sched, sig, edges } = rig();
    sig.edgeLoss(0, 'rising', 1);
    sig.pulse(0, 100, 200);
    sched.runFor(1000);
    expect(edges.map((e) => e.rising)).toEqual([false]);
    expect(sig.counters(0).edgesLost).toBe(1);
  });

  it('reflects edges 30 ns later as 6 ns glitches only when the channel is unterminated (P8)', () => {
    const open = rig(false);
    open.sig.reflection(0, { probability: 1 });
    open.sig.pulse(0, 100, 200);
    open.sched.runFor(1000);
    expect(open.edges.map((e) => e.ps)).toEqual([100_000, 130_000, 136_000, 300_000, 330_000, 336_000]);
    const term = rig(true);
    term.sig.reflection(0, { probability: 1 });
    term.sig.pulse(0, 100, 200);
    term.sched.runFor(1000);
    expect(term.edges).toHaveLength(2);
  });

  it('resumes generators exactly after snapshot/restore', () => {
    const a = rig(false, 9);
    a.sig.noise(0, { rateHz: 1e6, widthNs: 5 });
    a.sig.periodic(1, { periodNs: 333.3, widthNs: 100 });
    a.sched.runFor(10_000);
    const snap = { sched: a.sched.snapshot(), sig: a.sig.snapshot() };
    const b = rig(false, 1);
    b.sched.restore(snap.sched);
    b.sig.restore(snap.sig);
    const from = a.edges.length;
    a.sched.runFor(50_000);
    b.sched.runFor(50_000);
    expect(b.edges).toEqual(a.edges.slice(from));
  });
});
