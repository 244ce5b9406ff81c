import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { READ, ThrottleState, WRITE } from './throttle';
import { BPS_TOTAL, configFromQmp, OPS_TOTAL } from './throttle-config';

function stateFor(args: Record<string, number>): ThrottleState {
  const s = new ThrottleState();
  s.configure(configFromQmp(args), 0);
  return s;
}

/** Requests at t = 0 until one must wait; returns [passed, wait of the first that waits]. */
function burstAtZero(s: ThrottleState, bytes: number): [number, number] {
  for (let n = 0; n < 10_000; n++) {
    const wait = s.check(0, READ);
    if (wait > 0) return [n, wait];
    s.account(READ, bytes);
  }
  throw new Error('never throttled');
}

describe('ThrottleState worked numbers (§5.3)', () => {
  it('lets 11 requests through at t = 0 with iops=100; the 12th waits 10 ms', () => {
    expect(burstAtZero(stateFor({ iops: 100 }), 4096)).toEqual([11, 10_000_000]);
  });

  it('makes the 2nd request wait 0.9 s with iops=1', () => {
    expect(burstAtZero(stateFor({ iops: 1 }), 4096)).toEqual([1, 900_000_000]);
  });

  it('passes two 64 KiB reads at 1 MiB/s and makes the third wait 24,999,999 ns', () => {
    expect(burstAtZero(stateFor({ bps: 1048576 }), 65536)).toEqual([2, 24_999_999]);
  });

  it('caps a burst at max during burst_length (avg=10, max=200, length=2): 22 steps pass, the next waits 1.8 s', () => {
    const s = stateFor({ bps: 10, bps_max: 200, bps_max_length: 2 });
    const waits: number[] = [];
    for (let step = 0; step <= 22; step++) {
      waits.push(s.check(step * 100_000_000, READ));
      s.account(READ, 20);
    }
    expect(waits.slice(0, 22).every((w) => w === 0)).toBe(true);
    expect(waits[22]).toBe(1_800_000_000);
  });
});

describe('ThrottleState pitfalls (§17)', () => {
  it('checks before accounting: a 10 MB write passes, the next waits about 9.9 s', () => {
    const s = stateFor({ bps: 1_000_000 });
    expect(s.check(0, WRITE)).toBe(0);
    s.account(WRITE, 10_000_000);
    expect(s.check(0, WRITE)).toBe(9_900_000_000);
  });

  it('makes the bucket 10x larger when iops_max = iops', () => {
    expect(burstAtZero(stateFor({ iops: 100, iops_max: 100 }), 512)[0]).toBe(101);
  });

  it('has no rate cap with burst_length 1: max + 1 requests leave at t = 0', () => {
    expect(burstAtZero(stateFor({ iops: 10, iops_max: 50 }), 512)[0]).toBe(51);
  });

  it('caps the rate at max only when burst_length > 1', () => {
    const s = stateFor({ iops: 10, iops_max: 50, iops_max_length: 3 });
    // burst bucket size max/10 = 5: 6 pass at t = 0, the 7th waits (6 - 5) / 50 s.
    expect(burstAtZero(s, 512)).toEqual([6, 20_000_000]);
  });

  it('truncates waits toward zero and treats a zero wait as "go"', () => {
    const s = stateFor({ bps: 7 });
    s.account(READ, 1);
    // level 1, size 0.7: extra 0.3 → 0.3e9 / 7 = 42857142.857… → 42857142
    expect(s.check(0, READ)).toBe(42_857_142);
  });

  it('never leaks when accounting; previous_leak moves even when no time passed', () => {
    const s = stateFor({ iops: 100 });
    s.account(READ, 1);
    s.account(READ, 1);
    expect(s.level[OPS_TOTAL]).toBe(2);
    expect(s.previousLeakNs).toBe(0);
    s.check(50_000_000, READ);
    expect(s.previousLeakNs).toBe(50_000_000);
    expect(s.level[OPS_TOTAL]).toBe(0);
    s.leak(40_000_000);
    expect(s.previousLeakNs).toBe(40_000_000);
  });

  it('counts fractional iops_size units only above iops_size, and one op for zero bytes', () => {
    const s = stateFor({ iops: 100, iops_size: 4096 });
    s.account(READ, 4097);
    expect(s.level[OPS_TOTAL]).toBe(1.000244140625);
    s.account(READ, 4096);
    s.account(READ, 0);
    expect(s.level[OPS_TOTAL]).toBe(3.000244140625);
  });

  it('lets unlimited buckets accumulate without leaking', () => {
    const s = stateFor({ iops: 100 });
    s.account(WRITE, 4096);
    s.check(10e9, WRITE);
    expect(s.level[BPS_TOTAL]).toBe(4096);
  });

  it('resets every level on reconfiguration, even with unchanged values', () => {
    const s = stateFor({ iops: 100 });
    for (let i = 0; i < 20; i++) s.account(READ, 1);
    s.configure(configFromQmp({ iops: 100 }), 5);
    expect(Array.from(s.level)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(s.previousLeakNs).toBe(5);
  });
});

describe('ThrottleState properties', () => {
  const requests = fc.array(
    fc.record({
      gapNs: fc.integer({ min: 0, max: 50_000_000 }),
      write: fc.boolean(),
      bytes: fc.integer({ min: 0, max: 1 << 20 }),
    }),
    { maxLength: 300 },
  );

  it('never holds a negative level', () => {
    fc.assert(
      fc.property(requests, (reqs) => {
        const s = stateFor({ bps: 1_000_000, iops: 50, iops_max: 200, iops_max_length: 3 });
        let t = 0;
        for (const r of reqs) {
          t += r.gapNs;
          s.check(t, r.write ? WRITE : READ);
          s.account(r.write ? WRITE : READ, r.bytes);
          for (let i = 0; i < 6; i++) expect(s.level[i] >= 0 && s.burstLevel[i] >= 0).toBe(true);
        }
      }),
    );
  });

  it('keeps the long-run dispatched rate within limit + bucket allowance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 20 }), (iops, perMs) => {
        const s = stateFor({ iops });
        // An offered load far above the limit, dispatched only when the check passes.
        let sent = 0;
        let t = 0;
        const horizonNs = 5e9;
        let next = 0;
        while (t <= horizonNs) {
          if (t >= next) {
            const wait = s.check(t, READ);
            if (wait === 0) {
              s.account(READ, 4096);
              sent++;
            } else next = t + wait;
          }
          t += 1_000_000 / perMs;
        }
        expect(sent).toBeLessThanOrEqual(iops * 5 + iops / 10 + 1);
      }),
      { numRuns: 30 },
    );
  });

  it('restores a snapshot exactly', () => {
    const s = stateFor({ bps: 1234, iops: 10, iops_max: 40, iops_max_length: 2 });
    s.account(READ, 1000);
    s.check(12345, WRITE);
    const copy = new ThrottleState();
    copy.restore(s.snapshot());
    expect(copy.snapshot()).toEqual(s.snapshot());
    expect(copy.check(99_999_999, READ)).toBe(s.check(99_999_999, READ));
  });

  it('rejects a malformed snapshot without changing state', () => {
    const s = stateFor({ iops: 10 });
    s.account(READ, 1);
    const before = s.snapshot();
    expect(() => s.restore({ ...before, level: [1, 2] })).toThrow();
    expect(s.snapshot()).toEqual(before);
  });
});

/** The spec's arithmetic written literally (all six buckets, no shortcuts), to pin the fast path. */
class LiteralState {
  level = [0, 0, 0, 0, 0, 0];
  burst = [0, 0, 0, 0, 0, 0];
  prev = 0;
  constructor(readonly c: ReturnType<typeof configFromQmp>) {}
  check(now: number, dir: 0 | 1): number {
    const d = now - this.prev;
    this.prev = now;
    if (d > 0) {
      for (let i = 0; i < 6; i++) {
        this.level[i] = Math.max(this.level[i] - (this.c.avg[i] * d) / 1e9, 0);
        if (this.c.burstLength[i] > 1) this.burst[i] = Math.max(this.burst[i] - (this.c.max[i] * d) / 1e9, 0);
      }
    }
    let wait = 0;
    for (const i of dir === 0 ? [0, 1, 3, 4] : [0, 2, 3, 5]) {
      const { avg, max, burstLength } = {
        avg: this.c.avg[i],
        max: this.c.max[i],
        burstLength: this.c.burstLength[i],
      };
      if (avg === 0) continue;
      const size = max === 0 ? avg / 10 : max * burstLength;
      let w = 0;
      if (this.level[i] - size > 0) w = Math.trunc(((this.level[i] - size) * 1e9) / avg);
      else if (burstLength > 1 && this.burst[i] - max / 10 > 0)
        w = Math.trunc(((this.burst[i] - max / 10) * 1e9) / max);
      wait = Math.max(wait, w);
    }
    return wait;
  }
  account(dir: 0 | 1, bytes: number): void {
    const units = this.c.opSize > 0 && bytes > this.c.opSize ? bytes / this.c.opSize : 1;
    for (const [i, amount] of [
      [0, bytes],
      [dir === 0 ? 1 : 2, bytes],
      [3, units],
      [dir === 0 ? 4 : 5, units],
    ]) {
      this.level[i] += amount;
      if (this.c.burstLength[i] > 1) this.burst[i] += amount;
    }
  }
}

describe('ThrottleState fast path', () => {
  const config = fc.record({
    bps: fc.integer({ min: 0, max: 5_000_000 }),
    iops_rd: fc.integer({ min: 0, max: 500 }),
    iops_wr: fc.integer({ min: 0, max: 500 }),
    burst: fc.integer({ min: 0, max: 3 }),
    iops_size: fc.constantFrom(0, 4096),
  });

  it('matches the literal spec arithmetic bit for bit on random valid configs and traffic', () => {
    fc.assert(
      fc.property(
        config,
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 30_000_000 }),
            fc.boolean(),
            fc.integer({ min: 0, max: 200_000 }),
          ),
          {
            maxLength: 200,
          },
        ),
        (c, reqs) => {
          const args: Record<string, number> = { bps: c.bps, iops_rd: c.iops_rd, iops_wr: c.iops_wr };
          if (c.bps > 0 && c.burst > 0) Object.assign(args, { bps_max: c.bps * 3, bps_max_length: c.burst });
          if (c.iops_size && (c.iops_rd || c.iops_wr)) args.iops_size = c.iops_size;
          const cfg = configFromQmp(args);
          const fast = new ThrottleState();
          fast.configure(cfg, 0);
          const literal = new LiteralState(cfg);
          let t = 0;
          for (const [gap, write, bytes] of reqs) {
            t += gap;
            const dir = write ? WRITE : READ;
            expect(fast.check(t, dir)).toBe(literal.check(t, dir));
            fast.account(dir, bytes);
            literal.account(dir, bytes);
          }
          expect(Array.from(fast.level)).toEqual(literal.level);
          expect(Array.from(fast.burstLevel)).toEqual(literal.burst);
        },
      ),
      { numRuns: 200 },
    );
  });
});
