// OpenCores I2C master at BAR0+0x80 (4-byte register stride), spec tdc.md §1.6, in front of the
// mezzanine EEPROM (fmc-eeprom.ts).
//
// Interface: BAR0 sub-block read/write (offsets relative to 0x80). Commands written to CR
// (STA, WR, RD, STO, ACK, IACK) complete at once: TIP reads 0 and IF is set on the next read
// ([X]: real transfers take ~90 µs per byte at 100 kHz; the driver polls TIP either way).
// SR.RXACK = 1 when the slave did not acknowledge. The interrupt output (VIC line 0) is not wired
// in the TDC design's driver use and is not modelled.

import { check } from '../../core/snapshot';
import {
  FMC_I2C_REGS,
  I2C_CR_IACK,
  I2C_CR_RD,
  I2C_CR_STA,
  I2C_CR_STO,
  I2C_CR_WR,
  I2C_CTR_EN,
} from '../../hw/spec-tdc-regs';
import type { FmcEeprom } from './fmc-eeprom';

const R = FMC_I2C_REGS;

export interface I2cState {
  prerLo: number;
  prerHi: number;
  ctr: number;
  txr: number;
  rxr: number;
  sr: number;
  /** The bus is between START and STOP. */
  busy: boolean;
}

export interface I2cSnapshot extends I2cState {
  v: 1;
}

const SR_RXACK = 0x80;
const SR_BUSY = 0x40;
const SR_IF = 0x01;

export class FmcI2cMaster {
  private s: I2cState = FmcI2cMaster.initialState();

  constructor(private readonly eeprom: FmcEeprom) {}

  private static initialState(): I2cState {
    return { prerLo: 0xff, prerHi: 0xff, ctr: 0, txr: 0, rxr: 0, sr: 0, busy: false };
  }

  reset(): void {
    this.s = FmcI2cMaster.initialState();
    this.eeprom.stop();
  }

  read(offset: number): number {
    switch (offset) {
      case R.PRER_LO.offset:
        return this.s.prerLo;
      case R.PRER_HI.offset:
        return this.s.prerHi;
      case R.CTR.offset:
        return this.s.ctr;
      case R.RXR.offset:
        return this.s.rxr;
      case R.SR.offset:
        return (this.s.sr & ~SR_BUSY) | (this.s.busy ? SR_BUSY : 0);
      default:
        return 0;
    }
  }

  write(offset: number, value: number): void {
    const v = value & 0xff;
    switch (offset) {
      case R.PRER_LO.offset:
        this.s.prerLo = v;
        break;
      case R.PRER_HI.offset:
        this.s.prerHi = v;
        break;
      case R.CTR.offset:
        this.s.ctr = v & 0xc0;
        break;
      case R.TXR.offset:
        this.s.txr = v;
        break;
      case R.CR.offset:
        this.command(v);
        break;
    }
  }

  private command(cr: number): void {
    if (cr & I2C_CR_IACK) this.s.sr &= ~SR_IF;
    if (!(this.s.ctr & I2C_CTR_EN)) return;
    let acked = true;
    if (cr & I2C_CR_STA && cr & I2C_CR_WR) {
      this.s.busy = true;
      acked = this.eeprom.start(this.s.txr);
    } else if (cr & I2C_CR_WR) {
      acked = this.s.busy && this.eeprom.writeByte(this.s.txr);
    } else if (cr & I2C_CR_RD) {
      this.s.rxr = this.s.busy ? this.eeprom.readByte() : 0xff;
    }
    if (cr & (I2C_CR_WR | I2C_CR_RD)) {
      this.s.sr = (this.s.sr & ~SR_RXACK) | (acked ? 0 : SR_RXACK) | SR_IF;
    }
    if (cr & I2C_CR_STO) {
      this.s.busy = false;
      this.eeprom.stop();
      this.s.sr |= SR_IF;
    }
  }

  snapshot(): I2cSnapshot {
    return { v: 1, ...this.s };
  }

  restore(s: I2cSnapshot): void {
    check(s?.v === 1 && Number.isInteger(s.sr) && typeof s.busy === 'boolean', 'i2c: bad snapshot');
    const { v: _v, ...rest } = s;
    this.s = rest;
  }
}
