// The lab's clock following v86's, with a hand-driven v86 clock (ms) and a real scheduler.
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../emu/core/scheduler';
import { type LabTime, V86Clock } from './lab-clock';

function rig(startMs = 1000) {
  const sched = new Scheduler();
  let ms = startMs;
  const fired: number[] = [];
  const owner = sched.register('test', () => fired.push(sched.nowNs));
  const lab: LabTime = {
    nowNs: () => sched.nowNs,
    advanceTo: (t) => sched.runUntil(t),
    nextEventNs: () => sched.peekNs(),
  };
  const clock = new V86Clock(() => ms, lab);
  return {
    sched,
    clock,
    fired,
    owner,
    setMs: (v: number) => {
      ms = v;
    },
  };
}

const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('V86Clock', () => {
  it('maps v86 time at construction to the lab time then, and advances the lab to it', () => {
    const { sched, clock, setMs } = rig(1000);
    expect(clock.v86Ns()).toBe(0);
    setMs(1002.5);
    clock.sync();
    expect(sched.nowNs).toBe(2_500_000);
  });

  it('never moves the lab backwards', () => {
    const { sched, clock, setMs } = rig(1000);
    setMs(1003);
    clock.sync();
    setMs(1001);
    clock.sync();
    expect(sched.nowNs).toBe(3_000_000);
  });

  it('runs lab events at their own times when it catches up', () => {
    const { sched, clock, fired, owner, setMs } = rig(0);
    sched.at(1_000_000, owner);
    sched.at(2_000_000, owner);
    setMs(5);
    clock.sync();
    expect(fired).toEqual([1_000_000, 2_000_000]);
  });

  it('does not count time spent stopped', () => {
    const { sched, clock, setMs } = rig(0);
    setMs(1);
    clock.sync();
    clock.stop();
    setMs(100);
    clock.sync();
    expect(sched.nowNs).toBe(1_000_000);
    clock.resume();
    setMs(102);
    clock.sync();
    expect(sched.nowNs).toBe(3_000_000);
  });

  it('wakes up for a lab event that falls due while nothing else happens', async () => {
    const { sched, clock, fired, owner, setMs } = rig(0);
    sched.at(500_000, owner);
    clock.tick(); // due within the poll window: polled on the next turns of the event loop
    setMs(0.6);
    await macrotask();
    await macrotask();
    expect(fired).toEqual([500_000]);
    clock.stop();
  });
});
