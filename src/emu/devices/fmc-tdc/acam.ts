// ACAM TDC-GPX as the FMC TDC uses it (I-mode, ~81 ps bins), spec tdc.md §2.3–2.4, §2.10, §2.13.
//
// Interface (used by fmc-tdc.ts): image registers (ACAM_CONFIG), readback slots, command
// handlers (load/read config, reset), pllLocked; quantise(boardTime) converts an edge to the
// gateware's (seconds, coarse, frac, raw bins) with the gateware's rounding.
// Model [X]: the PLL reports locked (READBACK(12) bit 10 = 0) pllLockDelayNs after a LOAD or a
// RESET whose loaded reg 7 equals 0x1FEA; fault B4 keeps it unlocked. Timestamp models: 'ideal'
// (exact ps → frac, no jitter: used for worked examples), 'acam' (81.0383 ps bins from the last
// 512 ns start, Gaussian jitter σ = jitterPs, ±4 ns outliers with outlierProbability, then the
// gateware's bins × 84934 / 2048 conversion).

import type { Rng } from '../../core/rng';
import type { Scheduler } from '../../core/scheduler';
import { check } from '../../core/snapshot';
import {
  ACAM_BIN_PS,
  ACAM_BINS_TO_FRAC_DEN,
  ACAM_BINS_TO_FRAC_NUM,
  ACAM_REG_NUMBERS,
  ACAM_REG7_LOCKING,
  TDC_ACAM_PLL_NOT_LOCKED,
  TDC_COARSE_PER_SECOND,
  TDC_COARSE_PS,
  TDC_FRAC_PER_COARSE,
} from '../../hw/spec-tdc-regs';
import type { BoardTime } from './time-base';

export const PS_PER_S = 1_000_000_000_000;
// Local copies of the datasheet constants used for every edge (module bindings of transpiled
// imports can be property getters; the per-edge path reads plain constants).
export const BIN_PS = ACAM_BIN_PS;
export const FRAC_NUM = ACAM_BINS_TO_FRAC_NUM;
const FRAC_DEN = ACAM_BINS_TO_FRAC_DEN;
const COARSE_PS = TDC_COARSE_PS;
const FRAC_PER_COARSE = TDC_FRAC_PER_COARSE;
const COARSE_PER_SECOND = TDC_COARSE_PER_SECOND;
/** ACAM start retrigger period: 64 × 8 ns (§2.4). */
export const RETRIGGER_PS = 512_000;
export const COARSE_PER_START = RETRIGGER_PS / COARSE_PS;
/** The gateware divides by 2048 = 2^11. */
export const FRAC_SHIFT = Math.log2(FRAC_DEN);
if (!Number.isInteger(FRAC_SHIFT) || !Number.isInteger(COARSE_PER_START)) {
  throw new Error('acam: the bin conversion needs a power-of-two divisor');
}
/** A rare outlier moves a timestamp by ±4 ns ([X] §2.10). */
const OUTLIER_PS = 4000;

export type TimestampModel = 'ideal' | 'acam';

export interface TdcTimestamp {
  seconds: number;
  coarse: number;
  frac: number;
  /** Raw ACAM bins (13 low bits go into word 2 bits 24:12 in DMA builds). */
  bins: number;
}

export interface AcamOptions {
  model: TimestampModel;
  jitterPs: number;
  outlierProbability: number;
  pllLockDelayNs: number;
}

export const ACAM_DEFAULT_OPTIONS: AcamOptions = {
  model: 'acam',
  jitterPs: 115,
  outlierProbability: 1e-7,
  pllLockDelayNs: 1_000_000,
};

export interface AcamState {
  /** ACAM_CONFIG images by register number. */
  image: Record<string, number>;
  /** Registers inside the chip. */
  chip: Record<string, number>;
  /** ACAM_READBACK slots 0..14. */
  readback: number[];
  pllLocked: boolean;
  pllEvent: number;
  /** Fault B4: the PLL never locks. */
  neverLocks: boolean;
  /** Edges left until the next ±4 ns outlier (drawn from a geometric distribution), −1 = not drawn. */
  outlierCountdown: number;
}

export interface AcamSnapshot extends AcamState {
  v: 1;
}

const EV_PLL_LOCK = 1;

export class AcamGpx {
  private s: AcamState = AcamGpx.initialState(false);
  private readonly owner: number;
  /** round(normalFromU32 cell × jitterPs) per 16-bit cell, for the jitterPs it was built for. */
  private jitterTable: Int16Array | Float64Array = new Int16Array(0);
  private jitterTablePs = Number.NaN;

  constructor(
    private readonly sched: Scheduler,
    ownerName: string,
    private readonly rng: Rng,
    readonly options: AcamOptions,
  ) {
    this.owner = sched.register(ownerName, (kind) => {
      if (kind !== EV_PLL_LOCK) return;
      this.s.pllEvent = 0;
      this.s.pllLocked = !this.s.neverLocks;
    });
  }

  private static initialState(neverLocks: boolean): AcamState {
    const image: Record<string, number> = {};
    const chip: Record<string, number> = {};
    for (const r of ACAM_REG_NUMBERS) {
      image[r] = 0;
      chip[r] = 0;
    }
    return {
      image,
      chip,
      readback: new Array(15).fill(0),
      pllLocked: false,
      pllEvent: 0,
      neverLocks,
      outlierCountdown: -1,
    };
  }

  reset(): void {
    if (this.s.pllEvent) this.sched.cancel(this.s.pllEvent);
    this.s = AcamGpx.initialState(this.s.neverLocks);
  }

  get pllLocked(): boolean {
    return this.s.pllLocked;
  }

  readImage(reg: number): number {
    return this.s.image[reg] ?? 0;
  }

  writeImage(reg: number, value: number): void {
    if (reg in this.s.image) this.s.image[reg] = value >>> 0;
  }

  readReadback(slot: number): number {
    return this.s.readback[slot] ?? 0;
  }

  /** Fault B4 on/off; turning it on unlocks the PLL at once. */
  setNeverLocks(on: boolean): void {
    this.s.neverLocks = on;
    if (on) this.s.pllLocked = false;
    else if (this.s.chip[7] === ACAM_REG7_LOCKING) this.startLock();
  }

  /** CTRL.LOAD_ACAM_CFG. */
  loadConfig(): void {
    for (const r of ACAM_REG_NUMBERS) this.s.chip[r] = this.s.image[r];
    this.startLock();
  }

  /** CTRL.RESET_ACAM: keeps the configuration, the PLL locks again. */
  resetChip(): void {
    this.startLock();
  }

  /** CTRL.READ_ACAM_CFG: the chip registers into the readback slots, reg 12 with the lock flag. */
  readConfig(): void {
    for (const r of ACAM_REG_NUMBERS) this.s.readback[r] = this.s.chip[r];
    this.readStatus();
  }

  /** CTRL.READ_ACAM_STAT: refreshes regs 11/12 (status). */
  readStatus(): void {
    const r12 = this.s.chip[12] & ~TDC_ACAM_PLL_NOT_LOCKED;
    this.s.readback[12] = (r12 | (this.s.pllLocked ? 0 : TDC_ACAM_PLL_NOT_LOCKED)) >>> 0;
    this.s.readback[11] = this.s.chip[11];
  }

  /** CTRL.READ_ACAM_IFIFO1/2/START01: debug slots 8, 9, 10 (empty FIFOs read 0). */
  readDebug(slot: 8 | 9 | 10): void {
    this.s.readback[slot] = 0;
  }

  private startLock(): void {
    if (this.s.pllEvent) this.sched.cancel(this.s.pllEvent);
    this.s.pllEvent = 0;
    this.s.pllLocked = false;
    if (this.s.chip[7] === ACAM_REG7_LOCKING && !this.s.neverLocks) {
      this.s.pllEvent = this.sched.after(this.options.pllLockDelayNs, this.owner, EV_PLL_LOCK);
    }
  }

  /** Converts the board time of an edge to a timestamp, with the configured model. */
  quantise(t: BoardTime): TdcTimestamp {
    return this.quantiseInto(t, { seconds: 0, coarse: 0, frac: 0, bins: 0 });
  }

  /** quantise() into a caller-owned timestamp (the per-edge path allocates nothing). */
  quantiseInto(t: BoardTime, out: TdcTimestamp): TdcTimestamp {
    const o = this.options;
    if (o.model === 'ideal') {
      const coarse = Math.floor(t.ps / COARSE_PS);
      out.seconds = t.seconds;
      out.coarse = coarse;
      out.frac = Math.floor(((t.ps - coarse * COARSE_PS) * FRAC_PER_COARSE) / COARSE_PS);
      out.bins = 0;
      return out;
    }
    let seconds = t.seconds;
    let ps = t.ps;
    if (o.jitterPs > 0) {
      if (o.jitterPs !== this.jitterTablePs) this.buildJitterTable(o.jitterPs);
      ps += this.jitterTable[this.rng.nextU32() >>> 16];
    }
    if (o.outlierProbability > 0) ps += this.outlierPs(o.outlierProbability);
    if (ps < 0) {
      ps += PS_PER_S;
      seconds = (seconds - 1) >>> 0;
    } else if (ps >= PS_PER_S) {
      ps -= PS_PER_S;
      seconds = (seconds + 1) >>> 0;
    }
    const start = Math.floor(ps / RETRIGGER_PS);
    const bins = Math.floor((ps - start * RETRIGGER_PS) / BIN_PS);
    // bins < 6319, so bins × 84934 stays below 2^31 and the shift is the floor division by 2048.
    const fracTotal = (bins * FRAC_NUM) >> FRAC_SHIFT;
    let coarse = start * COARSE_PER_START + (fracTotal >>> 12);
    if (coarse >= COARSE_PER_SECOND) {
      coarse -= COARSE_PER_SECOND;
      seconds = (seconds + 1) >>> 0;
    }
    out.seconds = seconds;
    out.coarse = coarse;
    out.frac = fracTotal & 0xfff;
    out.bins = bins;
    return out;
  }

  /**
   * Draws from the rng exactly what quantise() draws for one edge, without computing a timestamp
   * (a falling edge whose pulse-width check cannot fail, fmc-tdc.ts).
   */
  skip(): void {
    const o = this.options;
    if (o.model === 'ideal') return;
    if (o.jitterPs > 0) this.rng.nextU32();
    if (o.outlierProbability > 0) this.outlierPs(o.outlierProbability);
  }

  /**
   * The jitter of a 16-bit cell in whole ps as quantiseInto() adds it (built on first use), or null
   * without jitter. For the TDC's train loop (train-loop.ts), which inlines quantiseInto().
   */
  jitterCells(): Int16Array | Float64Array | null {
    const jitterPs = this.options.jitterPs;
    if (!(jitterPs > 0)) return null;
    if (jitterPs !== this.jitterTablePs) this.buildJitterTable(jitterPs);
    return this.jitterTable;
  }

  /** Edges left before the next outlier (−1 = not drawn): the train loop keeps it between draws. */
  get outlierCountdown(): number {
    return this.s.outlierCountdown;
  }

  set outlierCountdown(n: number) {
    this.s.outlierCountdown = n;
  }

  /** The ±4 ns outlier of this edge, or 0: a countdown drawn from a geometric distribution. */
  outlierPs(probability: number): number {
    const s = this.s;
    if (s.outlierCountdown < 0) s.outlierCountdown = Math.floor(this.rng.exponential(1 / probability));
    if (s.outlierCountdown-- !== 0) return 0;
    return this.rng.next() < 0.5 ? -OUTLIER_PS : OUTLIER_PS;
  }

  /**
   * How far (ps) the time-tagging can move the distance between two edges: jitter and outliers at
   * both ends, one bin and the gateware's 81.0 ps bin scale over a 512 ns start period.
   */
  get maxErrorPs(): number {
    const o = this.options;
    if (o.model === 'ideal') return 1;
    const jitter = o.jitterPs > 0 ? Math.ceil(o.jitterPs * 4.5) : 0;
    return 2 * (jitter + (o.outlierProbability > 0 ? OUTLIER_PS : 0)) + 2 * BIN_PS + 400;
  }

  /**
   * The jitter of each normal cell in whole ps: the same values as rounding per edge, one lookup in
   * a 128 KiB table (cells reach ±4.32σ, so 16 bits hold any σ up to 7 ns).
   */
  private buildJitterTable(jitterPs: number): void {
    let t = JITTER_TABLES.get(jitterPs);
    if (!t) {
      t = jitterPs * 4.5 < 32767 ? new Int16Array(65536) : new Float64Array(65536);
      for (let i = 0; i < 65536; i++) t[i] = Math.round(NORMAL_TABLE[i] * jitterPs);
      // Tables are never written after this: every ACAM with this σ shares one (a few σ per process).
      if (JITTER_TABLES.size < 8) JITTER_TABLES.set(jitterPs, t);
    }
    this.jitterTable = t;
    this.jitterTablePs = jitterPs;
  }

  snapshot(): AcamSnapshot {
    return {
      v: 1,
      ...this.s,
      image: { ...this.s.image },
      chip: { ...this.s.chip },
      readback: [...this.s.readback],
    };
  }

  restore(snap: AcamSnapshot): void {
    check(snap?.v === 1 && Array.isArray(snap.readback) && snap.readback.length === 15, 'acam: bad snapshot');
    check(
      ACAM_REG_NUMBERS.every((r) => Number.isInteger(snap.image[r]) && Number.isInteger(snap.chip[r])),
      'acam: bad regs',
    );
    const { v: _v, ...rest } = snap;
    this.s = { ...rest, image: { ...snap.image }, chip: { ...snap.chip }, readback: [...snap.readback] };
  }
}

/**
 * Standard normal deviate from one 32-bit random word: the inverse normal CDF at the midpoint of
 * one of 65,536 equal-probability cells (tails cut at ±4.32σ, beyond the spec's 6σ = 700 ps
 * peak-to-peak), tabulated once with Acklam's rational approximation. One rng draw per edge.
 */
export function normalFromU32(word: number): number {
  return NORMAL_TABLE[word >>> 16];
}

function buildNormalTable(): Float64Array {
  const t = new Float64Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = inverseNormalCdf((i + 0.5) / 65536);
  return t;
}

const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

const NORMAL_TABLE = buildNormalTable();
/** Jitter tables by σ in ps (AcamGpx.buildJitterTable()). */
const JITTER_TABLES = new Map<number, Int16Array | Float64Array>();

/** Acklam's approximation of the inverse standard normal CDF (relative error < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  const tail = (q: number) =>
    (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
    ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  );
}
