// LabHost with an external clock (the Linux guest's v86): it stops pacing the machine, ignores
// speed and step, hands pause/resume to the clock's owner, samples the series on the grid points
// the external clock passed, and is paced again once a machine is adopted without one.
import { describe, expect, it } from 'vitest';
import { type ExternalClock, type HostedMachine, LabHost } from './lab-host';
import { coarseWake, WAKE_FLOOR_NS } from './linux-host';
import type { FromWorker, QmpCommand, QmpResponse, SeriesItem, TickItem, WorkerItem } from './protocol';

class Machine implements HostedMachine {
  nowNs = 0;
  runs = 0;
  run(deltaNs: number): void {
    this.runs++;
    this.nowNs += deltaNs;
  }
  qmp(cmd: QmpCommand): QmpResponse {
    if (cmd.execute === 'x-query-throttle-groups') return { return: [{ name: 'g', atNs: this.nowNs }] };
    return { return: [] };
  }
}

function rig() {
  const clock = { ms: 0 };
  const posted: FromWorker[] = [];
  const host = new LabHost({
    wallMs: () => clock.ms,
    post: (m) => posted.push(m),
    createMachine: () => new Machine(),
  });
  host.start();
  const items = (): WorkerItem[] => posted.flatMap((b) => b.items);
  const lastTick = (): TickItem =>
    items()
      .filter((i): i is TickItem => i.kind === 'tick')
      .at(-1) as TickItem;
  const calls: string[] = [];
  const external: ExternalClock = { pause: () => calls.push('pause'), resume: () => calls.push('resume') };
  const m = new Machine();
  host.adopt(m, external);
  return { clock, host, items, lastTick, calls, external, m };
}

describe('LabHost with an external clock', () => {
  it('never runs the adopted machine itself, and says the clock is real time', () => {
    const { clock, host, lastTick, m } = rig();
    for (let i = 0; i < 20; i++) {
      clock.ms += 50;
      host.pump();
    }
    expect(m.runs).toBe(0);
    expect(lastTick().clock).toBe('realtime');
  });

  it('ignores speed and step, and hands pause/resume to the clock owner once each', () => {
    const { clock, host, lastTick, calls, m } = rig();
    host.handle({ kind: 'setSpeed', speed: 100 });
    host.handle({ kind: 'step', ns: 1_000_000 });
    expect(m.runs).toBe(0);
    host.handle({ kind: 'pause' });
    host.handle({ kind: 'pause' });
    host.handle({ kind: 'resume' });
    clock.ms += 100;
    host.pump();
    expect(calls).toEqual(['pause', 'resume']);
    expect(lastTick().speed).toBe(1);
    expect(host.pump()).toBeGreaterThan(0); // never a busy loop beside v86
  });

  it('samples each grid point the external clock passed once, at increasing times', () => {
    const { clock, host, items, m } = rig();
    for (const t of [100e6, 260e6, 900e6, 1_000e6, 1_010e6, 2_600e6]) {
      m.nowNs = t;
      clock.ms += 20;
      host.pump();
    }
    clock.ms += 100;
    host.pump();
    const times = items()
      .filter((i): i is SeriesItem => i.kind === 'series')
      .flatMap((s) => s.points.map((p) => p.nowNs));
    expect(times).toEqual([260e6, 900e6, 1_000e6, 2_600e6]);
  });

  it('is paced again (and runs the machine) after adopting one without an external clock', () => {
    const { clock, host, lastTick } = rig();
    const paced = new Machine();
    host.adopt(paced, null);
    clock.ms += 100;
    host.pump();
    expect(paced.runs).toBeGreaterThan(0);
    expect(lastTick().clock).toBe('virtual');
  });
});

describe('coarseWake', () => {
  it('reports the next event no sooner than WAKE_FLOOR_NS ahead, and none when there is none', () => {
    let now = 5_000;
    let next = 5_100;
    const lab = coarseWake({ nowNs: () => now, nextEventNs: () => next, tag: 'lab' });
    expect(lab.nextEventNs()).toBe(5_000 + WAKE_FLOOR_NS);
    next = 5_000 + 3 * WAKE_FLOOR_NS;
    expect(lab.nextEventNs()).toBe(next);
    next = Number.POSITIVE_INFINITY;
    expect(lab.nextEventNs()).toBe(Number.POSITIVE_INFINITY);
    now = 9_000;
    expect(lab.nowNs()).toBe(9_000);
    expect(lab.tag).toBe('lab');
  });
});
