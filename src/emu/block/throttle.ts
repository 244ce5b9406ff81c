// QEMU's leaky-bucket throttle state (throttle.md §2–6): six buckets, leak, wait computation,
// accounting. The operation order follows the spec exactly so every double is bit-identical to
// QEMU's (the reference traces compare levels bit for bit). Hot path: typed arrays, no allocation.

import { DOUBLE_SEED } from '../core/double-fields';
import type { ThrottleConfig } from './throttle-config';
import * as names from './throttle-config';

// Bucket indices copied into module constants once: an imported binding may compile to a getter
// call (CommonJS interop under tsx), which the per-request path below cannot afford.
const BPS_TOTAL = names.BPS_TOTAL;
const BPS_READ = names.BPS_READ;
const BPS_WRITE = names.BPS_WRITE;
const OPS_TOTAL = names.OPS_TOTAL;
const OPS_READ = names.OPS_READ;
const OPS_WRITE = names.OPS_WRITE;
const BUCKET_COUNT = names.BUCKET_COUNT;

/** Throttle directions (QEMU's ThrottleDirection). */
export const READ = 0;
export const WRITE = 1;
export type Direction = 0 | 1;
export const DIRECTION_NAMES = ['read', 'write'] as const;

const NS_PER_S = 1e9;

/** The four buckets each direction consults and fills (§2.2). */
const DIRECTION_BUCKETS = [
  [BPS_TOTAL, OPS_TOTAL, BPS_READ, OPS_READ],
  [BPS_TOTAL, OPS_TOTAL, BPS_WRITE, OPS_WRITE],
] as const;

export interface ThrottleStateSnapshot {
  v: 1;
  avg: number[];
  max: number[];
  burstLength: number[];
  level: number[];
  burstLevel: number[];
  opSize: number;
  previousLeakNs: number;
}

export class ThrottleState {
  readonly avg = new Float64Array(BUCKET_COUNT);
  readonly max = new Float64Array(BUCKET_COUNT);
  readonly burstLength = new Float64Array(BUCKET_COUNT);
  readonly level = new Float64Array(BUCKET_COUNT);
  readonly burstLevel = new Float64Array(BUCKET_COUNT);
  // The derived fields below are read (never written) by the throttle-group timer handler's
  // written-out check().
  /** Derived from the config (§3.2, §3.3): allowed fill of the main and of the burst bucket. */
  readonly size = new Float64Array(BUCKET_COUNT);
  private readonly burstSize = new Float64Array(BUCKET_COUNT);
  /** Derived: buckets with avg > 0 (all others neither leak nor wait), overall and per direction. */
  readonly active = new Int8Array(BUCKET_COUNT);
  activeCount = 0;
  readonly directionActive = new Int8Array(8);
  readonly directionActiveCount = new Int8Array(2);
  /** Derived: some bucket has burst_length > 1 (a burst bucket to leak and fill). */
  hasBurst = false;
  opSize = 0;
  previousLeakNs = DOUBLE_SEED;

  constructor() {
    this.burstLength.fill(1);
    // A ns field: a double from the start (double-fields.ts).
    this.previousLeakNs = 0;
  }

  /** throttle_config: installs cfg, zeroes every level and sets previous_leak := now (§8). */
  configure(cfg: ThrottleConfig, nowNs: number): void {
    for (let i = 0; i < BUCKET_COUNT; i++) {
      this.avg[i] = cfg.avg[i];
      this.max[i] = cfg.max[i];
      this.burstLength[i] = cfg.burstLength[i];
    }
    this.opSize = cfg.opSize;
    this.deriveSizes();
    this.resetLevels(nowNs);
  }

  private deriveSizes(): void {
    this.activeCount = 0;
    this.hasBurst = false;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const max = this.max[i];
      this.size[i] = max === 0 ? this.avg[i] / 10 : max * this.burstLength[i];
      this.burstSize[i] = max / 10;
      if (this.avg[i] !== 0) this.active[this.activeCount++] = i;
      if (this.burstLength[i] > 1) this.hasBurst = true;
    }
    for (const dir of [READ, WRITE]) {
      let n = 0;
      for (const i of DIRECTION_BUCKETS[dir]) if (this.avg[i] !== 0) this.directionActive[dir * 4 + n++] = i;
      this.directionActiveCount[dir] = n;
    }
  }

  resetLevels(nowNs: number): void {
    this.level.fill(0);
    this.burstLevel.fill(0);
    this.previousLeakNs = nowNs;
  }

  config(): ThrottleConfig {
    return {
      avg: Array.from(this.avg),
      max: Array.from(this.max),
      burstLength: Array.from(this.burstLength),
      opSize: this.opSize,
    };
  }

  /**
   * §4: leak every bucket to nowNs; previous_leak moves even when no time passed. (A valid
   * config has burst_length 1 wherever avg = 0, so no burst bucket is skipped either.)
   */
  leak(nowNs: number): void {
    const deltaNs = nowNs - this.previousLeakNs;
    this.previousLeakNs = nowNs;
    if (deltaNs <= 0) return;
    if (this.hasBurst) {
      this.leakWithBurst(deltaNs);
      return;
    }
    // Buckets with avg = 0 are skipped: level − 0 is level exactly, so skipping changes no bit.
    const avg = this.avg;
    const level = this.level;
    const active = this.active;
    for (let k = 0; k < this.activeCount; k++) {
      const i = active[k];
      level[i] = Math.max(level[i] - (avg[i] * deltaNs) / NS_PER_S, 0);
    }
  }

  /** leak() when some bucket has a burst bucket too (kept out of line: the usual config has none). */
  private leakWithBurst(deltaNs: number): void {
    const { avg, level, active } = this;
    for (let k = 0; k < this.activeCount; k++) {
      const i = active[k];
      level[i] = Math.max(level[i] - (avg[i] * deltaNs) / NS_PER_S, 0);
      if (this.burstLength[i] > 1) {
        this.burstLevel[i] = Math.max(this.burstLevel[i] - (this.max[i] * deltaNs) / NS_PER_S, 0);
      }
    }
  }

  /** Read-only view for displays: bucket i's fill and allowed size as a leak to nowNs would leave them. */
  view(i: number, nowNs: number): { level: number; size: number; burstLevel: number; burstSize: number } {
    const deltaNs = Math.max(0, nowNs - this.previousLeakNs);
    const hasBurst = this.burstLength[i] > 1;
    return {
      level: Math.max(this.level[i] - (this.avg[i] * deltaNs) / NS_PER_S, 0),
      size: this.size[i],
      burstLevel: hasBurst ? Math.max(this.burstLevel[i] - (this.max[i] * deltaNs) / NS_PER_S, 0) : 0,
      burstSize: hasBurst ? this.burstSize[i] : 0,
    };
  }

  /** §5.1: wait in ns for one bucket, from the current (un-leaked) levels. */
  bucketWait(i: number): number {
    const avg = this.avg[i];
    if (avg === 0) return 0;
    return this.activeBucketWait(i, avg);
  }

  /** bucketWait of a bucket with avg > 0. */
  private activeBucketWait(i: number, avg: number): number {
    const extra = this.level[i] - this.size[i];
    if (extra > 0) return Math.trunc((extra * NS_PER_S) / avg);
    return this.hasBurst ? this.burstWait(i) : 0;
  }

  /** The burst bucket's part of §5.1 (out of line: only configs with burst_length > 1 reach it). */
  private burstWait(i: number): number {
    if (this.burstLength[i] > 1) {
      const extra = this.burstLevel[i] - this.burstSize[i];
      if (extra > 0) return Math.trunc((extra * NS_PER_S) / this.max[i]);
    }
    return 0;
  }

  /** §5.2: the largest wait of the four buckets a direction consults (no leak). */
  directionWait(dir: Direction): number {
    let wait = 0;
    const base = dir * 4;
    const n = this.directionActiveCount[dir];
    for (let k = 0; k < n; k++) {
      const i = this.directionActive[base + k];
      const w = this.activeBucketWait(i, this.avg[i]);
      if (w > wait) wait = w;
    }
    return wait;
  }

  /**
   * The check of §5.2: leak to nowNs, then the direction's wait. leak() and directionWait()
   * written out in one function: it inlines into the timer handler, and nowNs is never passed
   * to a call (a call takes a time past 2^31 ns as a newly allocated heap number).
   */
  check(nowNs: number, dir: Direction): number {
    const deltaNs = nowNs - this.previousLeakNs;
    this.previousLeakNs = nowNs;
    const avg = this.avg;
    const level = this.level;
    if (deltaNs > 0) {
      if (this.hasBurst) {
        this.leakWithBurst(deltaNs);
      } else {
        const active = this.active;
        for (let k = 0; k < this.activeCount; k++) {
          const i = active[k];
          level[i] = Math.max(level[i] - (avg[i] * deltaNs) / NS_PER_S, 0);
        }
      }
    }
    let wait = 0;
    const base = dir * 4;
    const n = this.directionActiveCount[dir];
    const size = this.size;
    for (let k = 0; k < n; k++) {
      const i = this.directionActive[base + k];
      const extra = level[i] - size[i];
      let w = 0;
      if (extra > 0) w = Math.trunc((extra * NS_PER_S) / avg[i]);
      else if (this.hasBurst) w = this.burstWait(i);
      if (w > wait) wait = w;
    }
    return wait;
  }

  /** §6: pour one request into the four buckets of its direction (no leak). */
  account(dir: Direction, bytes: number): void {
    const opSize = this.opSize;
    const units = opSize > 0 && bytes > opSize ? bytes / opSize : 1;
    const bps = dir === READ ? BPS_READ : BPS_WRITE;
    const ops = dir === READ ? OPS_READ : OPS_WRITE;
    const level = this.level;
    level[BPS_TOTAL] += bytes;
    level[bps] += bytes;
    level[OPS_TOTAL] += units;
    level[ops] += units;
    if (this.hasBurst) this.pourBursts(bps, ops, bytes, units);
  }

  private pourBursts(bps: number, ops: number, bytes: number, units: number): void {
    this.pourBurst(BPS_TOTAL, bytes);
    this.pourBurst(bps, bytes);
    this.pourBurst(OPS_TOTAL, units);
    this.pourBurst(ops, units);
  }

  private pourBurst(i: number, amount: number): void {
    if (this.burstLength[i] > 1) this.burstLevel[i] += amount;
  }

  snapshot(): ThrottleStateSnapshot {
    return {
      v: 1,
      avg: Array.from(this.avg),
      max: Array.from(this.max),
      burstLength: Array.from(this.burstLength),
      level: Array.from(this.level),
      burstLevel: Array.from(this.burstLevel),
      opSize: this.opSize,
      previousLeakNs: this.previousLeakNs,
    };
  }

  static validate(s: ThrottleStateSnapshot): void {
    const arrays = [s?.avg, s?.max, s?.burstLength, s?.level, s?.burstLevel];
    if (s?.v !== 1 || !arrays.every((a) => Array.isArray(a) && a.length === BUCKET_COUNT)) {
      throw new Error('throttle state snapshot: bad data');
    }
    if (!arrays.every((a) => a.every((x: unknown) => typeof x === 'number' && Number.isFinite(x)))) {
      throw new Error('throttle state snapshot: non-numeric bucket');
    }
    if (typeof s.opSize !== 'number' || !Number.isInteger(s.previousLeakNs)) {
      throw new Error('throttle state snapshot: bad opSize/previousLeakNs');
    }
  }

  restore(s: ThrottleStateSnapshot): void {
    ThrottleState.validate(s);
    this.avg.set(s.avg);
    this.max.set(s.max);
    this.burstLength.set(s.burstLength);
    this.level.set(s.level);
    this.burstLevel.set(s.burstLevel);
    this.opSize = s.opSize;
    this.previousLeakNs = s.previousLeakNs;
    this.deriveSizes();
  }
}
