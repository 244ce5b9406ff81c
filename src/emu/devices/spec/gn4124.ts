// Gennum GN4124 PCIe bridge, internal registers (BAR4, 4 KiB), spec tdc.md §1.3–1.5, §7.
//
// Interface: BAR4 read/write (32-bit registers); setGpioInput(pin, level) for pins driven from the
// FPGA (GPIO 8 = VIC output); onIntA(level) drives the PCI INTx line; onFpgaReset() is called when
// PCI_SYS_CFG_SYSTEM bit 14 goes 0→1 (local-bus reset: the FPGA application restarts); raiseLocalBusError(n)
// sets INT_STAT.ALIn (fault I3).
// INTA is asserted while (INT_STAT & INT_CFG0) ≠ 0; [X] masked pins do not latch GPIO_INT_STATUS; MSI is not modelled (MSI registers are a plain
// mirror). The FCL keeps SPRI_DONE = 1 (the TDC bitstream is loaded at power-up); bitstream words
// pushed into FCL_FIFO are counted, and a FCL_CTRL write after them reports CONFIG_DONE.

import { RegMap } from '../../core/regs';
import { check } from '../../core/snapshot';
import {
  GN4124_INT_STAT_ALI_MASK,
  GN4124_INT_STAT_GPIO,
  GN4124_INT_STAT_SW0,
  GN4124_INT_STAT_SW1,
  GN4124_REGS,
  SPEC_GPIO_BOOTSEL0,
  SPEC_GPIO_BOOTSEL1,
} from '../../hw/spec-tdc-regs';

export const GN4124_MAP = new RegMap(GN4124_REGS);
const R = GN4124_REGS;

export interface Gn4124State {
  /** Plain RW registers by offset (MSI mirror, INT_CTRL, CLK_CSR, sys cfg, GPIO config, FCL). */
  regs: Record<string, number>;
  intStat: number;
  intCfg: number[];
  gpioMask: number;
  gpioStatus: number;
  /** Levels driven onto GPIO inputs by the board (bit per pin). */
  gpioPins: number;
  fclWords: number;
  fclIrq: number;
}

export interface Gn4124Snapshot extends Gn4124State {
  v: 1;
}

/** Registers that simply hold what was written (32 bit). */
const PLAIN_RW = [
  R.MSI_CONTROL,
  R.MSI_ADDRESS_LOW,
  R.MSI_ADDRESS_HIGH,
  R.MSI_DATA,
  R.PCI_SYS_CFG_SYSTEM,
  R.CLK_CSR,
  R.INT_CTRL,
  R.GPIO_BYPASS_MODE,
  R.GPIO_DIRECTION_MODE,
  R.GPIO_OUTPUT_ENABLE,
  R.GPIO_OUTPUT_VALUE,
  R.GPIO_INT_TYPE,
  R.GPIO_INT_VALUE,
  R.GPIO_INT_ON_ANY,
  R.FCL_CTRL,
  R.FCL_IODATA_IN,
  R.FCL_IODATA_OUT,
  R.FCL_EN,
  R.FCL_TIMER_0,
  R.FCL_TIMER_1,
  R.FCL_CLK_DIV,
  R.FCL_TIMER_CTRL,
  R.FCL_IM,
  R.FCL_TIMER2_0,
  R.FCL_TIMER2_1,
].map((d) => d.offset);

const FCL_IRQ_CONFIG_DONE = 1 << 3;

export class Gn4124 {
  private s: Gn4124State = Gn4124.initialState(0);
  private intaLevel = false;

  constructor(
    private readonly onIntA: (level: boolean) => void,
    private readonly onFpgaReset: () => void,
  ) {}

  private static initialState(gpioPins: number): Gn4124State {
    const regs: Record<string, number> = {};
    for (const off of PLAIN_RW) regs[off] = 0;
    regs[R.GPIO_DIRECTION_MODE.offset] = R.GPIO_DIRECTION_MODE.reset ?? 0;
    return {
      regs,
      intStat: 0,
      intCfg: new Array(8).fill(0),
      gpioMask: R.GPIO_INT_MASK.reset ?? 0xffff,
      gpioStatus: 0,
      gpioPins,
      fclWords: 0,
      fclIrq: 0,
    };
  }

  reset(): void {
    this.s = Gn4124.initialState(this.s.gpioPins);
    this.update();
  }

  get inta(): boolean {
    return this.intaLevel;
  }

  /** Pin levels as GPIO_INPUT_VALUE shows them: driven outputs, board inputs, BOOTSEL pulled high. */
  get gpioInputValue(): number {
    const oe = this.s.regs[R.GPIO_OUTPUT_ENABLE.offset] & 0xffff;
    const out = this.s.regs[R.GPIO_OUTPUT_VALUE.offset] & oe;
    const pulled = ((1 << SPEC_GPIO_BOOTSEL0) | (1 << SPEC_GPIO_BOOTSEL1)) & ~oe;
    return (out | ((this.s.gpioPins | pulled) & ~oe)) & 0xffff;
  }

  /** Level sources currently active: level-type pins at their configured level. */
  private activeLevels(): number {
    const pins = this.gpioInputValue;
    const type = this.s.regs[R.GPIO_INT_TYPE.offset];
    const high = this.s.regs[R.GPIO_INT_VALUE.offset];
    const bypass = this.s.regs[R.GPIO_BYPASS_MODE.offset];
    return type & ~bypass & ~this.s.gpioMask & ((pins & high) | (~pins & ~high)) & 0xffff;
  }

  /** The board drives a GPIO input (GPIO 8 from the VIC). Edge-type pins latch on the edge. */
  setGpioInput(pin: number, level: boolean): void {
    const bit = 1 << pin;
    const before = this.gpioInputValue;
    this.s.gpioPins = level ? this.s.gpioPins | bit : this.s.gpioPins & ~bit;
    const after = this.gpioInputValue;
    const changed = before ^ after;
    if (changed & bit) {
      const type = this.s.regs[R.GPIO_INT_TYPE.offset];
      const any = this.s.regs[R.GPIO_INT_ON_ANY.offset];
      const rising = this.s.regs[R.GPIO_INT_VALUE.offset];
      const isRise = (after & bit) !== 0;
      const edgeMatches = any & bit || ((rising & bit) !== 0) === isRise;
      if (!(type & bit) && !(this.s.gpioMask & bit) && edgeMatches) this.s.gpioStatus |= bit;
    }
    this.update();
  }

  /** Fault I3: a local-bus error ALIn (n = 0..6) sets INT_STAT bit 8+n. */
  raiseLocalBusError(n: number): void {
    this.s.intStat |= (1 << (8 + (n % 7))) & GN4124_INT_STAT_ALI_MASK;
    this.update();
  }

  private intStatValue(): number {
    const gpio = this.s.gpioStatus & ~this.s.gpioMask & 0xffff ? GN4124_INT_STAT_GPIO : 0;
    return (this.s.intStat & ~GN4124_INT_STAT_GPIO) | gpio;
  }

  read(offset: number): number {
    switch (offset) {
      case R.INT_STAT.offset:
        return this.intStatValue();
      case R.GPIO_INPUT_VALUE.offset:
        return this.gpioInputValue;
      case R.GPIO_INT_MASK.offset:
        return this.s.gpioMask;
      case R.GPIO_INT_STATUS.offset: {
        const value = this.s.gpioStatus;
        this.s.gpioStatus = this.activeLevels();
        this.update();
        return value;
      }
      case R.FCL_STATUS.offset:
        return R.FCL_STATUS.reset ?? 0x8;
      case R.FCL_IRQ.offset:
        return this.s.fclIrq;
      case R.FCL_DBG_STS.offset:
        return 0;
    }
    if (offset >= R.INT_CFG0.offset && offset <= R.INT_CFG7.offset)
      return this.s.intCfg[(offset - R.INT_CFG0.offset) >> 2];
    const plain = this.s.regs[offset];
    return plain ?? 0;
  }

  write(offset: number, value: number): void {
    const v = value >>> 0;
    switch (offset) {
      case R.INT_STAT.offset: {
        const sw = GN4124_INT_STAT_SW0 | GN4124_INT_STAT_SW1;
        this.s.intStat = ((this.s.intStat & ~sw) | (v & sw)) & ~(v & GN4124_INT_STAT_ALI_MASK);
        break;
      }
      case R.GPIO_INT_MASK_CLR.offset:
        this.s.gpioMask &= ~v & 0xffff;
        break;
      case R.GPIO_INT_MASK_SET.offset:
        this.s.gpioMask = (this.s.gpioMask | v) & 0xffff;
        break;
      case R.GPIO_INT_STATUS_W.offset:
        this.s.gpioStatus = (this.s.gpioStatus | v) & 0xffff;
        break;
      case R.FCL_FIFO.offset:
        this.s.fclWords++;
        break;
      case R.PCI_SYS_CFG_SYSTEM.offset: {
        const old = this.s.regs[offset];
        this.s.regs[offset] = v;
        if (!(old & (1 << 14)) && v & (1 << 14)) this.onFpgaReset();
        break;
      }
      default:
        if (offset >= R.INT_CFG0.offset && offset <= R.INT_CFG7.offset) {
          this.s.intCfg[(offset - R.INT_CFG0.offset) >> 2] = v & 0xffff;
        } else if (offset in this.s.regs) {
          this.s.regs[offset] = v;
          if (offset === R.FCL_CTRL.offset && this.s.fclWords > 0) this.s.fclIrq |= FCL_IRQ_CONFIG_DONE;
          if (offset === R.GPIO_INT_TYPE.offset || offset === R.GPIO_INT_VALUE.offset) {
            this.s.gpioStatus |= this.activeLevels();
          }
        }
    }
    this.update();
  }

  /** Derives INTA from INT_STAT & INT_CFG0; keeps level sources latched in GPIO_INT_STATUS. */
  private update(): void {
    this.s.gpioStatus |= this.activeLevels();
    const level = (this.intStatValue() & this.s.intCfg[0]) !== 0;
    if (level !== this.intaLevel) {
      this.intaLevel = level;
      this.onIntA(level);
    }
  }

  snapshot(): Gn4124Snapshot {
    return { v: 1, ...this.s, regs: { ...this.s.regs }, intCfg: [...this.s.intCfg] };
  }

  restore(s: Gn4124Snapshot): void {
    check(s?.v === 1 && Array.isArray(s.intCfg) && s.intCfg.length === 8, 'gn4124: bad snapshot');
    check(
      typeof s.regs === 'object' && PLAIN_RW.every((o) => Number.isInteger(s.regs[o])),
      'gn4124: bad regs',
    );
    const { v: _v, ...rest } = s;
    this.s = { ...rest, regs: { ...s.regs }, intCfg: [...s.intCfg] };
    this.update();
  }
}
