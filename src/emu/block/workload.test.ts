import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { Scheduler } from '../core/scheduler';
import { READ, WRITE } from './throttle';
import { pacingGapNs, pickDirection, resolveWorkload, WorkloadJob, workloadError } from './workload';

describe('workload jobs', () => {
  it('defaults to randrw 50% reads, 4 KiB, iodepth 32, unpaced', () => {
    expect(resolveWorkload(undefined)).toEqual({
      rw: 'randrw',
      rwmixread: 50,
      bs: 4096,
      iodepth: 32,
      rate_iops: 0,
      rate: 0,
    });
  });

  it('paces by the stricter of rate_iops and rate', () => {
    expect(pacingGapNs(resolveWorkload({ rw: 'read', rate_iops: 1000 }))).toBe(1_000_000);
    expect(pacingGapNs(resolveWorkload({ rw: 'read', bs: 4096, rate: 4096 * 10, rate_iops: 1000 }))).toBe(
      100_000_000,
    );
    expect(pacingGapNs(resolveWorkload({ rw: 'read' }))).toBe(0);
  });

  it('mixes directions by rwmixread and keeps pure jobs pure', () => {
    const rng = new Rng(5);
    const mix = resolveWorkload({ rw: 'randrw', rwmixread: 75 });
    let reads = 0;
    for (let i = 0; i < 10_000; i++) if (pickDirection(mix, rng) === READ) reads++;
    expect(reads / 10_000).toBeCloseTo(0.75, 1);
    expect(pickDirection(resolveWorkload({ rw: 'write' }), rng)).toBe(WRITE);
    expect(pickDirection(resolveWorkload({ rw: 'randread' }), rng)).toBe(READ);
  });

  it('names the bad field of a workload', () => {
    expect(workloadError({ rw: 'randrw', rwmixread: 50 })).toBeNull();
    expect(workloadError({ rw: 'up' })).toBe("Parameter 'rw' does not accept value 'up'");
    expect(workloadError({ bs: 4096 })).toBe("Parameter 'rw' is missing");
    expect(workloadError({ rw: 'read', bs: 0 })).toMatch(/'bs'/);
    expect(workloadError({ rw: 'read', iodepth: 2.5 })).toBe(
      "Invalid parameter type for 'iodepth', expected: integer",
    );
  });
});

describe('WorkloadJob', () => {
  function rig(spec: Parameters<typeof resolveWorkload>[0]) {
    const sched = new Scheduler();
    const issued: { atNs: number; dir: number; bytes: number }[] = [];
    let job: WorkloadJob | undefined;
    const owner = sched.register('test.workload', () => job?.onTick());
    job = new WorkloadJob(sched, owner, 0, new Rng(9), spec, (dir, bytes) =>
      issued.push({ atNs: sched.nowNs, dir, bytes }),
    );
    job.kick();
    return { sched, job, issued };
  }

  it('keeps iodepth requests outstanding and issues one more per completion', () => {
    const { sched, job, issued } = rig({ rw: 'write', iodepth: 3, bs: 512 });
    sched.runUntil(0);
    expect(issued).toHaveLength(3);
    expect(job.outstanding).toBe(3);
    job.completed();
    expect(issued).toHaveLength(4);
    expect(issued.every((r) => r.dir === WRITE && r.bytes === 512)).toBe(true);
  });

  it('spaces issues by the pacing gap even with completions waiting', () => {
    const { sched, job, issued } = rig({ rw: 'read', iodepth: 8, rate_iops: 100 });
    for (let t = 0; t <= 1e9; t += 1e6) {
      sched.runUntil(t);
      while (job.outstanding > 0) job.completed();
    }
    expect(issued).toHaveLength(101);
    expect(issued[1].atNs - issued[0].atNs).toBe(10_000_000);
  });

  it('never bursts to catch up after iodepth held it back', () => {
    const { sched, job, issued } = rig({ rw: 'read', iodepth: 1, rate_iops: 1000 });
    sched.runUntil(0);
    sched.runUntil(50e6); // the single slot stays busy for 50 ms
    job.completed();
    sched.runUntil(60e6);
    job.completed();
    sched.runUntil(60e6);
    expect(issued.map((r) => r.atNs)).toEqual([0, 50e6, 60e6]);
    job.completed();
    sched.runUntil(70e6);
    expect(issued[3].atNs).toBe(61e6);
  });

  it('stops issuing with rw none and snapshots its state', () => {
    const { sched, job, issued } = rig({ rw: 'randrw', iodepth: 2 });
    sched.runUntil(0);
    job.set(resolveWorkload({ rw: 'none' }));
    job.completed();
    job.completed();
    sched.runUntil(1e9);
    expect(issued).toHaveLength(2);
    const snap = job.snapshot();
    expect(snap.workload.rw).toBe('none');
    expect(() => job.restore({ ...snap, outstanding: 1.5 })).toThrow();
  });
});
