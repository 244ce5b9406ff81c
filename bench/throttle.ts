// throttle.schedule_account (automation.md §1, throttle.md §18): QEMU's per-request path on one
// drive limited to iops=1000 and bps=104857600 — leak of the six buckets, the direction's wait
// (4 × compute-wait), the timer check/arm, then account — through the lab's own ThrottleState.
// 10 M requests, arrival gaps 0.2–1.8 ms, random direction, 4 KiB (75 %) or 64 KiB (25 %).
// The request stream comes from an inline xorshift32 so the loop allocates nothing.
// The rate is requests per CPU-second of this process (process.cpuUsage): on an idle machine that
// equals the wall-clock rate, and it stays meaningful when other jobs share the CPUs.
import { type Direction, ThrottleState } from '../src/emu/block/throttle';
import { configFromQmp } from '../src/emu/block/throttle-config';
import type { Bench } from './bench-types';

const REQUESTS = 10_000_000;
const RUNS = 3;

/** Runs the workload once; returns requests per CPU-second and how many requests were throttled. */
export function runScheduleAccount(requests: number): { reqPerSec: number; throttled: number } {
  const state = new ThrottleState();
  state.configure(configFromQmp({ iops: 1000, bps: 104857600 }), 0);
  const timerDeadlineNs = new Float64Array(2);
  const timerArmed = new Uint8Array(2);
  let seed = 0x2545f491;
  let nowNs = 0;
  let throttled = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const r = seed >>> 0;
    nowNs += 200_000 + (r % 1_600_001);
    const dir = ((r >>> 21) & 1) as Direction;
    const bytes = (r >>> 22) % 4 === 0 ? 65536 : 4096;
    // throttle_schedule_timer: leak + wait; arm the direction's timer unless it is pending.
    const wait = state.check(nowNs, dir);
    if (timerArmed[dir] === 1 && timerDeadlineNs[dir] <= nowNs) timerArmed[dir] = 0;
    if (wait > 0) {
      throttled++;
      if (timerArmed[dir] === 0) {
        timerArmed[dir] = 1;
        timerDeadlineNs[dir] = nowNs + wait;
      }
    }
    state.account(dir, bytes);
  }
  const used = process.cpuUsage(start);
  const seconds = (used.user + used.system) / 1e6;
  return { reqPerSec: requests / seconds, throttled };
}

export const benches: Bench[] = [
  {
    name: 'throttle.schedule_account',
    unit: 'M req/s',
    run: () => {
      let best = 0;
      for (let i = 0; i < RUNS; i++) best = Math.max(best, runScheduleAccount(REQUESTS).reqPerSec);
      return Math.round(best / 1e4) / 100;
    },
  },
];
