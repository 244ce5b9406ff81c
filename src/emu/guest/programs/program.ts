// What a guest program attached to a serial port sees: its own tty, the kernel, the PCI list
// and the serial driver's per-port view. Programs are event-driven TtyReaders; they keep their
// state in plain fields so the rack can snapshot them.
import type { GuestKernel } from '../kernel';
import type { GuestPciDev } from '../pci-enum';
import type { Tty, TtyReader } from '../tty';

export type ProgramName = 'shell' | 'echo' | 'closed';
export const PROGRAM_NAMES: readonly ProgramName[] = ['shell', 'echo', 'closed'];

/** One serial port as the guest driver sees it (for stats, stty and x-query-serial). */
export interface PortInfo {
  port: number;
  device: string;
  baud: number;
  format: string;
  tx: number;
  rx: number;
  framing: number;
  parity: number;
  break: number;
  overrun: number;
}

export interface ProgramContext {
  readonly port: number;
  readonly tty: Tty;
  readonly kernel: GuestKernel;
  pciDevices(): readonly GuestPciDev[];
  ports(): PortInfo[];
}

export interface GuestProgram extends TtyReader {
  readonly name: ProgramName;
  /** Opens the port, sets its modes and attaches (a fresh start). */
  start(): void;
  /** Re-attaches to the tty after a restore (the tty's open count was restored with it). */
  attach(): void;
  /** Detaches and closes everything the program opened. */
  stop(): void;
  snapshot(): unknown;
  restore(s: unknown): void;
}
