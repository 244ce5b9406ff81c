// Every message between the UI thread and the lab worker (DESIGN rule 4, STYLE §7).
//
// UI → worker: one small named command per message (`ToWorker`, discriminated by `kind`).
// Worker → UI: one `batch` message per flush (at most ~60 a second) carrying a list of items
// (`WorkerItem`, discriminated by `kind`). Typed arrays inside items are transferred, never copied.
// To add a stream (serial bytes, trace records, TDC timestamps): add an item kind here, push it
// with `LabHost.emit()` in the worker, and handle it in the UI's batch router.
import type { QmpCommand, QmpResponse } from '../emu/control/qmp-types';
import type { LinuxItem, LinuxToWorker } from './linux-protocol';
import type { RackItem, RackToWorker } from './serial-protocol';
import type { TdcItem, TdcToWorker } from './tdc-protocol';

export type { QmpCommand, QmpResponse };

/** Pacing: virtual seconds per wall second, or as fast as the machine can go. */
export type Speed = number | 'max';
/** The header's preset buttons; any other speed in [MIN_SPEED, MAX_SPEED] can be typed in. */
export const SPEEDS: readonly Speed[] = [1, 10, 100, 'max'];
export const MIN_SPEED = 0.01;
export const MAX_SPEED = 10_000;

/** Whether `speed` is one the worker paces at ('max', or a finite number in range). */
export function isValidSpeed(speed: unknown): speed is Speed {
  return speed === 'max' || (typeof speed === 'number' && speed >= MIN_SPEED && speed <= MAX_SPEED);
}

/** What `Machine.create({ lab })` accepts: the default lab, a QEMU command line, or a lab file. */
export type LabSpec = 'default' | { qemu: string } | Record<string, unknown>;

/** The queries run at each tick unless the UI asks for another set with `watch`. */
export const DEFAULT_WATCH: readonly string[] = [
  'x-query-throttle-groups',
  'query-block',
  'query-blockstats',
];

/** The queries sampled on a fixed virtual-time grid for charts, unless `sampleSeries` changes it. */
export const DEFAULT_SERIES = { queries: ['x-query-throttle-groups'], periodNs: 250_000_000 } as const;

export type ToWorker =
  | { kind: 'qmp'; id: number; cmd: QmpCommand }
  | { kind: 'setSpeed'; speed: Speed }
  | { kind: 'pause' }
  | { kind: 'resume' }
  /** Pauses (if running) and advances virtual time by exactly `ns`. */
  | { kind: 'step'; ns: number }
  /** Rebuilds the machine; on error replies `labError` and keeps the old machine running. */
  | { kind: 'loadLab'; lab?: LabSpec; seed?: number }
  /** Sets the argument-less query commands whose results every tick carries. */
  | { kind: 'watch'; queries: string[] }
  /** Sets the queries sampled every `periodNs` of virtual time (sent as `series` items). */
  | { kind: 'sampleSeries'; queries: string[]; periodNs: number }
  | { kind: 'requestSnapshot'; id: number }
  | { kind: 'restoreSnapshot'; id: number; snapshot: unknown }
  /** The IndustryPack rack's views (serial-protocol.ts). */
  | RackToWorker
  /** The TDC panel's stream and exports (tdc-protocol.ts). */
  | TdcToWorker
  /** The guest selector and the Linux console (linux-protocol.ts). */
  | LinuxToWorker;

export interface TickItem {
  kind: 'tick';
  nowNs: number;
  speed: Speed;
  paused: boolean;
  /**
   * 'virtual': paced by the worker at `speed` (deterministic); 'realtime': the machine's clock
   * follows the Linux guest's v86 (speed and step do not apply).
   */
  clock?: 'virtual' | 'realtime';
  /** Virtual seconds per wall second achieved over the last wall second (0 when paused). */
  achievedSpeed: number;
  /** Result (`return` value) of each watched query; a failed query is left out. */
  queries: Record<string, unknown>;
}

/**
 * Results of a sampled query at every multiple of the sampling period the machine ran through
 * since the last batch, oldest first: chart series without gaps, whatever the speed or the UI's
 * frame rate.
 */
export interface SeriesItem {
  kind: 'series';
  query: string;
  points: { nowNs: number; value: unknown }[];
}

export type WorkerItem =
  | { kind: 'ready'; commands: string[] }
  | TickItem
  | SeriesItem
  | { kind: 'qmpResult'; id: number; response: QmpResponse }
  | { kind: 'labLoaded'; generation: number }
  | { kind: 'labError'; message: string }
  /** The machine threw while running (a bug, not bad input): it is paused where it stopped. */
  | { kind: 'fault'; message: string }
  | { kind: 'snapshot'; id: number; snapshot: unknown }
  | { kind: 'restored'; id: number; error?: string }
  | RackItem
  | TdcItem
  | LinuxItem;

export interface FromWorker {
  kind: 'batch';
  /** Increments with every batch, so the UI can tell whether it missed one. */
  seq: number;
  items: WorkerItem[];
}

/** Convenience for the UI router: the item type of a given kind. */
export type ItemOf<K extends WorkerItem['kind']> = Extract<WorkerItem, { kind: K }>;
