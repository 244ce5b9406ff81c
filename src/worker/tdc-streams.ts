// The worker side of the TDC panel: while the panel is visible, every TDC_EVERY_MS it reads the
// TDC subsystem's host-side views (decoded timestamps, rates, interval histograms, the guest
// driver's counters, the fault and driver event log) and emits one bounded `tdcData` item
// (DESIGN rule 4). Free of worker globals, so Node tests drive it with a fake clock.
import type { QmpCommand, QmpResponse } from '../emu/control/qmp-types';
import type { Subsystem } from '../emu/subsystem';
import type { TdcLogEntry, TdcSubsystem } from '../emu/tdc/tdc-subsystem';
import type {
  TdcChannelView,
  TdcEventRow,
  TdcExportChannel,
  TdcHistogram,
  TdcItem,
  TdcRow,
  TdcToWorker,
} from './tdc-protocol';

export const TDC_EVERY_MS = 200;
/** The histogram rides on every this-many-th item (charts redraw at most ~2/s). */
export const HISTOGRAM_EVERY = 5;
/** Newest timestamps per channel in each item. */
export const TDC_RECENT_ROWS = 12;
/** Newest timestamps per channel in an export (the subsystem keeps 1024). */
export const TDC_EXPORT_ROWS = 1024;
/** Event-log lines sent (the newest). */
export const TDC_EVENT_ROWS = 200;
const CHANNELS = 5;

/** What the stream needs of a Machine (the real one is src/emu/machine.ts). */
export interface TdcStreamedMachine {
  readonly nowNs: number;
  qmp(cmd: QmpCommand): QmpResponse;
  getSubsystem<T extends Subsystem = Subsystem>(name: string): T | undefined;
}

type Emit = (item: TdcItem, transfer?: ArrayBuffer[]) => void;

export class TdcStreams {
  private machine: TdcStreamedMachine | undefined;
  private tdc: TdcSubsystem | undefined;
  private on = false;
  private lastMs = Number.NEGATIVE_INFINITY;
  private items = 0;
  private eventsKey = '';
  private absentSent = false;

  constructor(private readonly emit: Emit) {}

  /** A new machine was built (or loaded): the next item carries everything. */
  attach(machine: TdcStreamedMachine): void {
    this.machine = machine;
    this.tdc = machine.getSubsystem<TdcSubsystem>('tdc');
    this.reset();
  }

  /** Handles a TDC message; returns false for messages that are not the TDC's. */
  handle(msg: TdcToWorker | { kind: string }): boolean {
    const m = msg as TdcToWorker;
    switch (m.kind) {
      case 'tdcStream':
        this.on = m.on === true;
        this.reset();
        return true;
      case 'tdcExportRequest':
        this.sendExport(m.id);
        return true;
      default:
        // A command may have changed a setting or armed a fault: show it at once.
        if (msg.kind === 'qmp' || msg.kind === 'restoreSnapshot') this.lastMs = Number.NEGATIVE_INFINITY;
        return false;
    }
  }

  /** Emits a `tdcData` item when one is due at wall time `wallMs`. */
  collect(wallMs: number): void {
    if (!this.on || !this.machine) return;
    if (wallMs - this.lastMs < TDC_EVERY_MS) return;
    this.lastMs = wallMs;
    const tdc = this.tdc;
    if (!tdc) {
      if (!this.absentSent) this.emit({ kind: 'tdcAbsent' });
      this.absentSent = true;
      return;
    }
    const channels = channelViews(tdc);
    const item: TdcItem = {
      kind: 'tdcData',
      nowNs: this.machine.nowNs,
      mode: tdc.driver.status().mode,
      channels,
      recent: recentRows(tdc, channels, TDC_RECENT_ROWS),
    };
    if (this.items++ % HISTOGRAM_EVERY === 0) item.histogram = histogram(tdc);
    const log = tdc.eventLog();
    const key = eventsKey(log);
    if (key !== this.eventsKey) {
      this.eventsKey = key;
      item.events = log.slice(-TDC_EVENT_ROWS).map(eventRow);
    }
    this.emit(item);
  }

  private reset(): void {
    this.lastMs = Number.NEGATIVE_INFINITY;
    this.items = 0;
    this.eventsKey = '';
    this.absentSent = false;
  }

  private sendExport(id: number): void {
    const tdc = this.tdc;
    const out: TdcExportChannel[] = [];
    const transfer: ArrayBuffer[] = [];
    if (tdc) {
      const views = channelViews(tdc);
      for (let ch = 1; ch <= CHANNELS; ch++) {
        const rows = tdc.recentTimestamps(ch, TDC_EXPORT_ROWS);
        const seconds = Float64Array.from(rows, (r) => r.seconds);
        const ps = Float64Array.from(rows, (r) => r.ps);
        out.push({ channel: ch, firstIndex: views[ch - 1].timestamps - rows.length + 1, seconds, ps });
        transfer.push(seconds.buffer as ArrayBuffer, ps.buffer as ArrayBuffer);
      }
    }
    this.emit({ kind: 'tdcExport', id, channels: out }, transfer);
  }
}

/** The guest driver's per-channel counters (as x-query-tdc reports them) and the rates. */
export function channelViews(tdc: TdcSubsystem): TdcChannelView[] {
  const rates = tdc.rates();
  const out: TdcChannelView[] = [];
  for (let ch = 0; ch < CHANNELS; ch++) {
    const s = tdc.driver.channelStatus(ch);
    out.push({
      channel: ch + 1,
      enabled: s.enabled,
      termination: s.termination,
      offsetPs: s.offsetPs,
      timestamps: s.timestamps,
      duplicates: s.duplicates,
      sequenceGaps: s.sequenceGaps,
      dropped: s.dropped,
      dmaErrors: s.dmaErrors,
      dmaRetries: s.dmaRetries,
      dmaRecoveries: s.dmaRecoveries,
      ratePerS: rates[ch],
    });
  }
  return out;
}

/** The newest `n` timestamps of each channel, numbered by delivery (the last is `timestamps`). */
export function recentRows(tdc: TdcSubsystem, views: readonly TdcChannelView[], n: number): TdcRow[] {
  const rows: TdcRow[] = [];
  for (const v of views) {
    const recent = tdc.recentTimestamps(v.channel, n);
    const first = v.timestamps - recent.length + 1;
    recent.forEach((r, i) => {
      rows.push({ channel: v.channel, index: first + i, seconds: r.seconds, ps: r.ps });
    });
  }
  return rows;
}

function histogram(tdc: TdcSubsystem): TdcHistogram {
  const counts: number[][] = [];
  let lowerNs: number[] = [];
  for (let ch = 1; ch <= CHANNELS; ch++) {
    const h = tdc.intervalHistogram(ch);
    lowerNs = h.lowerNs;
    counts.push(h.counts);
  }
  return { lowerNs, counts };
}

/** Changes whenever a line is added or a fault fires. */
function eventsKey(log: readonly TdcLogEntry[]): string {
  let fired = 0;
  for (const e of log) if (e.source === 'fault' && e.fired) fired++;
  const last = log[log.length - 1];
  return `${log.length}:${fired}:${last?.atNs ?? 0}`;
}

function eventRow(e: TdcLogEntry): TdcEventRow {
  if (e.source === 'fault')
    return {
      atNs: e.atNs,
      source: 'fault',
      what: e.kind,
      text: e.effect,
      armedAtNs: e.armedAtNs,
      fired: e.fired,
    };
  return { atNs: e.atNs, source: 'driver', what: e.channel > 0 ? `ch ${e.channel}` : 'driver', text: e.text };
}
