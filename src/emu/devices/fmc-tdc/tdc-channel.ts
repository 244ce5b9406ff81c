// One FMC TDC input channel between the connector and the buffer controller, spec tdc.md §2.6
// (timestamp block: OFFSET1..3, CSR RST_SEQ/RAW_MODE), §2.10 (pulse-width filter, sequence
// numbers, raw mode), §2.13 and §3.1 (ACAM limits: 5.5 ns pair resolution, 32-hit FIFO drained at
// 10 MHz per channel).
//
// Interface (used by fmc-tdc.ts): connect(acam, time base, buffer); tagEdge(rising, nowNs, subPs,
// widthKnown) takes one edge through all of it (the steps below); emit(ts) numbers and stores a
// timestamp; acamAccepts(nowNs, subPs) (false = edge lost in the ACAM); filter(rising, ts) → the
// timestamp to emit or null; number(ts) → record words (offset added, sequence assigned); clear()
// on channel disable; read/write of the timestamp block; edgeState for train-loop.ts, which inlines
// these steps for pulse trains.
// Filter [S: gateware as read, §2.10]: a rising edge is remembered; a falling edge emits the
// remembered rising timestamp if the seconds difference is 0 and the tick difference (frac
// ignored, borrow applied) is ≥ minTicks. With `duplicateQuirk` the flag is not checked, so a second
// falling edge re-emits the previous rising edge (P6a). DELTA1..3 read 0 and the FIFO registers
// belong to FIFO builds: both RAZ here.

import { check } from '../../core/snapshot';
import {
  TDC_COARSE_PER_SECOND,
  TDC_COARSE_PS,
  TDC_TS_CSR_RAW_MODE,
  TDC_TS_CSR_RST_SEQ,
  TDC_TS_REGS,
} from '../../hw/spec-tdc-regs';
import type { AcamGpx, TdcTimestamp } from './acam';
import type { TdcDmaBuffer } from './dma-buffer';
import { addOffsetInto, encodeRecordInto, type RecordWords, type TdcOffset } from './record';
import type { BoardTime, TdcTimeBase } from './time-base';

const R = TDC_TS_REGS;
/** ACAM limits (§3.1): two edges closer than this are one; hit FIFO depth, drained one hit per 100 ns. */
export const PAIR_RESOLUTION_PS = 5500;
export const HIT_FIFO_DEPTH = 32;
export const HIT_DRAIN_NS = 100;

export interface FilterOptions {
  minTicks: number;
  /** Widths of maxTicks or more are dropped; 125,000,000 = the gateware's "< 1 s". */
  maxTicks: number;
  duplicateQuirk: boolean;
}

export interface ChannelCounters {
  edges: number;
  lostInAcam: number;
  filtered: number;
  duplicates: number;
  muted: number;
  timestamps: number;
}

export interface ChannelState {
  offset1: number;
  offset2: number;
  offset3: number;
  csr: number;
  seq: number;
  rising: TdcTimestamp | null;
  risingFlag: boolean;
  lastEdgeNs: number;
  lastEdgePs: number;
  hitLevel: number;
  hitAtNs: number;
  counters: ChannelCounters;
}

export interface ChannelSnapshot extends ChannelState {
  v: 1;
}

/** What an edge goes through after the channel: the ACAM's time-tagging, the time base, the buffer. */
export interface EdgePath {
  acam: AcamGpx;
  timeBase: TdcTimeBase;
  buffer: TdcDmaBuffer;
}

export class TdcChannel {
  private s: ChannelState = TdcChannel.initialState();
  /** Run before state is looked at from outside (the TDC time-tags the edges already due). */
  beforeAccess: () => void = () => {};
  /** Scratch for numberInto(): OFFSET1..3 and the offset timestamp. */
  private readonly offset: TdcOffset = { seconds: 0, coarse: 0, frac: 0 };
  private readonly sum: TdcTimestamp = { seconds: 0, coarse: 0, frac: 0, bins: 0 };
  private readonly words = new Uint32Array(4);
  /** Scratch board time and timestamp of the edge being time-tagged. */
  private readonly edgeTime: BoardTime = { seconds: 0, ps: 0 };
  private readonly edgeTs: TdcTimestamp = { seconds: 0, coarse: 0, frac: 0, bins: 0 };
  private path: EdgePath | null = null;

  constructor(
    readonly index: number,
    private readonly filterOptions: FilterOptions,
  ) {}

  /** Wiring (fmc-tdc.ts): where tagEdge() takes an edge after the channel. */
  connect(path: EdgePath): void {
    this.path = path;
  }

  private static initialState(): ChannelState {
    return {
      offset1: 0,
      offset2: 0,
      offset3: 0,
      csr: 0,
      seq: 0,
      rising: null,
      risingFlag: false,
      lastEdgeNs: -1,
      lastEdgePs: 0,
      hitLevel: 0,
      hitAtNs: 0,
      counters: { edges: 0, lostInAcam: 0, filtered: 0, duplicates: 0, muted: 0, timestamps: 0 },
    };
  }

  reset(): void {
    const counters = this.s.counters;
    this.s = TdcChannel.initialState();
    this.s.counters = counters;
  }

  get state(): Readonly<ChannelState> {
    this.beforeAccess();
    return this.s;
  }

  /** The live state without the beforeAccess hook: for the TDC's own train loop (train-loop.ts). */
  get edgeState(): ChannelState {
    return this.s;
  }

  get filterSettings(): Readonly<FilterOptions> {
    return this.filterOptions;
  }

  get counters(): Readonly<ChannelCounters> {
    this.beforeAccess();
    return this.s.counters;
  }

  get rawMode(): boolean {
    return (this.s.csr & TDC_TS_CSR_RAW_MODE) !== 0;
  }

  /** Channel disabled: filter state cleared, sequence back to 0. */
  clear(): void {
    this.s.rising = null;
    this.s.risingFlag = false;
    this.s.seq = 0;
  }

  /** Fault B7: preset the sequence counter (e.g. just below 2^28). */
  presetSequence(seq: number): void {
    this.beforeAccess();
    this.s.seq = seq >>> 0;
  }

  /** ACAM front end: pair resolution and hit-FIFO depth. False = the edge is lost. */
  acamAccepts(nowNs: number, subPs: number): boolean {
    const s = this.s;
    s.counters.edges++;
    if (s.lastEdgeNs >= 0) {
      const dtNs = nowNs - s.lastEdgeNs;
      if (dtNs < 10 && dtNs * 1000 + subPs - s.lastEdgePs < PAIR_RESOLUTION_PS) {
        s.counters.lostInAcam++;
        return false;
      }
    }
    s.hitLevel = Math.max(0, s.hitLevel - (nowNs - s.hitAtNs) / HIT_DRAIN_NS);
    s.hitAtNs = nowNs;
    s.lastEdgeNs = nowNs;
    s.lastEdgePs = subPs;
    if (s.hitLevel + 1 > HIT_FIFO_DEPTH) {
      s.counters.lostInAcam++;
      return false;
    }
    s.hitLevel += 1;
    return true;
  }

  /** Pulse-width filter: the rising timestamp to emit, or null. */
  filter(rising: boolean, ts: TdcTimestamp): TdcTimestamp | null {
    const s = this.s;
    if (rising) {
      // Copied into the channel's own record: callers may reuse ts for the next edge.
      const r = s.rising;
      if (r) {
        r.seconds = ts.seconds;
        r.coarse = ts.coarse;
        r.frac = ts.frac;
        r.bins = ts.bins;
      } else s.rising = { seconds: ts.seconds, coarse: ts.coarse, frac: ts.frac, bins: ts.bins };
      s.risingFlag = true;
      return null;
    }
    return this.filterFall(ts);
  }

  /** True when a pulse of widthPs, each edge time-tagged within ±errorPs / 2, always passes the filter. */
  widthSurelyPasses(widthPs: number, errorPs: number): boolean {
    const o = this.filterOptions;
    return (
      Math.floor((widthPs - errorPs) / TDC_COARSE_PS) >= o.minTicks &&
      Math.floor((widthPs + errorPs) / TDC_COARSE_PS) + 1 < Math.min(o.maxTicks, TDC_COARSE_PER_SECOND)
    );
  }

  /**
   * The falling-edge half of filter(); ts null = a falling edge whose width is known to pass the
   * check (a pulse train's own rising and falling edges far from both limits, fmc-tdc.ts).
   */
  filterFall(ts: TdcTimestamp | null): TdcTimestamp | null {
    const s = this.s;
    const r = s.rising;
    const flagged = s.risingFlag;
    s.risingFlag = false;
    if (!r || (!flagged && !this.filterOptions.duplicateQuirk)) {
      s.counters.filtered++;
      return null;
    }
    if (ts === null) {
      if (!flagged) s.counters.duplicates++;
      return r;
    }
    let ticks = ts.coarse - r.coarse;
    let secs = ts.seconds - r.seconds;
    if (ticks < 0) {
      ticks += TDC_COARSE_PER_SECOND;
      secs -= 1;
    }
    if (secs !== 0 || ticks < this.filterOptions.minTicks || ticks >= this.filterOptions.maxTicks) {
      s.counters.filtered++;
      return null;
    }
    if (!flagged) s.counters.duplicates++;
    return r;
  }

  /**
   * An edge at virtual nowNs + subNsPs ps through an acquiring, enabled channel: ACAM front end,
   * time-tagging, pulse-width filter, numbering, buffer (tdc.md §2.8). widthKnown: a falling edge
   * that passes the width check whatever its timestamp, so only the rng draws of its time-tagging
   * matter. True when the ACAM took the edge.
   */
  tagEdge(rising: boolean, nowNs: number, subNsPs: number, widthKnown: boolean): boolean {
    const path = this.path;
    if (path === null || !this.acamAccepts(nowNs, subNsPs)) return false;
    let emitted: TdcTimestamp | null;
    if (widthKnown) {
      path.acam.skip();
      emitted = this.filterFall(null);
    } else {
      const ts = path.acam.quantiseInto(path.timeBase.atInto(nowNs, subNsPs, this.edgeTime), this.edgeTs);
      emitted = rising ? this.filter(true, ts) : this.filterFall(ts);
    }
    if (emitted !== null) this.emit(emitted, nowNs);
    return true;
  }

  /** A timestamp leaves the filter at nowNs: numbered (unless muted) and handed to the buffer. */
  emit(ts: TdcTimestamp, nowNs: number): void {
    const w = this.words;
    if (this.numberInto(ts, w) && this.path !== null)
      this.path.buffer.acceptRecord(w[0], w[1], w[2], w[3], nowNs);
  }

  /**
   * number() without allocation: offset added (§2.11 carries), sequence assigned, the record's four
   * words written to out[0..3]. False when muted (raw mode).
   */
  numberInto(ts: TdcTimestamp, out: Uint32Array): boolean {
    const s = this.s;
    if (s.csr & TDC_TS_CSR_RAW_MODE) {
      s.counters.muted++;
      return false;
    }
    const off = this.offset;
    off.seconds = s.offset1;
    off.coarse = s.offset2;
    off.frac = s.offset3;
    encodeRecordInto(addOffsetInto(ts, off, this.sum), this.index, s.seq, true, out);
    s.seq = (s.seq + 1) >>> 0;
    s.counters.timestamps++;
    return true;
  }

  /** Offset added, sequence number assigned (before the buffer stage); null when muted (raw mode). */
  number(ts: TdcTimestamp): RecordWords | null {
    const w = new Uint32Array(4);
    return this.numberInto(ts, w) ? [w[0], w[1], w[2], w[3]] : null;
  }

  read(offset: number): number {
    switch (offset) {
      case R.OFFSET1.offset:
        return this.s.offset1;
      case R.OFFSET2.offset:
        return this.s.offset2;
      case R.OFFSET3.offset:
        return this.s.offset3;
      case R.CSR.offset:
        return this.s.csr & ~TDC_TS_CSR_RST_SEQ & ~0x2;
      case R.FIFO_CSR.offset:
        return 1 << 17; // EMPTY (no FIFO in the DMA build)
      default:
        return 0;
    }
  }

  write(offset: number, value: number): void {
    const v = value >>> 0;
    switch (offset) {
      case R.OFFSET1.offset:
        this.s.offset1 = v;
        break;
      case R.OFFSET2.offset:
        this.s.offset2 = v;
        break;
      case R.OFFSET3.offset:
        this.s.offset3 = v & 0xfff;
        break;
      case R.CSR.offset:
        if (v & TDC_TS_CSR_RST_SEQ) this.s.seq = 0;
        this.s.csr = v & 0x78;
        break;
    }
  }

  snapshot(): ChannelSnapshot {
    this.beforeAccess();
    return JSON.parse(JSON.stringify({ v: 1, ...this.s })) as ChannelSnapshot;
  }

  restore(snap: ChannelSnapshot): void {
    check(
      snap?.v === 1 && Number.isInteger(snap.seq) && typeof snap.counters === 'object',
      'tdc channel: bad snapshot',
    );
    const { v: _v, ...rest } = JSON.parse(JSON.stringify(snap)) as ChannelSnapshot;
    this.s = rest;
  }
}
