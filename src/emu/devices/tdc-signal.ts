// Host-side signal sources for the FMC TDC inputs, spec tdc.md §2.13 (inputs), §3.1 (P1–P8).
//
// Interface: a TdcSignalSource drives a TdcInput (FmcTdc.inputEdge + isTerminated) through
// scheduler events only, with its own seeded Rng:
//   pulse(ch, atNs, widthNs) / glitch(ch, atNs, widthNs)     one pulse (P1, P3–P5)
//   periodic(ch, {periodNs, widthNs, count, startNs})           pulse train (count 0 = until stop)
//   burst(ch, {n, spacingNs, widthNs, startNs})                 n pulses closely spaced (P7)
//   stop(ch)                                                    ends the train of that channel
//   noise(ch, {rateHz, widthNs} | null)                         Poisson glitches (P3, P6 via ACAM)
//   edgeLoss(ch, 'rising' | 'falling', probability)             pulse edges lost on the line (P6a/b)
//   reflection(ch, {probability, delayNs, widthNs} | null)      the source is a 50 Ω line: with the
//                                                               channel unterminated each pulse edge
//                                                               may spawn a short glitch (P8, [X])
// Times are ns as numbers and may have a ps fraction (e.g. 200002.5); an edge is scheduled at its
// whole ns with the ps remainder (0..999) as the event argument. Events are plain data (kind =
// operation × 8 + channel), so a snapshot of the scheduler plus snapshot() of this object resumes
// every generator exactly.
// Fast path: when the input offers inputTrain (the FMC TDC does) and the channel's line is clean
// (no edge loss, no reflection model), periodic() hands the whole train to the input, which
// time-tags its edges lazily with the same results, and no event is scheduled per edge. The train
// is taken back (stop, or edge loss / reflection switched on) at the current instant: pulses so far
// are counted, a pending falling edge and the rest of the train go back to one event per edge.

import type { Rng, RngSnapshot } from '../core/rng';
import type { Scheduler } from '../core/scheduler';
import { check, cloneState } from '../core/snapshot';

export interface TdcInput {
  inputEdge(ch: number, rising: boolean, subNsPs: number): void;
  isTerminated(ch: number): boolean;
  /** Optional: takes a whole periodic train (times in ps; count 0 = endless), null ends it. */
  inputTrain?(ch: number, train: HandedTrain | null): void;
}

export interface HandedTrain {
  startPs: number;
  periodPs: number;
  widthPs: number;
  count: number;
}

export interface PeriodicOptions {
  periodNs: number;
  widthNs: number;
  /** Number of pulses; 0 = until stop(). */
  count?: number;
  /** Absolute time of the first rising edge; default now. */
  startNs?: number;
}

export interface BurstOptions {
  n: number;
  spacingNs: number;
  widthNs: number;
  startNs?: number;
}

export interface NoiseOptions {
  rateHz: number;
  widthNs: number;
}

export interface ReflectionOptions {
  probability: number;
  delayNs?: number;
  widthNs?: number;
}

export interface SignalCounters {
  pulses: number;
  glitches: number;
  edgesLost: number;
  reflections: number;
}

interface Train {
  periodPs: number;
  widthPs: number;
  remaining: number;
  infinite: boolean;
  event: number;
  /** Handed to the input (fast path): rising edge of pulse 0, ps; absent = one event per edge. */
  handedStartPs?: number;
}

interface ChannelSignals {
  train: Train | null;
  noise: { meanNs: number; widthPs: number; event: number } | null;
  lossRising: number;
  lossFalling: number;
  reflection: { probability: number; delayPs: number; widthPs: number } | null;
  counters: SignalCounters;
}

export interface TdcSignalSnapshot {
  v: 1;
  channels: ChannelSignals[];
  rng: RngSnapshot;
}

const OP_RISE = 1;
const OP_FALL = 2;
const OP_TRAIN = 3;
const OP_NOISE = 4;
const OP_GLITCH_RISE = 5;
const OP_GLITCH_FALL = 6;
const OP_REFL_RISE = 7;
const OP_REFL_FALL = 8;

const toPs = (ns: number) => Math.round(ns * 1000);

export class TdcSignalSource {
  private chans: ChannelSignals[];
  private readonly owner: number;

  constructor(
    private readonly sched: Scheduler,
    ownerName: string,
    private readonly rng: Rng,
    private readonly input: TdcInput,
    readonly channelCount = 5,
  ) {
    this.chans = Array.from({ length: channelCount }, () => TdcSignalSource.emptyChannel());
    this.owner = sched.register(ownerName, (kind, arg) => this.onEvent(kind >> 3, kind & 7, arg));
  }

  private static emptyChannel(): ChannelSignals {
    return {
      train: null,
      noise: null,
      lossRising: 0,
      lossFalling: 0,
      reflection: null,
      counters: { pulses: 0, glitches: 0, edgesLost: 0, reflections: 0 },
    };
  }

  counters(ch: number): Readonly<SignalCounters> {
    const c = this.chan(ch);
    const handed = this.handedPulses(c);
    return handed === 0 ? c.counters : { ...c.counters, pulses: c.counters.pulses + handed };
  }

  /** True while a train or noise runs on ch. */
  active(ch: number): boolean {
    const c = this.chan(ch);
    const t = c.train;
    const trainRuns =
      t !== null && (t.handedStartPs === undefined || t.infinite || this.handedPulses(c) < t.remaining);
    return trainRuns || c.noise !== null;
  }

  /** Pulses of a handed train whose rising edge is at or before the current virtual ns. */
  private handedPulses(c: ChannelSignals): number {
    const t = c.train;
    if (!t || t.handedStartPs === undefined) return 0;
    const lastPs = this.sched.nowNs * 1000 + 999;
    if (lastPs < t.handedStartPs) return 0;
    const n = Math.floor((lastPs - t.handedStartPs) / t.periodPs) + 1;
    return t.infinite ? n : Math.min(n, t.remaining);
  }

  private canHand(ch: number, t: Train): boolean {
    const c = this.chans[ch];
    return (
      this.input.inputTrain !== undefined &&
      c.lossRising === 0 &&
      c.lossFalling === 0 &&
      !(c.reflection && c.reflection.probability > 0) &&
      t.widthPs < t.periodPs
    );
  }

  /**
   * Takes a handed train back from the input at the current instant: counts its pulses so far,
   * schedules a falling edge still to come, and (unless ending) the rest of the train per edge.
   */
  private takeBack(ch: number, ending: boolean): void {
    const c = this.chans[ch];
    const t = c.train;
    if (!t || t.handedStartPs === undefined) return;
    this.input.inputTrain?.(ch, null);
    const done = this.handedPulses(c);
    const startPs = t.handedStartPs;
    c.counters.pulses += done;
    if (done > 0) {
      const fallPs = startPs + (done - 1) * t.periodPs + t.widthPs;
      if (Math.floor(fallPs / 1000) > this.sched.nowNs) this.schedulePs(fallPs, OP_FALL, ch);
    }
    delete t.handedStartPs;
    if (!t.infinite) t.remaining -= done;
    if (ending || (!t.infinite && t.remaining <= 0)) {
      c.train = null;
      return;
    }
    t.event = this.schedulePs(startPs + done * t.periodPs, OP_TRAIN, ch);
  }

  pulse(ch: number, atNs: number, widthNs: number): void {
    this.chan(ch);
    const atPs = Math.max(toPs(atNs), this.sched.nowNs * 1000);
    this.schedulePs(atPs, OP_RISE, ch);
    this.schedulePs(atPs + toPs(widthNs), OP_FALL, ch);
  }

  glitch(ch: number, atNs: number, widthNs: number): void {
    this.chan(ch);
    const atPs = Math.max(toPs(atNs), this.sched.nowNs * 1000);
    this.schedulePs(atPs, OP_GLITCH_RISE, ch);
    this.schedulePs(atPs + toPs(widthNs), OP_GLITCH_FALL, ch);
  }

  periodic(ch: number, o: PeriodicOptions): void {
    const c = this.chan(ch);
    this.stop(ch);
    if (!(o.periodNs > 0) || !(o.widthNs >= 0)) throw new RangeError('tdc signal: period must be > 0');
    const count = Math.max(0, Math.floor(o.count ?? 0));
    const startPs = Math.max(toPs(o.startNs ?? this.sched.nowNs), this.sched.nowNs * 1000);
    c.train = {
      periodPs: toPs(o.periodNs),
      widthPs: toPs(o.widthNs),
      remaining: count,
      infinite: count === 0,
      event: 0,
    };
    if (this.canHand(ch, c.train)) {
      c.train.handedStartPs = startPs;
      this.input.inputTrain?.(ch, { startPs, periodPs: c.train.periodPs, widthPs: c.train.widthPs, count });
    } else c.train.event = this.schedulePs(startPs, OP_TRAIN, ch);
  }

  burst(ch: number, o: BurstOptions): void {
    this.periodic(ch, {
      periodNs: o.spacingNs,
      widthNs: o.widthNs,
      count: Math.max(1, o.n),
      startNs: o.startNs,
    });
  }

  stop(ch: number): void {
    const c = this.chan(ch);
    if (c.train?.handedStartPs !== undefined) this.takeBack(ch, true);
    if (c.train?.event) this.sched.cancel(c.train.event);
    c.train = null;
  }

  noise(ch: number, o: NoiseOptions | null): void {
    const c = this.chan(ch);
    if (c.noise?.event) this.sched.cancel(c.noise.event);
    c.noise = null;
    if (!o || !(o.rateHz > 0)) return;
    c.noise = { meanNs: 1e9 / o.rateHz, widthPs: toPs(o.widthNs), event: 0 };
    this.nextNoise(ch);
  }

  edgeLoss(ch: number, edge: 'rising' | 'falling', probability: number): void {
    const c = this.chan(ch);
    const p = Math.min(1, Math.max(0, probability));
    if (edge === 'rising') c.lossRising = p;
    else c.lossFalling = p;
    if (c.train && !this.canHand(ch, c.train)) this.takeBack(ch, false);
  }

  reflection(ch: number, o: ReflectionOptions | null): void {
    const c = this.chan(ch);
    c.reflection = o
      ? {
          probability: Math.min(1, Math.max(0, o.probability)),
          delayPs: toPs(o.delayNs ?? 30),
          widthPs: toPs(o.widthNs ?? 6),
        }
      : null;
    if (c.train && !this.canHand(ch, c.train)) this.takeBack(ch, false);
  }

  private chan(ch: number): ChannelSignals {
    const c = this.chans[ch];
    if (!c) throw new RangeError(`tdc signal: no channel ${ch}`);
    return c;
  }

  private schedulePs(atPs: number, op: number, ch: number): number {
    const ns = Math.floor(atPs / 1000);
    return this.sched.at(ns, this.owner, op * 8 + ch, atPs - ns * 1000);
  }

  private nowPs(subPs: number): number {
    return this.sched.nowNs * 1000 + subPs;
  }

  private nextNoise(ch: number): void {
    const n = this.chans[ch].noise;
    if (!n) return;
    const delayPs = Math.max(1, Math.round(this.rng.exponential(n.meanNs) * 1000));
    n.event = this.schedulePs(this.sched.nowNs * 1000 + delayPs, OP_NOISE, ch);
  }

  private onEvent(op: number, ch: number, subPs: number): void {
    const c = this.chans[ch];
    switch (op) {
      case OP_RISE:
        c.counters.pulses++;
        this.lineEdge(ch, true, subPs);
        break;
      case OP_FALL:
        this.lineEdge(ch, false, subPs);
        break;
      case OP_TRAIN: {
        const t = c.train;
        if (!t) return;
        t.event = 0;
        c.counters.pulses++;
        this.lineEdge(ch, true, subPs);
        const startPs = this.nowPs(subPs);
        this.schedulePs(startPs + t.widthPs, OP_FALL, ch);
        if (!t.infinite && --t.remaining <= 0) c.train = null;
        else t.event = this.schedulePs(startPs + t.periodPs, OP_TRAIN, ch);
        break;
      }
      case OP_NOISE: {
        const n = c.noise;
        if (!n) return;
        n.event = 0;
        c.counters.glitches++;
        this.input.inputEdge(ch, true, subPs);
        this.schedulePs(this.nowPs(subPs) + n.widthPs, OP_GLITCH_FALL, ch);
        this.nextNoise(ch);
        break;
      }
      case OP_GLITCH_RISE:
        c.counters.glitches++;
        this.input.inputEdge(ch, true, subPs);
        break;
      case OP_GLITCH_FALL:
      case OP_REFL_FALL:
        this.input.inputEdge(ch, false, subPs);
        break;
      case OP_REFL_RISE:
        c.counters.reflections++;
        this.input.inputEdge(ch, true, subPs);
        break;
    }
  }

  /** A pulse edge on the cable: may be lost, may spawn a reflection when unterminated. */
  private lineEdge(ch: number, rising: boolean, subPs: number): void {
    const c = this.chans[ch];
    const loss = rising ? c.lossRising : c.lossFalling;
    if (loss > 0 && this.rng.next() < loss) {
      c.counters.edgesLost++;
      return;
    }
    this.input.inputEdge(ch, rising, subPs);
    const r = c.reflection;
    if (r && r.probability > 0 && !this.input.isTerminated(ch) && this.rng.next() < r.probability) {
      const atPs = this.nowPs(subPs) + r.delayPs;
      this.schedulePs(atPs, OP_REFL_RISE, ch);
      this.schedulePs(atPs + r.widthPs, OP_REFL_FALL, ch);
    }
  }

  snapshot(): TdcSignalSnapshot {
    return { v: 1, channels: cloneState(this.chans), rng: this.rng.snapshot() };
  }

  restore(s: TdcSignalSnapshot): void {
    check(
      s?.v === 1 && Array.isArray(s.channels) && s.channels.length === this.channelCount,
      'tdc signal: bad snapshot',
    );
    check(
      s.channels.every((c) => typeof c.counters === 'object' && Number.isFinite(c.lossRising)),
      'tdc signal: bad channel',
    );
    this.rng.restore(s.rng);
    this.chans = cloneState(s.channels);
  }
}
