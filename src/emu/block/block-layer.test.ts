import { describe, expect, it } from 'vitest';
import { QmpError } from '../control/qmp-types';
import { Rng } from '../core/rng';
import { Scheduler } from '../core/scheduler';
import { stateHash } from '../core/snapshot';
import { BlockLayer, type DriveSpec } from './block-layer';

const ZERO = { bps: 0, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0 };

function lab(drives: DriveSpec[], seed = 7) {
  const sched = new Scheduler();
  const block = new BlockLayer(sched, new Rng(seed));
  for (const d of drives) block.addDrive(d);
  const qmp = block.qmpCommands();
  const run = (name: string, args: Record<string, unknown> = {}) => qmp[name](args);
  return { sched, block, run };
}

const fooLab = (): DriveSpec[] => [
  { name: 'hd1', throttle: { iops: 6000 }, group: 'foo' },
  { name: 'hd2', throttle: { iops: 6000 }, group: 'foo' },
  { name: 'hd4', throttle: { iops: 6000 }, group: 'foo' },
  { name: 'hd6', throttle: { iops: 500 } },
];

interface GroupRow {
  name: string;
  members: string[];
  iops: number;
  limits: Record<string, number>;
}

function qmpError(f: () => unknown): QmpError {
  try {
    f();
  } catch (e) {
    if (e instanceof QmpError) return e;
    throw e;
  }
  throw new Error('expected a QmpError');
}

describe('BlockLayer throttling', () => {
  it('holds group foo (3 disks, iops 6000) within 1% of its limit after 10 virtual seconds', () => {
    const { sched, run } = lab(fooLab());
    sched.runUntil(10e9);
    const groups = run('x-query-throttle-groups') as GroupRow[];
    const foo = groups.find((g) => g.name === 'foo')!;
    expect(foo.members).toEqual(['hd1', 'hd2', 'hd4']);
    expect(Math.abs(foo.iops - 6000) / 6000).toBeLessThan(0.01);
    const hd6 = groups.find((g) => g.name === 'hd6')!;
    expect(hd6.members).toEqual(['hd6']);
    expect(Math.abs(hd6.iops - 500) / 500).toBeLessThan(0.01);
    const queued = (foo as unknown as { queued: { device: string; rd: number; wr: number }[] }).queued;
    expect(queued.map((q) => q.device)).toEqual(['hd1', 'hd2', 'hd4']);
    // Every member keeps its iodepth of 32 mostly waiting at the throttle.
    for (const q of queued) expect(q.rd + q.wr).toBeGreaterThan(25);
  });

  it('shares the group rate fairly between members (one request per member per turn)', () => {
    const read = { rw: 'randread' as const };
    const { sched, run } = lab(fooLab().map((d) => ({ ...d, workload: read })));
    sched.runUntil(5e9);
    const stats = run('query-blockstats') as { stats: { rd_operations: number } }[];
    const ops = stats.slice(0, 3).map((s) => s.stats.rd_operations);
    // 5 s at 6000 IOPS plus the initial bucket of 600 ops (avg / 10).
    expect(Math.abs(ops[0] + ops[1] + ops[2] - 30_600)).toBeLessThan(100);
    expect(Math.max(...ops) - Math.min(...ops)).toBeLessThanOrEqual(2);
  });

  it('counts throttle wait in the latency: iodepth 32 at 100 IOPS gives about 320 ms', () => {
    const { sched, run } = lab([
      { name: 'd', throttle: { iops: 100 }, statsIntervals: [5], workload: { rw: 'randread', iodepth: 32 } },
    ]);
    sched.runUntil(10e9);
    const [row] = run('query-blockstats') as { stats: { timed_stats: Record<string, number>[] } }[];
    const t = row.stats.timed_stats[0];
    expect(t.interval_length).toBe(5);
    expect(t.avg_rd_latency_ns).toBeGreaterThan(300e6);
    expect(t.avg_rd_latency_ns).toBeLessThan(340e6);
    expect(t.avg_rd_queue_depth).toBeGreaterThan(30);
    expect(t.avg_wr_latency_ns).toBe(0);
  });
});

describe('block_set_io_throttle', () => {
  it('replaces the whole config (omitted *_max reset) and reports it in query-block', () => {
    const { run } = lab([{ name: 'hd1' }]);
    run('block_set_io_throttle', {
      ...ZERO,
      device: 'hd1',
      iops: 100,
      iops_max: 2000,
      iops_max_length: 60,
      group: 'g0',
    });
    let [info] = run('query-block') as { inserted: Record<string, unknown> }[];
    expect(info.inserted).toMatchObject({ iops: 100, iops_max: 2000, iops_max_length: 60, group: 'g0' });
    run('block_set_io_throttle', { ...ZERO, device: 'hd1', iops: 100 });
    [info] = run('query-block') as { inserted: Record<string, unknown> }[];
    expect(info.inserted.iops_max).toBeUndefined();
    expect(info.inserted.iops_max_length).toBeUndefined();
    expect(info.inserted.group).toBe('g0');
  });

  it('applies limits group-wide: every member reports the last config', () => {
    const { run } = lab(fooLab());
    run('block_set_io_throttle', { ...ZERO, device: 'hd2', iops: 3000 });
    const rows = run('query-block') as { device: string; inserted: { iops: number } }[];
    expect(rows.slice(0, 3).map((r) => r.inserted.iops)).toEqual([3000, 3000, 3000]);
  });

  it('moves a disk to another group, and removes it from its group when all limits are 0', () => {
    const { run } = lab(fooLab());
    run('block_set_io_throttle', { ...ZERO, id: 'hd1', iops: 100, group: 'bar' });
    let groups = run('x-query-throttle-groups') as GroupRow[];
    expect(groups.find((g) => g.name === 'foo')!.members).toEqual(['hd2', 'hd4']);
    expect(groups.find((g) => g.name === 'bar')!.members).toEqual(['hd1']);
    run('block_set_io_throttle', { ...ZERO, device: 'hd1', group: 'ignored' });
    groups = run('x-query-throttle-groups') as GroupRow[];
    expect(groups.map((g) => g.name)).toEqual(['foo', 'hd6']);
    const [hd1] = run('query-block') as { inserted: Record<string, unknown> }[];
    expect(hd1.inserted.group).toBeUndefined();
    expect(hd1.inserted.iops).toBe(0);
  });

  it('rejects bad calls with QEMU text and class, changing nothing', () => {
    const { sched, block, run } = lab(fooLab());
    sched.runUntil(300e6);
    const before = stateHash(block.snapshot());
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...ZERO, iops: 5 }, 'GenericError', "Need exactly one of 'device' and 'id'"],
      [{ ...ZERO, device: 'hd1', id: 'hd1' }, 'GenericError', "Need exactly one of 'device' and 'id'"],
      [{ ...ZERO, device: 'nope' }, 'DeviceNotFound', "Device 'nope' not found"],
      [
        { ...ZERO, device: 'hd1', iops: '5' },
        'GenericError',
        "Invalid parameter type for 'iops', expected: integer",
      ],
      [
        { ...ZERO, device: 'hd1', iops: 1.5 },
        'GenericError',
        "Invalid parameter type for 'iops', expected: integer",
      ],
      [{ device: 'hd1', bps: 0 }, 'GenericError', "Parameter 'bps_rd' is missing"],
      [{ ...ZERO, device: 'hd1', speed: 1 }, 'GenericError', "Parameter 'speed' is unexpected"],
      [
        { ...ZERO, device: 'hd1', bps: 10, bps_rd: 5 },
        'GenericError',
        'bps/iops/max total values and read/write values cannot be used at the same time',
      ],
      [
        { ...ZERO, device: 'hd1', iops: -1, group: 'x' },
        'GenericError',
        'bps/iops/max values must be within [0, 1000000000000000]',
      ],
    ];
    for (const [args, cls, desc] of cases) {
      const e = qmpError(() => run('block_set_io_throttle', args));
      expect([e.errorClass, e.desc]).toEqual([cls, desc]);
    }
    expect(stateHash(block.snapshot())).toBe(before);
  });
});

describe('throttle-group objects and drives', () => {
  it('creates a group object from x- properties that drives then join', () => {
    const sched = new Scheduler();
    const block = new BlockLayer(sched, new Rng(1));
    block.addThrottleGroupObject('tg0', {
      'x-iops-total': 200,
      'x-iops-total-max': 400,
      'x-iops-total-max-length': 3,
    });
    block.addDrive({ name: 'a', group: 'tg0' });
    const [g] = block.qmpCommands()['x-query-throttle-groups']({}) as GroupRow[];
    expect(g.limits).toMatchObject({ iops: 200, iops_max: 400, iops_max_length: 3 });
    expect(g.members).toEqual(['a']);
  });

  it('reports the object errors in QEMU words', () => {
    const block = new BlockLayer(new Scheduler(), new Rng(1));
    block.addThrottleGroupObject('tg0', { 'x-iops-total': 1 });
    expect(qmpError(() => block.addThrottleGroupObject('tg0', {})).desc).toBe(
      'A group with this name already exists',
    );
    expect(qmpError(() => block.addThrottleGroupObject('t1', { 'x-bps-total': -1 })).desc).toBe(
      'Property values cannot be negative',
    );
    expect(
      qmpError(() => block.addThrottleGroupObject('t1', { 'x-iops-total-max-length': 4294967296 })).desc,
    ).toBe('x-iops-total-max-length value must be in therange [0, 4294967295]');
    expect(qmpError(() => block.addThrottleGroupObject('t1', { 'x-iops-total-max': 5 })).desc).toBe(
      'bps_max/iops_max require corresponding bps/iops values',
    );
    expect(qmpError(() => block.addThrottleGroupObject('t1', { 'x-speed': 5 })).desc).toBe(
      "Property 'throttle-group.x-speed' not found",
    );
    expect(block.qmpCommands()['x-query-throttle-groups']({})).toHaveLength(1);
  });

  it('describes drives for the exporter', () => {
    const { block } = lab([
      { name: 'hd1', throttle: { iops: 100, iops_max: 200 }, group: 'g', statsIntervals: [1, 60] },
      { name: 'hd2' },
    ]);
    expect(block.drivesInfo()).toEqual([
      {
        name: 'hd1',
        file: 'hd1.qcow2',
        throttle: { iops: 100, iops_max: 200 },
        group: 'g',
        workload: { rw: 'randrw', rwmixread: 50, bs: 4096, iodepth: 32, rate_iops: 0, rate: 0 },
        statsIntervals: [1, 60],
      },
      {
        name: 'hd2',
        file: 'hd2.qcow2',
        throttle: null,
        group: null,
        workload: { rw: 'randrw', rwmixread: 50, bs: 4096, iodepth: 32, rate_iops: 0, rate: 0 },
        statsIntervals: [],
      },
    ]);
  });
});

describe('workloads and stats intervals', () => {
  it('paces an unthrottled drive at rate_iops and stops on rw none', () => {
    const { sched, run } = lab([{ name: 'd', workload: { rw: 'randwrite', rate_iops: 1000, iodepth: 4 } }]);
    sched.runUntil(2e9);
    const ops = () =>
      (run('query-blockstats') as { stats: { wr_operations: number } }[])[0].stats.wr_operations;
    expect(Math.abs(ops() - 2000)).toBeLessThanOrEqual(2);
    run('x-workload-set', { device: 'd', rw: 'none' });
    sched.runUntil(2.01e9); // requests already issued still complete
    const stopped = ops();
    sched.runUntil(3e9);
    expect(ops()).toBe(stopped);
    run('x-workload-set', { device: 'd', rw: 'read', bs: 65536, rate: 6553600 });
    sched.runUntil(4e9);
    const [row] = run('query-blockstats') as { stats: { rd_operations: number } }[];
    expect(Math.abs(row.stats.rd_operations - 100)).toBeLessThanOrEqual(1);
  });

  it('reports each drive workload through x-query-workloads, as x-workload-set left it', () => {
    const { run } = lab([{ name: 'd' }, { name: 'e', workload: { rw: 'read', bs: 65536, iodepth: 4 } }]);
    run('x-workload-set', { device: 'd', rw: 'randwrite', bs: 8192, iodepth: 2, rate_iops: 100 });
    expect(run('x-query-workloads')).toEqual([
      { device: 'd', rw: 'randwrite', rwmixread: 50, bs: 8192, iodepth: 2, rate_iops: 100, rate: 0 },
      { device: 'e', rw: 'read', rwmixread: 50, bs: 65536, iodepth: 4, rate_iops: 0, rate: 0 },
    ]);
    expect(qmpError(() => run('x-query-workloads', { device: 'd' })).desc).toBe(
      "Parameter 'device' is unexpected",
    );
  });

  it('validates x-workload-set and x-blockstats-intervals before changing anything', () => {
    const { block, run } = lab([{ name: 'd' }]);
    const before = stateHash(block.snapshot());
    expect(qmpError(() => run('x-workload-set', { device: 'd', rw: 'sideways' })).desc).toMatch(/rw/);
    expect(qmpError(() => run('x-workload-set', { device: 'd', rw: 'read', rwmixread: 101 })).desc).toMatch(
      /rwmixread/,
    );
    expect(qmpError(() => run('x-workload-set', { device: 'e', rw: 'read' })).errorClass).toBe(
      'DeviceNotFound',
    );
    expect(qmpError(() => run('x-workload-set', { device: 'd' })).desc).toBe("Parameter 'rw' is missing");
    expect(qmpError(() => run('x-blockstats-intervals', { device: 'd', intervals: [0] })).desc).toMatch(
      /interval/,
    );
    expect(qmpError(() => run('x-blockstats-intervals', { device: 'd', intervals: 5 })).desc).toBe(
      "Invalid parameter type for 'intervals', expected: array",
    );
    expect(stateHash(block.snapshot())).toBe(before);
    run('x-blockstats-intervals', { device: 'd', intervals: [1, 10] });
    const [row] = run('query-blockstats') as { stats: { timed_stats: { interval_length: number }[] } }[];
    expect(row.stats.timed_stats.map((t) => t.interval_length)).toEqual([1, 10]);
  });
});

describe('BlockLayer snapshot', () => {
  it('restores mid-run and continues exactly as the uninterrupted run', () => {
    const drives = [
      ...fooLab(),
      { name: 'free', statsIntervals: [1], workload: { rw: 'randrw' as const, iodepth: 4, rate_iops: 3000 } },
    ];
    const a = lab(drives);
    a.sched.runUntil(1_234_567_890);
    const snap = { sched: a.sched.snapshot(), block: a.block.snapshot() };
    a.sched.runUntil(3e9);
    const straight = stateHash({ sched: a.sched.snapshot(), block: a.block.snapshot() });

    const b = lab(drives, 999);
    b.block.restore(structuredClone(snap.block));
    b.sched.restore(structuredClone(snap.sched));
    b.sched.runUntil(3e9);
    expect(stateHash({ sched: b.sched.snapshot(), block: b.block.snapshot() })).toBe(straight);
  });

  it('rejects a snapshot of other drives or with bad data without changing state', () => {
    const { sched, block } = lab(fooLab());
    sched.runUntil(100e6);
    const before = block.snapshot();
    const other = lab([{ name: 'x' }]).block.snapshot();
    expect(() => block.restore(other)).toThrow(/drives/);
    const bad = structuredClone(before);
    bad.drives[2].job.rng = { v: 1, s: [1] } as never;
    expect(() => block.restore(bad)).toThrow(/rng/);
    expect(stateHash(block.snapshot())).toBe(stateHash(before));
  });
});

describe('x-query-throttle-groups levels', () => {
  it('shows each limited bucket as fill and size leaked to now, without touching the state', () => {
    const { sched, block, run } = lab([
      {
        name: 'd',
        throttle: { iops: 100, iops_max: 200, iops_max_length: 2 },
        workload: { rw: 'read', iodepth: 1 },
      },
    ]);
    sched.runUntil(0);
    const before = stateHash(block.snapshot());
    const [g] = run('x-query-throttle-groups') as {
      levels: { buckets: Record<string, Record<string, number>> };
    }[];
    expect(Object.keys(g.levels.buckets)).toEqual(['iops_total']);
    expect(g.levels.buckets.iops_total).toEqual({ level: 1, size: 400, burst_level: 1, burst_size: 20 });
    expect(stateHash(block.snapshot())).toBe(before);
  });
});
