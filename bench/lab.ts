// Figures for the whole machine (automation.md §1): `lab.default.speed`, virtual seconds per wall
// second of the default lab run as fast as possible. The wall second is measured as CPU time of
// this process (process.cpuUsage), as bench/throttle.ts does: on an idle machine the two are
// equal, and the figure stays meaningful when other jobs share the CPUs.
import { Machine } from '../src/emu/machine';
import type { Bench } from './bench-types';

// The steady state, as bench/serial.ts and bench/tdc.ts measure theirs. V8 keeps tiering the
// block path up for tens of virtual seconds: handlers that run every 0.1–0.5 s (blockstats
// windows, meter slots) are optimised late, and process.cpuUsage counts the compiler threads'
// CPU too. With 3 s of warm-up (the former protocol) the same code measured 130–185×, with 30 s
// 205–270×, at an unchanged 14 000 requests per virtual second. So: 60 virtual seconds of
// warm-up, then the median of three measured stretches.
const WARMUP_NS = 60e9;
const MEASURE_S = 10;
const RUNS = 3;

/** Virtual seconds per CPU second of one `seconds`-long stretch of `m`. */
function measureStretch(m: Machine, seconds: number): number {
  const start = process.cpuUsage();
  for (let s = 0; s < seconds; s++) m.run(1e9);
  const used = process.cpuUsage(start);
  return seconds / ((used.user + used.system) / 1e6);
}

/** Virtual seconds per CPU second of the default lab in its steady state (median of RUNS). */
export function measureLabSpeed(seconds = MEASURE_S): number {
  const m = Machine.create({ lab: 'default' });
  m.run(WARMUP_NS);
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(measureStretch(m, seconds));
  return runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

export const benches: Bench[] = [
  { name: 'lab.default.speed', unit: 'x realtime', run: () => Number(measureLabSpeed().toFixed(1)) },
];
