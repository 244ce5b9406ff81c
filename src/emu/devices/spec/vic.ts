// HT-VIC vectored interrupt controller of the SPEC base design (BAR0+0x100), spec tdc.md §1.7.
//
// Interface: BAR0 sub-block read/write (offsets relative to 0x100); setLine(n, level) for the 32
// input lines (2 = GN4124 DMA, 6 = TDC EIC); onOutput(level) drives the FPGA pin wired to GN4124
// GPIO 8. Model: when idle and a line is pending (RISR & IMR) the lowest one is latched as the
// current interrupt and the output goes active until EOIR; with EMU_EDGE the output is then held
// inactive for EMU_LEN × 16 ns so a level-sensitive input sees a fresh edge. VAR returns the
// vector of the current line (or of the lowest pending one when idle). SWIR bits act as extra
// line levels, cleared by the EOIR of their line. Not modelled: the real core's bus-clock latency.

import { fieldGet, RegMap } from '../../core/regs';
import type { Scheduler } from '../../core/scheduler';
import { check } from '../../core/snapshot';
import { VIC_CYCLE_NS, VIC_IVT_OFFSET, VIC_LINES, VIC_REGS } from '../../hw/spec-tdc-regs';

export const VIC_MAP = new RegMap(VIC_REGS);

export interface VicState {
  ctl: number;
  imr: number;
  lines: number;
  swir: number;
  ivt: number[];
  /** Line whose interrupt is being served (waiting for EOIR), or -1. */
  current: number;
  /** EventId of the running EMU_EDGE hold, 0 if none. */
  holdEvent: number;
}

export interface VicSnapshot extends VicState {
  v: 1;
}

const EV_HOLD_END = 1;

export class Vic {
  private s: VicState = Vic.initialState();
  private readonly owner: number;
  private outputLevel = false;

  constructor(
    private readonly sched: Scheduler,
    ownerName: string,
    private readonly onOutput: (pinLevel: boolean) => void,
  ) {
    this.owner = sched.register(ownerName, (kind) => {
      if (kind === EV_HOLD_END) {
        this.s.holdEvent = 0;
        this.update();
      }
    });
  }

  private static initialState(): VicState {
    return {
      ctl: 0,
      imr: 0,
      lines: 0,
      swir: 0,
      ivt: new Array(VIC_LINES).fill(0),
      current: -1,
      holdEvent: 0,
    };
  }

  reset(): void {
    if (this.s.holdEvent) this.sched.cancel(this.s.holdEvent);
    const lines = this.s.lines;
    this.s = Vic.initialState();
    this.s.lines = lines;
    this.update();
  }

  get risr(): number {
    return (this.s.lines | this.s.swir) >>> 0;
  }

  /** Pin level towards GPIO 8 (POL applied). */
  get pin(): boolean {
    return this.outputLevel;
  }

  /** True while an interrupt is presented (before polarity). */
  get active(): boolean {
    return this.s.current >= 0 && this.s.holdEvent === 0 && (this.s.ctl & 1) !== 0;
  }

  setLine(line: number, level: boolean): void {
    const bit = (1 << line) >>> 0;
    const lines = level ? (this.s.lines | bit) >>> 0 : (this.s.lines & ~bit) >>> 0;
    if (lines === this.s.lines) return;
    this.s.lines = lines;
    this.update();
  }

  read(offset: number): number {
    if (offset >= VIC_IVT_OFFSET && offset < VIC_IVT_OFFSET + 4 * VIC_LINES) {
      return this.s.ivt[(offset - VIC_IVT_OFFSET) >> 2];
    }
    switch (offset) {
      case VIC_REGS.CTL.offset:
        return this.s.ctl;
      case VIC_REGS.RISR.offset:
        return this.risr;
      case VIC_REGS.IMR.offset:
        return this.s.imr;
      case VIC_REGS.VAR.offset: {
        const line = this.s.current >= 0 ? this.s.current : lowestBit(this.risr & this.s.imr);
        return line >= 0 ? this.s.ivt[line] : 0;
      }
      default:
        return 0;
    }
  }

  write(offset: number, value: number): void {
    const v = value >>> 0;
    if (offset >= VIC_IVT_OFFSET && offset < VIC_IVT_OFFSET + 4 * VIC_LINES) {
      this.s.ivt[(offset - VIC_IVT_OFFSET) >> 2] = v;
      return;
    }
    switch (offset) {
      case VIC_REGS.CTL.offset:
        this.s.ctl = v & 0x7ffff;
        break;
      case VIC_REGS.IER.offset:
        this.s.imr = (this.s.imr | v) >>> 0;
        break;
      case VIC_REGS.IDR.offset:
        this.s.imr = (this.s.imr & ~v) >>> 0;
        break;
      case VIC_REGS.SWIR.offset:
        this.s.swir = (this.s.swir | v) >>> 0;
        break;
      case VIC_REGS.EOIR.offset:
        this.endOfInterrupt();
        break;
      default:
        return;
    }
    this.update();
  }

  private endOfInterrupt(): void {
    if (this.s.current < 0) return;
    this.s.swir = (this.s.swir & ~(1 << this.s.current)) >>> 0;
    this.s.current = -1;
    const ctl = this.s.ctl;
    if (fieldGet(ctl, VIC_REGS.CTL.fields.EMU_EDGE) && !this.s.holdEvent) {
      const holdNs = fieldGet(ctl, VIC_REGS.CTL.fields.EMU_LEN) * VIC_CYCLE_NS;
      this.s.holdEvent = this.sched.after(holdNs, this.owner, EV_HOLD_END);
    }
  }

  /** Derives the current interrupt and the output pin from state. */
  private update(): void {
    const enabled = (this.s.ctl & 1) !== 0;
    if (!enabled) this.s.current = -1;
    else if (this.s.current < 0 && this.s.holdEvent === 0) this.s.current = lowestBit(this.risr & this.s.imr);
    const pol = (this.s.ctl & 2) !== 0;
    const level = enabled && (this.active ? pol : !pol);
    if (level !== this.outputLevel) {
      this.outputLevel = level;
      this.onOutput(level);
    }
  }

  snapshot(): VicSnapshot {
    return { v: 1, ...this.s, ivt: [...this.s.ivt] };
  }

  restore(s: VicSnapshot): void {
    check(s?.v === 1 && Array.isArray(s.ivt) && s.ivt.length === VIC_LINES, 'vic: bad snapshot');
    check(Number.isInteger(s.current) && s.current >= -1 && s.current < VIC_LINES, 'vic: bad current');
    const { v: _v, ...rest } = s;
    this.s = { ...rest, ivt: [...s.ivt] };
    this.update();
  }
}

export function lowestBit(mask: number): number {
  const m = mask >>> 0;
  if (m === 0) return -1;
  return 31 - Math.clz32(m & -m);
}
