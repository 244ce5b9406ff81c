import { describe, expect, it } from 'vitest';
import type { HostedMachine } from './lab-host';
import { LabHost } from './lab-host';
import type {
  FromWorker,
  LabSpec,
  QmpCommand,
  QmpResponse,
  SeriesItem,
  TickItem,
  WorkerItem,
} from './protocol';

/** A fake machine whose run() costs `wallMsPerVirtualMs` of the fake wall clock. */
class FakeMachine implements HostedMachine {
  nowNs = 0;
  runs: number[] = [];
  constructor(
    private readonly clock: { ms: number },
    private readonly wallMsPerVirtualMs: number,
    readonly label = 'default',
  ) {}
  failAtNs = Number.POSITIVE_INFINITY;
  run(deltaNs: number): void {
    if (!Number.isInteger(deltaNs) || deltaNs <= 0) throw new Error(`bad delta ${deltaNs}`);
    if (this.nowNs + deltaNs > this.failAtNs) throw new Error('scheduler: event handler threw');
    this.runs.push(deltaNs);
    this.nowNs += deltaNs;
    this.clock.ms += (deltaNs / 1e6) * this.wallMsPerVirtualMs;
  }
  qmp(cmd: QmpCommand): QmpResponse {
    if (cmd.execute === 'query-commands') return { return: [{ name: 'query-block' }, { name: 'x-label' }] };
    if (cmd.execute === 'x-label') return { return: this.label };
    if (cmd.execute === 'x-query-throttle-groups') return { return: [{ name: 'g', atNs: this.nowNs }] };
    if (cmd.execute === 'query-block') return { return: [{ device: 'hd1' }] };
    return { error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` } };
  }
}

function rig(wallMsPerVirtualMs = 0.01) {
  const clock = { ms: 1000 };
  const posted: FromWorker[] = [];
  const machines: FakeMachine[] = [];
  const host = new LabHost({
    wallMs: () => clock.ms,
    post: (m) => posted.push(m),
    createMachine: (lab: LabSpec | undefined) => {
      if (lab && typeof lab === 'object' && 'qemu' in lab && lab.qemu === 'bad')
        throw new Error("-drive: unknown option 'bad'");
      const label = lab && typeof lab === 'object' && 'qemu' in lab ? String(lab.qemu) : 'default';
      const m = new FakeMachine(clock, wallMsPerVirtualMs, label);
      machines.push(m);
      return m;
    },
  });
  host.start();
  const items = (): WorkerItem[] => posted.flatMap((b) => b.items);
  const ticks = (): TickItem[] => items().filter((i): i is TickItem => i.kind === 'tick');
  const seriesTimes = (): number[] =>
    items()
      .filter((i): i is SeriesItem => i.kind === 'series')
      .flatMap((i) => i.points.map((p) => p.nowNs));
  /** Simulates the worker loop for `wallMs` of wall time. */
  const runFor = (wallMs: number) => {
    const end = clock.ms + wallMs;
    while (clock.ms < end) {
      const waitMs = host.pump();
      clock.ms += Math.max(waitMs, 0.05);
    }
  };
  return { clock, posted, machines, host, items, ticks, seriesTimes, runFor };
}

describe('LabHost pacing', () => {
  it('keeps virtual time at wall time × 1 on a fast machine', () => {
    const r = rig();
    r.runFor(2000);
    expect(r.host.nowNs / 1e9).toBeGreaterThan(1.98);
    expect(r.host.nowNs / 1e9).toBeLessThanOrEqual(2.0);
  });

  it('runs ten times faster at ×10', () => {
    const r = rig();
    r.host.handle({ kind: 'setSpeed', speed: 10 });
    r.runFor(1000);
    expect(r.host.nowNs / 1e9).toBeGreaterThan(9.9);
    expect(r.host.nowNs / 1e9).toBeLessThanOrEqual(10.0);
    const last = r.ticks().at(-1)!;
    expect(last.speed).toBe(10);
    expect(last.achievedSpeed).toBeGreaterThan(9);
  });

  it('paces at a typed-in speed such as ×3 and ignores a speed out of range', () => {
    const r = rig();
    r.host.handle({ kind: 'setSpeed', speed: 3 });
    r.host.handle({ kind: 'setSpeed', speed: -1 });
    r.host.handle({ kind: 'setSpeed', speed: Number.NaN });
    r.host.handle({ kind: 'setSpeed', speed: 1e9 });
    r.runFor(1000);
    expect(r.host.nowNs / 1e9).toBeGreaterThan(2.97);
    expect(r.host.nowNs / 1e9).toBeLessThanOrEqual(3.0);
    expect(r.ticks().at(-1)!.speed).toBe(3);
  });

  it('at max runs in slices of a few ms of wall time and reports the achieved speed', () => {
    const r = rig(0.5); // 1 virtual ms costs 0.5 wall ms: at most ×2
    r.host.handle({ kind: 'setSpeed', speed: 'max' });
    const t0 = r.clock.ms;
    r.host.pump();
    expect(r.clock.ms - t0).toBeGreaterThanOrEqual(8);
    expect(r.clock.ms - t0).toBeLessThan(12);
    r.runFor(3000);
    const achieved = r.ticks().at(-1)!.achievedSpeed;
    expect(achieved).toBeGreaterThan(1.8);
    expect(achieved).toBeLessThanOrEqual(2.01);
  });

  it('drops the debt when the machine cannot keep up at a paced speed', () => {
    const r = rig(0.5); // can only reach ×2
    r.host.handle({ kind: 'setSpeed', speed: 100 });
    r.runFor(2000);
    const secs = r.host.nowNs / 1e9;
    expect(secs).toBeGreaterThan(3.5);
    expect(secs).toBeLessThan(4.1);
    // one pump never runs away with the thread while trying to catch up
    const t0 = r.clock.ms;
    r.host.pump();
    expect(r.clock.ms - t0).toBeLessThan(12);
  });

  it('on schedule, a paced pump runs to where the clock stood when it began, then rests', () => {
    const r = rig(0.01); // every run takes wall time, so the clock moves during the pump
    r.host.handle({ kind: 'setSpeed', speed: 3 });
    r.runFor(500);
    const m = r.machines[0];
    for (let i = 0; i < 20; i++) {
      r.clock.ms += 4;
      const startMs = r.clock.ms;
      const target = Math.floor((startMs - 1000) * 1e6 * 3);
      const runsBefore = m.runs.length;
      const waitMs = r.host.pump();
      // Caught up: it stops at the slice's target, in a chunk or two, and asks for a rest.
      expect(m.nowNs).toBeLessThanOrEqual(target);
      expect(m.nowNs).toBeGreaterThan(target - 4e6 * 3);
      expect(m.runs.length - runsBefore).toBeLessThanOrEqual(3);
      expect(waitMs).toBeGreaterThan(0);
    }
  });

  it('does not advance while paused, and step advances by exactly the asked time', () => {
    const r = rig();
    r.runFor(100);
    r.host.handle({ kind: 'pause' });
    const at = r.host.nowNs;
    r.runFor(1000);
    expect(r.host.nowNs).toBe(at);
    r.host.handle({ kind: 'step', ns: 10_000_000 });
    expect(r.host.nowNs).toBe(at + 10_000_000);
    r.runFor(500);
    expect(r.host.nowNs).toBe(at + 10_000_000);
    expect(r.ticks().at(-1)).toMatchObject({ paused: true, nowNs: at + 10_000_000, achievedSpeed: 0 });
    r.host.handle({ kind: 'resume' });
    r.runFor(1000);
    expect((r.host.nowNs - at) / 1e9).toBeGreaterThan(0.98);
    expect((r.host.nowNs - at) / 1e9).toBeLessThan(1.02);
  });
});

describe('LabHost messages', () => {
  it('sends at most ~60 batches and ~20 ticks a second while running', () => {
    const r = rig();
    r.runFor(100);
    const before = { batches: r.posted.length, ticks: r.ticks().length };
    r.runFor(2000);
    expect(r.posted.length - before.batches).toBeLessThanOrEqual(121);
    const ticks = r.ticks().length - before.ticks;
    expect(ticks).toBeGreaterThanOrEqual(38);
    expect(ticks).toBeLessThanOrEqual(41);
  });

  it('announces ready with the command list, and ticks carry the watched queries', () => {
    const r = rig();
    r.runFor(100);
    expect(r.items().find((i) => i.kind === 'ready')).toEqual({
      kind: 'ready',
      commands: ['query-block', 'x-label'],
    });
    const tick = r.ticks().at(-1)!;
    expect(tick.queries['query-block']).toEqual([{ device: 'hd1' }]);
    expect(tick.queries).not.toHaveProperty('query-blockstats'); // failed: left out
    r.host.handle({ kind: 'watch', queries: ['x-label'] });
    r.runFor(100);
    expect(r.ticks().at(-1)!.queries).toEqual({ 'x-label': 'default' });
  });

  it('answers a qmp command with its id in the next batch', () => {
    const r = rig();
    r.runFor(50);
    r.host.handle({ kind: 'qmp', id: 7, cmd: { execute: 'nope' } });
    r.runFor(50);
    expect(r.items().find((i) => i.kind === 'qmpResult')).toEqual({
      kind: 'qmpResult',
      id: 7,
      response: { error: { class: 'CommandNotFound', desc: 'The command nope has not been found' } },
    });
  });

  it('keeps the old machine when a new lab fails to build, and replaces it when it builds', () => {
    const r = rig();
    r.runFor(500);
    const old = r.machines[0];
    r.host.handle({ kind: 'loadLab', lab: { qemu: 'bad' } });
    r.runFor(50);
    expect(r.items()).toContainEqual({ kind: 'labError', message: "-drive: unknown option 'bad'" });
    r.host.handle({ kind: 'qmp', id: 1, cmd: { execute: 'x-label' } });
    r.runFor(500);
    expect(old.nowNs / 1e9).toBeGreaterThan(0.95);
    expect(r.items()).toContainEqual({ kind: 'qmpResult', id: 1, response: { return: 'default' } });

    r.host.handle({ kind: 'loadLab', lab: { qemu: '-drive file=a' } });
    r.host.handle({ kind: 'qmp', id: 2, cmd: { execute: 'x-label' } });
    r.runFor(50);
    expect(r.items()).toContainEqual({ kind: 'labLoaded', generation: 2 });
    expect(r.items()).toContainEqual({ kind: 'qmpResult', id: 2, response: { return: '-drive file=a' } });
    expect(r.host.nowNs).toBeLessThan(100_000_000);
  });

  it('pauses and reports a fault when the machine throws, instead of stopping the loop', () => {
    const r = rig();
    r.machines[0].failAtNs = 500_000_000;
    r.runFor(1000);
    expect(r.items()).toContainEqual({ kind: 'fault', message: 'scheduler: event handler threw' });
    expect(r.host.isPaused).toBe(true);
    expect(r.ticks().at(-1)!.paused).toBe(true);
    r.host.handle({ kind: 'qmp', id: 3, cmd: { execute: 'x-label' } });
    r.runFor(50);
    expect(r.items()).toContainEqual({ kind: 'qmpResult', id: 3, response: { return: 'default' } });
  });

  it('samples the chart series on the 250 ms virtual grid at any speed, and while stepping', () => {
    const r = rig();
    r.runFor(1100);
    expect(r.seriesTimes()).toEqual([250e6, 500e6, 750e6, 1000e6]);
    r.host.handle({ kind: 'setSpeed', speed: 'max' });
    r.runFor(200);
    r.host.handle({ kind: 'pause' });
    r.runFor(50);
    const times = r.seriesTimes();
    expect(times.length).toBeGreaterThan(10);
    expect(times).toEqual(times.map((_, i) => (i + 1) * 250e6));
    const at = r.host.nowNs;
    r.host.handle({ kind: 'step', ns: 1e9 });
    r.runFor(50);
    const grid = Math.floor(at / 250e6) * 250e6;
    expect(r.seriesTimes().slice(times.length)).toEqual([1, 2, 3, 4].map((k) => grid + k * 250e6));
    const last = r
      .items()
      .filter((i): i is SeriesItem => i.kind === 'series')
      .at(-1)!;
    expect(last.query).toBe('x-query-throttle-groups');
    expect(last.points.at(-1)!.value).toEqual([{ name: 'g', atNs: grid + 1e9 }]);
  });
});
