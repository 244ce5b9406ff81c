// A subsystem is one family of the machine (block, serial rack, TDC) as the Machine assembles
// it: its QMP commands, its snapshot, and its section of `device-lab simulate --json`.
import type { QmpCommandTable } from './control/qmp-types';

export interface Subsystem {
  readonly name: string;
  /** Commands this subsystem adds to the dispatcher (names as in automation.md §2). */
  qmpCommands(): QmpCommandTable;
  /** Named, versioned, plain data; restore validates and throws without changing anything. */
  snapshot(): unknown;
  restore(s: unknown): void;
}
