// Protocol messages of the IndustryPack rack views (serial terminals, bus trace, topology and
// register inspector). protocol.ts joins them into ToWorker / WorkerItem; this file holds the
// shapes so the rack's stream code and the UI agree on them.
//
// Rates (DESIGN rule 4): serial output at most ~60 items a second (every port's bytes since the
// last item, one Uint8Array per port, transferred); status ~5 a second; trace records ~10 a
// second and only while the trace view is on; registers ~4 a second and only for a selected node.

import type { PortInfo } from '../emu/guest/programs/program';

/** UI → worker. */
export type RackToWorker =
  /** Keystrokes typed in a terminal (batched per animation frame): enter the port's host end. */
  | { kind: 'serialInput'; port: number; data: string }
  /** Stream bus-trace records (the trace view is open and not paused), or stop. */
  | { kind: 'traceStream'; on: boolean }
  /** Send live registers of this topology node (null: none). */
  | { kind: 'inspect'; node: string | null };

/** Bytes the host end of `port` received from the line since the previous chunk. */
export interface SerialChunk {
  port: number;
  bytes: Uint8Array;
  /** Virtual time of the drain that collected them (the last byte arrived at or before it). */
  atNs: number;
}

/** One port as the guest driver counted it (x-query-serial) plus the host end's settings. */
export interface SerialPortStatus extends PortInfo {
  program: string;
  peer: number | null;
  unpaced: boolean;
  /** 'follow' (the host matches the guest) or fixed host line settings. */
  host: 'follow' | { baud: number; format: string };
  /** Characters the host end could not frame (its settings disagree with the line). */
  hostLost: number;
  /** Host bytes not yet taken by the receiver. */
  backlog: number;
}

/** A bus-trace record as the machine's TraceRing holds it. */
export interface TraceRow {
  seq: number;
  atNs: number;
  kind: string;
  device: string;
  space: string;
  offset: number;
  width: number;
  value: number;
  text: string;
}

/** A node of the topology tree (PCI bus → TPCI200 → slots → module → channels, SPEC → TDC). */
export interface TopologyNode {
  id: string;
  label: string;
  /** One line of what it is ("TEWS TPCI200, 00:02.0, INTA → IRQ 18"). */
  detail: string;
  /** For a serial channel: its port number (the node links to that terminal). */
  port?: number;
  children: TopologyNode[];
}

/** One decoded register of the inspected node. */
export interface RegisterRow {
  name: string;
  value: number;
  /** Width in bytes (for the hex display). */
  width: number;
  /** Decoded fields, e.g. "RXRDY TXRDY" or "BITS=3 PMODE=2". */
  fields: string;
  note?: string;
}

export type RackItem =
  | { kind: 'serialOutput'; chunks: SerialChunk[] }
  | { kind: 'serialStatus'; nowNs: number; ports: SerialPortStatus[] }
  /** `dropped`: records the ring overwrote before they could be sent. */
  | { kind: 'traceRecords'; records: TraceRow[]; dropped: number }
  | { kind: 'topology'; roots: TopologyNode[] }
  | { kind: 'registers'; node: string; nowNs: number; rows: RegisterRow[] };

export const RACK_ITEM_KINDS: readonly RackItem['kind'][] = [
  'serialOutput',
  'serialStatus',
  'traceRecords',
  'topology',
  'registers',
];

export function isRackItem(item: { kind: string }): item is RackItem {
  return (RACK_ITEM_KINDS as readonly string[]).includes(item.kind);
}
