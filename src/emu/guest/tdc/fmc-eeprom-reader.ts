// Guest side of the mezzanine EEPROM (tdc.md §1.6, §2.11, §5(a) 14): byte reads from the 24C64 at
// I2C address 0x50 through the carrier's OpenCores I2C master (BAR0+0x80, 4-byte stride), the IPMI
// FRU check of the product name, and the calibration block at 0x100.
//
// Interface: new FmcEepromReader(read32, write32) with BAR0 accessors; enable(); read(addr, n);
// checkFru() → product name or an error; readCalibration() → TdcCalibration or an error.
// Transfers poll SR.TIP a bounded number of times (the model completes a byte at once; real
// hardware needs ~90 µs a byte at 100 kHz, which a driver would sleep through).
import * as R from '../../hw/spec-tdc-regs';

export interface EepromCalibration {
  /** Channels 1..5, ps (channel 1 is the reference, 0). */
  zeroOffsetPs: number[];
  wrOffsetPs: number;
  vcxoDacTune: number;
  temperatureC: number;
}

/** The v8 driver's documented defaults when the EEPROM cannot be read (§2.11). */
export const DEFAULT_CALIBRATION: EepromCalibration = {
  zeroOffsetPs: [0, 86, 609, 572, 335],
  wrOffsetPs: 229_460,
  vcxoDacTune: 43_343,
  temperatureC: 0,
};

const I2C = {
  PRER_LO: R.BAR0_FMC_I2C + R.FMC_I2C_REGS.PRER_LO.offset,
  PRER_HI: R.BAR0_FMC_I2C + R.FMC_I2C_REGS.PRER_HI.offset,
  CTR: R.BAR0_FMC_I2C + R.FMC_I2C_REGS.CTR.offset,
  TXR: R.BAR0_FMC_I2C + R.FMC_I2C_REGS.TXR.offset,
  RXR: R.BAR0_FMC_I2C + R.FMC_I2C_REGS.RXR.offset,
  CR: R.BAR0_FMC_I2C + R.FMC_I2C_REGS.CR.offset,
  SR: R.BAR0_FMC_I2C + R.FMC_I2C_REGS.SR.offset,
} as const;
/** 62.5 MHz / (5 × 100 kHz) − 1. */
export const I2C_PRESCALE = 124;
const TIP_POLLS = 100;

export class EepromError extends Error {}

export class FmcEepromReader {
  constructor(
    private readonly r0: (off: number) => number,
    private readonly w0: (off: number, v: number) => void,
  ) {}

  enable(): void {
    this.w0(I2C.CTR, 0);
    this.w0(I2C.PRER_LO, I2C_PRESCALE & 0xff);
    this.w0(I2C.PRER_HI, I2C_PRESCALE >> 8);
    this.w0(I2C.CTR, R.I2C_CTR_EN);
  }

  /** Waits for the byte transfer; returns true when the slave acknowledged. */
  private transfer(cr: number): boolean {
    this.w0(I2C.CR, cr);
    for (let i = 0; i < TIP_POLLS; i++) {
      const sr = this.r0(I2C.SR);
      if (!(sr & R.I2C_SR_TIP)) return (sr & R.I2C_SR_RXACK) === 0;
    }
    throw new EepromError('I2C transfer timed out');
  }

  private send(byte: number, cr: number, what: string): void {
    this.w0(I2C.TXR, byte);
    if (!this.transfer(cr)) {
      this.w0(I2C.CR, R.I2C_CR_STO);
      throw new EepromError(`EEPROM did not acknowledge the ${what}`);
    }
  }

  /** Random read of n bytes at a 16-bit address. */
  read(addr: number, n: number): Uint8Array {
    const dev = R.FMC_EEPROM_I2C_ADDR << 1;
    this.send(dev, R.I2C_CR_STA | R.I2C_CR_WR, 'device address');
    this.send((addr >> 8) & 0xff, R.I2C_CR_WR, 'address');
    this.send(addr & 0xff, R.I2C_CR_WR, 'address');
    this.send(dev | 1, R.I2C_CR_STA | R.I2C_CR_WR, 'read request');
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      this.transfer(last ? R.I2C_CR_RD | R.I2C_CR_ACK | R.I2C_CR_STO : R.I2C_CR_RD);
      out[i] = this.r0(I2C.RXR) & 0xff;
    }
    return out;
  }

  /** IPMI FRU: header and board area checksums, then the product name (scenario B2). */
  checkFru(): string {
    const header = this.read(0, 8);
    if (sum(header) !== 0) throw new EepromError('invalid FRU (header checksum)');
    const boardOffset = header[3] * 8;
    if (boardOffset === 0) throw new EepromError('invalid FRU (no board area)');
    const head = this.read(boardOffset, 2);
    const area = this.read(boardOffset, head[1] * 8);
    if (area.length < 8 || sum(area) !== 0) throw new EepromError('invalid FRU (board area checksum)');
    // Board area: version, length, language, 3-byte date, then manufacturer, product name, ...
    let p = 6;
    const field = (): string => {
      const len = area[p] & 0x3f;
      const text = String.fromCharCode(...area.subarray(p + 1, p + 1 + len));
      p += 1 + len;
      return text;
    };
    field(); // manufacturer
    const product = field();
    if (product !== R.FMC_TDC_PRODUCT_NAME) throw new EepromError(`Invalid FMC card "${product}"`);
    return product;
  }

  /** The seven little-endian words at 0x100 (§2.11), in driver units. */
  readCalibration(): EepromCalibration {
    const bytes = this.read(R.FMC_EEPROM_CALIB_OFFSET, R.FMC_EEPROM_CALIB_BYTES);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const w = (i: number) => view.getInt32(4 * i, true);
    if (bytes.every((b) => b === 0xff)) throw new EepromError('calibration block erased');
    return {
      zeroOffsetPs: [0, w(0) / 100, w(1) / 100, w(2) / 100, w(3) / 100].map(Math.trunc),
      vcxoDacTune: Math.trunc(w(4) / 100),
      temperatureC: w(5),
      wrOffsetPs: Math.trunc(w(6) / 100),
    };
  }
}

function sum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return s;
}
