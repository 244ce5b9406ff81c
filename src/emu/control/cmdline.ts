// QEMU command lines in and out (throttle.md §13): parses `-drive`, `-object throttle-group` and
// `-device` into a LabConfig, and writes the current disks back out as a QEMU command line,
// libvirt <disk> elements with <iotune>, or `virsh blkdeviotune` commands.
// Not modelled: -blockdev and the throttle filter driver; other QEMU options that do not touch
// the disks (-m, -smp, -cpu, ...) are accepted and ignored.
import { DEFAULT_WORKLOAD, type DriveConfig, type GroupConfig, type LabConfig, present } from './lab-config';
import { isThrottled, LIMIT_NAMES, normaliseLimits } from './throttle-names';

// ---- tokenising ----

/** Splits a command line as a POSIX shell would (quotes, backslashes, line continuations). */
export function shellSplit(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote in command line');
      cur += line.slice(i + 1, end);
      inToken = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated double quote in command line');
        const d = line[i];
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1])) {
          if (line[i + 1] !== '\n') cur += line[i + 1];
          i += 2;
          continue;
        }
        cur += d;
        i++;
      }
      inToken = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < line.length && line[i + 1] !== '\n') {
        cur += line[i + 1];
        inToken = true;
      }
      i += 2;
    } else if (/\s/.test(c)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
      i++;
    } else {
      cur += c;
      inToken = true;
      i++;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_.,=:/+@%-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

interface OptPair {
  key: string;
  value: string;
}

/** Splits a QemuOpts list "a=b,c=d" (",," is a literal comma). A first bare word gets impliedKey. */
export function splitOpts(text: string, impliedKey?: string): OptPair[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ',') {
      if (text[i + 1] === ',') {
        cur += ',';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
    } else {
      cur += text[i];
    }
  }
  parts.push(cur);
  return parts
    .filter((p, idx) => p !== '' || idx < parts.length - 1)
    .map((p, idx) => {
      const eq = p.indexOf('=');
      if (eq < 0) {
        if (idx === 0 && impliedKey) return { key: impliedKey, value: p };
        return { key: p, value: 'on' };
      }
      return { key: p.slice(0, eq), value: p.slice(eq + 1) };
    });
}

function escapeOpt(value: string): string {
  return value.replace(/,/g, ',,');
}

// ---- parsing ----

const DRIVE_BY_OPTION = new Map(LIMIT_NAMES.map((n) => [n.drive, n]));
const DRIVE_BY_LEGACY = new Map(LIMIT_NAMES.filter((n) => n.legacy).map((n) => [n.legacy as string, n]));
const OBJECT_BY_PROP = new Map(LIMIT_NAMES.map((n) => [`x-${n.dashed}`, n]));
const OBJECT_BY_LIMITS = new Map(LIMIT_NAMES.map((n) => [`limits.${n.dashed}`, n]));

/** -drive options that do not change the lab (accepted, ignored). */
const DRIVE_IGNORED = new Set([
  'format',
  'media',
  'cache',
  'cache.direct',
  'cache.no-flush',
  'aio',
  'index',
  'bus',
  'unit',
  'snapshot',
  'readonly',
  'read-only',
  'discard',
  'detect-zeroes',
  'werror',
  'rerror',
  'node-name',
  'copy-on-read',
  'auto-read-only',
  'force-share',
  'serial',
  'stats-account-invalid',
  'stats-account-failed',
]);
const DRIVE_INTERFACES = new Set(['none', 'ide', 'scsi', 'floppy', 'pflash', 'mtd', 'sd', 'virtio', 'xen']);
const BLOCK_DEVICES = new Set(['virtio-blk-pci', 'virtio-blk', 'virtio-blk-device', 'ide-hd', 'scsi-hd']);
const BLOCK_DEVICE_IGNORED = new Set([
  'bus',
  'addr',
  'serial',
  'bootindex',
  'num-queues',
  'queue-size',
  'iothread',
  'config-wce',
  'logical_block_size',
  'physical_block_size',
  'write-cache',
  'multifunction',
  'romfile',
  'rombar',
  'share-rw',
  'discard_granularity',
  'wwn',
]);
/**
 * Devices that bring in a rack: QEMU's own TPCI200 and IP-Octal 232 (the serial rack, lab
 * section `serial`), and the SPEC carrier with its FMC TDC (not in QEMU; lab section `tdc`).
 */
const SERIAL_DEVICES = ['tpci200', 'ipoctal232'];
const TDC_DEVICES = ['spec', 'fmc-tdc'];
/** QEMU disk options the lab does not model (the throttle filter, legacy disk shortcuts). */
const UNMODELLED_DISK_OPTIONS = ['-blockdev', '-hda', '-hdb', '-hdc', '-hdd', '-cdrom', '-fda', '-fdb'];
/** QEMU options without an argument that do not touch the disks. */
const IGNORED_FLAGS = new Set([
  '-enable-kvm',
  '-nographic',
  '-nodefaults',
  '-no-reboot',
  '-no-shutdown',
  '-daemonize',
  '-snapshot',
  '-S',
  '-usb',
]);
/** QEMU options with one argument that do not touch the disks. */
const IGNORED_WITH_ARG = new Set([
  '-m',
  '-smp',
  '-machine',
  '-M',
  '-cpu',
  '-name',
  '-accel',
  '-display',
  '-vga',
  '-serial',
  '-monitor',
  '-qmp',
  '-boot',
  '-kernel',
  '-append',
  '-initrd',
  '-netdev',
  '-net',
  '-rtc',
  '-chardev',
  '-mon',
  '-pidfile',
  '-uuid',
]);

function parseNumber(key: string, value: string, allowNegative: boolean): number {
  const re = allowNegative ? /^-?\d+$/ : /^\d+$/;
  if (!re.test(value)) throw new Error(`Parameter '${key}' expects a number`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`Parameter '${key}' expects a number`);
  return n;
}

function baseName(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

function parseDrive(text: string, index: number, existing: Set<string>): DriveConfig {
  const throttle: Record<string, number> = {};
  const given = new Map<string, string>(); // option name as given -> canonical drive option
  const intervals = new Map<number, number>();
  let file: string | undefined;
  let id: string | undefined;
  let iface = 'ide';
  let group: string | undefined;
  for (const { key, value } of splitOpts(text)) {
    if (key === 'file') file = value;
    else if (key === 'id') id = value;
    else if (key === 'if') {
      if (!DRIVE_INTERFACES.has(value)) throw new Error(`unsupported bus type '${value}'`);
      iface = value;
    } else if (key === 'throttling.group' || key === 'group') {
      given.set(key, 'throttling.group');
      group = value;
    } else if (DRIVE_BY_OPTION.has(key) || DRIVE_BY_LEGACY.has(key)) {
      const names = DRIVE_BY_OPTION.get(key) ?? DRIVE_BY_LEGACY.get(key)!;
      given.set(key, names.drive);
      throttle[names.qmp] = parseNumber(key, value, false);
    } else if (key.startsWith('stats-intervals.')) {
      const slot = key.slice('stats-intervals.'.length);
      if (!/^\d+$/.test(slot)) throw new Error(`Invalid parameter '${key}'`);
      const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!(n > 0 && n <= 2147483647)) throw new Error(`Invalid interval length: ${value}`);
      intervals.set(Number(slot), n);
    } else if (!DRIVE_IGNORED.has(key)) {
      throw new Error(`Invalid parameter '${key}'`);
    }
  }
  // A legacy alias and its new name together (throttle.md §9.2), checked in the alias table's order.
  for (const names of [
    ...LIMIT_NAMES.filter((n) => n.legacy),
    { drive: 'throttling.group', legacy: 'group' },
  ]) {
    if (given.has(names.drive) && given.has(names.legacy as string)) {
      throw new Error(`'${names.drive}' and its alias '${names.legacy}' can't be used at the same time`);
    }
  }
  const name = id ?? (file ? baseName(file) : `${iface === 'none' ? 'drive' : iface}${index}`);
  if (existing.has(name)) throw new Error(`Duplicate ID '${name}' for drive`);
  const drive: DriveConfig = { name, workload: { ...DEFAULT_WORKLOAD } };
  if (file !== undefined) drive.file = file;
  if (Object.keys(throttle).length > 0) drive.throttle = throttle;
  if (group !== undefined) drive.group = group;
  if (intervals.size > 0) {
    const list: number[] = [];
    for (let i = 0; i < intervals.size; i++) {
      const v = intervals.get(i);
      if (v === undefined) throw new Error(`Invalid parameter 'stats-intervals.${intervals.size - 1}'`);
      list.push(v);
    }
    drive.stats_intervals = list;
  }
  return drive;
}

function parseObject(text: string, groups: GroupConfig[]): void {
  const opts = splitOpts(text, 'qom-type');
  const type = opts.find((o) => o.key === 'qom-type')?.value;
  if (type === undefined) throw new Error("Parameter 'qom-type' is missing");
  if (type !== 'throttle-group') return; // other objects do not touch the disks
  let id: string | undefined;
  const limits: Record<string, number> = {};
  for (const { key, value } of opts) {
    if (key === 'qom-type') continue;
    if (key === 'id') id = value;
    else if (OBJECT_BY_PROP.has(key) || OBJECT_BY_LIMITS.has(key)) {
      const names = OBJECT_BY_PROP.get(key) ?? OBJECT_BY_LIMITS.get(key)!;
      const n = parseNumber(key, value, true);
      if (n < 0) throw new Error('Property values cannot be negative');
      limits[names.qmp] = n;
    } else {
      throw new Error(`Property 'throttle-group.${key}' not found`);
    }
  }
  if (id === undefined) throw new Error("Parameter 'id' is missing");
  if (groups.some((g) => g.name === id))
    throw new Error(`attempt to add duplicate property '${id}' to object`);
  const group: GroupConfig = { name: id };
  if (Object.keys(limits).length > 0) group.limits = limits;
  groups.push(group);
}

/** Returns the lab section a rack device asks for ("serial", "tdc"), or null. */
function parseDevice(text: string, drives: DriveConfig[], attached: Set<string>): 'serial' | 'tdc' | null {
  const opts = splitOpts(text, 'driver');
  const driver = opts.find((o) => o.key === 'driver')?.value;
  if (driver === undefined) throw new Error("Parameter 'driver' is missing");
  if (SERIAL_DEVICES.includes(driver)) return 'serial';
  if (TDC_DEVICES.includes(driver)) return 'tdc';
  if (!BLOCK_DEVICES.has(driver)) return null; // other devices do not touch the lab
  let driveName: string | undefined;
  let id: string | undefined;
  for (const { key, value } of opts) {
    if (key === 'driver') continue;
    if (key === 'drive') driveName = value;
    else if (key === 'id') id = value;
    else if (!BLOCK_DEVICE_IGNORED.has(key)) throw new Error(`Property '${driver}.${key}' not found`);
  }
  if (driveName === undefined) throw new Error(`${driver}: drive property not set`);
  const drive = drives.find((d) => d.name === driveName);
  if (!drive) throw new Error(`Property '${driver}.drive' can't find value '${driveName}'`);
  if (attached.has(driveName)) throw new Error(`Drive '${driveName}' is already in use by another device`);
  attached.add(driveName);
  if (id !== undefined) drive.device = id;
  return null;
}

/**
 * Parses a QEMU command line into a LabConfig. Each error message carries the option it came
 * from, e.g. "-drive file=a.qcow2,iops=1,throttling.iops-total=2: 'throttling.iops-total' and
 * its alias 'iops' can't be used at the same time".
 */
export function parseQemuCmdline(line: string): LabConfig {
  const words = shellSplit(line);
  const drives: DriveConfig[] = [];
  const groups: GroupConfig[] = [];
  const deviceArgs: string[] = [];
  let i = 0;
  if (words.length > 0 && !words[0].startsWith('-') && /qemu/.test(words[0])) i = 1;
  for (; i < words.length; i++) {
    const word = words[i];
    const opt = word.startsWith('--') ? word.slice(1) : word;
    const takeArg = (): string => {
      if (i + 1 >= words.length) throw new Error(`${opt}: requires an argument`);
      return words[++i];
    };
    const where = (arg: string, f: () => void) => {
      try {
        f();
      } catch (e) {
        throw new Error(`${opt} ${arg}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    if (opt === '-drive') {
      const arg = takeArg();
      where(arg, () => drives.push(parseDrive(arg, drives.length, new Set(drives.map((d) => d.name)))));
    } else if (opt === '-object') {
      const arg = takeArg();
      where(arg, () => parseObject(arg, groups));
    } else if (opt === '-device') {
      deviceArgs.push(takeArg());
    } else if (IGNORED_FLAGS.has(opt)) {
      // accepted, no effect on the lab
    } else if (IGNORED_WITH_ARG.has(opt)) {
      takeArg();
    } else if (UNMODELLED_DISK_OPTIONS.includes(opt)) {
      throw new Error(`${opt}: not modelled by the lab; describe disks with -drive file=...,if=virtio`);
    } else if (opt.startsWith('-')) {
      throw new Error(`${opt}: invalid option`);
    } else {
      throw new Error(`unexpected argument '${word}' (disk images are given with -drive file=...)`);
    }
  }
  const attached = new Set<string>();
  const racks = new Set<string>();
  for (const arg of deviceArgs) {
    try {
      const rack = parseDevice(arg, drives, attached);
      if (rack) racks.add(rack);
    } catch (e) {
      throw new Error(`-device ${arg}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const lab: LabConfig = { drives };
  if (groups.length > 0) lab.groups = groups;
  if (racks.has('serial')) lab.serial = {};
  if (racks.has('tdc')) lab.tdc = {};
  return lab;
}

// ---- export ----

function groupOf(d: DriveConfig): string | undefined {
  if (!isThrottled(d.throttle)) return undefined;
  return d.group ?? d.name;
}

/** The lab's disks as a QEMU command line (throttle-group objects first, then the drives). */
export function exportQemuCmdline(lab: LabConfig): string {
  const args: string[] = [];
  for (const g of lab.groups ?? []) {
    const parts = [`throttle-group`, `id=${escapeOpt(g.name)}`];
    const limits = normaliseLimits(g.limits);
    for (const n of LIMIT_NAMES)
      if (limits[n.qmp] !== undefined) parts.push(`x-${n.dashed}=${limits[n.qmp]}`);
    args.push('-object', shellQuote(parts.join(',')));
  }
  for (const d of lab.drives) {
    const parts = [`file=${escapeOpt(d.file ?? `${d.name}.qcow2`)}`, `if=${d.device ? 'none' : 'virtio'}`];
    parts.push(`id=${escapeOpt(d.name)}`);
    const group = groupOf(d);
    if (group !== undefined) {
      const limits = normaliseLimits(d.throttle);
      for (const n of LIMIT_NAMES) if (limits[n.qmp] !== undefined) parts.push(`${n.drive}=${limits[n.qmp]}`);
      parts.push(`throttling.group=${escapeOpt(group)}`);
    }
    (d.stats_intervals ?? []).forEach((s, i) => {
      parts.push(`stats-intervals.${i}=${s}`);
    });
    args.push('-drive', shellQuote(parts.join(',')));
    if (d.device)
      args.push('-device', shellQuote(`virtio-blk-pci,drive=${escapeOpt(d.name)},id=${escapeOpt(d.device)}`));
  }
  if (present(lab.serial)) args.push(...SERIAL_DEVICES.flatMap((dev) => ['-device', dev]));
  if (present(lab.tdc)) args.push(...TDC_DEVICES.flatMap((dev) => ['-device', dev]));
  return args.join(' ');
}

/** libvirt's name for the nth virtio disk: vda … vdz, vdaa, … */
export function virtioTarget(index: number): string {
  let n = index;
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return `vd${s}`;
}

function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;')
    .replace(/"/g, '&quot;');
}

/** The lab's disks as libvirt domain <disk> elements, limits in <iotune>. */
export function exportLibvirt(lab: LabConfig): string {
  const out: string[] = [];
  lab.drives.forEach((d, i) => {
    const file = d.file ?? `${d.name}.qcow2`;
    const format = /\.qcow2$/.test(file) ? 'qcow2' : 'raw';
    out.push(`<disk type='file' device='disk'>`);
    out.push(`  <driver name='qemu' type='${format}'/>`);
    out.push(`  <source file='${xmlEscape(file)}'/>`);
    out.push(`  <target dev='${virtioTarget(i)}' bus='virtio'/>`);
    const group = groupOf(d);
    if (group !== undefined) {
      const limits = normaliseLimits(d.throttle);
      out.push('  <iotune>');
      for (const n of LIMIT_NAMES) {
        if (limits[n.qmp] !== undefined) out.push(`    <${n.libvirt}>${limits[n.qmp]}</${n.libvirt}>`);
      }
      out.push(`    <group_name>${xmlEscape(group)}</group_name>`);
      out.push('  </iotune>');
    }
    if (d.device) out.push(`  <alias name='ua-${xmlEscape(d.device)}'/>`);
    out.push('</disk>');
  });
  return `${out.join('\n')}\n`;
}

/** The lab's limits as `virsh blkdeviotune` commands, one per throttled disk. */
export function exportVirsh(lab: LabConfig, domain = 'device-lab'): string {
  const out: string[] = [];
  lab.drives.forEach((d, i) => {
    const group = groupOf(d);
    if (group === undefined) return;
    const limits = normaliseLimits(d.throttle);
    const words = ['virsh', 'blkdeviotune', shellQuote(domain), virtioTarget(i)];
    for (const n of LIMIT_NAMES) {
      if (limits[n.qmp] !== undefined) words.push(`--${n.libvirt.replace(/_/g, '-')}`, String(limits[n.qmp]));
    }
    words.push('--group-name', shellQuote(group));
    out.push(words.join(' '));
  });
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
