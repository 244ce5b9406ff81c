// Golden test of the block path (session 3: speed with behaviour kept bit-identical). Two labs run
// for ten virtual seconds with QMP changes on the way (group limits, a burst bucket, a move
// between groups, a drive leaving and rejoining its group, a workload and an interval change);
// the QMP answers (query-blockstats every 5 ms, x-query-throttle-groups every 25 ms, every
// command's reply) are hashed in order, and so is the block state (the block subsystem's
// snapshot, the machine Rng and the block owners' scheduler events) every two seconds.
//
// The constants were printed by the code before the speed work (GOLDEN_PRINT=1 prints them
// again). The QMP hash is what a user can observe and must never change; the state hash pins the
// snapshot's shape too, so a change of shape (allowed, if restore round-trips) re-pins only it.
import { describe, expect, it } from 'vitest';
import type { LabConfig } from './control/lab-config';
import { stableStringify, stateHash } from './core/snapshot';
import { Machine } from './machine';

const MS = 1_000_000;

/** Rolling 64-bit FNV-1a over strings, as 16 hex digits. */
class Hasher {
  private h1 = 0x811c9dc5;
  private h2 = 0xcbf29ce4;
  add(text: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ c, 0x0100019d) >>> 0;
    }
    this.h1 = h1;
    this.h2 = h2;
  }
  digest(): string {
    return this.h1.toString(16).padStart(8, '0') + this.h2.toString(16).padStart(8, '0');
  }
}

type Step = { atMs: number; cmd: Record<string, unknown> };

/** block_set_io_throttle with the six required limits 0 unless given. */
function throttle(device: string, limits: Record<string, unknown>): Record<string, unknown> {
  const zero = { bps: 0, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0 };
  return { execute: 'block_set_io_throttle', arguments: { device, ...zero, ...limits } };
}

function blockState(m: Machine): string {
  const sched = m.sched.snapshot();
  return stateHash({
    nowNs: sched.nowNs,
    events: sched.events.filter((e) => e.owner.startsWith('block.')),
    rng: m.rng.snapshot(),
    block: m.getSubsystem('block')?.snapshot(),
  });
}

/** swapAtMs: there the run continues in a fresh machine restored from a snapshot. */
function run(
  make: () => Machine,
  steps: Step[],
  totalMs: number,
  swapAtMs = -1,
): { qmp: string; state: string } {
  let m = make();
  const qmp = new Hasher();
  const state = new Hasher();
  let next = 0;
  for (let t = 0; t < totalMs; t++) {
    if (t === swapAtMs) {
      const copy = make();
      copy.restore(JSON.parse(JSON.stringify(m.snapshot())));
      m = copy;
    }
    while (next < steps.length && steps[next].atMs === t) {
      const reply = m.qmp(steps[next].cmd);
      expect(reply).toEqual({ return: {} });
      qmp.add(stableStringify(reply));
      next++;
    }
    m.run(MS);
    if (t % 5 === 4) qmp.add(`${m.nowNs}:${stableStringify(m.qmp({ execute: 'query-blockstats' }))}`);
    if (t % 25 === 24) qmp.add(stableStringify(m.qmp({ execute: 'x-query-throttle-groups' })));
    if (t % 2000 === 1999) state.add(blockState(m));
  }
  return { qmp: qmp.digest(), state: state.digest() };
}

const DEFAULT_STEPS: Step[] = [
  { atMs: 1500, cmd: throttle('hd1', { iops: 2000, group: 'foo' }) },
  {
    atMs: 3500,
    cmd: throttle('hd6', {
      bps: 2_000_000,
      bps_max: 8_000_000,
      bps_max_length: 2,
      iops: 800,
      iops_size: 8192,
    }),
  },
  { atMs: 5000, cmd: throttle('hd3', { iops: 4000, group: 'foo' }) },
  { atMs: 6000, cmd: throttle('hd5', { iops: 0 }) },
  {
    atMs: 7000,
    cmd: { execute: 'x-workload-set', arguments: { device: 'hd2', rw: 'read', rate_iops: 1500 } },
  },
  { atMs: 7000, cmd: { execute: 'x-blockstats-intervals', arguments: { device: 'hd4', intervals: [2] } } },
  {
    atMs: 8500,
    cmd: throttle('hd5', { iops_rd: 900, iops_wr: 400, group: 'bar' }),
  },
  {
    atMs: 9000,
    cmd: {
      execute: 'x-workload-set',
      arguments: { device: 'hd4', rw: 'randwrite', bs: 65536, iodepth: 100 },
    },
  },
];

/** Unthrottled, paced, sequential, deep queues and a burst bucket in an explicit group. */
const MIXED_LAB: LabConfig = {
  seed: 11,
  groups: [{ name: 'g', limits: { bps: 50_000_000, bps_max: 200_000_000, bps_max_length: 3 } }],
  drives: [
    {
      name: 'a',
      group: 'g',
      workload: { rw: 'randrw', rwmixread: 70, bs: 65536, iodepth: 8 },
      stats_intervals: [1, 3],
    },
    { name: 'b', group: 'g', workload: { rw: 'write', bs: 131072, iodepth: 4 } },
    { name: 'c', workload: { rw: 'randread', bs: 4096, iodepth: 128 }, stats_intervals: [1] },
    {
      name: 'd',
      throttle: { iops_rd: 700, iops_wr: 300 },
      workload: { rw: 'randrw', iodepth: 16, rate_iops: 1200 },
    },
  ],
};

const MIXED_STEPS: Step[] = [
  { atMs: 2000, cmd: throttle('c', { iops: 20000 }) },
  { atMs: 4000, cmd: throttle('d', { iops: 0 }) },
  { atMs: 4000, cmd: throttle('b', { bps: 30_000_000, group: 'g' }) },
  { atMs: 6500, cmd: throttle('a', { iops: 900, group: 'solo' }) },
  { atMs: 8000, cmd: { execute: 'x-workload-set', arguments: { device: 'c', rw: 'none' } } },
];

const GOLDEN = {
  default: { qmp: '478ec60ccdc9ffd5', state: 'aa83b474cfa600dd' },
  mixed: { qmp: 'f81b0b8da1ed3da0', state: '62a3b05f5eb2ccea' },
};

describe('block path golden', () => {
  it('the default lab answers QMP and ends in the same state as before the speed work', () => {
    const got = run(() => Machine.create({ lab: 'default' }), DEFAULT_STEPS, 10_000);
    if (process.env.GOLDEN_PRINT) process.stdout.write(`default ${JSON.stringify(got)}\n`);
    expect(got).toEqual(GOLDEN.default);
  });

  it('a lab with unthrottled, paced, sequential and burst drives does too', () => {
    const got = run(() => Machine.create({ lab: MIXED_LAB }), MIXED_STEPS, 10_000);
    if (process.env.GOLDEN_PRINT) process.stdout.write(`mixed ${JSON.stringify(got)}\n`);
    expect(got).toEqual(GOLDEN.mixed);
  });

  it('runs the same when restored from a snapshot on the way', () => {
    expect(run(() => Machine.create({ lab: 'default' }), DEFAULT_STEPS, 10_000, 4321)).toEqual(
      GOLDEN.default,
    );
    expect(run(() => Machine.create({ lab: MIXED_LAB }), MIXED_STEPS, 10_000, 6789)).toEqual(GOLDEN.mixed);
  });
});
