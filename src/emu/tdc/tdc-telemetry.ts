// Host-side view of the timestamps the guest driver delivered, per channel: the last N decoded
// timestamps, the rate over the last second of virtual time, and a log2 histogram of the
// intervals between consecutive timestamps. Fed from the driver's onTimestamps batches.
import { RateMeter, Ring } from '../core/telemetry';

export const RECENT_CAPACITY = 1024;
/** Interval histogram bins: bin k counts intervals in [2^k, 2^(k+1)) ns; bin 0 also holds < 1 ns. */
export const HISTOGRAM_BINS = 40;

export interface TdcTimestamp {
  seconds: number;
  ps: number;
}

export interface ChannelTelemetrySnapshot {
  v: 1;
  seconds: { v: 1; values: number[] };
  ps: { v: 1; values: number[] };
  rate: { v: 1; slots: number[]; slotStart: number; current: number };
  histogram: number[];
  hasLast: boolean;
  lastSeconds: number;
  lastPs: number;
}

export class ChannelTelemetry {
  private readonly seconds = new Ring(RECENT_CAPACITY);
  private readonly ps = new Ring(RECENT_CAPACITY);
  private readonly rate = new RateMeter(1_000_000_000, 10);
  private histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  private hasLast = false;
  private lastSeconds = 0;
  private lastPs = 0;

  add(nowNs: number, seconds: Float64Array, ps: Float64Array, n: number): void {
    const h = this.histogram;
    let hasLast = this.hasLast;
    let ls = this.lastSeconds;
    let lp = this.lastPs;
    for (let i = 0; i < n; i++) {
      const s = seconds[i];
      const p = ps[i];
      if (hasLast) {
        const intervalNs = ((s - ls) * 1e12 + (p - lp)) / 1000;
        const bin = intervalNs < 1 ? 0 : Math.min(HISTOGRAM_BINS - 1, Math.floor(Math.log2(intervalNs)));
        h[bin]++;
      }
      hasLast = true;
      ls = s;
      lp = p;
    }
    this.hasLast = hasLast;
    this.lastSeconds = ls;
    this.lastPs = lp;
    const from = Math.max(0, n - RECENT_CAPACITY);
    for (let i = from; i < n; i++) {
      this.seconds.push(seconds[i]);
      this.ps.push(ps[i]);
    }
    this.rate.add(nowNs, n);
  }

  /** The newest `count` timestamps, oldest first. */
  recent(count: number): TdcTimestamp[] {
    const len = this.seconds.length;
    const out: TdcTimestamp[] = [];
    for (let i = Math.max(0, len - count); i < len; i++)
      out.push({ seconds: this.seconds.at(i), ps: this.ps.at(i) });
    return out;
  }

  ratePerSecond(nowNs: number): number {
    return this.rate.rate(nowNs);
  }

  intervalHistogram(): { lowerNs: number[]; counts: number[] } {
    return { lowerNs: this.histogram.map((_, k) => 2 ** k), counts: [...this.histogram] };
  }

  snapshot(): ChannelTelemetrySnapshot {
    return {
      v: 1,
      seconds: this.seconds.snapshot(),
      ps: this.ps.snapshot(),
      rate: this.rate.snapshot(),
      histogram: [...this.histogram],
      hasLast: this.hasLast,
      lastSeconds: this.lastSeconds,
      lastPs: this.lastPs,
    };
  }

  /** Validates everything before changing anything. */
  static validate(s: ChannelTelemetrySnapshot): void {
    if (
      s?.v !== 1 ||
      !Array.isArray(s.histogram) ||
      s.histogram.length !== HISTOGRAM_BINS ||
      s.seconds?.v !== 1 ||
      s.ps?.v !== 1 ||
      s.rate?.v !== 1 ||
      s.rate.slots?.length !== 11
    )
      throw new Error('tdc telemetry snapshot: bad data');
  }

  restore(s: ChannelTelemetrySnapshot): void {
    ChannelTelemetry.validate(s);
    this.seconds.restore(s.seconds);
    this.ps.restore(s.ps);
    this.rate.restore(s.rate);
    this.histogram = [...s.histogram];
    this.hasLast = s.hasLast;
    this.lastSeconds = s.lastSeconds;
    this.lastPs = s.lastPs;
  }
}
