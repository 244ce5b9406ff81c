// Every bench module's figures, in the order `device-lab bench` prints them.
import type { Bench } from './bench-types';
import { benches as lab } from './lab';

export const benches: Bench[] = [...lab];
