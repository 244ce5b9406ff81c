// Protocol messages of the TDC panel (DESIGN "TDC data path", rule 4). protocol.ts joins them into
// ToWorker / WorkerItem. Everything that changes the machine is a QMP command (x-tdc-*,
// x-inject-fault); these messages only switch the panel's stream on and off and fetch exports.
//
// Rate: one `tdcData` item every TDC_EVERY_MS while the panel is visible (bounded: the newest
// TDC_RECENT_ROWS timestamps per channel, five rates, five 40-bin histograms every few items,
// counters, and the event log only when it changed). Never one item per timestamp.

/** UI → worker. */
export type TdcToWorker =
  /** Stream the TDC views (the panel is visible), or stop. */
  | { kind: 'tdcStream'; on: boolean }
  /** Send the newest timestamps of every channel for a CSV/VCD export (reply: `tdcExport`). */
  | { kind: 'tdcExportRequest'; id: number };

/** One channel as the guest driver counts it (x-query-tdc), plus the host-side rate. */
export interface TdcChannelView {
  channel: number;
  enabled: boolean;
  termination: boolean;
  offsetPs: number;
  /** Timestamps the driver delivered. */
  timestamps: number;
  duplicates: number;
  sequenceGaps: number;
  dropped: number;
  dmaErrors: number;
  dmaRetries: number;
  dmaRecoveries: number;
  /** Delivered timestamps per second over the last second of virtual time. */
  ratePerS: number;
}

/** A decoded timestamp; `index` is its delivery number on that channel (1 = first delivered). */
export interface TdcRow {
  channel: number;
  index: number;
  seconds: number;
  ps: number;
}

/** A line of the TDC event log: an injected fault (fired or not) or the driver's reaction. */
export interface TdcEventRow {
  atNs: number;
  source: 'driver' | 'fault';
  /** Fault kind, or "ch N" / "driver" for driver lines. */
  what: string;
  text: string;
  /** Faults only: when it was armed, and whether it fired. */
  armedAtNs?: number;
  fired?: boolean;
}

export interface TdcHistogram {
  /** Lower bound of each bin in ns (bin k holds [2^k, 2^(k+1)) ns). */
  lowerNs: number[];
  /** counts[channel - 1][bin] */
  counts: number[][];
}

export interface TdcExportChannel {
  channel: number;
  /** Delivery number of the first timestamp sent. */
  firstIndex: number;
  seconds: Float64Array;
  ps: Float64Array;
}

export type TdcItem =
  | {
      kind: 'tdcData';
      nowNs: number;
      /** The guest driver's error handling ('correct' | 'fmc-tdc-v8'). */
      mode: string;
      channels: TdcChannelView[];
      /** The newest timestamps of each channel, oldest first per channel. */
      recent: TdcRow[];
      /** Present every few items (the chart redraws at most twice a second). */
      histogram?: TdcHistogram;
      /** Present when the log changed: the whole (bounded) log, by time. */
      events?: TdcEventRow[];
    }
  /** The lab has no TDC (sent once when the stream is asked for). */
  | { kind: 'tdcAbsent' }
  | { kind: 'tdcExport'; id: number; channels: TdcExportChannel[] };

export const TDC_ITEM_KINDS: readonly TdcItem['kind'][] = ['tdcData', 'tdcAbsent', 'tdcExport'];

export function isTdcItem(item: { kind: string }): item is TdcItem {
  return (TDC_ITEM_KINDS as readonly string[]).includes(item.kind);
}
