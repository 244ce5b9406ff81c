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
// the five channels in one strided Float64Array for the length of one run (loaded from the channels
// before, written back after: nothing outside the loop looks at a channel while it runs) and inlines
// the arithmetic of acamAccepts(), TdcTimeBase.atInto(), AcamGpx.quantiseInto()/skip(), filterFall()
// and numberInto(); any other case goes through tagEdge() per edge. The only thing the channels
// share per edge is the rng (one jitter word per edge the ACAM takes, in merged order, and the
// outlier countdown), so the fast form runs in chunks of at most CAP − 1 edges per channel, each in
// three passes: (1) per channel, the ACAM front end lists the edges it takes; (2) the rng draws in
// merged order give each listed edge its jitter + outlier; (3) per channel, with its state in
// locals, time-tagging, filter and numbering; then the chunk's timestamps go to the buffer
// controllers (drainOut()). A regular chunk (patternChunk(): one common period, edges far enough
// apart that the front end loses none, widths that surely pass the filter) lists nothing: its edges
// follow from each channel's first, and the merged order repeats every period; its draws run in
// stretches between outlier draws (drawRegular()) and pass 3 takes a whole pulse per step in 32-bit
// arithmetic, a period added to the time kept as (second, start, ps in start) (tagRegular()). The
// constants the regular path spells as literals are checked by train-loop.test.ts. Equivalence with one
// scheduler event per edge is checked by test/tdc-train.test.ts, the whole pipeline against the
// pre-optimisation code by test/tdc-pipeline-golden.test.ts.

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
/** Edges per channel in one chunk of the fast form (even), and so its list sizes. */
const CAP = 1024;
/** Kinds of an edge the ACAM takes (pass 1 of the fast form). */
const KIND_RISE = 0;
const KIND_FALL = 1;
/** A falling edge whose pulse-width check cannot fail: its draws are made, its time not computed. */
const KIND_FALL_KNOWN = 2;
/**
 * Edges at least this far apart are all taken by the ACAM front end once its hit FIFO holds one
 * entry: 200 ns drains it (HIT_DRAIN_NS per entry, level 0 again) and is far beyond the pair
 * resolution (10 ns checked).
 */
const REGULAR_SPACING_PS = 2 * HIT_DRAIN_NS * 1000;
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

// Fields of TrainLoop.params.
const P_MIN_TICKS = 0;
const P_MAX_TICKS = 1;
const P_DUPLICATES = 2;
const P_BASE_NS = 3;
const P_BASE_SECONDS = 4;
const P_BASE_PS = 5;

/** floor(ps / 1000) of a whole ps: a multiplication, corrected where the product rounds across an integer. */
function nsOf(ps: number): number {
  const ns = Math.floor(ps * PER_NS);
  const sub = ps - ns * 1000;
  return sub < 0 ? ns - 1 : sub >= 1000 ? ns + 1 : ns;
}

/** The Rng's four sfc32 words into words (through its snapshot: the generator is core's). */
function saveRng(rng: Rng, words: Int32Array): void {
  const s = rng.snapshot().s;
  for (let i = 0; i < 4; i++) words[i] = s[i];
}

/** The four words back into the Rng. */
function loadRng(rng: Rng, words: Int32Array): void {
  rng.restore({ v: 1, s: [words[0] >>> 0, words[1] >>> 0, words[2] >>> 0, words[3] >>> 0] });
}

/**
 * numberInto() of a held rising timestamp into record o of the fast form's output: the channel
 * offsets added (§2.11: frac carries into coarse, coarse into seconds), the raw bins, the meta
 * word (channel, slope, sequence) and the ps of the emitting edge.
 */
function putRecord(
  words: Uint32Array,
  ps: Float64Array,
  o: number,
  seconds: number,
  coarse: number,
  frac: number,
  bins: number,
  meta: number,
  off1: number,
  off2: number,
  off3: number,
  emitPs: number,
): void {
  // 32-bit arithmetic: the seconds word keeps its low 32 bits whatever the carries (patternChunk()
  // lets only whole offsets with OFFSET2 below a second through).
  let f = frac + off3;
  let c = coarse + off2;
  if (f >= 4096) {
    f -= 4096;
    c++;
  }
  let sec = (seconds + off1) | 0;
  while (c >= 125_000_000) {
    c -= 125_000_000;
    sec = (sec + 1) | 0;
  }
  const w = 4 * o;
  words[w] = sec;
  words[w + 1] = c;
  words[w + 2] = f | ((bins & 0x1fff) << 12);
  words[w + 3] = meta;
  ps[o] = emitPs;
}

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
  // The fast form's lists, CAP entries per channel from ch × CAP: edges the ACAM took (time, kind,
  // jitter + outlier drawn for it), then timestamps (record words, ps of the emitting edge).
  private readonly edgePs: Float64Array;
  private readonly edgeKind: Uint8Array;
  private readonly edgeDelta: Int32Array;
  private readonly edgeCount: Uint32Array;
  private readonly outWords: Uint32Array;
  private readonly outPs: Float64Array;
  private readonly outCount: Uint32Array;
  /** Per channel: list position and next edge time of a merge. */
  private readonly drawPos: Uint32Array;
  private readonly drawHead: Float64Array;
  /** Per channel in a regular chunk: 1 = its first edge rises, 0 = falls, 2 = not in it; that edge. */
  private readonly regularRising: Uint8Array;
  private readonly regularPs: Float64Array;
  /** A regular chunk's pattern: per slot the offset from its period's start, channel, second edge. */
  private readonly patternOffset: Float64Array;
  private readonly patternChannel: Uint8Array;
  private readonly patternSecond: Uint8Array;
  private readonly patternDst: Int32Array;
  private patternLength = 0;
  /** The run's filter and time-base settings (P_*), set by run(). */
  private readonly params = new Float64Array(6);
  /** The rng's words and the ACAM's outlier countdown while pass 2 draws. */
  private readonly rngWords = new Int32Array(4);
  private readonly countdown = new Float64Array(1);
  /** Pass 2's merged order: per draw, the list index its jitter goes to (−1 = none). */
  private readonly drawOrder: Int32Array;
  /** Per channel: lowest and highest DDR address its buffer controller may write. */
  private readonly hull: Float64Array;

  constructor(readonly channelCount: number) {
    this.lane = new Float64Array(channelCount * LANE);
    this.edgePs = new Float64Array(channelCount * CAP);
    this.edgeKind = new Uint8Array(channelCount * CAP);
    this.edgeDelta = new Int32Array(channelCount * CAP);
    this.edgeCount = new Uint32Array(channelCount);
    this.outWords = new Uint32Array(4 * channelCount * CAP);
    this.outPs = new Float64Array(channelCount * CAP);
    this.outCount = new Uint32Array(channelCount);
    this.drawPos = new Uint32Array(channelCount);
    this.drawHead = new Float64Array(channelCount);
    this.hull = new Float64Array(2 * channelCount);
    this.regularRising = new Uint8Array(channelCount).fill(2);
    this.regularPs = new Float64Array(channelCount);
    this.patternOffset = new Float64Array(2 * channelCount);
    this.patternChannel = new Uint8Array(2 * channelCount);
    this.patternSecond = new Uint8Array(2 * channelCount);
    this.patternDst = new Int32Array(2 * channelCount);
    this.drawOrder = new Int32Array(channelCount * CAP);
    this.drawRegular(0, 0, null, null, new Int16Array(1));
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
      // The run's settings as numbers: the objects they come from may differ in hidden class from
      // one machine to the next, and an optimised runFast()/tagEdges() would be thrown away for it.
      const f = channels[0].filterSettings;
      const tb = timeBase.state;
      const p = this.params;
      p[P_MIN_TICKS] = f.minTicks;
      p[P_MAX_TICKS] = f.maxTicks;
      p[P_DUPLICATES] = f.duplicateQuirk ? 1 : 0;
      p[P_BASE_NS] = tb.baseNs;
      p[P_BASE_SECONDS] = tb.baseSeconds;
      p[P_BASE_PS] = tb.basePs;
      this.runFast(limitPs, acam.options.outlierProbability, buffers, acam, rng, cells);
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
   * The fast form (header): the edges up to limitPs in chunks of at most CAP − 1 per channel, each
   * in three passes (ACAM front end per channel, rng draws in merged order, time-tagging, filter and
   * numbering per channel); then the chunk's timestamps go to the buffers, which draw nothing from
   * the rng and which nothing in the passes reads.
   */
  private runFast(
    limitPs: number,
    outlierP: number,
    buffers: readonly TdcDmaBuffer[],
    acam: AcamGpx,
    rng: Rng,
    cells: Int16Array | null,
  ): void {
    const channels = this.channelCount;
    const counts = this.edgeCount;
    for (;;) {
      const chunkPs = this.chunkLimit(limitPs);
      const regular = this.patternChunk(chunkPs);
      let any = 0;
      for (let ch = 0; ch < channels; ch++) {
        counts[ch] =
          this.regularRising[ch] < 2 ? this.advanceRegular(ch, chunkPs) : this.acceptEdges(ch, chunkPs);
        any += counts[ch];
      }
      if (any > 0) {
        // Pass 2 draws on a copy of the rng's words and the outlier countdown (drawAll()), handed
        // back here.
        saveRng(rng, this.rngWords);
        this.countdown[0] = acam.outlierCountdown;
        if (regular && cells !== null && Number.isInteger(this.countdown[0]))
          this.drawRegular(any, outlierP, acam, rng, cells);
        else {
          if (!regular) this.mergeOrder(any);
          this.drawAll(any, regular, outlierP, acam, rng, cells);
        }
        loadRng(rng, this.rngWords);
        acam.outlierCountdown = this.countdown[0];
        let stamps = 0;
        for (let ch = 0; ch < channels; ch++) {
          if (counts[ch] > 0) {
            if (regular) this.tagRegular(ch, counts[ch]);
            else this.tagEdges(ch, counts[ch]);
            stamps += this.outCount[ch];
          } else this.outCount[ch] = 0;
        }
        if (stamps > 0) this.drainOut(buffers);
      }
      if (chunkPs >= limitPs) return;
    }
  }

  /**
   * Whether the chunk up to chunkPs is regular, and if so its pattern. Regular: every channel that
   * takes edges in the chunk has a train of one common period whose edges are far enough apart that
   * the ACAM front end loses none (REGULAR_SPACING_PS) and whose width surely passes the filter, not
   * in raw mode, not ending in the chunk, its first edge taken as the ACAM would (pair resolution,
   * hit FIFO drained) and, when that is a falling edge, the pulse's rising timestamp held; and the
   * first two edges of all those channels lie within one period of the earliest. Then every period
   * repeats their merged order (the pattern), and the channels' edges follow from their first.
   * Sets regularRising (per channel: 0/1 the first edge rises, 2 = not in the pattern) and
   * regularPs (first edge).
   */
  private patternChunk(chunkPs: number): boolean {
    const l = this.lane;
    const channels = this.channelCount;
    const mark = this.regularRising;
    const first = this.regularPs;
    mark.fill(2);
    // tagRegular() keeps the time without jitter within its second: the time base's ps must be one.
    const basePs = this.params[P_BASE_PS];
    if (!(basePs >= 0 && basePs < PS_PER_S)) return false;
    let period = -1;
    let startPs = Number.POSITIVE_INFINITY;
    let members = 0;
    for (let ch = 0; ch < channels; ch++) {
      const b = ch * LANE;
      const edgePs = l[b + EDGE_PS];
      if (!(edgePs <= chunkPs) || l[b + TAKEN] === 0) continue;
      const widthPs = l[b + WIDTH_PS];
      const gapPs = l[b + GAP_PS];
      const seq = l[b + SEQ];
      const off2 = l[b + OFF2];
      if (
        l[b + KNOWN] !== 1 ||
        l[b + RAW] === 1 ||
        !(Number.isInteger(seq) && seq >= 0 && seq < 2 ** 32) ||
        !(Number.isInteger(off2) && off2 >= 0 && off2 < COARSE_PER_SECOND) ||
        !Number.isInteger(l[b + OFF1]) ||
        !Number.isInteger(l[b + OFF3]) ||
        !(l[b + NEXT] + CAP <= l[b + END]) ||
        widthPs < REGULAR_SPACING_PS ||
        gapPs < REGULAR_SPACING_PS ||
        widthPs + gapPs > PS_PER_S ||
        (period >= 0 && widthPs + gapPs !== period)
      ) {
        return this.notRegular();
      }
      period = widthPs + gapPs;
      // The first edge: taken by the ACAM, leaving its hit FIFO at one entry.
      const nowNs = nsOf(edgePs);
      const lastNs = l[b + LAST_NS];
      const hit = l[b + HIT];
      if ((lastNs >= 0 && nowNs - lastNs < 10) || nowNs - l[b + HIT_AT] < HIT_DRAIN_NS * hit + HIT_DRAIN_NS) {
        return this.notRegular();
      }
      const falling = l[b + PARITY] === 1;
      if (falling && (l[b + RISE] !== 1 || l[b + HELD] !== 1 || l[b + FLAG] !== 1)) return this.notRegular();
      mark[ch] = falling ? 0 : 1;
      first[ch] = edgePs;
      if (edgePs < startPs) startPs = edgePs;
      members++;
    }
    if (members === 0) return this.notRegular();
    // The pattern: each member's first two edges, which must lie within [startPs, startPs + period).
    const off = this.patternOffset;
    const pch = this.patternChannel;
    const second = this.patternSecond;
    let n = 0;
    for (let ch = 0; ch < channels; ch++) {
      if (mark[ch] === 2) continue;
      const b = ch * LANE;
      const e0 = first[ch] - startPs;
      const e1 = e0 + (mark[ch] === 1 ? l[b + WIDTH_PS] : l[b + GAP_PS]);
      if (e1 >= period) return this.notRegular();
      for (let isSecond = 0; isSecond < 2; isSecond++) {
        const e = isSecond === 0 ? e0 : e1;
        // Insertion by (offset, channel): channels come in ascending order, so ties stay behind.
        let k = n++;
        while (k > 0 && off[k - 1] > e) {
          off[k] = off[k - 1];
          pch[k] = pch[k - 1];
          second[k] = second[k - 1];
          k--;
        }
        off[k] = e;
        pch[k] = ch;
        second[k] = isSecond;
      }
    }
    // Where each slot's delta goes (channel list + which of its two edges), rising edges only.
    for (let k = 0; k < n; k++) {
      const ch = pch[k];
      this.patternDst[k] = (second[k] === 1) !== (mark[ch] === 1) ? ch * CAP + second[k] : -1;
    }
    this.patternLength = n;
    return true;
  }

  private notRegular(): boolean {
    this.regularRising.fill(2);
    return false;
  }

  /**
   * Pass 1 for a channel of a regular chunk: its edges up to chunkPs, all taken by the ACAM (none
   * lost, the hit FIFO back at one entry each time), counted and the state moved past the last.
   */
  private advanceRegular(ch: number, chunkPs: number): number {
    const l = this.lane;
    const b = ch * LANE;
    const t0 = l[b + EDGE_PS];
    const widthPs = l[b + WIDTH_PS];
    const gapPs = l[b + GAP_PS];
    const period = widthPs + gapPs;
    const step = l[b + PARITY] === 1 ? gapPs : widthPs;
    // Edges 2k at t0 + k·period, edges 2k + 1 at t0 + step + k·period (exact: whole ps below 2^53).
    let m = Math.floor((chunkPs - t0) / period) + 1;
    if (chunkPs >= t0 + step) m += Math.floor((chunkPs - t0 - step) / period) + 1;
    const lastPs = t0 + Math.floor((m - 1) / 2) * period + ((m - 1) % 2 === 1 ? step : 0);
    const nowNs = nsOf(lastPs);
    l[b + EDGE_PS] = t0 + Math.floor(m / 2) * period + (m % 2 === 1 ? step : 0);
    l[b + NEXT] += m;
    if (m % 2 === 1) l[b + PARITY] = 1 - l[b + PARITY];
    // PARITY now says what the next edge is: 1 = falling, so the last one rose.
    l[b + RISE] = l[b + PARITY];
    l[b + LAST_NS] = nowNs;
    l[b + LAST_PS] = lastPs - nowNs * 1000;
    l[b + HIT] = 1;
    l[b + HIT_AT] = nowNs;
    l[b + EDGES] += m;
    return m;
  }

  /**
   * The rng draws of `total` edges in merged order, each as AcamGpx.quantiseInto()/skip() makes
   * them: the jitter cell (Rng.nextU32(), sfc32, on the rng's words in locals), then the outlier
   * countdown (the ACAM draws an outlier's own words from the Rng, handed the words around that).
   * Jitter + outlier in ps goes to deltas[drawOrder[e]] or, in a regular chunk, to the pattern
   * slot's entry (none for a falling edge, which only draws).
   * The words and the countdown are written back to rngWords/countdown after every edge: code after
   * a loop compiled on stack replacement has no type feedback, and V8 would bail out there on every
   * call (runFast() hands them back to the Rng and the ACAM).
   */
  private drawAll(
    total: number,
    regular: boolean,
    outlierP: number,
    acam: AcamGpx,
    rng: Rng,
    cells: Int16Array | null,
  ): void {
    const order = this.drawOrder;
    const dst = this.patternDst;
    const n = this.patternLength;
    let k = 0;
    let index = 0;
    const deltas = this.edgeDelta;
    const w = this.rngWords;
    const cd = this.countdown;
    let a = w[0];
    let b = w[1];
    let c = w[2];
    let d = w[3];
    let left = cd[0];
    for (let e = 0; e < total; e++) {
      let to: number;
      if (regular) {
        // A regular chunk's edges are the first `total` of its pattern repeated period after period
        // (they precede every later one); each slot knows its channel list entry.
        const at = dst[k];
        to = at >= 0 ? at + index : -1;
        if (++k === n) {
          k = 0;
          index += 2;
        }
      } else to = order[e];
      // The jitter cell is looked up only for an edge whose delta is kept (the table is 128 KiB:
      // a falling edge's lookup was a cache miss for nothing).
      let delta = 0;
      if (cells !== null) {
        const t = (a + b + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (((c << 21) | (c >>> 11)) + t) | 0;
        if (to >= 0) delta = cells[t >>> 16];
      }
      if (outlierP > 0) {
        if (left > 0) left--;
        else {
          w[0] = a;
          w[1] = b;
          w[2] = c;
          w[3] = d;
          delta += this.drawOutlier(left, outlierP, acam, rng);
          left = cd[0];
          a = w[0];
          b = w[1];
          c = w[2];
          d = w[3];
        }
      }
      if (to >= 0) deltas[to] = delta;
      w[0] = a;
      w[1] = b;
      w[2] = c;
      w[3] = d;
      cd[0] = left;
    }
  }

  /**
   * The outlier step of an edge whose countdown has run out (drawAll(), drawRegular()): the rng's
   * words, in rngWords, go to the Rng for the ACAM's own draws and come back; the new countdown goes
   * to countdown[0]. Returns the outlier in ps (0 when the new countdown starts without one).
   */
  private drawOutlier(left: number, outlierP: number, acam: AcamGpx, rng: Rng): number {
    const w = this.rngWords;
    loadRng(rng, w);
    acam.outlierCountdown = left;
    const ps = acam.outlierPs(outlierP);
    this.countdown[0] = acam.outlierCountdown;
    saveRng(rng, w);
    return ps;
  }

  /**
   * drawAll() of a regular chunk with a jitter table: the edges in runs without an outlier draw
   * (the ACAM's countdown above zero: it only counts down), each run one tight loop on the rng's
   * words in locals over the pattern's slots, a rising edge's jitter cell into its list entry; the
   * edge that reaches the countdown's end hands the words to the Rng and the ACAM (outlierPs()) as
   * drawAll() does. The words and the countdown go back to rngWords/countdown at the end (the
   * constructor runs this once with no edges, so that code has type feedback when V8 compiles the
   * loop on stack replacement).
   */
  private drawRegular(
    total: number,
    outlierP: number,
    acam: AcamGpx | null,
    rng: Rng | null,
    cells: Int16Array,
  ): void {
    const dst = this.patternDst;
    const n = this.patternLength;
    const deltas = this.edgeDelta;
    const w = this.rngWords;
    const cd = this.countdown;
    let a = w[0];
    let b = w[1];
    let c = w[2];
    let d = w[3];
    let left = cd[0];
    let k = 0;
    let index = 0;
    let e = 0;
    while (e < total) {
      // Edges whose outlier step is a countdown only: `left` of them at most.
      let run = total - e;
      if (outlierP > 0 && left < run) run = Math.max(left, 0);
      if (outlierP > 0) left -= run;
      const end = e + run;
      for (; e < end; e++) {
        const t = (a + b + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (((c << 21) | (c >>> 11)) + t) | 0;
        const at = dst[k];
        if (at >= 0) deltas[at + index] = cells[t >>> 16];
        if (++k === n) {
          k = 0;
          index += 2;
        }
      }
      if (e >= total) break;
      // The edge whose outlier step draws (countdown at zero or to be drawn).
      const t = (a + b + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      const at = dst[k];
      let delta = at >= 0 ? cells[t >>> 16] : 0;
      w[0] = a;
      w[1] = b;
      w[2] = c;
      w[3] = d;
      delta += this.drawOutlier(left, outlierP, acam!, rng!);
      left = cd[0];
      a = w[0];
      b = w[1];
      c = w[2];
      d = w[3];
      if (at >= 0) deltas[at + index] = delta;
      if (++k === n) {
        k = 0;
        index += 2;
      }
      e++;
    }
    w[0] = a;
    w[1] = b;
    w[2] = c;
    w[3] = d;
    cd[0] = left;
  }

  /**
   * Every channel's edges up to at most CAP − 1 each: the last ps of the chunk (≤ limitPs). Edges at
   * or before it form a prefix of the merged order (ps, then channel), so the chunk can be taken
   * channel by channel.
   */
  private chunkLimit(limitPs: number): number {
    const l = this.lane;
    let limit = limitPs;
    for (let b = 0; b < this.channelCount * LANE; b += LANE) {
      const edgePs = l[b + EDGE_PS];
      if (!(edgePs <= limit)) continue;
      // Edge NEXT + CAP − 1 (CAP even): CAP/2 − 1 periods on, then one width or gap.
      if (l[b + NEXT] + CAP - 1 >= l[b + END]) continue;
      const at =
        edgePs +
        (CAP / 2 - 1) * (l[b + WIDTH_PS] + l[b + GAP_PS]) +
        (l[b + PARITY] === 1 ? l[b + GAP_PS] : l[b + WIDTH_PS]);
      if (at - 1 < limit) limit = at - 1;
    }
    return limit;
  }

  /**
   * Pass 1 of the fast form, one channel: its train edges up to limitPs through the ACAM front end
   * (TdcChannel.acamAccepts(): pair resolution, hit FIFO). Each edge the ACAM takes goes into the
   * channel's edge list with its kind (rising, falling, falling whose width check cannot fail).
   * Returns the number of edges listed.
   */
  private acceptEdges(ch: number, limitPs: number): number {
    const l = this.lane;
    const b = ch * LANE;
    let edgePs = l[b + EDGE_PS];
    if (!(edgePs <= limitPs)) return 0;
    let next = l[b + NEXT];
    const end = l[b + END];
    const widthPs = l[b + WIDTH_PS];
    const gapPs = l[b + GAP_PS];
    let parity = l[b + PARITY];
    let rise = l[b + RISE];
    if (l[b + TAKEN] === 0) {
      // Edges of a channel that does not take them only move its train on.
      while (edgePs <= limitPs) {
        const falling = parity === 1;
        next++;
        parity = falling ? 0 : 1;
        edgePs = next >= end ? Number.POSITIVE_INFINITY : edgePs + (falling ? gapPs : widthPs);
      }
      l[b + EDGE_PS] = edgePs;
      l[b + NEXT] = next;
      l[b + PARITY] = parity;
      l[b + RISE] = 0;
      return 0;
    }
    const known = l[b + KNOWN] === 1;
    let lastNs = l[b + LAST_NS];
    let lastPs = l[b + LAST_PS];
    let hit = l[b + HIT];
    let hitAt = l[b + HIT_AT];
    let edges = l[b + EDGES];
    let lost = l[b + LOST];
    const times = this.edgePs;
    const kinds = this.edgeKind;
    const base = ch * CAP;
    let n = 0;
    while (edgePs <= limitPs) {
      const atPs = edgePs;
      const falling = parity === 1;
      next++;
      parity = falling ? 0 : 1;
      edgePs = next >= end ? Number.POSITIVE_INFINITY : atPs + (falling ? gapPs : widthPs);
      const nowNs = nsOf(atPs);
      const subPs = atPs - nowNs * 1000;
      edges++;
      if (lastNs >= 0) {
        const dtNs = nowNs - lastNs;
        if (dtNs < 10 && dtNs * 1000 + subPs - lastPs < PAIR_RESOLUTION_PS) {
          lost++;
          rise = 0;
          continue;
        }
      }
      // An edge HIT_DRAIN_NS past the FIFO's drain time finds it empty (no division needed).
      const sinceNs = nowNs - hitAt;
      const level =
        sinceNs >= HIT_DRAIN_NS * hit + HIT_DRAIN_NS ? 0 : Math.max(0, hit - sinceNs / HIT_DRAIN_NS);
      hitAt = nowNs;
      lastNs = nowNs;
      lastPs = subPs;
      if (level + 1 > HIT_FIFO_DEPTH) {
        hit = level;
        lost++;
        rise = 0;
        continue;
      }
      hit = level + 1;
      times[base + n] = atPs;
      kinds[base + n] = falling ? (rise === 1 && known ? KIND_FALL_KNOWN : KIND_FALL) : KIND_RISE;
      n++;
      rise = falling ? 0 : 1;
    }
    l[b + EDGE_PS] = edgePs;
    l[b + NEXT] = next;
    l[b + PARITY] = parity;
    l[b + RISE] = rise;
    l[b + LAST_NS] = lastNs;
    l[b + LAST_PS] = lastPs;
    l[b + HIT] = hit;
    l[b + HIT_AT] = hitAt;
    l[b + EDGES] = edges;
    l[b + LOST] = lost;
    return n;
  }

  /**
   * Pass 2 of the fast form, the order of its draws: the listed edges merged over the channels
   * (ps, then channel), as one edge at a time draws them (drawAll()).
   */
  private mergeOrder(total: number): void {
    const counts = this.edgeCount;
    const pos = this.drawPos;
    const head = this.drawHead;
    const times = this.edgePs;
    const order = this.drawOrder;
    const channels = this.channelCount;
    for (let c = 0; c < channels; c++) {
      pos[c] = 0;
      head[c] = counts[c] > 0 ? times[c * CAP] : Number.POSITIVE_INFINITY;
    }
    for (let e = 0; e < total; e++) {
      let best = 0;
      let bestPs = head[0];
      for (let ch = 1; ch < channels; ch++) {
        if (head[ch] < bestPs) {
          bestPs = head[ch];
          best = ch;
        }
      }
      const i = pos[best]++;
      order[e] = best * CAP + i;
      head[best] = i + 1 < counts[best] ? times[best * CAP + i + 1] : Number.POSITIVE_INFINITY;
    }
  }

  /**
   * Pass 3 of the fast form, one channel: its listed edges time-tagged (TdcTimeBase.atInto() at
   * ppm 0, AcamGpx.quantiseInto() with the drawn jitter), filtered (filter(), filterFall()) and
   * numbered (numberInto()); each timestamp goes into the channel's output list with the ps of its emitting edge.
   */
  private tagEdges(ch: number, n: number): void {
    const l = this.lane;
    const b = ch * LANE;
    const p = this.params;
    const minTicks = p[P_MIN_TICKS];
    const maxTicks = p[P_MAX_TICKS];
    const duplicateQuirk = p[P_DUPLICATES] === 1;
    const baseNs = p[P_BASE_NS];
    const baseSeconds = p[P_BASE_SECONDS];
    const basePs = p[P_BASE_PS];
    let second = 0;
    let secondStartPs = baseNs * 1000;
    let filtered = l[b + FILTERED];
    let duplicates = l[b + DUPLICATES];
    let muted = l[b + MUTED];
    let stamps = l[b + STAMPS];
    let seq = l[b + SEQ];
    const off1 = l[b + OFF1];
    const off2 = l[b + OFF2];
    const off3 = l[b + OFF3] & TDC_FRAC_MASK;
    const raw = l[b + RAW] === 1;
    let held = l[b + HELD] === 1;
    let flag = l[b + FLAG] === 1;
    let rSec = l[b + R_SEC];
    let rCoarse = l[b + R_COARSE];
    let rFrac = l[b + R_FRAC];
    let rBins = l[b + R_BINS];
    const times = this.edgePs;
    const kinds = this.edgeKind;
    const deltas = this.edgeDelta;
    const outWords = this.outWords;
    const outPs = this.outPs;
    const base = ch * CAP;
    let out = 0;
    for (let i = 0; i < n; i++) {
      const at = base + i;
      const atPs = times[at];
      const emitPs = atPs;
      const kind = kinds[at];
      if (kind !== KIND_FALL_KNOWN) {
        // TdcTimeBase.atInto() at ppm 0, in ps from the start of the second (whole ps: the same sum
        // as ns × 1000 + sub-ns ps; the second of the previous edge usually holds this one).
        let inPs = atPs - secondStartPs;
        if (inPs < 0 || inPs >= PS_PER_S) {
          second = Math.floor((nsOf(atPs) - baseNs) / NS_PER_S);
          secondStartPs = (baseNs + second * NS_PER_S) * 1000;
          inPs = atPs - secondStartPs;
        }
        let ps = inPs + basePs;
        let seconds = second;
        while (ps >= PS_PER_S) {
          ps -= PS_PER_S;
          seconds++;
        }
        seconds = (baseSeconds + seconds) >>> 0;
        // AcamGpx.quantiseInto(), model 'acam', with the jitter and outlier drawn in pass 2.
        ps += deltas[at];
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
        if (kind === KIND_RISE) {
          // TdcChannel.filter(): remember the rising edge.
          held = true;
          flag = true;
          rSec = seconds;
          rCoarse = coarse;
          rFrac = fracTotal & 0xfff;
          rBins = bins;
          continue;
        }
        if (held) {
          // TdcChannel.filterFall(ts): the width check (skipped when it cannot fail).
          let ticks = coarse - rCoarse;
          let secs = seconds - rSec;
          if (ticks < 0) {
            ticks += COARSE_PER_SECOND;
            secs -= 1;
          }
          if (secs !== 0 || ticks < minTicks || ticks >= maxTicks) {
            flag = false;
            filtered++;
            continue;
          }
        }
      }
      // TdcChannel.filterFall(): the falling edge emits the held rising timestamp.
      const flagged = flag;
      flag = false;
      if (!held || (!flagged && !duplicateQuirk)) {
        filtered++;
        continue;
      }
      if (!flagged) duplicates++;
      // TdcChannel.numberInto(): muted in raw mode, else offset added (§2.11 carries), numbered.
      if (raw) {
        muted++;
        continue;
      }
      let frac = rFrac + off3;
      let carry = 0;
      if (frac >= 4096) {
        frac -= 4096;
        carry = 1;
      }
      let coarse = rCoarse + off2 + carry;
      let seconds = rSec + off1;
      while (coarse >= COARSE_PER_SECOND) {
        coarse -= COARSE_PER_SECOND;
        seconds++;
      }
      const exported = seq >= 0 && seq < SEQ_MODULO ? seq : seq % SEQ_MODULO;
      seq = (seq + 1) >>> 0;
      stamps++;
      const o = base + out;
      const w = 4 * o;
      outWords[w] = seconds >>> 0;
      outWords[w + 1] = coarse >>> 0;
      outWords[w + 2] = (frac & TDC_FRAC_MASK) | ((rBins & TDC_RAW_BINS_MASK) << TDC_RAW_BINS_SHIFT);
      outWords[w + 3] = (ch & TDC_META_CHANNEL_MASK) | TDC_META_SLOPE | (exported << TDC_META_SEQ_SHIFT);
      outPs[o] = emitPs;
      out++;
    }
    l[b + FILTERED] = filtered;
    l[b + DUPLICATES] = duplicates;
    l[b + MUTED] = muted;
    l[b + STAMPS] = stamps;
    l[b + SEQ] = seq;
    l[b + HELD] = held ? 1 : 0;
    l[b + FLAG] = flag ? 1 : 0;
    l[b + R_SEC] = rSec;
    l[b + R_COARSE] = rCoarse;
    l[b + R_FRAC] = rFrac;
    l[b + R_BINS] = rBins;
    this.outCount[ch] = out;
  }

  /**
   * Pass 3 for a channel of a regular chunk (patternChunk()): its n edges alternate from the first
   * (regularPs, regularRising) one width or gap apart; a first falling edge emits the held rising
   * timestamp, every later pulse is time-tagged at its rising edge and emitted at its falling edge
   * (the width check cannot fail, the filter holds the flagged rising timestamp, not raw mode), a
   * last lone rising edge is held. The same arithmetic as tagEdges() on one straight path, the
   * constants as literals (checked against their sources by train-loop.test.ts): PS_PER_S 1e12,
   * NS_PER_S 1e9, RETRIGGER_PS 512,000, COARSE_PER_START 64, FRAC_NUM 84,934, FRAC_SHIFT 11,
   * COARSE_PER_SECOND 125,000,000, SEQ_MODULO 2^28, frac mask 0xFFF, raw bins 0x1FFF << 12,
   * channel mask 7, slope 8, sequence << 4.
   */
  private tagRegular(ch: number, n: number): void {
    const l = this.lane;
    const b = ch * LANE;
    const p = this.params;
    // seq: a whole 32-bit count (patternChunk()), numbered in 32-bit arithmetic.
    let seq = l[b + SEQ] | 0;
    const off1 = l[b + OFF1] | 0;
    const off2 = l[b + OFF2] | 0;
    const off3 = l[b + OFF3] & 0xfff;
    const deltas = this.edgeDelta;
    const outWords = this.outWords;
    const outPs = this.outPs;
    const base = ch * CAP;
    const meta = (ch & 7) | 8;
    const widthPs = l[b + WIDTH_PS];
    const period = widthPs + l[b + GAP_PS];
    let atPs = this.regularPs[ch];
    let out = 0;
    let i = 0;
    if (this.regularRising[ch] !== 1) {
      // The first edge falls: it emits the held rising timestamp (numberInto()).
      const m = meta | ((seq & 0x0fffffff) << 4);
      seq = (seq + 1) | 0;
      putRecord(
        outWords,
        outPs,
        base,
        l[b + R_SEC],
        l[b + R_COARSE],
        l[b + R_FRAC],
        l[b + R_BINS],
        m,
        off1,
        off2,
        off3,
        atPs,
      );
      out = 1;
      atPs += period - widthPs;
      i = 1;
    }
    const pulses = (n - i) >>> 1;
    const lone = (n - i) & 1;
    if (pulses + lone === 0) {
      l[b + STAMPS] += out;
      l[b + SEQ] = seq >>> 0;
      l[b + FLAG] = 0;
      this.outCount[ch] = out;
      return;
    }
    // TdcTimeBase.atInto() at ppm 0 of the first rising edge, as tagEdges(), kept as (seconds,
    // start, ps in start) without jitter: whole ps, so each later pulse adds a period exactly, and
    // one second is exactly 1,953,125 starts of 512,000 ps.
    const baseNs = p[P_BASE_NS];
    const second = Math.floor((nsOf(atPs) - baseNs) / 1e9);
    let ps = atPs - (baseNs + second * 1e9) * 1000 + p[P_BASE_PS];
    let secB = second + p[P_BASE_SECONDS];
    while (ps >= 1e12) {
      ps -= 1e12;
      secB++;
    }
    // 32-bit arithmetic from here: secB keeps the low 32 bits of the seconds (the record's word),
    // starts and ps in a start are small whole numbers.
    secB |= 0;
    let startB = Math.floor(ps * PER_START) | 0;
    let inStartB = (ps - startB * 512_000) | 0;
    if (inStartB < 0) {
      startB--;
      inStartB += 512_000;
    } else if (inStartB >= 512_000) {
      startB++;
      inStartB -= 512_000;
    }
    // patternChunk(): period ≤ 1 s.
    const periodStarts = Math.floor(period / 512_000) | 0;
    const periodInStart = (period - periodStarts * 512_000) | 0;
    let rSec = 0;
    let rCoarse = 0;
    let rFrac = 0;
    let rBins = 0;
    const count = pulses + lone;
    for (let k = 0; k < count; k++) {
      // AcamGpx.quantiseInto() with the jitter drawn for the rising edge: ps ± delta, into the
      // previous or next second when it crosses one.
      let start = startB;
      let inStart = inStartB + deltas[base + i];
      let seconds = secB;
      while (inStart < 0) {
        inStart += 512_000;
        start--;
      }
      while (inStart >= 512_000) {
        inStart -= 512_000;
        start++;
      }
      if (start < 0) {
        start += 1_953_125;
        seconds = (seconds - 1) | 0;
      } else if (start >= 1_953_125) {
        start -= 1_953_125;
        seconds = (seconds + 1) | 0;
      }
      // floor(inStart × PER_BIN) of 0 ≤ inStart < 512,000 (PER_BIN = 1 / BIN_PS as a literal,
      // checked by train-loop.test.ts): truncation is the floor.
      const bins = (inStart * (1 / 81.0383)) | 0;
      const fracTotal = (bins * 84_934) >> 11;
      let coarse = start * 64 + (fracTotal >>> 12);
      if (coarse >= 125_000_000) {
        coarse -= 125_000_000;
        seconds = (seconds + 1) | 0;
      }
      // TdcChannel.filter() holds it, and (but for a lone last rising edge) the falling edge emits it.
      rSec = seconds;
      rCoarse = coarse;
      rFrac = fracTotal & 0xfff;
      rBins = bins;
      if (k < pulses) {
        const o = base + out;
        const m = meta | ((seq & 0x0fffffff) << 4);
        seq = (seq + 1) | 0;
        putRecord(outWords, outPs, o, seconds, coarse, rFrac, bins, m, off1, off2, off3, atPs + widthPs);
        out++;
        i += 2;
        atPs += period;
        inStartB += periodInStart;
        startB += periodStarts;
        if (inStartB >= 512_000) {
          inStartB -= 512_000;
          startB++;
        }
        while (startB >= 1_953_125) {
          startB -= 1_953_125;
          secB = (secB + 1) | 0;
        }
      }
    }
    l[b + STAMPS] += out;
    l[b + SEQ] = seq >>> 0;
    l[b + HELD] = 1;
    l[b + FLAG] = lone;
    l[b + R_SEC] = rSec >>> 0;
    l[b + R_COARSE] = rCoarse;
    l[b + R_FRAC] = rFrac;
    l[b + R_BINS] = rBins;
    this.outCount[ch] = out;
  }

  /**
   * The chunk's timestamps into their channels' buffer controllers with the effects of one edge at a
   * time emitting them (ps, then channel). Plain stores (TdcDmaBuffer.storeRun()) touch nothing but
   * their own controller and its DDR area, so when the controllers' DDR areas are apart, each
   * channel's plain records go in one run; the others (first store after a switch, a store that
   * switches or is dropped or waits) go one by one in the merged order.
   */
  private drainOut(buffers: readonly TdcDmaBuffer[]): void {
    const counts = this.outCount;
    const pos = this.drawPos;
    const outPs = this.outPs;
    const w = this.outWords;
    const channels = this.channelCount;
    for (let c = 0; c < channels; c++) pos[c] = 0;
    const runs = this.areasApart(buffers);
    for (;;) {
      if (runs) {
        for (let c = 0; c < channels; c++) {
          if (pos[c] < counts[c])
            pos[c] += buffers[c].storeRun(w, 4 * (c * CAP + pos[c]), counts[c] - pos[c]);
        }
      }
      let best = -1;
      let bestPs = Number.POSITIVE_INFINITY;
      for (let c = 0; c < channels; c++) {
        if (pos[c] < counts[c]) {
          const p = outPs[c * CAP + pos[c]];
          if (p < bestPs) {
            bestPs = p;
            best = c;
          }
        }
      }
      if (best < 0) break;
      const o = best * CAP + pos[best]++;
      const k = 4 * o;
      buffers[best].acceptRecord(w[k], w[k + 1], w[k + 2], w[k + 3], nsOf(outPs[o]));
    }
  }

  /** True when no two buffer controllers can write the same DDR bytes (and none wraps the DDR). */
  private areasApart(buffers: readonly TdcDmaBuffer[]): boolean {
    const hull = this.hull;
    const channels = this.channelCount;
    for (let c = 0; c < channels; c++) {
      if (!buffers[c].ddrHull(hull, 2 * c)) return false;
    }
    for (let a = 0; a < channels; a++) {
      for (let b = a + 1; b < channels; b++) {
        if (hull[2 * a] < hull[2 * b + 1] && hull[2 * b] < hull[2 * a + 1]) return false;
      }
    }
    return true;
  }
}
