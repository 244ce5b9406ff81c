import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { READ, WRITE } from './throttle';
import { pacingGapNs, pickDirection, resolveWorkload, workloadError } from './workload';

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
    expect(workloadError({ rw: 'up' })).toMatch(/'rw'/);
    expect(workloadError({ rw: 'read', bs: 0 })).toMatch(/'bs'/);
    expect(workloadError({ rw: 'read', iodepth: 2.5 })).toBe(
      "Invalid parameter type for 'iodepth', expected: integer",
    );
  });
});
