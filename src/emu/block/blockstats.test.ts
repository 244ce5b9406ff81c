import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockStats } from './blockstats';
import { READ, WRITE } from './throttle';

type Timed = { interval_length: number } & Record<string, number>;
const timed = (s: BlockStats, nowNs: number) => (s.query(nowNs).timed_stats as Timed[])[0];

describe('BlockStats', () => {
  it('counts bytes, operations and total time per direction at completion', () => {
    const s = new BlockStats();
    s.account(READ, 4096, 1000, 10);
    s.account(READ, 512, 3000, 20);
    s.account(WRITE, 65536, 7, 30);
    const q = s.query(100);
    expect(q).toMatchObject({
      rd_bytes: 4608,
      wr_bytes: 65536,
      rd_operations: 2,
      wr_operations: 1,
      rd_total_time_ns: 4000,
      wr_total_time_ns: 7,
      idle_time_ns: 70,
      timed_stats: [],
    });
  });

  it('reports min/max/integer-avg latency and queue depth of the interval window', () => {
    const s = new BlockStats([1]);
    s.account(READ, 1, 100, 0.6e9);
    s.account(READ, 1, 201, 0.7e9);
    const t = timed(s, 0.9e9);
    expect(t).toMatchObject({
      interval_length: 1,
      min_rd_latency_ns: 100,
      max_rd_latency_ns: 201,
      avg_rd_latency_ns: 150,
    });
    expect(t.min_wr_latency_ns).toBe(0);
    // Little's law over the window's 0.9 s: 301 ns of latency.
    expect(t.avg_rd_queue_depth).toBeCloseTo(301 / 0.9e9, 15);
  });

  it('forgets completions older than one interval', () => {
    const s = new BlockStats([1]);
    s.account(WRITE, 1, 5_000, 0.1e9);
    expect(timed(s, 0.9e9).max_wr_latency_ns).toBe(5_000);
    expect(timed(s, 2.2e9).max_wr_latency_ns).toBe(0);
  });

  it('always reports a window covering between half and one whole interval', () => {
    const s = new BlockStats([2]);
    let t = 0;
    for (let now = 1e9; now <= 10e9; now += 0.37e9) {
      for (; t <= now; t += 0.01e9) s.account(READ, 1, 1_000 + Math.round(t / 1e6), t);
      // Latency encodes completion time in ms: the oldest completion counted is 1 to 2 s old.
      const ageMs = now / 1e6 - (timed(s, now).min_rd_latency_ns - 1_000);
      expect(ageMs).toBeLessThanOrEqual(2000);
      expect(ageMs).toBeGreaterThanOrEqual(1000 - 10);
    }
  });

  it('snapshots and restores exactly', () => {
    const s = new BlockStats([1, 60]);
    s.account(READ, 10, 50, 1e9);
    const r = new BlockStats();
    r.restore(structuredClone(s.snapshot()));
    expect(r.query(2e9)).toEqual(s.query(2e9));
    expect(() => r.restore({ v: 2 } as never)).toThrow();
  });
});

describe('BlockStats held completions', () => {
  // Reference: QEMU's TimedAverage updated at every completion (two windows per direction,
  // staggered by half a period), written out independently of blockstats.ts.
  type W = { startNs: number; expireNs: number; count: number; sum: number; min: number; max: number };
  function reference(
    intervals: readonly number[],
    events: { gapNs: number; dir: 0 | 1; latencyNs: number; query: boolean }[],
  ) {
    const fresh = (start: number, p: number): W => ({
      startNs: start,
      expireNs: start + p,
      count: 0,
      sum: 0,
      min: 0,
      max: 0,
    });
    const timed = intervals.map((s) => {
      const p = s * 1e9;
      return { s, p, w: [0, 1].map(() => [fresh(0, p), fresh(-p / 2, p)]) };
    });
    const expire = (w: W, p: number, now: number) => {
      if (now < w.expireNs) return;
      const late = (now - w.expireNs) % p;
      Object.assign(w, fresh(now - late, p));
    };
    let now = 0;
    for (const e of events) {
      now += e.gapNs;
      for (const t of timed) {
        for (const w of t.w[e.dir]) {
          expire(w, t.p, now);
          if (w.count === 0 || e.latencyNs < w.min) w.min = e.latencyNs;
          if (w.count === 0 || e.latencyNs > w.max) w.max = e.latencyNs;
          w.count++;
          w.sum += e.latencyNs;
        }
      }
      if (e.query) {
        for (const t of timed) {
          for (const d of [0, 1]) {
            const [a, b] = t.w[d];
            expire(a, t.p, now);
            expire(b, t.p, now);
          }
        }
      }
    }
    return timed.map((t) => t.w);
  }

  it('reports and snapshots exactly what an update per completion gives', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gapNs: fc.oneof(
              fc.constant(0),
              fc.integer({ min: 1, max: 400_000_000 }),
              fc.integer({ min: 0, max: 5e9 }),
            ),
            dir: fc.constantFrom(0 as const, 1 as const),
            latencyNs: fc.integer({ min: 0, max: 2e9 }),
            query: fc.boolean(),
          }),
          { maxLength: 200 },
        ),
        fc.constantFrom([1], [1, 60], [2, 3]),
        (events, intervals) => {
          const s = new BlockStats(intervals, 0);
          let now = 0;
          for (const e of events) {
            now += e.gapNs;
            s.account(e.dir, 1, e.latencyNs, now);
            if (e.query) s.query(now);
          }
          const ref = reference(intervals, events);
          expect(s.snapshot().intervals.map((i) => i.windows)).toEqual(ref);
        },
      ),
    );
  });
});
