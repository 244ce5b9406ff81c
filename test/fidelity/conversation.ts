// The register conversation of a driver, taken from the bus trace (src/emu/core/trace.ts) and
// made comparable between two guests: Linux's unmodified tpci200 + ipoctal drivers (in v86) and
// the TypeScript guest's drivers (src/emu/guest), both on the same TPCI200 / IP-Octal models.
//
// A trace slice becomes a list of canonical accesses, one line each:
//   "<space> <REGISTER> <R|W><width> <value>"     e.g. "IO CRC W1 0x01", "ID PROM[5] R1 0x22"
// - space: the carrier's windows, named as ipack.md names them: LCR (BAR0, PLX9030), CARRIER
//   (BAR2), IO / ID / INT (BAR3, per slot: the slot letter follows when it is not A), MEM16
//   (BAR4), MEM8 (BAR5). Only memory-space accesses to the TPCI200's BARs are kept: PCI
//   configuration space is not part of the conversation (in Linux mode v86 serves it from its
//   own copy, so it never reaches the lab's trace; see allow-list.ts SCOPE), and the models'
//   own messages (kind 'unimp' / 'guest-error' / 'event') are not accesses.
// - REGISTER: from the device register maps (PLX_LCR_REGS, TPCI200_REGS, SCC2698 BLOCK_REGS with
//   the channel / block letter, IPOCTAL_REGS). MR1x / MR2x share an address and which one an
//   access reaches is state (the MR pointer): that name is taken from the trace text, which the
//   device decoded with the pointer as it was at the access.
// - value: exact, except for reads of registers whose value depends on time or line state
//   (VOLATILE_READS: SR, ISR, IPCR, RHR, counter, STATUS): those show "*".
// - Polling: a run of identical lines that are volatile reads (a driver polling SR or STATUS)
//   collapses into one line ending " ×+": how many polls a wait takes depends on timing (v86
//   runs on the wall clock), so the count legitimately differs. Writes never collapse: a
//   repeated write is part of what the driver does.
// - Interrupt-handler passes that found nothing to do are dropped (dropIdlePasses): their number
//   depends on timing too.

import { RegMap } from '../../src/emu/core/regs';
import type { TraceRecord } from '../../src/emu/core/trace';
import { SCC_REGS } from '../../src/emu/devices/scc2698';
import { PLX_LCR_REGS, TPCI200_REGS } from '../../src/emu/devices/tpci200';

const LCR = new RegMap(PLX_LCR_REGS);
const CARRIER = new RegMap(TPCI200_REGS);
const SLOTS = ['A', 'B', 'C', 'D'] as const;
const CHANNELS = 'ABCDEFGH';

/** Registers whose read value depends on time or on the line: compared as "*". */
export const VOLATILE_READS: readonly RegExp[] = [
  /^SR[A-H]$/,
  /^ISR\[[A-D]\]$/,
  /^IPCR\[[A-D]\]$/,
  /^RHR[A-H]$/,
  /^CT[UL]\[[A-D]\]$/,
  /^STATUS$/,
];

export interface CanonicalAccess {
  space: string;
  reg: string;
  dir: 'R' | 'W';
  width: number;
  /** "0x.." or "*" (volatile read). */
  value: string;
  /** Polls collapsed into this line (1 = not collapsed). */
  count: number;
}

const hex = (v: number, width: number) => `0x${(v >>> 0).toString(16).padStart(2 * width, '0')}`;

/** The SCC2698 register an IO-space access reaches, with its channel or block letter. */
function sccName(ipAddr: number, dir: 'read' | 'write', text: string): string {
  if (!(ipAddr & 1)) return `EVEN_${hex(ipAddr, 1)}`;
  const r = ipAddr >> 1;
  const block = r >> 4;
  const name = SCC_REGS.nameAt(r & 15, dir) ?? `R${r & 15}`;
  const perChannel = name.match(/^(MR1|MR2|SR|CSR|CR|RHR|THR)([AB])$/);
  if (perChannel) {
    const channel = CHANNELS[2 * block + (perChannel[2] === 'B' ? 1 : 0)];
    if (perChannel[1] === 'MR1' || perChannel[1] === 'MR2') {
      // MR1 or MR2: the MR pointer decides; the trace text carries the decoder's answer.
      const seen = text.match(/\bMR([12])[A-H]\b/);
      return `MR${seen ? seen[1] : '?'}${channel}`;
    }
    return `${perChannel[1]}${channel}`;
  }
  return `${name}[${SLOTS[block]}]`;
}

/** One trace record as a canonical access, or null when it is not a BAR access of the TPCI200. */
export function canonicalAccess(r: TraceRecord): CanonicalAccess | null {
  if ((r.kind !== 'read' && r.kind !== 'write') || r.device !== 'tpci200') return null;
  const dir = r.kind;
  let space: string;
  let reg: string;
  switch (r.space) {
    case 'BAR0':
      space = 'LCR';
      reg = LCR.nameAt(r.offset, dir) ?? `LCR_${hex(r.offset, 1)}`;
      break;
    case 'BAR2':
      space = 'CARRIER';
      reg = CARRIER.nameAt(r.offset, dir) ?? `CARRIER_${hex(r.offset, 1)}`;
      break;
    case 'BAR3': {
      const slot = SLOTS[(r.offset >> 8) & 3];
      const at = r.offset & 0xff;
      const suffix = slot === 'A' ? '' : `.${slot}`;
      if (at < 0x80) {
        space = `IO${suffix}`;
        reg = sccName(at, dir, r.text);
      } else if (at < 0xc0) {
        space = `ID${suffix}`;
        const id = at - 0x80;
        reg = id & 1 ? `PROM[${id >> 1}]` : `EVEN_${hex(id, 1)}`;
      } else {
        space = `INT${suffix}`;
        const ack = at - 0xc0;
        reg = ack === 0 ? 'INT0_ACK' : ack === 2 ? 'INT1_ACK' : `INT_${hex(ack, 1)}`;
      }
      break;
    }
    case 'BAR4':
      space = `MEM16${r.offset >= 0x80_0000 ? `.${SLOTS[(r.offset >> 23) & 3]}` : ''}`;
      reg = (r.offset & 0x7f_ffff) < 2 ? 'VECTOR' : `MEM_${hex(r.offset & 0x7f_ffff, 3)}`;
      break;
    case 'BAR5':
      space = `MEM8${r.offset >= 0x40_0000 ? `.${SLOTS[(r.offset >> 22) & 3]}` : ''}`;
      reg = (r.offset & 0x3f_ffff) < 2 ? 'VECTOR' : `MEM_${hex(r.offset & 0x3f_ffff, 3)}`;
      break;
    default:
      space = r.space;
      reg = hex(r.offset, 2);
  }
  const volatile = dir === 'read' && VOLATILE_READS.some((re) => re.test(reg));
  return {
    space,
    reg,
    dir: dir === 'read' ? 'R' : 'W',
    width: r.width,
    value: volatile ? '*' : hex(r.value, r.width),
    count: 1,
  };
}

export function formatAccess(a: CanonicalAccess): string {
  const line = `${a.space} ${a.reg} ${a.dir}${a.width} ${a.value}`;
  return a.count > 1 ? `${line} ×+` : line;
}

/** The first access of every pass of the carrier's interrupt handler (both drivers). */
export const HANDLER_ENTRY = 'CARRIER STATUS R2 *';

/**
 * Drops the interrupt-handler passes that did nothing: a pass (from one STATUS read to the next)
 * with no write and no RHR read only looked at status registers. How many such passes run
 * depends on timing, not on the driver: while TX waits for TxEMT the TxRDY level stays up and
 * Linux re-enters its handler as fast as the (wall-clock) CPU allows, the TypeScript guest's
 * platform every 20 µs (SERIAL_RETRIGGER_NS). The passes that do something are kept whole, so
 * the status reads of a pass are still compared there.
 */
export function dropIdlePasses(lines: readonly string[]): string[] {
  const out: string[] = [];
  let pass: string[] | null = null;
  const flush = () => {
    if (pass?.some((l) => / W\d /.test(l) || / RHR[A-H] R/.test(l))) out.push(...pass);
    pass = null;
  };
  for (const line of lines) {
    if (line.startsWith(HANDLER_ENTRY)) {
      flush();
      pass = [line];
    } else if (pass) pass.push(line);
    else out.push(line);
  }
  flush();
  return out;
}

/**
 * A trace slice as its canonical conversation, one line per access: polls collapsed and idle
 * interrupt-handler passes dropped (dropIdlePasses).
 */
export function conversation(records: readonly TraceRecord[]): string[] {
  return dropIdlePasses(accessLines(records));
}

/** A trace slice as canonical lines, polls collapsed, every handler pass kept. */
export function accessLines(records: readonly TraceRecord[]): string[] {
  const out: CanonicalAccess[] = [];
  for (const r of records) {
    const a = canonicalAccess(r);
    if (!a) continue;
    const last = out[out.length - 1];
    if (
      last &&
      a.value === '*' &&
      last.value === '*' &&
      last.space === a.space &&
      last.reg === a.reg &&
      last.dir === a.dir &&
      last.width === a.width
    ) {
      last.count++;
      continue;
    }
    out.push(a);
  }
  return out.map(formatAccess);
}

/**
 * Where the carrier probe ends: after the last of the consecutive accesses to slot D's ID space
 * (the tpci200 driver reads each slot's ID in turn; slot D is the last, empty in this lab).
 * Returns the index after that run, or -1 if slot D's ID was never read.
 */
export function probeEnd(records: readonly TraceRecord[]): number {
  const slotDId = (r: TraceRecord) =>
    r.device === 'tpci200' && r.kind === 'read' && r.space === 'BAR3' && (r.offset & 0x3c0) === 0x380;
  const first = records.findIndex(slotDId);
  if (first < 0) return -1;
  let end = first;
  while (end < records.length && (slotDId(records[end]) || records[end].kind === 'unimp')) end++;
  return end;
}

/** One place where two conversations differ: lines only in `linux`, lines only in `ts`. */
export interface Difference {
  linux: string[];
  ts: string[];
  /** The last line both share before the difference (or "(start)"), to help a reader find it. */
  after: string;
}

/** Differences between two conversations (a longest-common-subsequence diff, in order). */
export function diffConversations(linux: readonly string[], ts: readonly string[]): Difference[] {
  const n = linux.length;
  const m = ts.length;
  // lcs[i][j] = LCS length of linux[i..] and ts[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = linux[i] === ts[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const diffs: Difference[] = [];
  let current: Difference | null = null;
  let after = '(start)';
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && linux[i] === ts[j]) {
      current = null;
      after = linux[i];
      i++;
      j++;
      continue;
    }
    if (!current) {
      current = { linux: [], ts: [], after };
      diffs.push(current);
    }
    if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) current.linux.push(linux[i++]);
    else current.ts.push(ts[j++]);
  }
  return diffs;
}
