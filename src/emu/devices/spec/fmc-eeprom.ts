// FMC mezzanine EEPROM (24C64, 8 KiB, I2C address 0x50), spec tdc.md §1.6, §2.11, §3.4 (B2, B3).
//
// Interface: the I2C slave protocol (start(addrByte) → ack, writeByte → ack, readByte, stop) used
// by the OpenCores I2C master model; image builders for the FRU (IPMI board area with product name
// "FmcTdc1ns5cha") and the 28-byte calibration block at 0x100. Faults: 'absent' (no ACK at all),
// 'calib-nack' (setting the pointer inside the calibration block is NACKed: unreadable, B3).
// Not modelled: the 5 ms write cycle (writes land at once).

import { check } from '../../core/snapshot';
import {
  FMC_EEPROM_CALIB_BYTES,
  FMC_EEPROM_CALIB_OFFSET,
  FMC_EEPROM_I2C_ADDR,
  FMC_EEPROM_SIZE,
  FMC_TDC_PRODUCT_NAME,
} from '../../hw/spec-tdc-regs';
import { fromBase64, toBase64 } from './ddr';

export type EepromFault = 'none' | 'absent' | 'calib-nack';

export interface TdcCalibration {
  /** Zero offsets of channels 2..5 relative to channel 1, ps. */
  zeroOffsetsPs: [number, number, number, number];
  vcxoDacTune: number;
  temperatureC: number;
  wrOffsetPs: number;
}

/** Calibration of the default board: the driver's documented defaults (§2.11). */
export const DEFAULT_CALIBRATION: TdcCalibration = {
  zeroOffsetsPs: [86, 609, 572, 335],
  vcxoDacTune: 43343,
  temperatureC: 35,
  wrOffsetPs: 229460,
};

/** The 28 bytes at 0x100: words in 10 fs (offsets), DAC × 100 (v8), °C, 10 fs. */
export function encodeCalibration(c: TdcCalibration): Uint8Array {
  const words = [
    ...c.zeroOffsetsPs.map((ps) => ps * 100),
    c.vcxoDacTune * 100,
    c.temperatureC,
    c.wrOffsetPs * 100,
  ];
  const out = new Uint8Array(FMC_EEPROM_CALIB_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i] >>> 0, true);
  return out;
}

/** IPMI FRU: common header + board info area (manufacturer, product name, serial, part). */
export function buildFru(productName = FMC_TDC_PRODUCT_NAME, serial = 'TDC-0001'): Uint8Array {
  const field = (text: string) => [0xc0 | text.length, ...Array.from(text, (ch) => ch.charCodeAt(0) & 0x7f)];
  // Manufacturing date: minutes since 1996-01-01, here 2019-01-01 (after 2018: no WR offset fix).
  const minutes = 12097440;
  const body = [
    0x01,
    0x00, // length, patched below
    0x00, // English
    minutes & 0xff,
    (minutes >> 8) & 0xff,
    (minutes >> 16) & 0xff,
    ...field('CERN'),
    ...field(productName),
    ...field(serial),
    ...field('EDA-02060-V6-0'),
    ...field(''),
    0xc1,
  ];
  while ((body.length + 1) % 8 !== 0) body.push(0);
  body[1] = (body.length + 1) / 8;
  body.push(checksum(body));
  const header = [0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00];
  header.push(checksum(header));
  return Uint8Array.from([...header, ...body]);
}

function checksum(bytes: number[]): number {
  return (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
}

/** Full 8 KiB image: FRU at 0, calibration at 0x100, the rest erased (0xFF). */
export function buildEepromImage(calibration = DEFAULT_CALIBRATION, productName?: string): Uint8Array {
  const image = new Uint8Array(FMC_EEPROM_SIZE).fill(0xff);
  image.set(buildFru(productName), 0);
  image.set(encodeCalibration(calibration), FMC_EEPROM_CALIB_OFFSET);
  return image;
}

export interface EepromSnapshot {
  v: 1;
  image: string;
  pointer: number;
  phase: EepromPhase;
  fault: EepromFault;
}

type EepromPhase = 'idle' | 'ptr-hi' | 'ptr-lo' | 'data-write' | 'data-read';

export class FmcEeprom {
  image: Uint8Array = buildEepromImage();
  fault: EepromFault = 'none';
  private pointer = 0;
  private phase: EepromPhase = 'idle';

  /** START (or repeated START) with the address byte; true when the EEPROM acknowledges. */
  start(addrByte: number): boolean {
    if (this.fault === 'absent' || addrByte >>> 1 !== FMC_EEPROM_I2C_ADDR) {
      this.phase = 'idle';
      return false;
    }
    this.phase = addrByte & 1 ? 'data-read' : 'ptr-hi';
    return true;
  }

  /** A byte written by the master after the address; true = ACK. */
  writeByte(byte: number): boolean {
    switch (this.phase) {
      case 'ptr-hi':
        this.pointer = ((byte & 0x1f) << 8) | (this.pointer & 0xff);
        this.phase = 'ptr-lo';
        return true;
      case 'ptr-lo': {
        this.pointer = (this.pointer & 0x1f00) | (byte & 0xff);
        this.phase = 'data-write';
        const inCalib =
          this.pointer >= FMC_EEPROM_CALIB_OFFSET &&
          this.pointer < FMC_EEPROM_CALIB_OFFSET + FMC_EEPROM_CALIB_BYTES;
        if (this.fault === 'calib-nack' && inCalib) {
          this.phase = 'idle';
          return false;
        }
        return true;
      }
      case 'data-write':
        this.image[this.pointer] = byte & 0xff;
        this.pointer = (this.pointer + 1) % FMC_EEPROM_SIZE;
        return true;
      default:
        return false;
    }
  }

  readByte(): number {
    if (this.phase !== 'data-read') return 0xff;
    const b = this.image[this.pointer];
    this.pointer = (this.pointer + 1) % FMC_EEPROM_SIZE;
    return b;
  }

  stop(): void {
    this.phase = 'idle';
  }

  snapshot(): EepromSnapshot {
    return { v: 1, image: toBase64(this.image), pointer: this.pointer, phase: this.phase, fault: this.fault };
  }

  restore(s: EepromSnapshot): void {
    check(s?.v === 1 && typeof s.image === 'string', 'eeprom: bad snapshot');
    const image = fromBase64(s.image);
    check(image.length === FMC_EEPROM_SIZE, 'eeprom: bad image size');
    check(['idle', 'ptr-hi', 'ptr-lo', 'data-write', 'data-read'].includes(s.phase), 'eeprom: bad phase');
    this.image = image;
    this.pointer = s.pointer & (FMC_EEPROM_SIZE - 1);
    this.phase = s.phase;
    this.fault = s.fault;
  }
}
