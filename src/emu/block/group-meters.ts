// A throttle group's six throughput meters (iops, bps, rd_iops, wr_iops, rd_bps, wr_bps), fed at
// every dispatch. The dispatches of one 100 ms meter slot are summed here and handed to the
// RateMeters as one add per meter when the slot ends or before anything reads them (rate,
// snapshot): per dispatch that is four typed-array adds instead of four meter calls.
//
// The result is the meters' state exactly as per-dispatch adds leave it: amounts are integers
// (1, request bytes), so a slot's sum is the same whatever the grouping; every add of one slot
// advances a meter to the same slot; and a meter without dispatches of its direction in the slot
// is not touched (its lazy advance happens at its next add, as before). A meter whose slots are not
// aligned to multiples of the slot length (only a hand-made snapshot) is fed per dispatch.
import { DOUBLE_SEED } from '../core/double-fields';
import { RateMeter } from '../core/telemetry';
import type { Direction } from './throttle';

export const METER_COUNT = 6;

export class GroupMeters {
  readonly meters: RateMeter[];
  private readonly slotNs: number;
  /** Held sums, in meter order, and which directions have some. */
  private readonly sums = new Float64Array(METER_COUNT);
  private readonly dirHeld = new Uint8Array(2);
  private held = false;
  /** End of the slot the held sums belong to (−1 when nothing is held) and the last dispatch time. */
  private heldEndNs = DOUBLE_SEED;
  private lastNs = DOUBLE_SEED;
  /** Per-dispatch adds (meters restored off the slot grid). */
  private direct = false;

  constructor(meters?: RateMeter[]) {
    this.meters = meters ?? Array.from({ length: METER_COUNT }, () => new RateMeter());
    this.slotNs = this.meters[0].windowNs / this.meters[0].slotCount;
    // ns fields start as doubles (double-fields.ts).
    this.heldEndNs = -1;
    this.lastNs = 0;
    for (const m of this.meters) {
      const s = m.snapshot();
      if (s.slotStart % (m.windowNs / m.slotCount) !== 0 || m.windowNs / m.slotCount !== this.slotNs) {
        this.direct = true;
      }
    }
  }

  /** One dispatch of `bytes` in dir at nowNs (non-decreasing times). */
  add(nowNs: number, dir: Direction, bytes: number): void {
    if (nowNs >= this.heldEndNs && this.newSlot(nowNs, dir, bytes)) return;
    const sums = this.sums;
    sums[0] += 1;
    sums[1] += bytes;
    sums[2 + dir] += 1;
    sums[4 + dir] += bytes;
    this.dirHeld[dir] = 1;
    this.lastNs = nowNs;
  }

  /**
   * add() at or past the end of the held slot (out of line: once per slot): flushes and starts
   * holding the new slot. True when the dispatch went to the meters directly (off-grid meters).
   */
  private newSlot(nowNs: number, dir: Direction, bytes: number): boolean {
    if (this.direct) {
      const m = this.meters;
      m[0].add(nowNs, 1);
      m[1].add(nowNs, bytes);
      m[2 + dir].add(nowNs, 1);
      m[4 + dir].add(nowNs, bytes);
      return true;
    }
    this.flush();
    this.heldEndNs = (Math.floor(nowNs / this.slotNs) + 1) * this.slotNs;
    this.held = true;
    return false;
  }

  /** Hands the held sums to the meters (before any read of them). */
  flush(): void {
    if (!this.held) return;
    this.held = false;
    this.heldEndNs = -1;
    const { meters, sums, lastNs } = this;
    meters[0].add(lastNs, sums[0]);
    meters[1].add(lastNs, sums[1]);
    for (let dir = 0; dir < 2; dir++) {
      if (this.dirHeld[dir] === 0) continue;
      meters[2 + dir].add(lastNs, sums[2 + dir]);
      meters[4 + dir].add(lastNs, sums[4 + dir]);
      this.dirHeld[dir] = 0;
    }
    sums.fill(0);
  }

  /** Units per second of meter i over its last complete window (of virtual time). */
  rate(i: number, nowNs: number): number {
    this.flush();
    return this.meters[i].rate(nowNs);
  }

  snapshot(): ReturnType<RateMeter['snapshot']>[] {
    this.flush();
    return this.meters.map((m) => m.snapshot());
  }
}
