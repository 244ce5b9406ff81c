// The FMC TDC's pulse-train loop (fmc-tdc.ts sync()): every edge of the lazily time-tagged trains
// up to an instant, merged over the channels in time order (ties by channel), through the channel's
// ACAM front end, the ACAM's time-tagging, the pulse-width filter, numbering and the buffer
// controller — spec tdc.md §2.8, §2.10, §2.11, §3.1.
//
// Interface: the per-channel train arrays (filled by sync() before run()), rise (cleared by the TDC
// when an edge comes in between), run(limitPs, tdc parts).
// It takes the same steps, counts the same counters and draws the same rng words as
// TdcChannel.tagEdge() one edge at a time. The fast form — timestamp model 'acam' and a clock
// without rate error (ppm 0), the case of every pulse train in a running lab — holds the hot state of
// the five channels in typed arrays for the length of one run (loaded from the channels before,
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

export class TrainLoop {
  /** Per channel: time (ps) and index of the next train edge (2k rising, 2k + 1 falling edge of pulse
   * k), index past the last edge, pulse width and the gap from a falling to the next rising edge. */
  readonly edgePs: Float64Array;
  readonly next: Float64Array;
  readonly end: Float64Array;
  readonly widthPs: Float64Array;
  readonly gapPs: Float64Array;
  /** 1 = the next train edge is a falling edge. */
  readonly parity: Uint8Array;
  /** 1 = the filter holds the rising edge of the train's current pulse (nothing came in between). */
  readonly rise: Uint8Array;
  /** 1 = the train's width passes the pulse-width check whatever the jitter. */
  readonly known: Uint8Array;
  /** 1 = the channel takes edges (acquiring, mezzanine present, input enabled). */
  readonly taken: Uint8Array;

  // Hot channel state for one fast run (TdcChannel state and counters by channel).
  private readonly lastNs: Float64Array;
  private readonly lastPs: Float64Array;
  private readonly hit: Float64Array;
  private readonly hitAt: Float64Array;
  private readonly edges: Float64Array;
  private readonly lost: Float64Array;
  private readonly filtered: Float64Array;
  private readonly duplicates: Float64Array;
  private readonly muted: Float64Array;
  private readonly stamps: Float64Array;
  private readonly seq: Float64Array;
  private readonly off1: Float64Array;
  private readonly off2: Float64Array;
  private readonly off3: Float64Array;
  private readonly raw: Uint8Array;
  /** The filter's remembered rising timestamp: present, flagged, seconds, coarse, frac, bins. */
  private readonly held: Uint8Array;
  private readonly flag: Uint8Array;
  private readonly rSec: Float64Array;
  private readonly rCoarse: Float64Array;
  private readonly rFrac: Float64Array;
  private readonly rBins: Float64Array;
  /** Time of the edge take() returned last. */
  private takenPs = 0;
  /** Timestamps emitted by the fast form, waiting for their buffer: record words, channel, time. */
  private readonly queueWords = new Uint32Array(4 * QUEUE);
  private readonly queueCh = new Uint8Array(QUEUE);
  private readonly queueNs = new Float64Array(QUEUE);
  private readonly queueLength = new Uint32Array(1);

  constructor(readonly channelCount: number) {
    const f = () => new Float64Array(channelCount);
    const u = () => new Uint8Array(channelCount);
    this.edgePs = f();
    this.next = f();
    this.end = f();
    this.widthPs = f();
    this.gapPs = f();
    this.parity = u();
    this.rise = u();
    this.known = u();
    this.taken = u();
    this.lastNs = f();
    this.lastPs = f();
    this.hit = f();
    this.hitAt = f();
    this.edges = f();
    this.lost = f();
    this.filtered = f();
    this.duplicates = f();
    this.muted = f();
    this.stamps = f();
    this.seq = f();
    this.off1 = f();
    this.off2 = f();
    this.off3 = f();
    this.raw = u();
    this.held = u();
    this.flag = u();
    this.rSec = f();
    this.rCoarse = f();
    this.rFrac = f();
    this.rBins = f();
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
      acam.outlierCountdown = this.runFast(
        limitPs,
        channels[0].filterSettings,
        buffers,
        acam,
        timeBase,
        rng,
        cells,
      );
      this.drainQueue(buffers);
      this.store(channels);
    } else this.runEach(limitPs, channels);
  }

  /** Every train time is a whole ps (the fast form's divisions rely on it; a restored snapshot may not). */
  private wholePs(): boolean {
    for (let ch = 0; ch < this.channelCount; ch++) {
      const at = this.edgePs[ch];
      if (at === Number.POSITIVE_INFINITY) continue;
      if (!Number.isInteger(at) || !Number.isInteger(this.widthPs[ch]) || !Number.isInteger(this.gapPs[ch])) {
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
    const edgePs = this.edgePs;
    let best = 0;
    let bestPs = edgePs[0];
    for (let ch = 1; ch < this.channelCount; ch++) {
      if (edgePs[ch] < bestPs) {
        best = ch;
        bestPs = edgePs[ch];
      }
    }
    if (!(bestPs <= limitPs)) return -1;
    const e = this.next[best] + 1;
    this.next[best] = e;
    const falling = this.parity[best] === 1;
    this.parity[best] ^= 1;
    edgePs[best] =
      e >= this.end[best]
        ? Number.POSITIVE_INFINITY
        : bestPs + (falling ? this.gapPs[best] : this.widthPs[best]);
    this.takenPs = bestPs;
    return best;
  }

  /** The general form: each edge through TdcChannel.tagEdge(). */
  private runEach(limitPs: number, channels: readonly TdcChannel[]): void {
    const rise = this.rise;
    for (;;) {
      const ch = this.take(limitPs);
      if (ch < 0) return;
      if (this.taken[ch] === 0) {
        rise[ch] = 0;
        continue;
      }
      const ns = Math.floor(this.takenPs / 1000);
      const subPs = this.takenPs - ns * 1000;
      // parity has moved on: 0 = this edge was a falling one.
      if (this.parity[ch] === 0) {
        channels[ch].tagEdge(false, ns, subPs, rise[ch] === 1 && this.known[ch] === 1);
        rise[ch] = 0;
      } else rise[ch] = channels[ch].tagEdge(true, ns, subPs, false) ? 1 : 0;
    }
  }

  private load(channels: readonly TdcChannel[]): void {
    for (let ch = 0; ch < this.channelCount; ch++) {
      const s = channels[ch].edgeState;
      const c = s.counters;
      this.lastNs[ch] = s.lastEdgeNs;
      this.lastPs[ch] = s.lastEdgePs;
      this.hit[ch] = s.hitLevel;
      this.hitAt[ch] = s.hitAtNs;
      this.edges[ch] = c.edges;
      this.lost[ch] = c.lostInAcam;
      this.filtered[ch] = c.filtered;
      this.duplicates[ch] = c.duplicates;
      this.muted[ch] = c.muted;
      this.stamps[ch] = c.timestamps;
      this.seq[ch] = s.seq;
      this.off1[ch] = s.offset1;
      this.off2[ch] = s.offset2;
      this.off3[ch] = s.offset3;
      this.raw[ch] = s.csr & RAW_MODE ? 1 : 0;
      const r = s.rising;
      this.held[ch] = r ? 1 : 0;
      this.flag[ch] = s.risingFlag ? 1 : 0;
      if (r) {
        this.rSec[ch] = r.seconds;
        this.rCoarse[ch] = r.coarse;
        this.rFrac[ch] = r.frac;
        this.rBins[ch] = r.bins;
      }
    }
  }

  private store(channels: readonly TdcChannel[]): void {
    for (let ch = 0; ch < this.channelCount; ch++) {
      const s = channels[ch].edgeState;
      const c = s.counters;
      s.lastEdgeNs = this.lastNs[ch];
      s.lastEdgePs = this.lastPs[ch];
      s.hitLevel = this.hit[ch];
      s.hitAtNs = this.hitAt[ch];
      c.edges = this.edges[ch];
      c.lostInAcam = this.lost[ch];
      c.filtered = this.filtered[ch];
      c.duplicates = this.duplicates[ch];
      c.muted = this.muted[ch];
      c.timestamps = this.stamps[ch];
      s.seq = this.seq[ch];
      s.risingFlag = this.flag[ch] === 1;
      if (this.held[ch] === 1) {
        const r = s.rising ?? { seconds: 0, coarse: 0, frac: 0, bins: 0 };
        r.seconds = this.rSec[ch];
        r.coarse = this.rCoarse[ch];
        r.frac = this.rFrac[ch];
        r.bins = this.rBins[ch];
        s.rising = r;
      }
    }
  }

  /** The fast form (header): tagEdge() inlined over the typed arrays. Returns the outlier countdown. */
  private runFast(
    limitPs: number,
    filter: { minTicks: number; maxTicks: number; duplicateQuirk: boolean },
    buffers: readonly TdcDmaBuffer[],
    acam: AcamGpx,
    timeBase: TdcTimeBase,
    rng: Rng,
    cells: Int16Array | null,
  ): number {
    const n = this.channelCount;
    const edgePs = this.edgePs;
    const next = this.next;
    const end = this.end;
    const parity = this.parity;
    const widthPs = this.widthPs;
    const gapPs = this.gapPs;
    const taken = this.taken;
    const known = this.known;
    const rise = this.rise;
    const lastNs = this.lastNs;
    const lastPs = this.lastPs;
    const hit = this.hit;
    const hitAt = this.hitAt;
    const edges = this.edges;
    const lost = this.lost;
    const filtered = this.filtered;
    const duplicates = this.duplicates;
    const muted = this.muted;
    const stamps = this.stamps;
    const seqs = this.seq;
    const off1 = this.off1;
    const off2 = this.off2;
    const off3 = this.off3;
    const raw = this.raw;
    const held = this.held;
    const flag = this.flag;
    const rSec = this.rSec;
    const rCoarse = this.rCoarse;
    const rFrac = this.rFrac;
    const rBins = this.rBins;
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
      // take(), inlined: the next edge in time order.
      let ch = 0;
      let atPs = edgePs[0];
      for (let c = 1; c < n; c++) {
        if (edgePs[c] < atPs) {
          ch = c;
          atPs = edgePs[c];
        }
      }
      if (!(atPs <= limitPs)) break;
      const e = next[ch] + 1;
      next[ch] = e;
      const falling = parity[ch] === 1;
      parity[ch] ^= 1;
      edgePs[ch] = e >= end[ch] ? Number.POSITIVE_INFINITY : atPs + (falling ? gapPs[ch] : widthPs[ch]);
      if (taken[ch] === 0) {
        rise[ch] = 0;
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
      edges[ch]++;
      const last = lastNs[ch];
      if (last >= 0) {
        const dtNs = nowNs - last;
        if (dtNs < 10 && dtNs * 1000 + subPs - lastPs[ch] < PAIR_RESOLUTION_PS) {
          lost[ch]++;
          rise[ch] = 0;
          continue;
        }
      }
      // An edge HIT_DRAIN_NS past the FIFO's drain time finds it empty (no division needed).
      const h = hit[ch];
      const sinceNs = nowNs - hitAt[ch];
      const level = sinceNs >= HIT_DRAIN_NS * h + HIT_DRAIN_NS ? 0 : Math.max(0, h - sinceNs / HIT_DRAIN_NS);
      hitAt[ch] = nowNs;
      lastNs[ch] = nowNs;
      lastPs[ch] = subPs;
      if (level + 1 > HIT_FIFO_DEPTH) {
        hit[ch] = level;
        lost[ch]++;
        rise[ch] = 0;
        continue;
      }
      hit[ch] = level + 1;
      const widthPasses = falling && rise[ch] === 1 && known[ch] === 1;
      rise[ch] = falling ? 0 : 1;
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
          held[ch] = 1;
          flag[ch] = 1;
          rSec[ch] = seconds;
          rCoarse[ch] = coarse;
          rFrac[ch] = fracTotal & 0xfff;
          rBins[ch] = bins;
          continue;
        }
        // TdcChannel.filterFall(ts): the width check (skipped below when it cannot fail).
        if (held[ch] === 1) {
          let ticks = coarse - rCoarse[ch];
          let secs = seconds - rSec[ch];
          if (ticks < 0) {
            ticks += COARSE_PER_SECOND;
            secs -= 1;
          }
          if (secs !== 0 || ticks < minTicks || ticks >= maxTicks) {
            flag[ch] = 0;
            filtered[ch]++;
            continue;
          }
        }
      }
      // TdcChannel.filterFall(): the falling edge emits the held rising timestamp.
      const flagged = flag[ch] === 1;
      flag[ch] = 0;
      if (held[ch] === 0 || (!flagged && !duplicateQuirk)) {
        filtered[ch]++;
        continue;
      }
      if (!flagged) duplicates[ch]++;
      // TdcChannel.numberInto(): muted in raw mode, else offset added (§2.11 carries), numbered.
      if (raw[ch] === 1) {
        muted[ch]++;
        continue;
      }
      let frac = rFrac[ch] + (off3[ch] & TDC_FRAC_MASK);
      let carry = 0;
      if (frac >= 4096) {
        frac -= 4096;
        carry = 1;
      }
      let coarse = rCoarse[ch] + off2[ch] + carry;
      let seconds = rSec[ch] + off1[ch];
      while (coarse >= COARSE_PER_SECOND) {
        coarse -= COARSE_PER_SECOND;
        seconds++;
      }
      const seq = seqs[ch];
      seqs[ch] = (seq + 1) >>> 0;
      stamps[ch]++;
      const exported = seq >= 0 && seq < SEQ_MODULO ? seq : seq % SEQ_MODULO;
      // Into the queue; the buffers take it after the loop, in the same order (they draw nothing
      // from the rng and nothing in the loop reads them).
      const q = queued++;
      const w = 4 * q;
      queueWords[w] = seconds >>> 0;
      queueWords[w + 1] = coarse >>> 0;
      queueWords[w + 2] = (frac & TDC_FRAC_MASK) | ((rBins[ch] & TDC_RAW_BINS_MASK) << TDC_RAW_BINS_SHIFT);
      queueWords[w + 3] = (ch & TDC_META_CHANNEL_MASK) | TDC_META_SLOPE | (exported << TDC_META_SEQ_SHIFT);
      queueCh[q] = ch;
      queueNs[q] = nowNs;
      queueLength[0] = queued;
      if (queued === QUEUE) {
        this.drainQueue(buffers);
        queued = 0;
      }
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
