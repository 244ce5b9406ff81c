// Where the Linux guest's device models live: a serial rack built with guest 'external' (the
// same TPCI200 / IP-Octal models the TypeScript guest uses, without that guest), on either a
// scheduler of its own (tests, make-snapshot, benches) or a whole Machine (the CLI and the
// worker: the rest of the lab keeps running, on v86's time).
import { Rng } from '../emu/core/rng';
import { Scheduler } from '../emu/core/scheduler';
import { TraceRing } from '../emu/core/trace';
import { Machine, type MachineOptions } from '../emu/machine';
import { SerialRack } from '../emu/serial/serial-rack';
import type { LabTime } from './lab-clock';

/** The lab side of a Linux guest: its serial rack and its clock. */
export interface LinuxLab extends LabTime {
  readonly rack: SerialRack;
  readonly trace: TraceRing;
}

/** A rack on a scheduler of its own. */
export function standaloneLab(options: { traceEntries?: number } = {}): LinuxLab & { sched: Scheduler } {
  const sched = new Scheduler();
  const trace = new TraceRing(options.traceEntries ?? 4096, () => sched.nowNs);
  const rack = new SerialRack(sched, new Rng(1), trace, undefined, 'external');
  return {
    sched,
    rack,
    trace,
    nowNs: () => sched.nowNs,
    advanceTo: (t) => sched.runUntil(t),
    nextEventNs: () => sched.peekNs(),
  };
}

/**
 * A Machine whose serial rack is driven by the Linux guest: the lab is built without its
 * serial section and an external-guest rack is added in its place (the lab must have one).
 */
export function createLinuxMachine(opts: MachineOptions = {}): { machine: Machine; lab: LinuxLab } {
  const probe = Machine.create(opts);
  if (!probe.getSubsystem('serial')) throw new Error('lab.serial: the Linux guest needs the serial rack');
  const machine = Machine.create({ lab: { ...probe.lab, serial: false }, seed: probe.seed });
  const rack = new SerialRack(machine.sched, machine.rng, machine.trace, undefined, 'external');
  machine.addSubsystem(rack);
  return { machine, lab: machineLab(machine, rack) };
}

function machineLab(machine: Machine, rack: SerialRack): LinuxLab {
  return {
    rack,
    trace: machine.trace,
    nowNs: () => machine.nowNs,
    advanceTo: (t) => {
      if (t > machine.nowNs) machine.run(t - machine.nowNs);
    },
    nextEventNs: () => machine.sched.peekNs(),
    // The disks and the TDC always have an event due: timers only, or the process never rests.
    pollWithinNs: 0,
  };
}
