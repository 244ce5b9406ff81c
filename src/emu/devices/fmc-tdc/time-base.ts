// FMC TDC time base: seconds counter + 125 MHz coarse ticks, local VCXO or White Rabbit,
// spec tdc.md §2.3 (START_UTC, CURRENT_UTC, DAC_TUNE, WR_CTRL/WR_STAT), §2.12, §3.4 (B6).
//
// Interface (used by fmc-tdc.ts): at(subNsPs) → board time {seconds, ps} of an instant inside the
// current virtual nanosecond; loadUtc(seconds); setDac(word); WR link model (setWrLink, WR_CTRL).
// Model choices [X]: LOAD_UTC starts a new second at the instant of the command (the phase of the
// old second is not kept); the local oscillator runs (1 + k·(V − V0)) fast with k = 9 ppm/V,
// V = 2.5 V × DAC/65536 and V0 = the voltage of the reset DAC word, plus boardPpm; when WR is
// enabled, present and the link is up, the time base locks after wrLockDelayNs and then runs exact
// (seconds keep counting: the WR master's TAI is not modelled); on link loss it keeps counting on
// the local oscillator and TIME_VALID drops (§8).

import type { Scheduler } from '../../core/scheduler';
import { check } from '../../core/snapshot';
import { DAC_TUNE_DEFAULT } from '../../hw/spec-tdc-regs';

const PS_PER_S = 1_000_000_000_000;
const NS_PER_S = 1_000_000_000;
const PPM_PER_VOLT = 9;

export interface BoardTime {
  seconds: number;
  /** ps within the second, 0 … 10^12 − 1. */
  ps: number;
}

export interface TimeBaseState {
  baseNs: number;
  baseSeconds: number;
  basePs: number;
  dac: number;
  boardPpm: number;
  wrPresent: boolean;
  wrEnabled: boolean;
  wrLinkUp: boolean;
  wrLocked: boolean;
  wrLockEvent: number;
}

export interface TimeBaseSnapshot extends TimeBaseState {
  v: 1;
}

const EV_WR_LOCK = 1;

export function dacPpm(dac: number): number {
  const volts = (2.5 * dac) / 65536;
  const v0 = (2.5 * DAC_TUNE_DEFAULT) / 65536;
  return PPM_PER_VOLT * (volts - v0);
}

export class TdcTimeBase {
  private s: TimeBaseState;
  private readonly owner: number;
  /** ppm derived from the state, recomputed whenever DAC, board error or WR lock change. */
  private ppmNow = 0;
  /** floor(elapsed ns / 10^9) of the last atInto() call (a cache, not state). */
  private lastSecond = 0;
  /** Run before any change of the time base (the TDC first time-tags the edges already due). */
  beforeChange: () => void = () => {};

  constructor(
    private readonly sched: Scheduler,
    ownerName: string,
    private readonly wrLockDelayNs = 100_000_000,
    boardPpm = 0,
  ) {
    this.s = TdcTimeBase.initialState(0, boardPpm);
    this.derivePpm();
    this.owner = sched.register(ownerName, (kind) => {
      if (kind !== EV_WR_LOCK) return;
      this.s.wrLockEvent = 0;
      this.rebase(() => {
        this.s.wrLocked = true;
      });
    });
  }

  private static initialState(nowNs: number, boardPpm: number): TimeBaseState {
    return {
      baseNs: nowNs,
      baseSeconds: 0,
      basePs: 0,
      dac: DAC_TUNE_DEFAULT,
      boardPpm,
      wrPresent: true,
      wrEnabled: false,
      wrLinkUp: false,
      wrLocked: false,
      wrLockEvent: 0,
    };
  }

  reset(): void {
    this.beforeChange();
    if (this.s.wrLockEvent) this.sched.cancel(this.s.wrLockEvent);
    const { boardPpm, wrPresent, wrLinkUp } = this.s;
    this.s = { ...TdcTimeBase.initialState(this.sched.nowNs, boardPpm), wrPresent, wrLinkUp };
    this.derivePpm();
  }

  get state(): Readonly<TimeBaseState> {
    return this.s;
  }

  /** Rate error of the board clock, ppm. */
  get ppm(): number {
    return this.ppmNow;
  }

  private derivePpm(): void {
    this.ppmNow = this.s.wrLocked ? 0 : dacPpm(this.s.dac) + this.s.boardPpm;
  }

  /** Board time of the instant subNsPs (0..999) after the current virtual nanosecond. */
  at(subNsPs = 0): BoardTime {
    return this.atInto(this.sched.nowNs, subNsPs, { seconds: 0, ps: 0 });
  }

  /** Board time of virtual instant nowNs + subNsPs ps, written into out (no allocation). */
  atInto(nowNs: number, subNsPs: number, out: BoardTime): BoardTime {
    const elapsedNs = nowNs - this.s.baseNs;
    const ppm = this.ppmNow;
    let seconds: number;
    let ps: number;
    if (ppm === 0) {
      // Edges come in time order, so the second of the previous edge usually holds this one too.
      seconds = this.lastSecond;
      const inNs = elapsedNs - seconds * NS_PER_S;
      if (inNs < 0 || inNs >= NS_PER_S) {
        seconds = Math.floor(elapsedNs / NS_PER_S);
        this.lastSecond = seconds;
      }
      ps = (elapsedNs - seconds * NS_PER_S) * 1000;
    } else {
      const adjustedNs = elapsedNs + (elapsedNs * ppm) / 1e6;
      seconds = Math.floor(adjustedNs / NS_PER_S);
      ps = Math.round((adjustedNs - seconds * NS_PER_S) * 1000);
    }
    ps += this.s.basePs + subNsPs;
    while (ps >= PS_PER_S) {
      ps -= PS_PER_S;
      seconds++;
    }
    out.seconds = (this.s.baseSeconds + seconds) >>> 0;
    out.ps = ps;
    return out;
  }

  /** CURRENT_UTC. */
  get currentUtc(): number {
    return this.at().seconds;
  }

  /** CTRL.LOAD_UTC: a new second starts now with the given number. */
  loadUtc(seconds: number): void {
    this.beforeChange();
    this.s.baseNs = this.sched.nowNs;
    this.s.baseSeconds = seconds >>> 0;
    this.s.basePs = 0;
  }

  /** CTRL.CONFIG_DAC: the VCXO follows the new tune word. */
  setDac(word: number): void {
    this.rebase(() => {
      this.s.dac = word & 0xffffff;
    });
  }

  setBoardPpm(ppm: number): void {
    this.rebase(() => {
      this.s.boardPpm = ppm;
    });
  }

  /** WR_CTRL.ENABLE. */
  setWrEnabled(on: boolean): void {
    if (on === this.s.wrEnabled) return;
    this.s.wrEnabled = on;
    this.updateWr();
  }

  /** Host side / fault B6: the White Rabbit link goes up or down. */
  setWrLink(up: boolean): void {
    this.s.wrLinkUp = up;
    this.updateWr();
  }

  setWrPresent(present: boolean): void {
    this.s.wrPresent = present;
    this.updateWr();
  }

  /** WR_STAT as §2.3 lists it. */
  get wrStat(): number {
    const s = this.s;
    const link = s.wrPresent && s.wrLinkUp;
    const locked = s.wrLocked;
    return (
      1 |
      (s.wrPresent ? 1 << 1 : 0) |
      (link ? 1 << 2 : 0) |
      (s.wrEnabled && link && !locked ? 1 << 3 : 0) |
      (locked ? (1 << 4) | (1 << 7) : 0) |
      (locked ? (1 << 5) | (1 << 8) : 0) |
      (s.wrEnabled ? 1 << 6 : 0)
    );
  }

  private updateWr(): void {
    const s = this.s;
    const canLock = s.wrEnabled && s.wrPresent && s.wrLinkUp;
    if (!canLock) {
      if (s.wrLockEvent) this.sched.cancel(s.wrLockEvent);
      s.wrLockEvent = 0;
      if (s.wrLocked) {
        this.rebase(() => {
          s.wrLocked = false;
        });
      }
    } else if (!s.wrLocked && !s.wrLockEvent) {
      s.wrLockEvent = this.sched.after(this.wrLockDelayNs, this.owner, EV_WR_LOCK);
    }
  }

  /** Keeps the time continuous across a rate change. */
  private rebase(change: () => void): void {
    this.beforeChange();
    const t = this.at();
    this.s.baseNs = this.sched.nowNs;
    this.s.baseSeconds = t.seconds;
    this.s.basePs = t.ps;
    change();
    this.derivePpm();
  }

  snapshot(): TimeBaseSnapshot {
    return { v: 1, ...this.s };
  }

  restore(snap: TimeBaseSnapshot): void {
    this.beforeChange();
    check(
      snap?.v === 1 && Number.isInteger(snap.baseNs) && Number.isFinite(snap.basePs),
      'time base: bad snapshot',
    );
    const { v: _v, ...rest } = snap;
    this.s = rest;
    this.derivePpm();
  }
}
