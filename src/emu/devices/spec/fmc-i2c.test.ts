import { describe, expect, it } from 'vitest';
import { FMC_TDC_PRODUCT_NAME } from '../../hw/spec-tdc-regs';
import { DEFAULT_CALIBRATION, encodeCalibration, FmcEeprom } from './fmc-eeprom';
import { FmcI2cMaster } from './fmc-i2c';

/** A driver-style EEPROM read through the OpenCores registers; null on a NACK. */
function eepromRead(i2c: FmcI2cMaster, at: number, n: number): number[] | null {
  const cmd = (txr: number | null, cr: number) => {
    if (txr !== null) i2c.write(0x0c, txr);
    i2c.write(0x10, cr);
    expect(i2c.read(0x10) & 0x02).toBe(0); // TIP clear
    return (i2c.read(0x10) & 0x80) === 0;
  };
  i2c.write(0x08, 0x80);
  if (!cmd(0xa0, 0x90) || !cmd(at >> 8, 0x10) || !cmd(at & 0xff, 0x10)) {
    cmd(null, 0x40);
    return null;
  }
  if (!cmd(0xa1, 0x90)) return null;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    i2c.write(0x10, i === n - 1 ? 0x28 | 0x40 : 0x20);
    out.push(i2c.read(0x0c));
  }
  return out;
}

describe('FMC I2C master and EEPROM (§1.6, §2.11)', () => {
  it('reads the FRU product name "FmcTdc1ns5cha" and the 28-byte calibration block at 0x100', () => {
    const eeprom = new FmcEeprom();
    const i2c = new FmcI2cMaster(eeprom);
    const fru = eepromRead(i2c, 0, 64)!;
    const text = String.fromCharCode(...fru.map((b) => (b >= 32 && b < 127 ? b : 32)));
    expect(text).toContain(FMC_TDC_PRODUCT_NAME);
    expect(eepromRead(i2c, 0x100, 28)).toEqual(Array.from(encodeCalibration(DEFAULT_CALIBRATION)));
    expect(eepromRead(i2c, 0x100, 4)).toEqual([0x98, 0x21, 0, 0]); // 86 ps = 8600 × 10 fs
  });

  it('has a valid IPMI common-header checksum', () => {
    const eeprom = new FmcEeprom();
    const sum = eeprom.image.slice(0, 8).reduce((a, b) => a + b, 0);
    expect(sum & 0xff).toBe(0);
  });

  it('NACKs the calibration pointer with calib-nack (B3) and everything when absent (B1)', () => {
    const eeprom = new FmcEeprom();
    const i2c = new FmcI2cMaster(eeprom);
    eeprom.fault = 'calib-nack';
    expect(eepromRead(i2c, 0x100, 4)).toBeNull();
    expect(eepromRead(i2c, 0, 4)).not.toBeNull();
    eeprom.fault = 'absent';
    expect(eepromRead(i2c, 0, 4)).toBeNull();
  });

  it('ignores commands while CTR.EN = 0 and writes bytes into the image', () => {
    const eeprom = new FmcEeprom();
    const i2c = new FmcI2cMaster(eeprom);
    i2c.write(0x0c, 0xa0);
    i2c.write(0x10, 0x90);
    expect(i2c.read(0x10) & 0x40).toBe(0);
    i2c.write(0x08, 0x80);
    for (const [txr, cr] of [
      [0xa0, 0x90],
      [0x1f, 0x10],
      [0xf0, 0x10],
      [0x5a, 0x50],
    ]) {
      i2c.write(0x0c, txr);
      i2c.write(0x10, cr);
    }
    expect(eeprom.image[0x1ff0]).toBe(0x5a);
  });
});
