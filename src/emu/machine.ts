// The Machine: the one entry point that assembles a lab (DESIGN.md) from a lab description and
// drives it in virtual time. It owns the scheduler, the seeded Rng, the bus-trace ring, the QMP
// dispatcher and the subsystems (the block layer now; the serial rack and the TDC plug in with
// addSubsystem). Everything outside src/emu (worker, CLI, tests) reaches it through run(),
// qmp() and snapshot()/restore().

import { BlockLayer, type DriveInfo } from './block/block-layer';
import { checkArgs } from './block/qmp-args';
import { exportLibvirt, exportQemuCmdline, exportVirsh } from './control/cmdline';
import {
  type DriveConfig,
  type GroupConfig,
  type LabConfig,
  LabConfigError,
  type LabSpec,
  present,
  resolveLab,
  type WorkloadConfig,
} from './control/lab-config';
import { isPlainObject, isQmpError, QmpDispatcher, runHandler } from './control/qmp';
import { QmpError, type QmpResponse } from './control/qmp-types';
import { LIMIT_NAMES, normaliseLimits } from './control/throttle-names';
import { Rng, type RngSnapshot } from './core/rng';
import { Scheduler, type SchedulerSnapshot } from './core/scheduler';
import { stateHash } from './core/snapshot';
import { TraceRing } from './core/trace';
import { createSerialRack } from './serial/serial-rack';
import type { Subsystem } from './subsystem';
import { createTdcSubsystem } from './tdc/tdc-subsystem';

export interface MachineOptions {
  /** "default", a lab file's contents, or {qemu: "ARGS"}. Default: the default lab. */
  lab?: LabSpec | LabConfig;
  /** A QEMU command line (instead of `lab`). */
  qemu?: string;
  /** Overrides the lab's seed (default 1). */
  seed?: number;
}

export interface MachineSnapshot {
  v: 1;
  nowNs: number;
  sched: SchedulerSnapshot;
  rng: RngSnapshot;
  /** One section per subsystem, by subsystem name. */
  subsystems: Record<string, unknown>;
}

/** x-export-config formats: QEMU command line, libvirt <disk> XML, virsh commands, lab file JSON. */
export const EXPORT_FORMATS = ['qemu', 'libvirt', 'virsh', 'lab'] as const;

/** A drive's resolved workload as a lab file writes it (rates only when set; idle is null). */
function workloadConfig(w: DriveInfo['workload']): WorkloadConfig | null {
  if (w.rw === 'none') return null;
  const out: WorkloadConfig = { rw: w.rw, rwmixread: w.rwmixread, bs: w.bs, iodepth: w.iodepth };
  if (w.rate_iops > 0) out.rate_iops = w.rate_iops;
  if (w.rate > 0) out.rate = w.rate;
  return out;
}

export class Machine {
  readonly sched = new Scheduler();
  readonly rng: Rng;
  readonly trace: TraceRing;
  readonly block: BlockLayer;
  /** The lab the machine was built from (validated). */
  readonly lab: LabConfig;
  readonly seed: number;
  private readonly dispatcher = new QmpDispatcher();
  private readonly subsystems = new Map<string, Subsystem>();

  /**
   * Builds a machine. Throws an Error whose message names the bad input (e.g.
   * "lab.drives[2].throttle.iops: expected a non-negative integer").
   */
  static create(opts: MachineOptions = {}): Machine {
    if (typeof opts !== 'object' || opts === null)
      throw new Error('Machine.create: expected an options object');
    if (opts.lab !== undefined && opts.qemu !== undefined) {
      throw new Error('Machine.create: give either a lab or a QEMU command line, not both');
    }
    const lab =
      opts.qemu !== undefined
        ? resolveLab({ qemu: opts.qemu }, '')
        : resolveLab(opts.lab ?? 'default', isPlainObject(opts.lab) && !('qemu' in opts.lab) ? '' : 'lab');
    const seed = opts.seed ?? lab.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new LabConfigError('seed', 'expected an integer from 0 to 4294967295');
    }
    return new Machine(lab, seed);
  }

  private constructor(lab: LabConfig, seed: number) {
    this.lab = lab;
    this.seed = seed;
    this.rng = new Rng(seed);
    this.trace = new TraceRing(4096, () => this.sched.nowNs);
    this.block = new BlockLayer(this.sched, this.rng);
    this.addSubsystem(this.block);
    this.dispatcher.register({ 'x-export-config': (args) => this.exportConfig(args) });
    this.buildBlock(lab);
    if (present(lab.serial)) this.addSubsystem(createSerialRack(this.sched, this.rng, this.trace));
    // The SPEC gets a PCI bus of its own: each subsystem snapshots its own bus.
    if (present(lab.tdc)) this.addSubsystem(createTdcSubsystem(this.sched, this.rng, this.trace));
  }

  private buildBlock(lab: LabConfig): void {
    (lab.groups ?? []).forEach((g, i) => {
      const props: Record<string, number> = {};
      for (const n of LIMIT_NAMES) {
        const v = g.limits?.[n.qmp];
        if (v !== undefined) props[`x-${n.dashed}`] = v;
      }
      this.wrap(`groups[${i}]`, () => this.block.addThrottleGroupObject(g.name, props));
    });
    lab.drives.forEach((d, i) => {
      this.wrap(`drives[${i}]`, () =>
        this.block.addDrive({
          name: d.name,
          ...(d.file !== undefined ? { file: d.file } : {}),
          ...(d.throttle !== undefined ? { throttle: d.throttle } : {}),
          ...(d.group !== undefined ? { group: d.group } : {}),
          ...(d.workload === null
            ? { workload: { rw: 'none' } }
            : d.workload
              ? { workload: d.workload }
              : {}),
          ...(d.stats_intervals !== undefined ? { statsIntervals: d.stats_intervals } : {}),
        }),
      );
    });
  }

  private wrap(path: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      const desc = e instanceof QmpError ? e.desc : e instanceof Error ? e.message : String(e);
      throw new LabConfigError(path, desc);
    }
  }

  /** Current virtual time in ns. */
  get nowNs(): number {
    return this.sched.nowNs;
  }

  /** Advances virtual time by deltaNs (a non-negative integer), running every due event. */
  run(deltaNs: number): void {
    if (!Number.isFinite(deltaNs) || deltaNs < 0)
      throw new RangeError(`Machine.run: bad duration ${deltaNs}`);
    this.sched.runFor(Math.floor(deltaNs));
  }

  /**
   * Runs one QMP command. Never throws. A command that fails leaves the machine as it was: input
   * errors are found before any handler runs, and every handler validates before it changes
   * anything (QmpHandler's contract; a snapshot per command would cost too much to roll back).
   */
  qmp(cmd: unknown): QmpResponse {
    try {
      const r = this.dispatcher.resolve(cmd);
      if (!r.ok) return r.response;
      return runHandler(r.handler, this.deviceIdToDrive(r.name, r.args), r.id);
    } catch (e) {
      return { error: { class: 'GenericError', desc: e instanceof Error ? e.message : String(e) } };
    }
  }

  /**
   * block_set_io_throttle's `id` names the guest device (`-device virtio-blk-pci,drive=d0,id=vd0`);
   * the block layer knows drives by name, so a known device id is replaced by its drive's name.
   */
  private deviceIdToDrive(command: string, args: Record<string, unknown>): Record<string, unknown> {
    if (command !== 'block_set_io_throttle' || typeof args.id !== 'string') return args;
    const drive = this.lab.drives.find((d) => d.device === args.id);
    return drive ? { ...args, id: drive.name } : args;
  }

  /** Names of every QMP command the machine answers. */
  qmpCommandNames(): string[] {
    return this.dispatcher.commandNames();
  }

  /** Plugs in a subsystem: its QMP commands join the dispatcher and its state joins snapshots. */
  addSubsystem(s: Subsystem): void {
    if (this.subsystems.has(s.name)) throw new Error(`Machine: subsystem ${s.name} added twice`);
    this.dispatcher.register(s.qmpCommands());
    this.subsystems.set(s.name, s);
  }

  /** The subsystem of that name (e.g. "block", "serial", "tdc"), if the machine has one. */
  getSubsystem<T extends Subsystem = Subsystem>(name: string): T | undefined {
    return this.subsystems.get(name) as T | undefined;
  }

  snapshot(): MachineSnapshot {
    const subsystems: Record<string, unknown> = {};
    for (const [name, s] of this.subsystems) subsystems[name] = s.snapshot();
    return {
      v: 1,
      nowNs: this.sched.nowNs,
      sched: this.sched.snapshot(),
      rng: this.rng.snapshot(),
      subsystems,
    };
  }

  /**
   * Restores a snapshot taken from a machine built from the same lab. Validates everything
   * first; a bad snapshot throws and changes nothing.
   */
  restore(s: MachineSnapshot): void {
    if (!isPlainObject(s) || s.v !== 1) throw new Error('machine snapshot: unsupported version');
    if (!isPlainObject(s.sched) || !isPlainObject(s.rng) || !isPlainObject(s.subsystems)) {
      throw new Error('machine snapshot: missing scheduler, rng or subsystems');
    }
    const names = Object.keys(s.subsystems);
    for (const name of this.subsystems.keys()) {
      if (!names.includes(name)) throw new Error(`machine snapshot: no section for subsystem "${name}"`);
    }
    for (const name of names) {
      if (!this.subsystems.has(name))
        throw new Error(`machine snapshot: this machine has no subsystem "${name}"`);
    }
    new Rng().restore(s.rng); // validates without touching ours
    const backup = this.snapshot();
    try {
      for (const [name, sub] of this.subsystems) sub.restore(s.subsystems[name]);
      this.sched.restore(s.sched);
      this.rng.restore(s.rng);
    } catch (e) {
      for (const [name, sub] of this.subsystems) sub.restore(backup.subsystems[name]);
      this.sched.restore(backup.sched);
      this.rng.restore(backup.rng);
      throw e;
    }
  }

  /** A hash of the complete machine state (equal hashes: equal states). */
  stateHash(): string {
    return stateHash(this.snapshot());
  }

  /** The machine's current disks, groups and workloads as a lab file. */
  labConfig(): LabConfig {
    const devices = new Map(this.lab.drives.map((d) => [d.name, d.device]));
    const drives = this.block.drivesInfo().map((info: DriveInfo) => {
      const d: DriveConfig = { name: info.name, file: info.file };
      const device = devices.get(info.name);
      if (device !== undefined) d.device = device;
      const throttle = normaliseLimits(info.throttle ?? undefined);
      if (Object.keys(throttle).length > 0) d.throttle = throttle;
      if (info.group !== null) d.group = info.group;
      d.workload = workloadConfig(info.workload);
      if (info.statsIntervals.length > 0) d.stats_intervals = [...info.statsIntervals];
      return d;
    });
    const lab: LabConfig = { seed: this.seed, drives };
    if (this.lab.groups) lab.groups = this.lab.groups.map((g) => this.currentGroup(g));
    if (this.lab.serial !== undefined) lab.serial = this.lab.serial;
    if (this.lab.tdc !== undefined) lab.tdc = this.lab.tdc;
    return lab;
  }

  private currentGroup(g: GroupConfig): GroupConfig {
    const r = this.dispatcher.execute({ execute: 'x-query-throttle-groups' });
    if (!isQmpError(r) && Array.isArray(r.return)) {
      const live = (r.return as { name: string; limits?: Record<string, number> }[]).find(
        (x) => x.name === g.name,
      );
      if (live?.limits) {
        const limits = normaliseLimits(live.limits);
        return Object.keys(limits).length > 0 ? { name: g.name, limits } : { name: g.name };
      }
    }
    return g;
  }

  private exportConfig(args: Record<string, unknown>): string {
    checkArgs(args, [
      { name: 'format', kind: 'str', required: true },
      { name: 'domain', kind: 'str' },
    ]);
    const format = args.format as string;
    const domain = args.domain as string | undefined;
    const lab = this.labConfig();
    if (format === 'qemu') return exportQemuCmdline(lab);
    if (format === 'libvirt') return exportLibvirt(lab);
    if (format === 'virsh') return exportVirsh(lab, domain);
    if (format === 'lab') return `${JSON.stringify(lab, null, 2)}\n`;
    throw new QmpError('GenericError', `Parameter 'format' does not accept value '${format}'`);
  }
}
