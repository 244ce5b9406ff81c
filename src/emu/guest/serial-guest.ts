// The serial rack's guest OS: boots the kernel core, enumerates PCI, binds the tpci200 carrier
// driver (which binds ipoctal on the IndustryPack bus) and runs one program per serial port.
// Interface: Platform only; per-port program control and the driver's view of each port.
import type { Platform } from '../bus/types';
import { IpoctalDriver } from './ipoctal-driver';
import { GuestKernel, type KernelSnapshot } from './kernel';
import { enumeratePci, type GuestPciDev } from './pci-enum';
import { ClosedProgram } from './programs/closed';
import { EchoProgram } from './programs/echo';
import { type GuestProgram, type PortInfo, PROGRAM_NAMES, type ProgramName } from './programs/program';
import { ShellProgram } from './programs/shell';
import { applyOrRollBack } from './rollback';
import { Tpci200Driver, type Tpci200Snapshot } from './tpci200-driver';
import { formatOf, type Tty, type TtySnapshot } from './tty';

export const SERIAL_PORTS = 8;
/** The default lab: a shell on port 0, echo on ports 1–7 (automation.md §3). */
export const DEFAULT_PROGRAMS: readonly ProgramName[] = [
  'shell',
  'echo',
  'echo',
  'echo',
  'echo',
  'echo',
  'echo',
  'echo',
];

export interface SerialGuestSnapshot {
  v: 1;
  kernel: KernelSnapshot;
  tpci200: Tpci200Snapshot;
  board: unknown;
  ttys: TtySnapshot[];
  programs: { name: ProgramName; state: unknown }[];
}

export class SerialGuest {
  readonly kernel: GuestKernel;
  readonly ipoctal: IpoctalDriver;
  readonly tpci200: Tpci200Driver;
  pci: GuestPciDev[] = [];
  private programs: GuestProgram[] = [];

  constructor(readonly platform: Platform) {
    this.kernel = new GuestKernel(platform);
    this.ipoctal = new IpoctalDriver(this.kernel);
    this.tpci200 = new Tpci200Driver(this.kernel, [this.ipoctal]);
  }

  /** Enumerates, binds drivers and starts the programs; throws if no IP-Octal was found. */
  boot(programs: readonly ProgramName[] = DEFAULT_PROGRAMS): void {
    this.kernel.printk('Device Lab TS guest: booting');
    this.pci = enumeratePci(this.platform);
    for (const d of this.pci) {
      if (this.tpci200.matches(d)) this.tpci200.probe(d);
    }
    if (this.ipoctal.boards.length === 0) throw new Error('serial guest: no IP-Octal board was probed');
    this.programs = this.ttys.map((_, port) => this.makeProgram(programs[port] ?? 'closed', port));
    for (const p of this.programs) p.start();
  }

  get ttys(): readonly Tty[] {
    return this.ipoctal.boards[0]?.ttys ?? [];
  }

  programOf(port: number): ProgramName {
    return this.programs[port].name;
  }

  setProgram(port: number, name: ProgramName): void {
    this.programs[port].stop();
    this.programs[port] = this.makeProgram(name, port);
    this.programs[port].start();
  }

  private makeProgram(name: ProgramName, port: number): GuestProgram {
    const ctx = {
      port,
      tty: this.ttys[port],
      kernel: this.kernel,
      pciDevices: () => this.pci,
      ports: () => this.ports(),
    };
    if (name === 'shell') return new ShellProgram(ctx);
    if (name === 'echo') return new EchoProgram(ctx);
    return new ClosedProgram();
  }

  /** Each port as the guest driver sees it: programmed settings and the driver's counters. */
  ports(): PortInfo[] {
    const board = this.ipoctal.boards[0];
    if (!board) return [];
    return board.channels.map((ch, port) => {
      // Until set_termios runs, the channel holds the probe values: MR1 0x03 (8 bits, parity
      // mode "with", even per the datasheet), stop code 0, CSR 0xBB (9600).
      const t = ch.programmed;
      return {
        port,
        device: board.deviceName(port),
        baud: t ? t.baud : 9600,
        format: t ? formatOf(t) : '8E1',
        tx: ch.stats.tx,
        rx: ch.stats.rx,
        framing: ch.stats.framing,
        parity: ch.stats.parity,
        break: ch.stats.break,
        overrun: ch.stats.overrun,
      };
    });
  }

  snapshot(): SerialGuestSnapshot {
    const board = this.ipoctal.boards[0];
    return {
      v: 1,
      kernel: this.kernel.snapshot(),
      tpci200: this.tpci200.snapshot(),
      board: board?.snapshot(),
      ttys: this.ttys.map((t) => t.snapshot()),
      programs: this.programs.map((p) => ({ name: p.name, state: p.snapshot() })),
    };
  }

  /** Restores a booted guest's state (the guest must have booted on the same hardware). */
  restore(s: SerialGuestSnapshot): void {
    const board = this.ipoctal.boards[0];
    if (
      s?.v !== 1 ||
      !board ||
      !Array.isArray(s.ttys) ||
      s.ttys.length !== this.ttys.length ||
      !Array.isArray(s.programs) ||
      s.programs.length !== this.ttys.length ||
      !s.programs.every((p) => PROGRAM_NAMES.includes(p?.name))
    )
      throw new Error('serial guest snapshot: bad data');
    applyOrRollBack(this.snapshot(), s, (x) => this.apply(x));
  }

  private apply(s: SerialGuestSnapshot): void {
    const board = this.ipoctal.boards[0];
    this.kernel.restore(s.kernel);
    this.tpci200.restore(s.tpci200);
    board.restore(s.board as Parameters<typeof board.restore>[0]);
    this.ttys.forEach((t, i) => {
      t.restore(s.ttys[i]);
      t.clearReaders();
    });
    this.programs = s.programs.map((p, port) => this.makeProgram(p.name, port));
    for (const p of this.programs) p.attach();
    this.programs.forEach((p, i) => {
      p.restore(s.programs[i].state);
    });
  }
}
