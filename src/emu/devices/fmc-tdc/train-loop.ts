// The FMC TDC's pulse-train loop (fmc-tdc.ts sync()): every edge of the lazily time-tagged trains
// up to an instant, merged over the channels in time order (ties by channel), through the channel's
// ACAM front end, the ACAM's time-tagging, the pulse-width filter, numbering and the buffer
// controller — spec tdc.md §2.8, §2.10, §2.11, §3.1.
//
// Interface: setTrain(ch, train, widthKnown) and setTaken(ch, on) before run(limitPs, tdc parts),
// nextEdge(ch)/finished(ch) after it, clearRise(ch?) when an edge comes in between.
// It takes the same steps, counts the same counters and draws the same rng words as
// TdcChannel.tagEdge() one edge at a time. The fast form — timestamp model 'acam' and a clock
// without rate error (ppm 0), the case of every pulse train in a running lab — holds the hot state of
// the five channels in one strided Float64Array for the length of one run (loaded from the channels before,
// written back after: nothing outside the loop looks at a channel while it runs) and inlines the
// arithmetic of acamAccepts(), TdcTimeBase.atInto(), AcamGpx.quantiseInto()/skip(), filterFall()
// and numberInto(); any other case goes through tagEdge() per edge. Equivalence with one scheduler
// event per edge is checked by test/tdc-train.test.ts.

import type { Rng } from '../../core/rng';
import {
  TDC_COARSE_PER_SECOND,
  TDC_FRAC_MASK,
  TDC_META_CHANNEL_MASK,
  TDC_META_SEQ_SHIFT,
  TDC_META_SLOPE,
  TDC_RAW_BINS_MASK,
  TDC_RAW_BINS_SHIFT,
  TDC_SEQ_MODULO,
  TDC_TS_CSR_RAW_MODE,
} from '../../hw/spec-tdc-regs';
import { type AcamGpx, BIN_PS, COARSE_PER_START, FRAC_NUM, FRAC_SHIFT, PS_PER_S, RETRIGGER_PS } from './acam';
import type { TdcDmaBuffer } from './dma-buffer';
import { HIT_DRAIN_NS, HIT_FIFO_DEPTH, PAIR_RESOLUTION_PS, type TdcChannel } from './tdc-channel';
import type { TdcTimeBase } from './time-base';

const NS_PER_S = 1_000_000_000;
/** Timestamps the fast form holds before handing them to the buffers. */
const QUEUE = 1024;
/**
 * Divisions of the per-edge path as multiplications: for whole ps, floor(ps × PER_NS) and
 * floor(ps × PER_START) are corrected by one where the product rounds across an integer, and
 * floor(r × PER_BIN) equals floor(r / BIN_PS) for every r in [0, RETRIGGER_PS) (no r / BIN_PS comes
 * within 1e-6 of an integer but 0; train-loop.test.ts checks them all).
 */
const PER_NS = 1 / 1000;
const PER_START = 1 / RETRIGGER_PS;
export const PER_BIN = 1 / BIN_PS;
const COARSE_PER_SECOND = TDC_COARSE_PER_SECOND;
const SEQ_MODULO = TDC_SEQ_MODULO;
const RAW_MODE = TDC_TS_CSR_RAW_MODE;

// Fields of a channel's lane (stride LANE): the train, then the hot channel state of a fast run.
/** Time (ps) of the next train edge (Infinity = none). */
const EDGE_PS = 0;
/** Index of the next edge: 2k = rising edge of pulse k, 2k + 1 = its falling edge. */
const NEXT = 1;
/** Index past the last edge (Infinity = endless). */
const END = 2;
const WIDTH_PS = 3;
/** From a falling edge to the next rising edge. */
const GAP_PS = 4;
/** 1 = the next edge is a falling edge. */
const PARITY = 5;
/** 1 = the filter holds the rising edge of the train's current pulse (nothing came in between). */
const RISE = 6;
/** 1 = the train's width passes the pulse-width check whatever the jitter. */
const KNOWN = 7;
/** 1 = the channel takes edges (acquiring, mezzanine present, input enabled). */
const TAKEN = 8;
const LAST_NS = 9;
const LAST_PS = 10;
const HIT = 11;
const HIT_AT = 12;
const EDGES = 13;
const LOST = 14;
const FILTERED = 15;
const DUPLICATES = 16;
const MUTED = 17;
const STAMPS = 18;
const SEQ = 19;
const OFF1 = 20;
const OFF2 = 21;
const OFF3 = 22;
const RAW = 23;
/** The filter's remembered rising timestamp: present, flagged, seconds, coarse, frac, bins. */
const HELD = 24;
const FLAG = 25;
const R_SEC = 26;
const R_COARSE = 27;
const R_FRAC = 28;
const R_BINS = 29;
const LANE = 32;

/** A pulse train as the TDC keeps it (fmc-tdc.ts TrainState). */
export interface LoopTrain {
  startPs: number;
  periodPs: number;
  widthPs: number;
  /** Number of pulses; 0 = endless. */
  count: number;
  next: number;
}

export class TrainLoop {
  /** Every channel's lane: LANE fields from ch × LANE. */
  private readonly lane: Float64Array;
  /** Time of the edge take() returned last. */
  private takenPs = 0;
  /** Timestamps emitted by the fast form, waiting for their buffer: record words, channel, time. */
  private readonly queueWords = new Uint32Array(4 * QUEUE);
  private readonly queueCh = new Uint8Array(QUEUE);
  private readonly queueNs = new Float64Array(QUEUE);
  private readonly queueLength = new Uint32Array(1);

  constructor(readonly channelCount: number) {
    this.lane = new Float64Array(channelCount * LANE);
  }

  /** The train of ch (null = none) and whether its width surely passes the filter. */
  setTrain(ch: number, t: LoopTrain | null, widthKnown: boolean): void {
    const b = ch * LANE;
    const l = this.lane;
    if (t === null) {
      l[b + EDGE_PS] = Number.POSITIVE_INFINITY;
      return;
    }
    l[b + EDGE_PS] = t.startPs + (t.next >>> 1) * t.periodPs + (t.next & 1 ? t.widthPs : 0);
    l[b + NEXT] = t.next;
    l[b + PARITY] = t.next % 2;
    l[b + END] = t.count > 0 ? 2 * t.count : Number.POSITIVE_INFINITY;
    l[b + WIDTH_PS] = t.widthPs;
    l[b + GAP_PS] = t.periodPs - t.widthPs;
    l[b + KNOWN] = widthKnown ? 1 : 0;
  }

  setTaken(ch: number, on: boolean): void {
    this.lane[ch * LANE + TAKEN] = on ? 1 : 0;
  }

  /** Index of ch's next train edge after run(). */
  nextEdge(ch: number): number {
    return this.lane[ch * LANE + NEXT];
  }

  /** True when ch's train has no edge left. */
  finished(ch: number): boolean {
    return this.lane[ch * LANE + NEXT] >= this.lane[ch * LANE + END];
  }

  /** Something came in between a train's rising and falling edge (all channels when ch is omitted). */
  clearRise(ch?: number): void {
    for (let c = 0; c < this.channelCount; c++)
      if (ch === undefined || c === ch) this.lane[c * LANE + RISE] = 0;
  }

  /** Every train edge at or before limitPs, in time order. */
  run(
    limitPs: number,
    channels: readonly TdcChannel[],
    buffers: readonly TdcDmaBuffer[],
    acam: AcamGpx,
    timeBase: TdcTimeBase,
    rng: Rng,
  ): void {
    const cells = acam.jitterCells();
    if (
      acam.options.model === 'acam' &&
      timeBase.ppm === 0 &&
      !(cells instanceof Float64Array) &&
      Number.isInteger(timeBase.state.basePs) &&
      this.wholePs()
    ) {
      this.load(channels);
      // runFast() stops early when its queue is full: the buffers take the queue, then it goes on.
      for (;;) {
        acam.outlierCountdown = this.runFast(limitPs, channels[0].filterSettings, acam, timeBase, rng, cells);
        const full = this.queueLength[0] === QUEUE;
        this.drainQueue(buffers);
        if (!full) break;
      }
      this.store(channels);
    } else this.runEach(limitPs, channels);
  }

  /** Every train time is a whole ps (the fast form's divisions rely on it; a restored snapshot may not). */
  private wholePs(): boolean {
    const l = this.lane;
    for (let b = 0; b < this.channelCount * LANE; b += LANE) {
      if (l[b + EDGE_PS] === Number.POSITIVE_INFINITY) continue;
      if (
        !Number.isInteger(l[b + EDGE_PS]) ||
        !Number.isInteger(l[b + WIDTH_PS]) ||
        !Number.isInteger(l[b + GAP_PS])
      ) {
        return false;
      }
    }
    return true;
  }

  /**
   * The next edge in time order (ties by channel), or −1 past limitPs: moves its train on and leaves
   * the edge's time in takenPs.
   */
  private take(limitPs: number): number {
    const l = this.lane;
    let best = 0;
    let bestPs = l[EDGE_PS];
    for (let ch = 1; ch < this.channelCount; ch++) {
      if (l[ch * LANE + EDGE_PS] < bestPs) {
        best = ch;
        bestPs = l[ch * LANE + EDGE_PS];
      }
    }
    if (!(bestPs <= limitPs)) return -1;
    const b = best * LANE;
    const e = l[b + NEXT] + 1;
    l[b + NEXT] = e;
    const falling = l[b + PARITY] === 1;
    l[b + PARITY] = falling ? 0 : 1;
    l[b + EDGE_PS] =
      e >= l[b + END] ? Number.POSITIVE_INFINITY : bestPs + (falling ? l[b + GAP_PS] : l[b + WIDTH_PS]);
    this.takenPs = bestPs;
    return best;
  }

  /** The general form: each edge through TdcChannel.tagEdge(). */
  private runEach(limitPs: number, channels: readonly TdcChannel[]): void {
    const l = this.lane;
    for (;;) {
      const ch = this.take(limitPs);
      if (ch < 0) return;
      const b = ch * LANE;
      if (l[b + TAKEN] === 0) {
        l[b + RISE] = 0;
        continue;
      }
      const ns = Math.floor(this.takenPs / 1000);
      const subPs = this.takenPs - ns * 1000;
      // PARITY has moved on: 0 = this edge was a falling one.
      if (l[b + PARITY] === 0) {
        channels[ch].tagEdge(false, ns, subPs, l[b + RISE] === 1 && l[b + KNOWN] === 1);
        l[b + RISE] = 0;
      } else l[b + RISE] = channels[ch].tagEdge(true, ns, subPs, false) ? 1 : 0;
    }
  }

  private load(channels: readonly TdcChannel[]): void {
    const l = this.lane;
    for (let ch = 0; ch < this.channelCount; ch++) {
      const b = ch * LANE;
      const s = channels[ch].edgeState;
      const c = s.counters;
      l[b + LAST_NS] = s.lastEdgeNs;
      l[b + LAST_PS] = s.lastEdgePs;
      l[b + HIT] = s.hitLevel;
      l[b + HIT_AT] = s.hitAtNs;
      l[b + EDGES] = c.edges;
      l[b + LOST] = c.lostInAcam;
      l[b + FILTERED] = c.filtered;
      l[b + DUPLICATES] = c.duplicates;
      l[b + MUTED] = c.muted;
      l[b + STAMPS] = c.timestamps;
      l[b + SEQ] = s.seq;
      l[b + OFF1] = s.offset1;
      l[b + OFF2] = s.offset2;
      l[b + OFF3] = s.offset3;
      l[b + RAW] = s.csr & RAW_MODE ? 1 : 0;
      const r = s.rising;
      l[b + HELD] = r ? 1 : 0;
      l[b + FLAG] = s.risingFlag ? 1 : 0;
      if (r) {
        l[b + R_SEC] = r.seconds;
        l[b + R_COARSE] = r.coarse;
        l[b + R_FRAC] = r.frac;
        l[b + R_BINS] = r.bins;
      }
    }
  }

  private store(channels: readonly TdcChannel[]): void {
    const l = this.lane;
    for (let ch = 0; ch < this.channelCount; ch++) {
      const b = ch * LANE;
      const s = channels[ch].edgeState;
      const c = s.counters;
      s.lastEdgeNs = l[b + LAST_NS];
      s.lastEdgePs = l[b + LAST_PS];
      s.hitLevel = l[b + HIT];
      s.hitAtNs = l[b + HIT_AT];
      c.edges = l[b + EDGES];
      c.lostInAcam = l[b + LOST];
      c.filtered = l[b + FILTERED];
      c.duplicates = l[b + DUPLICATES];
      c.muted = l[b + MUTED];
      c.timestamps = l[b + STAMPS];
      s.seq = l[b + SEQ];
      s.risingFlag = l[b + FLAG] === 1;
      if (l[b + HELD] === 1) {
        const r = s.rising ?? { seconds: 0, coarse: 0, frac: 0, bins: 0 };
        r.seconds = l[b + R_SEC];
        r.coarse = l[b + R_COARSE];
        r.frac = l[b + R_FRAC];
        r.bins = l[b + R_BINS];
        s.rising = r;
      }
    }
  }

  /**
   * The fast form (header): tagEdge() inlined over the lanes, up to limitPs or until the queue is
   * full (queueLength). Returns the outlier countdown.
   */
  private runFast(
    limitPs: number,
    filter: { minTicks: number; maxTicks: number; duplicateQuirk: boolean },
    acam: AcamGpx,
    timeBase: TdcTimeBase,
    rng: Rng,
    cells: Int16Array | null,
  ): number {
    const l = this.lane;
    const { minTicks, maxTicks, duplicateQuirk } = filter;
    const outlierP = acam.options.outlierProbability;
    let countdown = acam.outlierCountdown;
    const tb = timeBase.state;
    const baseNs = tb.baseNs;
    const baseSeconds = tb.baseSeconds;
    const basePs = tb.basePs;
    let second = 0;
    let secondStartNs = baseNs;
    const queueWords = this.queueWords;
    const queueCh = this.queueCh;
    const queueNs = this.queueNs;
    const queueLength = this.queueLength;
    let queued = 0;
    queueLength[0] = 0;
    for (;;) {
      const ch = this.take(limitPs);
      if (ch < 0) break;
      const b = ch * LANE;
      const atPs = this.takenPs;
      // PARITY has moved on: 0 = this edge was a falling one.
      const falling = l[b + PARITY] === 0;
      if (l[b + TAKEN] === 0) {
        l[b + RISE] = 0;
        continue;
      }
      let nowNs = Math.floor(atPs * PER_NS);
      let subPs = atPs - nowNs * 1000;
      if (subPs < 0) {
        nowNs--;
        subPs += 1000;
      } else if (subPs >= 1000) {
        nowNs++;
        subPs -= 1000;
      }
      // TdcChannel.acamAccepts()
      l[b + EDGES]++;
      const last = l[b + LAST_NS];
      if (last >= 0) {
        const dtNs = nowNs - last;
        if (dtNs < 10 && dtNs * 1000 + subPs - l[b + LAST_PS] < PAIR_RESOLUTION_PS) {
          l[b + LOST]++;
          l[b + RISE] = 0;
          continue;
        }
      }
      // An edge HIT_DRAIN_NS past the FIFO's drain time finds it empty (no division needed).
      const h = l[b + HIT];
      const sinceNs = nowNs - l[b + HIT_AT];
      const level = sinceNs >= HIT_DRAIN_NS * h + HIT_DRAIN_NS ? 0 : Math.max(0, h - sinceNs / HIT_DRAIN_NS);
      l[b + HIT_AT] = nowNs;
      l[b + LAST_NS] = nowNs;
      l[b + LAST_PS] = subPs;
      if (level + 1 > HIT_FIFO_DEPTH) {
        l[b + HIT] = level;
        l[b + LOST]++;
        l[b + RISE] = 0;
        continue;
      }
      l[b + HIT] = level + 1;
      const widthPasses = falling && l[b + RISE] === 1 && l[b + KNOWN] === 1;
      l[b + RISE] = falling ? 0 : 1;
      if (widthPasses) {
        // AcamGpx.skip(): the draws of a timestamp nobody needs.
        if (cells !== null) rng.nextU32();
        if (outlierP > 0) {
          if (countdown > 0) countdown--;
          else {
            acam.outlierCountdown = countdown;
            acam.outlierPs(outlierP);
            countdown = acam.outlierCountdown;
          }
        }
      } else {
        // TdcTimeBase.atInto() at ppm 0 (the second of the previous edge usually holds this one).
        let inNs = nowNs - secondStartNs;
        if (inNs < 0 || inNs >= NS_PER_S) {
          second = Math.floor((nowNs - baseNs) / NS_PER_S);
          secondStartNs = baseNs + second * NS_PER_S;
          inNs = nowNs - secondStartNs;
        }
        let ps = inNs * 1000 + (basePs + subPs);
        let seconds = second;
        while (ps >= PS_PER_S) {
          ps -= PS_PER_S;
          seconds++;
        }
        seconds = (baseSeconds + seconds) >>> 0;
        // AcamGpx.quantiseInto(), model 'acam'.
        if (cells !== null) ps += cells[rng.nextU32() >>> 16];
        if (outlierP > 0) {
          if (countdown > 0) countdown--;
          else {
            acam.outlierCountdown = countdown;
            ps += acam.outlierPs(outlierP);
            countdown = acam.outlierCountdown;
          }
        }
        if (ps < 0) {
          ps += PS_PER_S;
          seconds = (seconds - 1) >>> 0;
        } else if (ps >= PS_PER_S) {
          ps -= PS_PER_S;
          seconds = (seconds + 1) >>> 0;
        }
        let start = Math.floor(ps * PER_START);
        let inStart = ps - start * RETRIGGER_PS;
        if (inStart < 0) {
          start--;
          inStart += RETRIGGER_PS;
        } else if (inStart >= RETRIGGER_PS) {
          start++;
          inStart -= RETRIGGER_PS;
        }
        const bins = Math.floor(inStart * PER_BIN);
        const fracTotal = (bins * FRAC_NUM) >> FRAC_SHIFT;
        let coarse = start * COARSE_PER_START + (fracTotal >>> 12);
        if (coarse >= COARSE_PER_SECOND) {
          coarse -= COARSE_PER_SECOND;
          seconds = (seconds + 1) >>> 0;
        }
        if (!falling) {
          // TdcChannel.filter(): remember the rising edge.
          l[b + HELD] = 1;
          l[b + FLAG] = 1;
          l[b + R_SEC] = seconds;
          l[b + R_COARSE] = coarse;
          l[b + R_FRAC] = fracTotal & 0xfff;
          l[b + R_BINS] = bins;
          continue;
        }
        // TdcChannel.filterFall(ts): the width check (skipped below when it cannot fail).
        if (l[b + HELD] === 1) {
          let ticks = coarse - l[b + R_COARSE];
          let secs = seconds - l[b + R_SEC];
          if (ticks < 0) {
            ticks += COARSE_PER_SECOND;
            secs -= 1;
          }
          if (secs !== 0 || ticks < minTicks || ticks >= maxTicks) {
            l[b + FLAG] = 0;
            l[b + FILTERED]++;
            continue;
          }
        }
      }
      // TdcChannel.filterFall(): the falling edge emits the held rising timestamp.
      const flagged = l[b + FLAG] === 1;
      l[b + FLAG] = 0;
      if (l[b + HELD] === 0 || (!flagged && !duplicateQuirk)) {
        l[b + FILTERED]++;
        continue;
      }
      if (!flagged) l[b + DUPLICATES]++;
      // TdcChannel.numberInto(): muted in raw mode, else offset added (§2.11 carries), numbered.
      if (l[b + RAW] === 1) {
        l[b + MUTED]++;
        continue;
      }
      let frac = l[b + R_FRAC] + (l[b + OFF3] & TDC_FRAC_MASK);
      let carry = 0;
      if (frac >= 4096) {
        frac -= 4096;
        carry = 1;
      }
      let coarse = l[b + R_COARSE] + l[b + OFF2] + carry;
      let seconds = l[b + R_SEC] + l[b + OFF1];
      while (coarse >= COARSE_PER_SECOND) {
        coarse -= COARSE_PER_SECOND;
        seconds++;
      }
      const seq = l[b + SEQ];
      l[b + SEQ] = (seq + 1) >>> 0;
      l[b + STAMPS]++;
      const exported = seq >= 0 && seq < SEQ_MODULO ? seq : seq % SEQ_MODULO;
      // Into the queue; the buffers take it after the loop, in the same order (they draw nothing
      // from the rng and nothing in the loop reads them).
      const q = queued++;
      const w = 4 * q;
      queueWords[w] = seconds >>> 0;
      queueWords[w + 1] = coarse >>> 0;
      queueWords[w + 2] =
        (frac & TDC_FRAC_MASK) | ((l[b + R_BINS] & TDC_RAW_BINS_MASK) << TDC_RAW_BINS_SHIFT);
      queueWords[w + 3] = (ch & TDC_META_CHANNEL_MASK) | TDC_META_SLOPE | (exported << TDC_META_SEQ_SHIFT);
      queueCh[q] = ch;
      queueNs[q] = nowNs;
      queueLength[0] = queued;
      if (queued === QUEUE) break;
    }
    // Nothing after the loop but the return: code first run after an on-stack replacement has no
    // type feedback, and V8 would leave its optimised loop there on every call until recompiled.
    return countdown;
  }

  /** The queued timestamps into their channels' buffer controllers, in the order they were emitted. */
  private drainQueue(buffers: readonly TdcDmaBuffer[]): void {
    const n = this.queueLength[0];
    this.queueLength[0] = 0;
    const w = this.queueWords;
    for (let q = 0; q < n; q++) {
      const b = 4 * q;
      buffers[this.queueCh[q]].acceptRecord(w[b], w[b + 1], w[b + 2], w[b + 3], this.queueNs[q]);
    }
  }
}
