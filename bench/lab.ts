// Figures for the whole machine (automation.md §1): `lab.default.speed`, virtual seconds per wall
// second of the default lab run as fast as possible. The wall second is measured as CPU time of
// this process (process.cpuUsage), as bench/throttle.ts does: on an idle machine the two are
// equal, and the figure stays meaningful when other jobs share the CPUs.
import { Machine } from '../src/emu/machine';
import type { Bench } from './bench-types';

// Three virtual seconds of warm-up: V8 tiers the block path up during the first seconds (and the
// ns clock passes 2^30 at ~1 s), so a shorter warm-up measures the JIT, not the lab.
const WARMUP_NS = 3e9;
const MEASURE_S = 20;

/** Virtual seconds per CPU second of the default lab over `seconds` virtual seconds. */
export function measureLabSpeed(seconds = MEASURE_S): number {
  const m = Machine.create({ lab: 'default' });
  m.run(WARMUP_NS);
  const start = process.cpuUsage();
  for (let s = 0; s < seconds; s++) m.run(1e9);
  const used = process.cpuUsage(start);
  return seconds / ((used.user + used.system) / 1e6);
}

export const benches: Bench[] = [
  { name: 'lab.default.speed', unit: 'x realtime', run: () => Number(measureLabSpeed().toFixed(1)) },
];
