// Every bench module's figures, in the order `device-lab bench` prints them (automation.md §1).
import type { Bench } from './bench-types';
import { benches as lab } from './lab';
import { benches as linux } from './linux';
import { benches as serial } from './serial';
import { benches as tdc } from './tdc';
import { benches as throttle } from './throttle';
import { benches as uiLinux } from './ui-linux';
import { benches as uiSerial } from './ui-serial';
import { benches as uiTdc } from './ui-tdc';

export const benches: Bench[] = [
  ...throttle,
  ...lab,
  ...serial,
  ...tdc,
  ...uiSerial,
  ...uiTdc,
  ...linux,
  ...uiLinux,
];
