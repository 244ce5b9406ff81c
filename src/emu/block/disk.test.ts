import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { Scheduler } from '../core/scheduler';
import { type BlockRequest, DEFAULT_DISK, type DiskParams, VirtualDisk } from './disk';
import { READ } from './throttle';

function rig(params: Partial<DiskParams> = {}) {
  const sched = new Scheduler();
  const done: { id: number; atNs: number }[] = [];
  let disk: VirtualDisk | undefined;
  const owner = sched.register('test.disk', (_kind, id) => {
    if (disk?.complete(id)) done.push({ id, atNs: sched.nowNs });
  });
  disk = new VirtualDisk(sched, owner, 0, new Rng(3), { ...DEFAULT_DISK, jitterFraction: 0, ...params });
  const req = (id: number, bytes = 4096, sequential = false): BlockRequest => ({
    id,
    bytes,
    dir: READ,
    sequential,
    submitNs: 0,
  });
  return { sched, disk, done, req };
}

describe('VirtualDisk', () => {
  it('completes a random request after latency plus transfer time', () => {
    const { sched, disk, done, req } = rig({ randomLatencyNs: 100_000, bytesPerSec: 1e9 });
    disk.submit(req(1, 1_000_000));
    sched.runUntil(1e9);
    expect(done).toEqual([{ id: 1, atNs: 1_100_000 }]);
  });

  it('serialises transfers on one channel (bandwidth cap) and uses the sequential latency', () => {
    const { sched, disk, done, req } = rig({ sequentialLatencyNs: 10_000, bytesPerSec: 1e6 });
    disk.submit(req(1, 1000, true));
    disk.submit(req(2, 1000, true));
    sched.runUntil(1e9);
    expect(done.map((d) => d.atNs)).toEqual([1_010_000, 2_010_000]);
  });

  it('holds requests beyond the queue depth until a slot frees', () => {
    const { sched, disk, done, req } = rig({ queueDepth: 1, randomLatencyNs: 50_000, bytesPerSec: 1e12 });
    disk.submit(req(1));
    disk.submit(req(2));
    expect(disk.outstanding).toBe(2);
    sched.runUntil(1e9);
    expect(done.map((d) => d.atNs)).toEqual([50_005, 100_010]);
    expect(disk.outstanding).toBe(0);
  });

  it('jitters latency within ±jitterFraction, deterministically from the seed', () => {
    const times = () => {
      const { sched, disk, done, req } = rig({
        jitterFraction: 0.1,
        randomLatencyNs: 100_000,
        bytesPerSec: 1e15,
      });
      for (let i = 0; i < 50; i++) disk.submit(req(i));
      sched.runUntil(1e9);
      return done.map((d) => d.atNs);
    };
    const a = times();
    expect(a).toEqual(times());
    for (const t of a) expect(t >= 90_000 && t <= 110_001).toBe(true);
    expect(new Set(a).size).toBeGreaterThan(10);
  });
});
