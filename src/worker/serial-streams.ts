// The worker side of the rack's views: collects serial output, port status, bus-trace records and
// register snapshots from the hosted Machine and hands them to LabHost as batched items
// (DESIGN rule 4). Free of worker globals, so Node tests drive it with a fake clock.
//
// collect(wallMs) runs before every pump: it drains each host end into a per-port buffer and
// emits at most one `serialOutput` item per SERIAL_EVERY_MS (one Uint8Array per port, its buffer
// transferred), `serialStatus` every STATUS_EVERY_MS (and right after a command), `traceRecords` every TRACE_EVERY_MS while
// the trace view streams, and `registers` every REGISTERS_EVERY_MS for the selected node.
import type { TraceRing } from '../emu/core/trace';
import type { SerialRack } from '../emu/serial/serial-rack';
import { type InspectedMachine, inspectNode, rackTopology } from './serial-inspect';
import type { RackItem, RackToWorker, SerialChunk, SerialPortStatus } from './serial-protocol';

export const SERIAL_EVERY_MS = 1000 / 60;
export const STATUS_EVERY_MS = 200;
export const TRACE_EVERY_MS = 100;
export const REGISTERS_EVERY_MS = 250;
/** At most this many trace records per item (the newest are kept). */
export const TRACE_BATCH_MAX = 2000;
/** Bytes buffered per port between two items; older bytes are dropped past this. */
const SERIAL_BUFFER_MAX = 1 << 20;

/** What the streams need of a Machine (the real one is src/emu/machine.ts). */
export interface StreamedMachine extends InspectedMachine {
  readonly nowNs: number;
  readonly trace: TraceRing;
}

type Emit = (item: RackItem, transfer?: ArrayBuffer[]) => void;

export class RackStreams {
  private machine: StreamedMachine | undefined;
  private rack: SerialRack | undefined;
  private pending: number[][] = [];
  private pendingAtNs: number[] = [];
  private lastSerialMs = Number.NEGATIVE_INFINITY;
  private lastStatusMs = Number.NEGATIVE_INFINITY;
  private lastTraceMs = Number.NEGATIVE_INFINITY;
  private lastRegistersMs = Number.NEGATIVE_INFINITY;
  private traceOn = false;
  private traceSeq = 0;
  private node: string | null = null;
  private statusDirty = true;

  constructor(private readonly emit: Emit) {}

  /** A new machine was built (or loaded): reset every stream and announce its topology. */
  attach(machine: StreamedMachine): void {
    this.machine = machine;
    this.rack = machine.getSubsystem('serial') as SerialRack | undefined;
    this.pending = [];
    this.pendingAtNs = [];
    this.traceSeq = machine.trace.lastSeq;
    machine.trace.enabled = this.traceOn;
    this.statusDirty = true;
    this.emit({ kind: 'topology', roots: rackTopology(machine) });
  }

  /** Handles a rack message; returns false for messages that are LabHost's. */
  handle(msg: { kind: string }): boolean {
    const m = msg as RackToWorker;
    switch (m.kind) {
      case 'serialInput':
        if (this.rack && Number.isInteger(m.port) && m.port >= 0 && m.port < 8 && typeof m.data === 'string')
          this.rack.hostWrite(m.port, m.data);
        this.statusDirty = true;
        return true;
      case 'traceStream':
        this.traceOn = m.on === true;
        if (this.machine) {
          this.machine.trace.enabled = this.traceOn;
          // Records made while the view was off are not sent when it turns on again.
          if (this.traceOn) this.traceSeq = this.machine.trace.lastSeq;
        }
        return true;
      case 'inspect':
        this.node = typeof m.node === 'string' ? m.node : null;
        this.lastRegistersMs = Number.NEGATIVE_INFINITY;
        return true;
      default:
        // A QMP command may have changed a port's program, cable or settings.
        if (msg.kind === 'qmp' || msg.kind === 'restoreSnapshot') this.statusDirty = true;
        return false;
    }
  }

  /** Drains the machine and emits whatever is due at wall time `wallMs`. */
  collect(wallMs: number): void {
    const m = this.machine;
    if (!m) return;
    this.collectSerial(m, wallMs);
    if (this.rack && (this.statusDirty || wallMs - this.lastStatusMs >= STATUS_EVERY_MS)) {
      this.lastStatusMs = wallMs;
      this.statusDirty = false;
      this.emit({ kind: 'serialStatus', nowNs: m.nowNs, ports: portStatus(this.rack) });
    }
    if (this.traceOn && wallMs - this.lastTraceMs >= TRACE_EVERY_MS) {
      this.lastTraceMs = wallMs;
      this.collectTrace(m.trace);
    }
    if (this.node !== null && wallMs - this.lastRegistersMs >= REGISTERS_EVERY_MS) {
      this.lastRegistersMs = wallMs;
      this.emit({ kind: 'registers', node: this.node, nowNs: m.nowNs, rows: inspectNode(m, this.node) });
    }
  }

  private collectSerial(m: StreamedMachine, wallMs: number): void {
    const rack = this.rack;
    if (!rack) return;
    for (const { port, bytes } of rack.drainHostOutput()) {
      let buf = this.pending[port];
      if (!buf) {
        buf = [];
        this.pending[port] = buf;
      }
      for (let i = 0; i < bytes.length; i++) buf.push(bytes[i]);
      if (buf.length > SERIAL_BUFFER_MAX) buf.splice(0, buf.length - SERIAL_BUFFER_MAX);
      this.pendingAtNs[port] = m.nowNs;
    }
    if (wallMs - this.lastSerialMs < SERIAL_EVERY_MS) return;
    const chunks: SerialChunk[] = [];
    const transfer: ArrayBuffer[] = [];
    this.pending.forEach((buf, port) => {
      if (!buf || buf.length === 0) return;
      const bytes = Uint8Array.from(buf);
      chunks.push({ port, bytes, atNs: this.pendingAtNs[port] ?? m.nowNs });
      transfer.push(bytes.buffer as ArrayBuffer);
      buf.length = 0;
    });
    if (chunks.length === 0) return;
    this.lastSerialMs = wallMs;
    this.emit({ kind: 'serialOutput', chunks }, transfer);
  }

  private collectTrace(trace: TraceRing): void {
    if (trace.lastSeq < this.traceSeq) this.traceSeq = 0; // the ring was replaced or cleared
    if (trace.lastSeq === this.traceSeq) return;
    const all = trace.since(this.traceSeq);
    const first = all[0]?.seq ?? trace.lastSeq + 1;
    let dropped = Math.max(0, first - this.traceSeq - 1);
    const records = all.length > TRACE_BATCH_MAX ? all.slice(all.length - TRACE_BATCH_MAX) : all;
    dropped += all.length - records.length;
    this.traceSeq = trace.lastSeq;
    this.emit({ kind: 'traceRecords', records: records.map((r) => ({ ...r })), dropped });
  }
}

/** x-query-serial's view of every port plus the host end's settings. */
export function portStatus(rack: SerialRack): SerialPortStatus[] {
  const counters = rack.counters();
  return rack.ports().map((p) => ({
    ...p,
    program: rack.programOf(p.port),
    peer: rack.peerOf(p.port),
    unpaced: rack.isUnpaced(p.port),
    host: rack.hostSettings(p.port),
    hostLost: counters[p.port]?.hostLost ?? 0,
    backlog: counters[p.port]?.backlog ?? 0,
  }));
}
