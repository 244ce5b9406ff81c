// Figures for the whole machine (automation.md §1): `lab.default.speed`, virtual seconds per
// wall second of the default lab run as fast as possible.
import { Machine } from '../src/emu/machine';
import type { Bench } from './bench-types';

const WARMUP_NS = 1e9;
const MEASURE_S = 20;

/** Virtual seconds per wall second of the default lab over `seconds` virtual seconds. */
export function measureLabSpeed(seconds = MEASURE_S): number {
  const m = Machine.create({ lab: 'default' });
  m.run(WARMUP_NS);
  const t0 = performance.now();
  for (let s = 0; s < seconds; s++) m.run(1e9);
  const wallS = (performance.now() - t0) / 1000;
  return seconds / wallS;
}

export const benches: Bench[] = [
  { name: 'lab.default.speed', unit: 'x realtime', run: () => Number(measureLabSpeed().toFixed(1)) },
];
