// `device-lab simulate [--lab FILE] [--qemu 'ARGS'] --seconds S [--seed N] [--guest ts|linux] [--json]`
// (automation.md §1): builds a lab (the default lab if neither option), runs it S virtual
// seconds as fast as possible, then prints a table or one JSON object with the keys
// virtual_s, wall_s, query-blockstats, groups, serial, tdc. With --guest linux the serial rack
// is driven by Linux in v86 and virtual time follows v86's clock: S seconds take S seconds
// (after the guest has started, from the image's snapshot or by booting).
import type { QmpResponse } from '../emu/control/qmp-types';
import { Machine, type MachineOptions } from '../emu/machine';
import { createLinuxMachine } from '../linux-guest/lab-host';
import { GuestImageMissing } from '../linux-guest/node-images';
import { loadDataFile, UsageError } from './load';

export interface SimulateResult {
  virtual_s: number;
  wall_s: number;
  'query-blockstats': unknown[];
  groups: unknown[];
  serial: unknown[];
  tdc: unknown[];
}

const CHUNK_NS = 1_000_000_000;

function listOrEmpty(m: Machine, execute: string): unknown[] {
  if (!m.qmpCommandNames().includes(execute)) return [];
  const r: QmpResponse = m.qmp({ execute });
  return 'return' in r && Array.isArray(r.return) ? r.return : [];
}

export type GuestKind = 'ts' | 'linux';

export function parseSimulateArgs(args: string[]): {
  opts: MachineOptions;
  seconds: number;
  json: boolean;
  guest: GuestKind;
} {
  const opts: MachineOptions = {};
  let seconds: number | undefined;
  let json = false;
  let guest: GuestKind = 'ts';
  let labFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`simulate: ${a} needs a value`);
      return v;
    };
    if (a === '--json') json = true;
    else if (a === '--lab') labFile = value();
    else if (a === '--qemu') opts.qemu = value();
    else if (a === '--guest') {
      const v = value();
      if (v !== 'ts' && v !== 'linux')
        throw new UsageError(`simulate: --guest expects ts or linux, got '${v}'`);
      guest = v;
    } else if (a === '--seconds') {
      const v = value();
      seconds = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
      if (!(seconds > 0))
        throw new UsageError(`simulate: --seconds expects a positive number of seconds, got '${v}'`);
    } else if (a === '--seed') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) {
        throw new UsageError(`simulate: --seed expects an integer from 0 to 4294967295, got '${v}'`);
      }
      opts.seed = Number(v);
    } else throw new UsageError(`simulate: unknown argument ${a}`);
  }
  if (seconds === undefined) throw new UsageError('simulate: --seconds S is required');
  if (labFile !== undefined && opts.qemu !== undefined)
    throw new UsageError('simulate: give --lab or --qemu, not both');
  if (labFile !== undefined) opts.lab = loadDataFile(labFile) as MachineOptions['lab'];
  return { opts, seconds, json, guest };
}

export function simulate(
  opts: MachineOptions,
  seconds: number,
  wallMs: () => number,
  labName: string,
): SimulateResult {
  let m: Machine;
  try {
    m = Machine.create(opts);
  } catch (e) {
    throw new UsageError(`${labName}: ${(e as Error).message}`);
  }
  const endNs = Math.round(seconds * 1e9);
  const t0 = wallMs();
  while (m.nowNs < endNs) m.run(Math.min(CHUNK_NS, endNs - m.nowNs));
  return result(m, (wallMs() - t0) / 1000);
}

function result(m: Machine, wallS: number): SimulateResult {
  return {
    virtual_s: m.nowNs / 1e9,
    wall_s: Number(wallS.toFixed(3)),
    'query-blockstats': listOrEmpty(m, 'query-blockstats'),
    groups: listOrEmpty(m, 'x-query-throttle-groups'),
    serial: listOrEmpty(m, 'x-query-serial'),
    tdc: listOrEmpty(m, 'x-query-tdc'),
  };
}

function pad(cells: string[][]): string[] {
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '),
  );
}

interface StatsRow {
  device: string;
  stats: { rd_operations: number; wr_operations: number; rd_bytes: number; wr_bytes: number };
}
interface GroupRow {
  name: string;
  members: string[];
  limits: Record<string, number>;
  iops: number;
  bps: number;
}

/** The human-readable form: one row per drive, then one per group. */
export function simulateTable(r: SimulateResult): string[] {
  const lines = [
    `virtual ${r.virtual_s} s in ${r.wall_s} s wall (${(r.virtual_s / Math.max(r.wall_s, 1e-9)).toFixed(0)}x realtime)`,
    '',
  ];
  const drives = r['query-blockstats'] as StatsRow[];
  lines.push(
    ...pad([
      ['drive', 'rd_ops', 'wr_ops', 'avg IOPS', 'avg MB/s'],
      ...drives.map((d) => [
        d.device,
        String(d.stats.rd_operations),
        String(d.stats.wr_operations),
        ((d.stats.rd_operations + d.stats.wr_operations) / r.virtual_s).toFixed(1),
        ((d.stats.rd_bytes + d.stats.wr_bytes) / r.virtual_s / 1e6).toFixed(2),
      ]),
    ]),
  );
  lines.push('');
  const groups = r.groups as GroupRow[];
  lines.push(
    ...pad([
      ['group', 'members', 'iops limit', 'IOPS (last s)', 'MB/s (last s)'],
      ...groups.map((g) => [
        g.name,
        g.members.join(','),
        String(g.limits?.iops ?? 0),
        String(g.iops),
        (g.bps / 1e6).toFixed(2),
      ]),
    ]),
  );
  const serial = r.serial as Record<string, unknown>[];
  if (serial.length > 0) {
    const cols = ['port', 'device', 'baud', 'format', 'tx', 'rx', 'framing', 'parity', 'break', 'overrun'];
    lines.push('', ...pad([cols, ...serial.map((p) => cols.map((c) => String(p[c] ?? '')))]));
  }
  const tdc = r.tdc as Record<string, unknown>[];
  if (tdc.length > 0) {
    const cols = [
      'channel',
      'enabled',
      'timestamps',
      'dropped',
      'sequence_gaps',
      'dma_errors',
      'dma_recoveries',
    ];
    lines.push('', ...pad([cols, ...tdc.map((ch) => cols.map((c) => String(ch[c] ?? '')))]));
  }
  return lines;
}

/**
 * simulate with the Linux guest: S seconds of v86's clock after the guest reached its shell.
 * virtual_s is the machine's time at the end (it includes the start-up); wall_s the S seconds.
 */
export async function simulateLinux(
  opts: MachineOptions,
  seconds: number,
  wallMs: () => number,
  labName: string,
): Promise<SimulateResult> {
  const { startLinuxMachine, runLinuxFor } = await import('./linux-guest-cli');
  try {
    createLinuxMachine(opts);
  } catch (e) {
    throw new UsageError(`${labName}: ${(e as Error).message}`);
  }
  let lm: Awaited<ReturnType<typeof startLinuxMachine>>;
  try {
    lm = await startLinuxMachine(opts);
  } catch (e) {
    if (e instanceof GuestImageMissing) throw new UsageError(e.message);
    throw e;
  }
  try {
    const t0 = wallMs();
    await runLinuxFor(lm, Math.round(seconds * 1e9));
    return result(lm.machine, (wallMs() - t0) / 1000);
  } finally {
    await lm.guest.destroy();
  }
}

export async function simulateCommand(
  args: string[],
  out: (line: string) => void,
  wallMs: () => number,
): Promise<number> {
  const { opts, seconds, json, guest } = parseSimulateArgs(args);
  const labIndex = args.indexOf('--lab');
  const labName = labIndex >= 0 ? args[labIndex + 1] : opts.qemu !== undefined ? '--qemu' : 'default lab';
  const r =
    guest === 'linux'
      ? await simulateLinux(opts, seconds, wallMs, labName)
      : simulate(opts, seconds, wallMs, labName);
  if (json) out(JSON.stringify(r));
  else for (const line of simulateTable(r)) out(line);
  return 0;
}
