// The lab file (JSON): which drives exist, how they are throttled, which throttle-group objects
// exist, what each drive's guest workload does, and the seed. Sections for later subsystems
// (`serial`, `tdc`) are kept as given and handed to those subsystems when they exist.
// Validation names the JSON path of the first bad field, e.g.
// `drives[2].throttle.iops: expected a non-negative integer`.
import { DEFAULT_WORKLOAD as BLOCK_DEFAULT_WORKLOAD, RW_MODES } from '../block/workload';
import { parseQemuCmdline } from './cmdline';
import { isPlainObject } from './qmp';
import { THROTTLE_QMP_KEYS } from './throttle-names';

export type WorkloadRw = 'read' | 'write' | 'randread' | 'randwrite' | 'randrw';

/** A guest workload on one drive, in fio's names (automation.md §2 `x-workload-set`). */
export interface WorkloadConfig {
  rw: WorkloadRw;
  rwmixread?: number;
  bs?: number;
  iodepth?: number;
  rate_iops?: number;
  rate?: number;
}

export interface DriveConfig {
  /** Block backend name (QMP `device`). */
  name: string;
  file?: string;
  /** qdev id of the guest device (`-device ...,id=`), QMP `id` of block_set_io_throttle. */
  device?: string;
  /** Limits in QMP names (bps, bps_rd, ..., iops_max, iops_max_length, iops_size). */
  throttle?: Record<string, number>;
  /** Throttle group; defaults to the drive's name when the drive is throttled. */
  group?: string;
  /** The guest workload; absent or null: the drive is idle. */
  workload?: WorkloadConfig | null;
  /** blockstats intervals in seconds (QEMU's stats-intervals). */
  stats_intervals?: number[];
}

/** A `throttle-group` object (`-object throttle-group,id=...`). */
export interface GroupConfig {
  name: string;
  /** Limits in QMP names. */
  limits?: Record<string, number>;
}

export interface LabConfig {
  seed?: number;
  drives: DriveConfig[];
  groups?: GroupConfig[];
  /**
   * The serial rack (a TPCI200 with an IP-Octal 232 in slot A, shell on port 0, echo on 1–7):
   * present unless absent, null or false. Its contents are kept for the rack's later options.
   */
  serial?: unknown;
  /**
   * The SPEC carrier with an FMC TDC and its guest driver (all five channels enabled,
   * termination on): present unless absent, null or false. Contents kept for later options.
   */
  tdc?: unknown;
}

/** The scenario/simulate `lab` forms: "default", {"qemu": "ARGS"}, or a lab file's contents. */
export type LabSpec = 'default' | { qemu: string } | LabConfig;

export class LabConfigError extends Error {
  override name = 'LabConfigError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }
}

/** A lab section (serial, tdc) asks for its subsystem unless absent, null or false. */
export function present(section: unknown): boolean {
  return section !== undefined && section !== null && section !== false;
}

export const WORKLOAD_RW = RW_MODES.filter((m): m is WorkloadRw => m !== 'none');

/** The workload a drive described only by `-drive` runs (automation.md §3). */
export const DEFAULT_WORKLOAD = BLOCK_DEFAULT_WORKLOAD as Readonly<WorkloadConfig>;

const DRIVE_KEYS = ['name', 'file', 'device', 'throttle', 'group', 'workload', 'stats_intervals'];
const GROUP_KEYS = ['name', 'limits'];
const LAB_KEYS = ['seed', 'drives', 'groups', 'serial', 'tdc'];
const WORKLOAD_KEYS = ['rw', 'rwmixread', 'bs', 'iodepth', 'rate_iops', 'rate'];

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new LabConfigError(join(path, key), `unknown field (expected one of ${allowed.join(', ')})`);
    }
  }
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function checkName(v: unknown, path: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(v)) {
    throw new LabConfigError(path, 'expected a name (a letter, then letters, digits, "-", "_" or ".")');
  }
  return v;
}

function checkLimits(v: unknown, path: string): Record<string, number> {
  if (!isPlainObject(v)) throw new LabConfigError(path, 'expected an object of QMP limit names');
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(v)) {
    if (!THROTTLE_QMP_KEYS.includes(key)) {
      throw new LabConfigError(
        join(path, key),
        `unknown limit (expected one of ${THROTTLE_QMP_KEYS.join(', ')})`,
      );
    }
    if (!isNonNegInt(value)) throw new LabConfigError(join(path, key), 'expected a non-negative integer');
    out[key] = value;
  }
  return out;
}

/** Validates a workload object (also used by x-workload-set style inputs). */
export function checkWorkload(v: unknown, path: string): WorkloadConfig | null {
  if (v === null) return null;
  if (!isPlainObject(v)) throw new LabConfigError(path, 'expected a workload object or null');
  checkKeys(v, WORKLOAD_KEYS, path);
  if (v.rw === 'none') return null;
  if (typeof v.rw !== 'string' || !WORKLOAD_RW.includes(v.rw as WorkloadRw)) {
    throw new LabConfigError(join(path, 'rw'), `expected one of ${[...WORKLOAD_RW, 'none'].join(', ')}`);
  }
  const w: WorkloadConfig = { rw: v.rw as WorkloadRw };
  if (v.rwmixread !== undefined) {
    if (!isNonNegInt(v.rwmixread) || v.rwmixread > 100) {
      throw new LabConfigError(join(path, 'rwmixread'), 'expected an integer from 0 to 100');
    }
    w.rwmixread = v.rwmixread;
  }
  for (const key of ['bs', 'iodepth'] as const) {
    const x = v[key];
    if (x === undefined) continue;
    if (!isNonNegInt(x) || x === 0) throw new LabConfigError(join(path, key), 'expected a positive integer');
    w[key] = x;
  }
  for (const key of ['rate_iops', 'rate'] as const) {
    const x = v[key];
    if (x === undefined) continue;
    if (!isNonNegInt(x)) throw new LabConfigError(join(path, key), 'expected a non-negative integer');
    w[key] = x;
  }
  return w;
}

function checkDrive(v: unknown, path: string): DriveConfig {
  if (!isPlainObject(v)) throw new LabConfigError(path, 'expected a drive object');
  checkKeys(v, DRIVE_KEYS, path);
  const d: DriveConfig = { name: checkName(v.name, join(path, 'name')) };
  if (v.file !== undefined) {
    if (typeof v.file !== 'string' || v.file === '')
      throw new LabConfigError(join(path, 'file'), 'expected a file name');
    d.file = v.file;
  }
  if (v.device !== undefined) d.device = checkName(v.device, join(path, 'device'));
  if (v.throttle !== undefined) d.throttle = checkLimits(v.throttle, join(path, 'throttle'));
  if (v.group !== undefined) d.group = checkName(v.group, join(path, 'group'));
  if (v.workload !== undefined) d.workload = checkWorkload(v.workload, join(path, 'workload'));
  if (v.stats_intervals !== undefined) {
    const p = join(path, 'stats_intervals');
    if (!Array.isArray(v.stats_intervals)) throw new LabConfigError(p, 'expected an array of seconds');
    d.stats_intervals = v.stats_intervals.map((s, i) => {
      if (!isNonNegInt(s) || s === 0 || s > 2147483647) {
        throw new LabConfigError(join(p, i), 'expected a positive integer number of seconds');
      }
      return s;
    });
  }
  return d;
}

/** Validates a lab file's parsed contents; throws LabConfigError naming the bad field's path. */
export function validateLabConfig(v: unknown, path = ''): LabConfig {
  if (!isPlainObject(v)) throw new LabConfigError(path, 'expected a lab object with "drives"');
  checkKeys(v, LAB_KEYS, path);
  const lab: LabConfig = { drives: [] };
  if (v.seed !== undefined) {
    if (!isNonNegInt(v.seed) || v.seed > 0xffffffff) {
      throw new LabConfigError(join(path, 'seed'), 'expected an integer from 0 to 4294967295');
    }
    lab.seed = v.seed;
  }
  const drivesPath = join(path, 'drives');
  if (!Array.isArray(v.drives)) throw new LabConfigError(drivesPath, 'expected an array of drives');
  const names = new Set<string>();
  v.drives.forEach((dv, i) => {
    const d = checkDrive(dv, join(drivesPath, i));
    if (names.has(d.name))
      throw new LabConfigError(join(join(drivesPath, i), 'name'), `duplicate drive "${d.name}"`);
    names.add(d.name);
    lab.drives.push(d);
  });
  if (v.groups !== undefined) {
    const groupsPath = join(path, 'groups');
    if (!Array.isArray(v.groups)) throw new LabConfigError(groupsPath, 'expected an array of groups');
    const groupNames = new Set<string>();
    lab.groups = v.groups.map((gv, i) => {
      const p = join(groupsPath, i);
      if (!isPlainObject(gv)) throw new LabConfigError(p, 'expected a group object');
      checkKeys(gv, GROUP_KEYS, p);
      const g: GroupConfig = { name: checkName(gv.name, join(p, 'name')) };
      if (groupNames.has(g.name)) {
        throw new LabConfigError(join(p, 'name'), 'A group with this name already exists');
      }
      groupNames.add(g.name);
      if (gv.limits !== undefined) g.limits = checkLimits(gv.limits, join(p, 'limits'));
      return g;
    });
  }
  if (v.serial !== undefined) lab.serial = v.serial;
  if (v.tdc !== undefined) lab.tdc = v.tdc;
  return lab;
}

function announcementDrive(name: string, iops: number, group: string): DriveConfig {
  return {
    name,
    file: `${name}.qcow2`,
    throttle: { iops },
    group,
    workload: { ...DEFAULT_WORKLOAD },
    stats_intervals: [1, 60],
  };
}

/**
 * The default lab (DESIGN.md "The default lab"): the six disks of the QEMU 2.4 announcement,
 * each running randrw 4 KiB at queue depth 32, far above its limit, so throttling shows at once.
 */
export function defaultLab(): LabConfig {
  return {
    seed: 1,
    serial: {},
    tdc: {},
    drives: [
      announcementDrive('hd1', 6000, 'foo'),
      announcementDrive('hd2', 6000, 'foo'),
      announcementDrive('hd3', 3000, 'bar'),
      announcementDrive('hd4', 6000, 'foo'),
      announcementDrive('hd5', 3000, 'bar'),
      announcementDrive('hd6', 5000, 'hd6'),
    ],
  };
}

/** Turns any `lab` form into a validated LabConfig; errors name `path` (e.g. "lab.drives[1].name"). */
export function resolveLab(spec: unknown, path = 'lab'): LabConfig {
  if (spec === undefined || spec === 'default') return defaultLab();
  if (typeof spec === 'string')
    throw new LabConfigError(path, 'expected "default", {"qemu": "ARGS"} or a lab object');
  if (isPlainObject(spec) && 'qemu' in spec) {
    const keys = Object.keys(spec).filter((k) => k !== 'qemu' && k !== 'seed');
    if (keys.length > 0) throw new LabConfigError(join(path, keys[0]), 'unknown field next to "qemu"');
    if (typeof spec.qemu !== 'string')
      throw new LabConfigError(join(path, 'qemu'), 'expected a QEMU command line string');
    let lab: LabConfig;
    try {
      lab = parseQemuCmdline(spec.qemu);
    } catch (e) {
      throw new LabConfigError(join(path, 'qemu'), e instanceof Error ? e.message : String(e));
    }
    if (spec.seed !== undefined) {
      if (!isNonNegInt(spec.seed) || spec.seed > 0xffffffff) {
        throw new LabConfigError(join(path, 'seed'), 'expected an integer from 0 to 4294967295');
      }
      lab.seed = spec.seed;
    }
    return lab;
  }
  return validateLabConfig(spec, path);
}
