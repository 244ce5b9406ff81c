// CERN SPEC PCIe carrier (GN4124 bridge + Spartan-6 running the spec-fmc-tdc v8 bitstream) with an
// FMC-TDC-1NS-5CHA mezzanine. Spec tdc.md §1 (carrier), §2 (TDC), §7 (checklist), §8 (stand-ins).
//
// Interface: a PciFunction. BAR0 (1 MiB, prefetchable; [X] 64-bit in hardware, modelled as a
// 32-bit BAR): FPGA Wishbone window — metadata 0x0, CSR 0x40, FMC I2C 0x80, DMA 0xC0, VIC 0x100,
// build info 0x200, app metadata 0x2000, TDC 0x20000. BAR2 (1 MiB): reads 0xFFFFFFFF, writes
// ignored. BAR4 (4 KiB): GN4124 registers. INTA from the GN4124 (GPIO 8 ← VIC output ← DMA line 2,
// TDC EIC line 6). The PCI command register's bus-master bit gates DMA (D6).
// Only 32-bit aligned accesses reach registers ([X] §0.3): other widths read all-ones, writes are
// dropped, both traced as guest errors. Unmapped BAR0 addresses read 0xFFFFFFFF ([X] §1.6).
// Host side: spec.tdc (FmcTdc: inputEdge, time base, one-wire), spec.eeprom, fault hooks used by
// fault-injector.ts.

import type {
  AccessWidth,
  IrqLine,
  MmioHandler,
  PciBarDef,
  PciFunction,
  PciIdentity,
  PhysMemory,
} from '../../bus/types';
import type { RegTable } from '../../core/regs';
import type { Rng } from '../../core/rng';
import type { Scheduler } from '../../core/scheduler';
import { check, SnapshotError } from '../../core/snapshot';
import type { TraceRing } from '../../core/trace';
import {
  BAR0_APP_META,
  BAR0_BUILDINFO,
  BAR0_BUILDINFO_SIZE,
  BAR0_CARRIER_CSR,
  BAR0_DMA,
  BAR0_FMC_I2C,
  BAR0_TDC_BASE,
  BAR0_TDC_SIZE,
  BAR0_VIC,
  CARRIER_CSR_REGS,
  DMA_REGS,
  FMC_I2C_REGS,
  GN4124_REGS,
  METADATA_REGS,
  SPEC_BAR0_SIZE,
  SPEC_BAR2_SIZE,
  SPEC_BAR4_SIZE,
  SPEC_CLASS_CODE,
  SPEC_DDR_SIZE,
  SPEC_DEVICE_ID_LX45T,
  SPEC_GPIO_VIC_IRQ,
  SPEC_VENDOR_ID,
  VIC_IVT_OFFSET,
  VIC_LINE_DMA,
  VIC_LINE_TDC,
  VIC_REGS,
} from '../../hw/spec-tdc-regs';
import { describeIn, describeTdc } from '../fmc-tdc/describe';
import { FmcTdc, type FmcTdcOptions, type FmcTdcSnapshot } from '../fmc-tdc/fmc-tdc';
import { CarrierCsr, type CarrierSnapshot } from './carrier-csr';
import { type DdrSnapshot, SparseDdr } from './ddr';
import { type EepromSnapshot, FmcEeprom } from './fmc-eeprom';
import { FmcI2cMaster, type I2cSnapshot } from './fmc-i2c';
import { Gn4124, type Gn4124Snapshot } from './gn4124';
import { DMA_DEFAULT_TIMING, type DmaSnapshot, type DmaTiming, Gn4124Dma } from './gn4124-dma';
import { Vic, type VicSnapshot } from './vic';

export interface SpecOptions {
  /** Device name in the trace and scheduler owner prefix; default "spec0". */
  name?: string;
  deviceId?: number;
  dmaTiming?: Partial<DmaTiming>;
  tdc?: FmcTdcOptions;
  ddrSize?: number;
  trace?: TraceRing;
}

export interface SpecSnapshot {
  v: 1;
  gn4124: Gn4124Snapshot;
  vic: VicSnapshot;
  dma: DmaSnapshot;
  ddr: DdrSnapshot;
  carrier: CarrierSnapshot;
  i2c: I2cSnapshot;
  eeprom: EepromSnapshot;
  tdc: FmcTdcSnapshot;
  busMaster: boolean;
}

export class SpecCarrier implements PciFunction {
  readonly name: string;
  readonly identity: PciIdentity;
  readonly bars: readonly (PciBarDef | undefined)[];
  readonly ddr: SparseDdr;
  readonly gn4124: Gn4124;
  readonly vic: Vic;
  readonly dma: Gn4124Dma;
  readonly carrier: CarrierCsr;
  readonly eeprom: FmcEeprom;
  readonly i2c: FmcI2cMaster;
  readonly tdc: FmcTdc;
  private intx: IrqLine | undefined;
  private readonly trace?: TraceRing;

  constructor(sched: Scheduler, mem: PhysMemory, rng: Rng, options: SpecOptions = {}) {
    this.name = options.name ?? 'spec0';
    this.trace = options.trace;
    const deviceId = options.deviceId ?? SPEC_DEVICE_ID_LX45T;
    this.identity = {
      vendorId: SPEC_VENDOR_ID,
      deviceId,
      subsystemVendorId: SPEC_VENDOR_ID,
      subsystemId: deviceId,
      classCode: SPEC_CLASS_CODE,
      revision: 0,
      interruptPin: 1,
    };
    this.ddr = new SparseDdr(options.ddrSize ?? SPEC_DDR_SIZE);
    this.gn4124 = new Gn4124(
      (level) => this.intx?.set(level),
      () => this.resetFpga(),
    );
    this.vic = new Vic(sched, `${this.name}.vic`, (pin) => this.gn4124.setGpioInput(SPEC_GPIO_VIC_IRQ, pin));
    this.dma = new Gn4124Dma(
      sched,
      `${this.name}.dma`,
      mem,
      this.ddr,
      (level) => this.vic.setLine(VIC_LINE_DMA, level),
      { ...DMA_DEFAULT_TIMING, ...options.dmaTiming },
      this.trace,
      this.name,
    );
    this.carrier = new CarrierCsr((kind) => (kind === 'global' ? this.resetFpga() : this.tdc.reset()));
    this.eeprom = new FmcEeprom();
    this.i2c = new FmcI2cMaster(this.eeprom);
    this.tdc = new FmcTdc(
      sched,
      `${this.name}.tdc`,
      this.ddr,
      rng,
      (level) => this.vic.setLine(VIC_LINE_TDC, level),
      options.tdc,
      this.trace,
      this.name,
    );
    const bar0: MmioHandler = this.checkedHandler(
      'BAR0',
      (o) => this.readBar0(o),
      (o, v) => this.writeBar0(o, v),
    );
    const bar2: MmioHandler = { read: (_o, w) => allOnes(w), write: () => {} };
    const bar4: MmioHandler = this.checkedHandler(
      'BAR4',
      (o) => this.gn4124.read(o),
      (o, v) => this.gn4124.write(o, v),
    );
    this.bars = [
      { kind: 'mem', size: SPEC_BAR0_SIZE, prefetchable: true, handler: bar0 },
      undefined,
      { kind: 'mem', size: SPEC_BAR2_SIZE, prefetchable: true, handler: bar2 },
      undefined,
      { kind: 'mem', size: SPEC_BAR4_SIZE, handler: bar4 },
      undefined,
    ];
  }

  connectIrq(line: IrqLine): void {
    this.intx = line;
    line.set(this.gn4124.inta);
  }

  onCommand(command: number): void {
    this.dma.setBusMaster((command & 0x4) !== 0);
  }

  /** PCI reset: the bridge and everything behind it. */
  reset(): void {
    this.gn4124.reset();
    this.resetFpga();
  }

  /** FPGA application reset (PCI_SYS_CFG_SYSTEM local-bus reset, CSR global reset). */
  private resetFpga(): void {
    this.carrier.reset();
    this.i2c.reset();
    this.dma.reset();
    this.vic.reset();
    this.tdc.reset();
  }

  private checkedHandler(
    space: string,
    read: (offset: number) => number,
    write: (offset: number, value: number) => void,
  ): MmioHandler {
    return {
      read: (offset, width) => {
        if (width !== 4 || offset & 3) {
          this.trace?.record('guest-error', this.name, space, offset, width, 0, 'non-32-bit access');
          return allOnes(width);
        }
        return read(offset) >>> 0;
      },
      write: (offset, value, width) => {
        if (width !== 4 || offset & 3) {
          this.trace?.record('guest-error', this.name, space, offset, width, value, 'non-32-bit access');
          return;
        }
        write(offset, value >>> 0);
      },
    };
  }

  private readBar0(o: number): number {
    if (o < BAR0_CARRIER_CSR) return this.carrier.readMeta(o);
    if (o < BAR0_CARRIER_CSR + 0x18) return this.carrier.readCsr(o);
    if (o >= BAR0_FMC_I2C && o < BAR0_FMC_I2C + 0x20) return this.i2c.read(o - BAR0_FMC_I2C);
    if (o >= BAR0_DMA && o < BAR0_DMA + 0x40) return this.dma.read(o - BAR0_DMA);
    if (o >= BAR0_VIC && o < BAR0_VIC + 0x100) return this.vic.read(o - BAR0_VIC);
    if (o >= BAR0_BUILDINFO && o < BAR0_BUILDINFO + BAR0_BUILDINFO_SIZE)
      return this.carrier.readBuildInfo(o - BAR0_BUILDINFO);
    if (o >= BAR0_APP_META && o < BAR0_APP_META + 0x40) return this.carrier.readAppMeta(o);
    if (o >= BAR0_TDC_BASE && o < BAR0_TDC_BASE + BAR0_TDC_SIZE) return this.tdc.read(o - BAR0_TDC_BASE);
    this.trace?.record('unimp', this.name, 'BAR0', o, 4, 0, 'unmapped read');
    return 0xffffffff;
  }

  private writeBar0(o: number, v: number): void {
    if (o >= BAR0_CARRIER_CSR && o < BAR0_CARRIER_CSR + 0x18) this.carrier.writeCsr(o, v);
    else if (o >= BAR0_FMC_I2C && o < BAR0_FMC_I2C + 0x20) this.i2c.write(o - BAR0_FMC_I2C, v);
    else if (o >= BAR0_DMA && o < BAR0_DMA + 0x40) this.dma.write(o - BAR0_DMA, v);
    else if (o >= BAR0_VIC && o < BAR0_VIC + 0x100) this.vic.write(o - BAR0_VIC, v);
    else if (o >= BAR0_TDC_BASE && o < BAR0_TDC_BASE + BAR0_TDC_SIZE) this.tdc.write(o - BAR0_TDC_BASE, v);
    else this.trace?.record('unimp', this.name, 'BAR0', o, 4, v, 'write to ROM or unmapped address');
  }

  /** Trace decoder: the register a BAR access touched (no side effects). */
  describe(bar: number, offset: number, dir: 'read' | 'write', value: number): string {
    const named = (table: RegTable, off: number, prefix: string) =>
      describeIn(table, off, dir, value, prefix);
    if (bar === 4) return named(GN4124_REGS, offset, 'GN4124 ');
    if (bar !== 0) return `BAR${bar} 0x${offset.toString(16)}`;
    if (offset < BAR0_CARRIER_CSR) return named(METADATA_REGS, offset, 'META ');
    if (offset < BAR0_CARRIER_CSR + 0x18) return named(CARRIER_CSR_REGS, offset, 'CSR ');
    if (offset >= BAR0_FMC_I2C && offset < BAR0_FMC_I2C + 0x20)
      return named(FMC_I2C_REGS, offset - BAR0_FMC_I2C, 'I2C ');
    if (offset >= BAR0_DMA && offset < BAR0_DMA + 0x40) return named(DMA_REGS, offset - BAR0_DMA, 'DMA ');
    if (offset >= BAR0_VIC + VIC_IVT_OFFSET && offset < BAR0_VIC + 0x100) {
      return `VIC IVT${(offset - BAR0_VIC - VIC_IVT_OFFSET) >> 2}`;
    }
    if (offset >= BAR0_VIC && offset < BAR0_VIC + 0x100) return named(VIC_REGS, offset - BAR0_VIC, 'VIC ');
    if (offset >= BAR0_TDC_BASE && offset < BAR0_TDC_BASE + BAR0_TDC_SIZE) {
      return describeTdc(offset - BAR0_TDC_BASE, dir, value);
    }
    return `BAR0 0x${offset.toString(16)}`;
  }

  snapshot(): SpecSnapshot {
    return {
      v: 1,
      gn4124: this.gn4124.snapshot(),
      vic: this.vic.snapshot(),
      dma: this.dma.snapshot(),
      ddr: this.ddr.snapshot(),
      carrier: this.carrier.snapshot(),
      i2c: this.i2c.snapshot(),
      eeprom: this.eeprom.snapshot(),
      tdc: this.tdc.snapshot(),
      busMaster: this.dma.state.busMaster,
    };
  }

  /** Restores every part; on bad data puts the previous state back and throws. */
  restore(s: SpecSnapshot): void {
    check(s?.v === 1, 'spec: unsupported snapshot version');
    const before = this.snapshot();
    try {
      this.apply(s);
    } catch (e) {
      this.apply(before);
      throw e instanceof SnapshotError ? e : new SnapshotError(`spec: ${(e as Error).message}`);
    }
  }

  private apply(s: SpecSnapshot): void {
    this.ddr.restore(s.ddr);
    this.carrier.restore(s.carrier);
    this.eeprom.restore(s.eeprom);
    this.i2c.restore(s.i2c);
    this.dma.restore(s.dma);
    this.tdc.restore(s.tdc);
    this.vic.restore(s.vic);
    this.gn4124.restore(s.gn4124);
  }
}

function allOnes(width: AccessWidth): number {
  return width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff;
}
