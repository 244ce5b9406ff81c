// Per-drive I/O accounting as query-blockstats reports it (automation.md §2): byte, operation
// and total-time counters, plus `timed_stats` for each user-defined interval.
//
// timed_stats follow QEMU's TimedAverage scheme rather than an exact sliding window: each
// interval keeps two windows of interval_length staggered by half an interval; a window that
// expires restarts (aligned to its period) and the reported one is the older window, so figures
// always cover between half and one whole interval of the most recent virtual time. Latencies
// (submission to completion, throttle wait included) are integer ns; min/max/avg are 0 in a window
// with no completion; avg is the integer mean. avg_*_queue_depth is, as in QEMU, the sum of the
// window's latencies divided by the window's elapsed time (Little's law).
import { DOUBLE_SEED, doublePair } from '../core/double-fields';
import type { Direction } from './throttle';

interface Window {
  startNs: number;
  expireNs: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export interface TimedStats {
  interval_length: number;
  min_rd_latency_ns: number;
  max_rd_latency_ns: number;
  avg_rd_latency_ns: number;
  min_wr_latency_ns: number;
  max_wr_latency_ns: number;
  avg_wr_latency_ns: number;
  min_flush_latency_ns: number;
  max_flush_latency_ns: number;
  avg_flush_latency_ns: number;
  avg_rd_queue_depth: number;
  avg_wr_queue_depth: number;
}

export interface BlockStatsSnapshot {
  v: 1;
  bytes: [number, number];
  ops: [number, number];
  totalTimeNs: [number, number];
  lastAccessNs: number;
  intervals: { lengthS: number; windows: Window[][] }[];
}

/** ns and sum fields start as doubles (double-fields.ts), then take their values. */
function freshWindow(startNs: number, periodNs: number): Window {
  const w: Window = {
    startNs: DOUBLE_SEED,
    expireNs: DOUBLE_SEED,
    count: 0,
    sum: DOUBLE_SEED,
    min: DOUBLE_SEED,
    max: DOUBLE_SEED,
  };
  w.startNs = startNs;
  w.expireNs = startNs + periodNs;
  w.sum = 0;
  w.min = 0;
  w.max = 0;
  return w;
}

class TimedAverage {
  /** windows[dir][0..1] */
  windows: Window[][];
  readonly periodNs: number;
  constructor(
    readonly lengthS: number,
    nowNs: number,
  ) {
    const p = lengthS * 1e9;
    this.periodNs = p;
    this.windows = [0, 1].map(() => [freshWindow(nowNs, p), freshWindow(nowNs - p / 2, p)]);
  }

  private expire(w: Window, nowNs: number): void {
    if (nowNs < w.expireNs) return;
    const p = this.periodNs;
    const late = (nowNs - w.expireNs) % p;
    w.startNs = nowNs - late;
    w.expireNs = w.startNs + p;
    w.count = 0;
    w.sum = 0;
    w.min = 0;
    w.max = 0;
  }

  account(dir: Direction, latencyNs: number, nowNs: number): void {
    const ws = this.windows[dir];
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      if (nowNs >= w.expireNs) this.expire(w, nowNs);
      if (w.count === 0 || latencyNs < w.min) w.min = latencyNs;
      if (w.count === 0 || latencyNs > w.max) w.max = latencyNs;
      w.count++;
      w.sum += latencyNs;
    }
  }

  /** Folds in completions held by BlockStats (none of them reached an expiry: no expire here). */
  merge(dir: Direction, count: number, sum: number, min: number, max: number): void {
    const ws = this.windows[dir];
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      if (w.count === 0 || min < w.min) w.min = min;
      if (w.count === 0 || max > w.max) w.max = max;
      w.count += count;
      w.sum += sum;
    }
  }

  /** Earliest expiry and largest sum of dir's windows. */
  earliestExpiry(dir: Direction): number {
    // Index access, not destructuring: until V8 optimises this rarely called code, a
    // destructuring runs the array iterator protocol.
    const ws = this.windows[dir];
    return Math.min(ws[0].expireNs, ws[1].expireNs);
  }

  largestSum(dir: Direction): number {
    const ws = this.windows[dir];
    return Math.max(ws[0].sum, ws[1].sum);
  }

  /** The older of the two windows, after expiring both. */
  current(dir: Direction, nowNs: number): Window {
    const ws = this.windows[dir];
    const a = ws[0];
    const b = ws[1];
    this.expire(a, nowNs);
    this.expire(b, nowNs);
    return a.expireNs <= b.expireNs ? a : b;
  }
}

export class BlockStats {
  readonly bytes: [number, number] = doublePair();
  readonly ops: [number, number] = [0, 0];
  readonly totalTimeNs: [number, number] = doublePair();
  lastAccessNs = DOUBLE_SEED;
  private timed: TimedAverage[] = [];
  /**
   * Completions not yet folded into the timed_stats windows, per direction at dir * 4: count,
   * latency sum, min, max. They are held while the time stays before every window's expiry
   * (heldUntilNs) and the sums stay exact integers (heldRoomNs), then folded in at once (merge),
   * which leaves the windows exactly as one update per completion does.
   */
  private readonly held = new Float64Array(8);
  private readonly heldUntilNs = doublePair(-1);
  private readonly heldRoomNs = doublePair(0);

  constructor(intervalsS: readonly number[] = [], nowNs = 0) {
    this.lastAccessNs = -1;
    this.setIntervals(intervalsS, nowNs);
  }

  get intervals(): number[] {
    return this.timed.map((t) => t.lengthS);
  }

  setIntervals(intervalsS: readonly number[], nowNs: number): void {
    this.timed = intervalsS.map((s) => new TimedAverage(s, nowNs));
    this.dropHeld();
  }

  /** Forgets held completions (their windows are being replaced). */
  private dropHeld(): void {
    this.held.fill(0);
    this.heldUntilNs[0] = -1;
    this.heldUntilNs[1] = -1;
  }

  /** Folds held completions of dir into every interval window (timed_stats). */
  private fold(dir: Direction): void {
    const h = this.held;
    const o = dir * 4;
    const count = h[o];
    if (count === 0) return;
    const timed = this.timed;
    for (let i = 0; i < timed.length; i++) timed[i].merge(dir, count, h[o + 1], h[o + 2], h[o + 3]);
    h[o] = 0;
    h[o + 1] = 0;
    h[o + 2] = 0;
    h[o + 3] = 0;
  }

  /** A request completed: latency from submission (before throttling) to completion. */
  account(dir: Direction, bytes: number, latencyNs: number, nowNs: number): void {
    this.bytes[dir] += bytes;
    this.ops[dir]++;
    this.totalTimeNs[dir] += latencyNs;
    this.lastAccessNs = nowNs;
    const h = this.held;
    const o = dir * 4;
    if (
      nowNs < this.heldUntilNs[dir] &&
      h[o + 1] + latencyNs <= this.heldRoomNs[dir] &&
      Math.floor(latencyNs) === latencyNs
    ) {
      const count = h[o];
      if (count === 0 || latencyNs < h[o + 2]) h[o + 2] = latencyNs;
      if (count === 0 || latencyNs > h[o + 3]) h[o + 3] = latencyNs;
      h[o] = count + 1;
      h[o + 1] += latencyNs;
      return;
    }
    this.accountTimed(dir, latencyNs, nowNs);
  }

  /** account() past the end of a timed-stats interval (or beyond what can be held): fold, then update every interval. */
  private accountTimed(dir: Direction, latencyNs: number, nowNs: number): void {
    this.fold(dir);
    const timed = this.timed;
    if (timed.length === 0) return;
    let until = Number.POSITIVE_INFINITY;
    let largest = 0;
    for (let i = 0; i < timed.length; i++) {
      const t = timed[i];
      t.account(dir, latencyNs, nowNs);
      until = Math.min(until, t.earliestExpiry(dir));
      largest = Math.max(largest, t.largestSum(dir));
    }
    // Held sums must keep every window sum an exact integer (below 2^53) whatever the grouping,
    // so only integer latencies (ns) are held, within heldRoomNs.
    this.heldUntilNs[dir] = until;
    this.heldRoomNs[dir] = Number.MAX_SAFE_INTEGER - largest;
  }

  /** The `stats` object of query-blockstats. */
  query(nowNs: number): Record<string, unknown> {
    this.fold(0);
    this.fold(1);
    const timed: TimedStats[] = this.timed.map((t) => {
      const rd = t.current(0, nowNs);
      const wr = t.current(1, nowNs);
      const elapsed = (w: Window) => Math.max(1, nowNs - w.startNs);
      return {
        interval_length: t.lengthS,
        min_rd_latency_ns: rd.min,
        max_rd_latency_ns: rd.max,
        avg_rd_latency_ns: rd.count ? Math.floor(rd.sum / rd.count) : 0,
        min_wr_latency_ns: wr.min,
        max_wr_latency_ns: wr.max,
        avg_wr_latency_ns: wr.count ? Math.floor(wr.sum / wr.count) : 0,
        min_flush_latency_ns: 0,
        max_flush_latency_ns: 0,
        avg_flush_latency_ns: 0,
        avg_rd_queue_depth: rd.sum / elapsed(rd),
        avg_wr_queue_depth: wr.sum / elapsed(wr),
      };
    });
    return {
      rd_bytes: this.bytes[0],
      wr_bytes: this.bytes[1],
      unmap_bytes: 0,
      rd_operations: this.ops[0],
      wr_operations: this.ops[1],
      flush_operations: 0,
      unmap_operations: 0,
      rd_merged: 0,
      wr_merged: 0,
      unmap_merged: 0,
      rd_total_time_ns: this.totalTimeNs[0],
      wr_total_time_ns: this.totalTimeNs[1],
      flush_total_time_ns: 0,
      unmap_total_time_ns: 0,
      wr_highest_offset: 0,
      ...(this.lastAccessNs >= 0 ? { idle_time_ns: nowNs - this.lastAccessNs } : {}),
      failed_rd_operations: 0,
      failed_wr_operations: 0,
      failed_flush_operations: 0,
      failed_unmap_operations: 0,
      invalid_rd_operations: 0,
      invalid_wr_operations: 0,
      invalid_flush_operations: 0,
      invalid_unmap_operations: 0,
      account_invalid: true,
      account_failed: true,
      timed_stats: timed,
    };
  }

  snapshot(): BlockStatsSnapshot {
    this.fold(0);
    this.fold(1);
    return {
      v: 1,
      bytes: [...this.bytes],
      ops: [...this.ops],
      totalTimeNs: [...this.totalTimeNs],
      lastAccessNs: this.lastAccessNs,
      intervals: this.timed.map((t) => ({
        lengthS: t.lengthS,
        windows: t.windows.map((d) => d.map((w) => ({ ...w }))),
      })),
    };
  }

  static validate(s: BlockStatsSnapshot): void {
    if (s?.v !== 1 || !Array.isArray(s.bytes) || !Array.isArray(s.ops) || !Array.isArray(s.intervals)) {
      throw new Error('blockstats snapshot: bad data');
    }
    for (const i of s.intervals) {
      if (typeof i.lengthS !== 'number' || !Array.isArray(i.windows) || i.windows.length !== 2) {
        throw new Error('blockstats snapshot: bad interval');
      }
    }
  }

  restore(s: BlockStatsSnapshot): void {
    BlockStats.validate(s);
    for (const d of [0, 1] as const) {
      this.bytes[d] = s.bytes[d];
      this.ops[d] = s.ops[d];
      this.totalTimeNs[d] = s.totalTimeNs[d];
    }
    this.lastAccessNs = s.lastAccessNs;
    this.dropHeld();
    this.timed = s.intervals.map((i) => {
      const t = new TimedAverage(i.lengthS, 0);
      t.windows = i.windows.map((d) => d.map((w) => ({ ...w })));
      return t;
    });
  }
}
