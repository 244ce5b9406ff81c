// The serial subsystem: a TPCI200 carrier with an IP-Octal 232 in slot A on its own PCI bus 0,
// the MachinePlatform, the TypeScript guest (kernel, tpci200 + ipoctal drivers, tty, programs)
// and the eight host ends (terminal side of each RS-232 line, null-modem cables between them).
//
// Guest: the TypeScript guest ('ts', the default), or 'external': no guest inside the rack, and
// another guest (Linux in v86, src/linux-guest) reaches the same TPCI200 through rig.pci and
// rig.irq. `programs` then describes what that guest runs; x-query-serial reports the line side.
//
// Host API: hostWrite, hostOutput, drainHostOutput, setHostSettings, setUnpaced, inject,
// connect, setProgram, counters. QMP (automation.md §2): x-serial-write, x-serial-inject,
// x-serial-connect, x-query-serial, x-serial-program, x-serial-host.
//
// Data path (DESIGN.md): hostWrite → SCC2698 receiver (line rate of the host's settings, or
// following the guest's, or unpaced) → RxRDY → TPCI200 INTA → guest ISR → tty → program → tty
// write → driver → THR → TX at the programmed rate → onTxByte → host output (sampled with the
// host's own settings) or, through a cable, the peer's receiver.
import { createPlatformRig, type PlatformRig } from '../bus/platform';
import type { QmpCommandTable } from '../control/qmp-types';
import type { Rng } from '../core/rng';
import type { Scheduler } from '../core/scheduler';
import type { TraceRing } from '../core/trace';
import { createIpOctalRack, type IpOctalChannel, type IpOctalRack } from '../devices/ipoctal232';
import {
  type FrameFormat,
  type RxCondition,
  type SerialHostEnd,
  sampleFrame,
} from '../devices/serial-backend';
import type { PortInfo, ProgramName } from '../guest/programs/program';
import { applyOrRollBack } from '../guest/rollback';
import { DEFAULT_PROGRAMS, SERIAL_PORTS, SerialGuest, type SerialGuestSnapshot } from '../guest/serial-guest';
import type { Subsystem } from '../subsystem';
import { type HostSettings, settingsToFrame, utf8Encode } from './host-settings';
import { serialQmpCommands } from './serial-qmp';

/** PCI device number of the TPCI200 (lspci shows 00:02.0). */
export const SERIAL_PCI_SLOT = 2;
/** Bytes of host output kept per port for hostOutput() (older bytes are dropped). */
export const HOST_OUTPUT_KEEP = 65536;
const RAM_BYTES = 64 * 1024;
/**
 * ISR re-entry delay while an interrupt level stays asserted. Linux's ipoctal keeps TX on until
 * TxEMT, so after the last character of every burst the TxRDY level stays up for one character
 * time and the ISR re-enters (every few µs on a real CPU: 100% CPU for that time). 20 µs keeps
 * that storm cheap (≈ 50 ISR passes per burst end at 9600 instead of ≈ 500) and still services
 * a busy line well within one character time up to 115200 baud (87 µs), so no byte moves later.
 */
export const SERIAL_RETRIGGER_NS = 20_000;

export type InjectKind = RxCondition;
/** Who drives the rack's TPCI200: the TypeScript guest, or a guest outside src/emu. */
export type SerialGuestKind = 'ts' | 'external';

/** A host end as the snapshot holds it (output as text, undrained bytes as numbers). */
interface HostEnd {
  output: string;
  drain: number[];
  settings: HostSettings | 'follow';
  unpaced: boolean;
  peer: number | null;
  /** Condition for the next byte the host writes. */
  pending: RxCondition | null;
  /** Bytes the host end sent towards the guest / received from it. */
  sent: number;
  received: number;
  /** Characters the host's receiver could not frame (its settings disagree with the line). */
  lost: number;
}

export interface SerialRackSnapshot {
  v: 1;
  platform: ReturnType<PlatformRig['platform']['snapshot']>;
  pci: ReturnType<PlatformRig['pci']['snapshot']>;
  irq: ReturnType<PlatformRig['irq']['snapshot']>;
  ram: ReturnType<PlatformRig['ram']['snapshot']>;
  hw: ReturnType<IpOctalRack['snapshot']>;
  /** Absent when the guest is external. */
  guest?: SerialGuestSnapshot;
  hosts: HostEnd[];
}

export interface SerialCounters {
  port: number;
  hostSent: number;
  hostReceived: number;
  hostLost: number;
  backlog: number;
}

/**
 * A host end while running: each received byte is one store into a ring of the newest bytes.
 * `output` takes them as text only when someone reads it (hostOutput, snapshot); the drain
 * copies out the ones it has not taken yet. Both only ever need the last HOST_OUTPUT_KEEP.
 */
interface LiveHost extends Omit<HostEnd, 'drain'> {
  /** Byte number n (counted from `written` = 0) at n & (ring.length − 1); grows 4 KiB → KEEP. */
  ring: Uint8Array;
  /** Bytes put in the ring; `output` holds those below `folded`; the drain took those below `drained`. */
  written: number;
  folded: number;
  drained: number;
}

const RING_MIN = 4096;

function live(h: HostEnd): LiveHost {
  // The undrained bytes are the newest of the output stream: already in `output`, not yet drained.
  const keep = h.drain.slice(Math.max(0, h.drain.length - HOST_OUTPUT_KEEP));
  let size = RING_MIN;
  while (size <= keep.length && size < HOST_OUTPUT_KEEP) size *= 2;
  const ring = new Uint8Array(size);
  ring.set(keep);
  // One literal, fields in one order: every host end shares a hidden class (an object spread
  // gave each its own, and every access on the byte path went megamorphic).
  return {
    output: h.output,
    settings: h.settings,
    unpaced: h.unpaced,
    peer: h.peer,
    pending: h.pending,
    sent: h.sent,
    received: h.received,
    lost: h.lost,
    ring,
    written: keep.length,
    folded: keep.length,
    drained: 0,
  };
}

/** Bytes [from, to) of the stream (to − from ≤ ring length) as text. */
function ringText(h: LiveHost, from: number, to: number): string {
  const CHUNK = 8192;
  const mask = h.ring.length - 1;
  let text = '';
  for (let n = from; n < to; ) {
    const at = n & mask;
    const k = Math.min(to - n, CHUNK, h.ring.length - at);
    text += String.fromCharCode.apply(null, h.ring.subarray(at, at + k) as unknown as number[]);
    n += k;
  }
  return text;
}

/** Appends the bytes not yet folded to `output`, trimmed as received bytes always were. */
function foldOutput(h: LiveHost): void {
  if (h.folded === h.written) return;
  if (h.ring.length === HOST_OUTPUT_KEEP && h.written - h.folded >= HOST_OUTPUT_KEEP) {
    // A full ring's worth or more arrived unread: the newest HOST_OUTPUT_KEEP bytes are the output.
    h.output = ringText(h, h.written - h.ring.length, h.written);
  } else h.output += ringText(h, h.folded, h.written);
  h.folded = h.written;
  // Trimmed to the last HOST_OUTPUT_KEEP only once twice that is held (a slice per byte would
  // copy 64 KiB per byte).
  if (h.output.length > 2 * HOST_OUTPUT_KEEP) h.output = h.output.slice(h.output.length - HOST_OUTPUT_KEEP);
  rewind(h);
}

function undrained(h: LiveHost): Uint8Array {
  const from = Math.max(h.drained, h.written - h.ring.length);
  const out = new Uint8Array(h.written - from);
  const mask = h.ring.length - 1;
  const at = from & mask;
  const first = Math.min(out.length, h.ring.length - at);
  out.set(h.ring.subarray(at, at + first));
  out.set(h.ring.subarray(0, out.length - first), first);
  return out;
}

/** Once output and drain have taken everything, the stream restarts at the ring's start. */
function rewind(h: LiveHost): void {
  if (h.folded === h.written && h.drained === h.written) {
    h.written = 0;
    h.folded = 0;
    h.drained = 0;
  }
}

/** One received byte into the ring (grown while it is smaller than HOST_OUTPUT_KEEP). */
function store(h: LiveHost, b: number): void {
  let ring = h.ring;
  if (h.written === ring.length && ring.length < 65536 /* HOST_OUTPUT_KEEP (a literal: no cell load) */)
    ring = grow(h);
  ring[h.written & (ring.length - 1)] = b;
  h.written++;
}

/** The ring at twice its size: below full size it never wrapped, byte n is at n, the copy keeps every place. */
function grow(h: LiveHost): Uint8Array {
  const grown = new Uint8Array(2 * h.ring.length);
  grown.set(h.ring);
  h.ring = grown;
  return grown;
}

function freshHost(): HostEnd {
  return {
    output: '',
    drain: [],
    settings: 'follow',
    unpaced: false,
    peer: null,
    pending: null,
    sent: 0,
    received: 0,
    lost: 0,
  };
}

export class SerialRack implements Subsystem {
  readonly name = 'serial';
  readonly rig: PlatformRig;
  readonly hw: IpOctalRack;
  private readonly tsGuest: SerialGuest | null;
  private readonly programs: readonly ProgramName[];
  /** The host-side handles of the eight channels. */
  readonly channels: readonly IpOctalChannel[];
  private hosts: LiveHost[] = [];

  constructor(
    readonly sched: Scheduler,
    readonly rng: Rng,
    readonly trace?: TraceRing,
    programs: readonly ProgramName[] = DEFAULT_PROGRAMS,
    readonly guestKind: SerialGuestKind = 'ts',
  ) {
    this.programs = [...programs];
    this.rig = createPlatformRig(sched, {
      ramBytes: RAM_BYTES,
      trace,
      platform: { name: 'serial.platform.irq', retriggerNs: SERIAL_RETRIGGER_NS },
    });
    this.hw = createIpOctalRack(sched, this.rig.pci, { pciSlot: SERIAL_PCI_SLOT, trace });
    this.rig.pci.assignResources();
    this.channels = Array.from({ length: SERIAL_PORTS }, (_, port) => this.hw.ipoctal.channel(port));
    for (let port = 0; port < SERIAL_PORTS; port++) {
      this.hosts.push(live(freshHost()));
      this.channels[port].attach(new RackLineEnd(this, port));
    }
    this.tsGuest = guestKind === 'ts' ? new SerialGuest(this.rig.platform) : null;
    this.tsGuest?.boot(programs);
  }

  /** The TypeScript guest; throws when the guest is external. */
  get guest(): SerialGuest {
    if (!this.tsGuest) throw new Error('serial: the guest is external (no TypeScript guest in this rack)');
    return this.tsGuest;
  }

  // --- host entry points ------------------------------------------------------------------

  /** Bytes typed at the port's host end; they enter the receiver at line rate from now. */
  hostWrite(port: number, data: string | ArrayLike<number>): void {
    const h = this.host(port);
    const bytes = typeof data === 'string' ? utf8Encode(data) : data;
    const ch = this.channels[port];
    let from = 0;
    if (h.pending !== null && bytes.length > 0) {
      // The injected condition rides on the first byte only.
      ch.receiveFromHost(bytes[0] & 0xff, undefined, h.pending);
      h.pending = null;
      from = 1;
    }
    ch.receiveBytes(bytes, from, bytes.length);
    h.sent += bytes.length;
  }

  /** Everything the port's host end has received (the last HOST_OUTPUT_KEEP bytes), as text. */
  hostOutput(port: number): string {
    const h = this.host(port);
    foldOutput(h);
    const out = h.output;
    return out.length > HOST_OUTPUT_KEEP ? out.slice(out.length - HOST_OUTPUT_KEEP) : out;
  }

  /** Bytes received by each host end since the last drain (the worker's batching). */
  drainHostOutput(): { port: number; bytes: Uint8Array }[] {
    const out: { port: number; bytes: Uint8Array }[] = [];
    this.hosts.forEach((h, port) => {
      if (h.drained === h.written) return;
      out.push({ port, bytes: undrained(h) });
      h.drained = h.written;
      rewind(h);
    });
    return out;
  }

  /** Fixed host line settings, or 'follow' (the host always matches what the guest programmed). */
  setHostSettings(port: number, settings: HostSettings | 'follow'): void {
    const h = this.host(port);
    if (settings === 'follow') {
      h.settings = 'follow';
      this.channels[port].setHostFrame(null);
      return;
    }
    const frame = settingsToFrame(settings);
    if (!frame) throw new RangeError(`serial: bad host settings ${settings.baud} ${settings.format}`);
    h.settings = { baud: settings.baud, format: settings.format };
    this.channels[port].setHostFrame(frame);
  }

  /**
   * Unpaced: host bytes enter as fast as the receiver FIFO drains and the transmitter sends as
   * fast as THR is written (bulk transfers). Over a cable the transmitter stays paced: the peer
   * UART clocks the line (and two unpaced echoing ends could otherwise ping-pong at one instant).
   */
  setUnpaced(port: number, unpaced: boolean): void {
    this.host(port).unpaced = unpaced;
    this.applyPacing(port);
  }

  private applyPacing(port: number): void {
    const h = this.hosts[port];
    this.channels[port].setUnpaced(h.unpaced, h.unpaced && h.peer === null);
  }

  /** The next byte the host sends carries the condition; 'break' sends a break now. */
  inject(port: number, kind: InjectKind): void {
    const h = this.host(port);
    if (kind === 'break') this.channels[port].sendBreak();
    else h.pending = kind;
  }

  /** A null-modem cable between two host ends (both directions), or null to unplug port's cable. */
  connect(port: number, peer: number | null): void {
    const h = this.host(port);
    const p = peer === null ? null : this.host(peer);
    const touched = [port];
    if (h.peer !== null) {
      touched.push(h.peer);
      this.hosts[h.peer].peer = null;
    }
    h.peer = null;
    if (p !== null && peer !== null) {
      if (p.peer !== null) {
        touched.push(p.peer);
        this.hosts[p.peer].peer = null;
      }
      h.peer = peer;
      p.peer = port;
      touched.push(peer);
    }
    for (const t of touched) this.applyPacing(t);
  }

  setProgram(port: number, program: ProgramName): void {
    this.host(port);
    if (!this.tsGuest) throw new Error('serial: the external guest runs its own programs');
    this.tsGuest.setProgram(port, program);
  }

  programOf(port: number): ProgramName {
    this.host(port);
    return this.tsGuest ? this.tsGuest.programOf(port) : this.programs[port];
  }

  hostSettings(port: number): HostSettings | 'follow' {
    const s = this.host(port).settings;
    return s === 'follow' ? s : { ...s };
  }

  peerOf(port: number): number | null {
    return this.host(port).peer;
  }

  isUnpaced(port: number): boolean {
    return this.host(port).unpaced;
  }

  /** The guest driver's view of every port (x-query-serial). */
  ports(): PortInfo[] {
    return this.tsGuest ? this.tsGuest.ports() : this.linePorts();
  }

  /**
   * With an external guest the driver's counters live inside that guest: report the line as
   * the device model sees it (transmitted frame; characters sent and received by the host end).
   */
  private linePorts(): PortInfo[] {
    return this.hosts.map((h, port) => {
      const f = this.channels[port].txFrame();
      const parity = { none: 'N', even: 'E', odd: 'O', mark: 'M', space: 'S', multidrop: 'N' }[f.parity];
      return {
        port,
        device: `ipoctal.0.0.${port}`,
        baud: f.baud,
        format: `${f.dataBits}${parity}${f.stopBits >= 2 ? 2 : 1}`,
        tx: h.received + h.lost,
        rx: h.sent - this.channels[port].backlog(),
        framing: 0,
        parity: 0,
        break: 0,
        overrun: 0,
      };
    });
  }

  counters(): SerialCounters[] {
    return this.hosts.map((h, port) => ({
      port,
      hostSent: h.sent,
      hostReceived: h.received,
      hostLost: h.lost,
      backlog: this.channels[port].backlog(),
    }));
  }

  private host(port: number): LiveHost {
    const h = Number.isInteger(port) ? this.hosts[port] : undefined;
    if (!h) throw new RangeError(`serial: no port ${port}`);
    return h;
  }

  // --- the line, device → host ------------------------------------------------------------

  /** A character left channel port's TxD (RackLineEnd). */
  onTxByte(port: number, byte: number, frame: FrameFormat): void {
    const h = this.hosts[port];
    if (h.peer === null && h.settings === 'follow') {
      // No cable, the host samples as the guest sends: the byte as it is.
      h.received++;
      store(h, byte);
      return;
    }
    this.onTxByteLine(h, byte, frame);
  }

  /** onTxByte through a cable and/or the host's own line settings. */
  private onTxByteLine(h: LiveHost, byte: number, frame: FrameFormat): void {
    if (h.peer !== null) this.channels[h.peer].receiveFromHost(byte, frame);
    let b = byte;
    if (h.settings !== 'follow') {
      const own = settingsToFrame(h.settings) as FrameFormat;
      const sample = sampleFrame(byte, frame, own);
      if (!sample.received) {
        h.lost++;
        return;
      }
      b = sample.byte;
    }
    h.received++;
    store(h, b);
  }

  /** Channel port's TxD went to or left a break (RackLineEnd). */
  onTxBreak(port: number, active: boolean): void {
    const h = this.hosts[port];
    if (active && h.peer !== null) this.channels[h.peer].sendBreak();
  }

  // --- subsystem ----------------------------------------------------------------------------

  qmpCommands(): QmpCommandTable {
    return serialQmpCommands(this);
  }

  snapshot(): SerialRackSnapshot {
    return {
      v: 1,
      platform: this.rig.platform.snapshot(),
      pci: this.rig.pci.snapshot(),
      irq: this.rig.irq.snapshot(),
      ram: this.rig.ram.snapshot(),
      hw: this.hw.snapshot(),
      ...(this.tsGuest ? { guest: this.tsGuest.snapshot() } : {}),
      hosts: this.hosts.map((h) => {
        foldOutput(h);
        const { ring, written, folded, drained, ...rest } = h;
        return { ...rest, drain: Array.from(undrained(h)) };
      }),
    };
  }

  /** Restores everything; restore the scheduler too (the device events live in its queue). */
  restore(s: unknown): void {
    const snap = s as SerialRackSnapshot;
    if (
      snap?.v !== 1 ||
      !Array.isArray(snap.hosts) ||
      snap.hosts.length !== SERIAL_PORTS ||
      !snap.hosts.every((h) => typeof h?.output === 'string' && Array.isArray(h.drain)) ||
      (snap.guest === undefined) !== (this.tsGuest === null)
    )
      throw new Error('serial rack snapshot: bad data');
    applyOrRollBack(this.snapshot(), snap, (x) => this.apply(x));
  }

  private apply(s: SerialRackSnapshot): void {
    this.rig.irq.restore(s.irq);
    this.rig.pci.restore(s.pci);
    this.rig.ram.restore(s.ram);
    this.hw.restore(s.hw);
    this.rig.platform.restore(s.platform);
    if (this.tsGuest && s.guest) this.tsGuest.restore(s.guest);
    this.hosts = s.hosts.map(live);
  }
}

/** The rack's end of one channel's line: one object shape for all eight (no closures per port). */
class RackLineEnd implements SerialHostEnd {
  constructor(
    private readonly rack: SerialRack,
    private readonly port: number,
  ) {}

  onTxByte(byte: number, frame: FrameFormat): void {
    this.rack.onTxByte(this.port, byte, frame);
  }

  onTxBreak(active: boolean): void {
    this.rack.onTxBreak(this.port, active);
  }
}

/** The serial rack of the default lab: shell on port 0, echo on 1–7. */
export function createSerialRack(sched: Scheduler, rng: Rng, trace?: TraceRing): SerialRack {
  return new SerialRack(sched, rng, trace);
}
