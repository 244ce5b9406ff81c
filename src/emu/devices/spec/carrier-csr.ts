// SPEC base-design carrier blocks in BAR0, spec tdc.md §1.6: carrier metadata ROM (0x00), carrier
// CSR (0x40), build-info ROM (0x200) and the application metadata ROM (0x2000).
//
// Interface: readMeta/readAppMeta/readBuildInfo/readCsr/writeCsr (offsets relative to BAR0);
// onReset(kind) when RESETS bit 0 (global) or bit 1 (application) is written 1;
// fields the fault injector changes: fmcPresent (B1), ddrCalibrated (D7), metaOverride (B8).

import { check } from '../../core/snapshot';
import {
  APP_META_DEVICE,
  APP_META_VENDOR,
  APP_META_VERSION,
  BAR0_APP_META,
  CARRIER_CSR_REGS,
  CARRIER_META_BOM,
  CARRIER_META_CAPS,
  CARRIER_META_DEVICE,
  CARRIER_META_VENDOR,
  CARRIER_META_VERSION,
  METADATA_REGS,
} from '../../hw/spec-tdc-regs';

const R = CARRIER_CSR_REGS;
const M = METADATA_REGS;

export const BUILD_INFO_TEXT = 'Built for spec-fmc-tdc (device-lab model) v8.0.1 from fmc-tdc gen 3\n';

/** Metadata words by ROM offset. */
export type MetaOverride = Partial<Record<'vendor' | 'device' | 'version' | 'bom' | 'caps', number>>;

export interface CarrierState {
  resets: number;
  fmcPresent: boolean;
  ddrCalibrated: boolean;
  meta: MetaOverride;
}

export interface CarrierSnapshot extends CarrierState {
  v: 1;
}

export class CarrierCsr {
  private s: CarrierState = { resets: 0, fmcPresent: true, ddrCalibrated: true, meta: {} };

  constructor(private readonly onReset: (kind: 'global' | 'application') => void) {}

  reset(): void {
    this.s.resets = 0;
  }

  get state(): Readonly<CarrierState> {
    return this.s;
  }

  setFmcPresent(on: boolean): void {
    this.s.fmcPresent = on;
  }

  setDdrCalibrated(on: boolean): void {
    this.s.ddrCalibrated = on;
  }

  overrideMeta(m: MetaOverride): void {
    this.s.meta = { ...this.s.meta, ...m };
  }

  readMeta(off: number): number {
    const m = this.s.meta;
    switch (off) {
      case M.VENDOR.offset:
        return m.vendor ?? CARRIER_META_VENDOR;
      case M.DEVICE.offset:
        return m.device ?? CARRIER_META_DEVICE;
      case M.VERSION.offset:
        return m.version ?? CARRIER_META_VERSION;
      case M.BOM.offset:
        return m.bom ?? CARRIER_META_BOM;
      case M.SRC0.offset:
        return 0x85a8009a; // [X] a made-up source id
      case M.CAPS.offset:
        return m.caps ?? CARRIER_META_CAPS;
      default:
        return 0;
    }
  }

  readAppMeta(off: number): number {
    switch (off - BAR0_APP_META) {
      case M.VENDOR.offset:
        return APP_META_VENDOR;
      case M.DEVICE.offset:
        return APP_META_DEVICE;
      case M.VERSION.offset:
        return APP_META_VERSION;
      case M.BOM.offset:
        return CARRIER_META_BOM;
      default:
        return 0;
    }
  }

  /** ASCII, NUL terminated, little-endian words. */
  readBuildInfo(off: number): number {
    let w = 0;
    for (let i = 3; i >= 0; i--) {
      const c = BUILD_INFO_TEXT.charCodeAt(off + i);
      w = (w << 8) | (Number.isNaN(c) ? 0 : c & 0x7f);
    }
    return w >>> 0;
  }

  readCsr(off: number): number {
    switch (off) {
      case R.APP_OFFSET.offset:
        return R.APP_OFFSET.reset ?? 0x2000;
      case R.RESETS.offset:
        return this.s.resets;
      case R.FMC_PRESENCE.offset:
        return this.s.fmcPresent ? 1 : 0;
      case R.GN4124_STATUS.offset:
        return 1;
      case R.DDR_STATUS.offset:
        return this.s.ddrCalibrated ? 1 : 0;
      case R.PCB_REV.offset:
        return R.PCB_REV.reset ?? 0;
      default:
        return 0;
    }
  }

  writeCsr(off: number, value: number): void {
    if (off !== R.RESETS.offset) return;
    const rising = value & ~this.s.resets;
    this.s.resets = value & 0x3;
    if (rising & 1) this.onReset('global');
    else if (rising & 2) this.onReset('application');
  }

  snapshot(): CarrierSnapshot {
    return { v: 1, ...this.s, meta: { ...this.s.meta } };
  }

  restore(snap: CarrierSnapshot): void {
    check(
      snap?.v === 1 && typeof snap.fmcPresent === 'boolean' && typeof snap.meta === 'object',
      'carrier: bad snapshot',
    );
    const { v: _v, ...rest } = snap;
    this.s = { ...rest, meta: { ...snap.meta } };
  }
}
