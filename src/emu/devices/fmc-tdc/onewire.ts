// DS18B20 one-wire thermometer/unique ID of the FMC TDC (TDC+0x1000), spec tdc.md §2.9, §3.4 (B5).
//
// Interface: read(offset) of CSR/TEMP/ID_H/ID_L; setTemperature(°C) from the host; setInvalid(on)
// for fault B5. Model [X] (§8): VALID becomes 1 750 ms after reset; TEMP is °C × 16 as a signed
// 16-bit value and follows a host change at the next whole second after it (1 s update period).

import type { Scheduler } from '../../core/scheduler';
import { check } from '../../core/snapshot';
import { TDC_ONEWIRE_REGS } from '../../hw/spec-tdc-regs';

const R = TDC_ONEWIRE_REGS;
const VALID_AFTER_NS = 750_000_000;
const UPDATE_NS = 1_000_000_000;

export interface OnewireState {
  validAtNs: number;
  tempX16: number;
  pendingX16: number;
  pendingAtNs: number;
  idHigh: number;
  idLow: number;
  invalid: boolean;
}

export interface OnewireSnapshot extends OnewireState {
  v: 1;
}

export class TdcOnewire {
  private s: OnewireState;

  constructor(
    private readonly sched: Scheduler,
    temperatureC = 32.5,
    idHigh = 0x28aa1234,
    idLow = 0x5600007f,
  ) {
    const x16 = Math.round(temperatureC * 16);
    this.s = {
      validAtNs: VALID_AFTER_NS,
      tempX16: x16,
      pendingX16: x16,
      pendingAtNs: 0,
      idHigh,
      idLow,
      invalid: false,
    };
  }

  reset(): void {
    this.s.validAtNs = this.sched.nowNs + VALID_AFTER_NS;
  }

  get valid(): boolean {
    return !this.s.invalid && this.sched.nowNs >= this.s.validAtNs;
  }

  setTemperature(celsius: number): void {
    this.s.pendingX16 = Math.round(celsius * 16) & 0xffff;
    this.s.pendingAtNs = (Math.floor(this.sched.nowNs / UPDATE_NS) + 1) * UPDATE_NS;
  }

  setInvalid(on: boolean): void {
    this.s.invalid = on;
  }

  read(offset: number): number {
    if (this.sched.nowNs >= this.s.pendingAtNs) this.s.tempX16 = this.s.pendingX16;
    switch (offset) {
      case R.CSR.offset:
        return this.valid ? 1 : 0;
      case R.TEMP.offset:
        return this.valid ? this.s.tempX16 & 0xffff : 0;
      case R.ID_H.offset:
        return this.valid ? this.s.idHigh >>> 0 : 0;
      case R.ID_L.offset:
        return this.valid ? this.s.idLow >>> 0 : 0;
      default:
        return 0;
    }
  }

  snapshot(): OnewireSnapshot {
    return { v: 1, ...this.s };
  }

  restore(snap: OnewireSnapshot): void {
    check(
      snap?.v === 1 && Number.isInteger(snap.tempX16) && Number.isInteger(snap.validAtNs),
      'onewire: bad snapshot',
    );
    const { v: _v, ...rest } = snap;
    this.s = rest;
  }
}
