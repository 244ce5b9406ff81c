// FMC-TDC-1NS-5CHA generation 3 (v8 DMA build on SPEC): the TDC block behind BAR0+0x20000.
// Spec tdc.md §2.2 (address map), §2.3 (core registers), §2.5 (EIC), §2.8 (data path), §7.
//
// Interface: read/write(offset) relative to the TDC base (32-bit registers); irq(level) → VIC line
// 6 (EIC output = OR of ISR & IMR); inputEdge(ch, rising, subNsPs) is the one door for host signals
// (an edge at the current virtual ns plus subNsPs ps, called from scheduler events by
// tdc-signal.ts); timestamps are written into the carrier DDR (SparseDdr) by the buffer controllers.
// Blocks: SDB (magic only), one-wire, core, EIC, per-channel timestamp blocks and DMA buffer
// controllers. TDC+0x4000 (I2C, unused by the driver) and TDC+0x7000 (2018 DMA EIC) are RAZ/WI and
// traced as unmodelled. ACAM commands (CTRL bits 2–8) are ignored while acquiring (§2.3, traced).
// FAKE_TS injects rising timestamps that bypass the pulse-width filter ([X] §2.3).
// Pulse trains (inputTrain) are time-tagged lazily: a periodic train's edges are known in advance,
// so they are processed in time order (merged over the channels, ties by channel) in one tight loop
// whenever something could observe the result (sync(): every register access, DDR read, snapshot,
// counter query, per-edge input, time-base change), and by one scheduler event (the "wake") at the
// earliest instant a train edge could have a timed effect (the first store after a switch, which
// arms the IRQ timeout, or the store that fills CUR and switches on its own). Between those the
// results equal those of one event per edge, with two orderings fixed where that path left them to
// scheduling order: train edges are taken before any other event in the same virtual ns, and edges
// of different channels in the same ns are taken in ps order (then by channel).
// Not modelled: edges are time-tagged whether or not the ACAM PLL has locked (a guest that skips
// the ACAM init still gets timestamps); the FIFO readout of SVEC builds (FIFO registers RAZ);
// DELTA registers (RAZ); the raw-record output (raw mode mutes the channel, as in v8).

import { RegMap } from '../../core/regs';
import type { Rng, RngSnapshot } from '../../core/rng';
import type { Scheduler } from '../../core/scheduler';
import { check, cloneState } from '../../core/snapshot';
import type { TraceRing } from '../../core/trace';
import {
  ACAM_REG_NUMBERS,
  DAC_TUNE_DEFAULT,
  SDB_MAGIC,
  TDC_CHANNELS,
  TDC_CORE,
  TDC_CORE_REGS,
  TDC_CTRL_CONFIG_DAC,
  TDC_CTRL_DIS_ACQ,
  TDC_CTRL_EN_ACQ,
  TDC_CTRL_LOAD_ACAM_CFG,
  TDC_CTRL_LOAD_UTC,
  TDC_CTRL_READ_ACAM_CFG,
  TDC_CTRL_READ_ACAM_IFIFO1,
  TDC_CTRL_READ_ACAM_IFIFO2,
  TDC_CTRL_READ_ACAM_START01,
  TDC_CTRL_READ_ACAM_STAT,
  TDC_CTRL_RESET_ACAM,
  TDC_DMA_EIC,
  TDC_DMABUF_BASE,
  TDC_DMABUF_STRIDE,
  TDC_EIC,
  TDC_EIC_REGS,
  TDC_I2C,
  TDC_INPUT_ENABLE_CH_SHIFT,
  TDC_INPUT_ENABLE_GLOBAL,
  TDC_ONEWIRE,
  TDC_SDB,
  TDC_TS_BASE,
  TDC_TS_STRIDE,
} from '../../hw/spec-tdc-regs';
import type { SparseDdr } from '../spec/ddr';
import {
  ACAM_DEFAULT_OPTIONS,
  AcamGpx,
  type AcamOptions,
  type AcamSnapshot,
  type TdcTimestamp,
} from './acam';
import { type DmaBufferCounters, type DmaBufferSnapshot, TdcDmaBuffer } from './dma-buffer';
import { type OnewireSnapshot, TdcOnewire } from './onewire';
import { type ChannelCounters, type ChannelSnapshot, type FilterOptions, TdcChannel } from './tdc-channel';
import { type BoardTime, TdcTimeBase, type TimeBaseSnapshot } from './time-base';
import { TrainLoop } from './train-loop';

export const TDC_CORE_MAP = new RegMap(TDC_CORE_REGS);
const C = TDC_CORE_REGS;
const E = TDC_EIC_REGS;

export interface FmcTdcOptions {
  acam?: Partial<AcamOptions>;
  filter?: Partial<FilterOptions>;
  /** Per-board oscillator error, ppm (§2.12). */
  boardPpm?: number;
  wrLockDelayNs?: number;
  /** A White Rabbit core in the gateware (WR_STAT bit 1); default true. */
  wrPresent?: boolean;
  /** The WR link is up at power-up; default false (WR_STAT "no link"). */
  wrLinkUp?: boolean;
  /** Delay from SWITCH_BUFFERS to DONE. */
  switchDoneNs?: number;
  temperatureC?: number;
}

export type TdcChannelCounters = ChannelCounters & DmaBufferCounters;

/** A periodic pulse train on an input, from a host signal source (times in whole ps of virtual time). */
export interface InputTrain {
  /** Rising edge of pulse 0. */
  startPs: number;
  periodPs: number;
  /** Falling edge = rising + widthPs; must be below periodPs. */
  widthPs: number;
  /** Number of pulses; 0 = endless. */
  count: number;
}

export interface TrainState extends InputTrain {
  /** Next edge to time-tag: 2k = rising edge of pulse k, 2k + 1 = its falling edge. */
  next: number;
}

export interface FmcTdcState {
  startUtc: number;
  inputEnable: number;
  irqThreshold: number;
  irqTimeout: number;
  dacTune: number;
  wrCtrl: number;
  fakeTs: number;
  test1: number;
  acquiring: boolean;
  eicImr: number;
  /** Spurious EIC bits forced by the fault injector (I1); writing 1 to ISR clears them. */
  eicForced: number;
  fakeEvent: number;
  /** Mezzanine plugged (B1): without it no edge reaches the core. */
  present: boolean;
  /** Lazily time-tagged pulse trains by channel (null = edges come one by one). */
  trains: (TrainState | null)[];
  wakeEvent: number;
  wakeNs: number;
}

export interface FmcTdcSnapshot {
  v: 1;
  core: FmcTdcState;
  timeBase: TimeBaseSnapshot;
  acam: AcamSnapshot;
  onewire: OnewireSnapshot;
  channels: ChannelSnapshot[];
  buffers: DmaBufferSnapshot[];
  rng: RngSnapshot;
}

const EV_FAKE_TS = 1;
const EV_WAKE = 2;

/** A train's state, always built with the same shape (one hidden class for the sync loop). */
function trainState(
  startPs: number,
  periodPs: number,
  widthPs: number,
  count: number,
  next: number,
): TrainState {
  return { startPs, periodPs, widthPs, count, next };
}

export class FmcTdc {
  readonly timeBase: TdcTimeBase;
  readonly acam: AcamGpx;
  readonly onewire: TdcOnewire;
  readonly channels: TdcChannel[] = [];
  readonly buffers: TdcDmaBuffer[] = [];
  private s: FmcTdcState = FmcTdc.initialState(true);
  private readonly owner: number;
  private irqLevel = false;
  private syncing = false;
  /** Scratch board time and timestamp of a FAKE_TS timestamp. */
  private readonly edgeTime: BoardTime = { seconds: 0, ps: 0 };
  private readonly edgeTs: TdcTimestamp = { seconds: 0, coarse: 0, frac: 0, bins: 0 };
  /** Scratch for a buffer controller's DDR area (trainsMayWrite()). */
  private readonly hull = new Float64Array(2);
  /** The train edges' loop (train-loop.ts), filled by sync(). */
  private readonly loop = new TrainLoop(TDC_CHANNELS);

  constructor(
    private readonly sched: Scheduler,
    ownerName: string,
    ddr: SparseDdr,
    private readonly rng: Rng,
    private readonly irq: (level: boolean) => void,
    options: FmcTdcOptions = {},
    private readonly trace?: TraceRing,
    private readonly traceName = 'spec.tdc',
  ) {
    this.timeBase = new TdcTimeBase(sched, `${ownerName}.time`, options.wrLockDelayNs, options.boardPpm ?? 0);
    if (options.wrPresent === false) this.timeBase.setWrPresent(false);
    if (options.wrLinkUp) this.timeBase.setWrLink(true);
    // Written out field by field: one hidden class for every machine's options (the train loop's
    // optimised code checks it).
    const acam = { ...ACAM_DEFAULT_OPTIONS, ...options.acam };
    this.acam = new AcamGpx(sched, `${ownerName}.acam`, rng, {
      model: acam.model,
      jitterPs: acam.jitterPs,
      outlierProbability: acam.outlierProbability,
      pllLockDelayNs: acam.pllLockDelayNs,
    });
    this.onewire = new TdcOnewire(sched, options.temperatureC);
    const filter: FilterOptions = {
      minTicks: 12,
      maxTicks: 125_000_000,
      duplicateQuirk: true,
      ...options.filter,
    };
    for (let ch = 0; ch < TDC_CHANNELS; ch++) {
      const channel = new TdcChannel(ch, filter);
      const buffer = new TdcDmaBuffer(
        sched,
        `${ownerName}.buf${ch}`,
        ddr,
        () => this.updateIrq(),
        options.switchDoneNs,
      );
      channel.connect({ acam: this.acam, timeBase: this.timeBase, buffer });
      this.channels.push(channel);
      this.buffers.push(buffer);
    }
    this.owner = sched.register(ownerName, (kind) => {
      if (kind === EV_FAKE_TS) {
        this.s.fakeEvent = 0;
        this.sync();
        this.fakeTimestamp();
        this.armWake();
      } else if (kind === EV_WAKE) {
        this.s.wakeEvent = 0;
        this.sync();
      }
    });
    const sync = () => this.sync();
    const changed = () => this.armWake();
    ddr.beforeAccess = sync;
    // A bulk read (the DMA engine's) needs the lazily computed records only where they may land.
    ddr.beforeRead = (addr, length) => {
      if (this.trainsMayWrite(addr, length, ddr.size)) this.sync();
    };
    this.timeBase.beforeChange = () => {
      this.sync();
      this.loop.clearRise();
    };
    for (const c of this.channels) c.beforeAccess = sync;
    for (const b of this.buffers) {
      b.beforeAccess = sync;
      b.afterChange = changed;
    }
  }

  private static initialState(present: boolean): FmcTdcState {
    return {
      startUtc: 0,
      inputEnable: 0,
      irqThreshold: 1,
      irqTimeout: 1,
      dacTune: DAC_TUNE_DEFAULT,
      wrCtrl: 0,
      fakeTs: 0,
      test1: 0,
      acquiring: false,
      eicImr: 0,
      eicForced: 0,
      fakeEvent: 0,
      present,
      trains: new Array(TDC_CHANNELS).fill(null),
      wakeEvent: 0,
      wakeNs: 0,
    };
  }

  /** System/application reset: every register, filter, sequence counter and buffer state. */
  reset(): void {
    this.sync();
    if (this.s.fakeEvent) this.sched.cancel(this.s.fakeEvent);
    if (this.s.wakeEvent) this.sched.cancel(this.s.wakeEvent);
    const trains = this.s.trains;
    this.s = FmcTdc.initialState(this.s.present);
    this.s.trains = trains;
    this.timeBase.reset();
    this.acam.reset();
    this.onewire.reset();
    for (const ch of this.channels) ch.reset();
    for (const b of this.buffers) b.reset();
    this.updateIrq();
    this.armWake();
  }

  get state(): Readonly<FmcTdcState> {
    this.sync();
    return this.s;
  }

  get present(): boolean {
    return this.s.present;
  }

  setPresent(on: boolean): void {
    this.sync();
    this.s.present = on;
    this.armWake();
  }

  /** Model-side counters of one channel for the UI (§7): input, filter and buffer stages. */
  counters(ch: number): TdcChannelCounters {
    this.sync();
    const c = this.channels[ch].counters;
    const b = this.buffers[ch].state.counters;
    return {
      edges: c.edges,
      lostInAcam: c.lostInAcam,
      filtered: c.filtered,
      duplicates: c.duplicates,
      muted: c.muted,
      timestamps: c.timestamps,
      stored: b.stored,
      droppedNoBuffer: b.droppedNoBuffer,
      replacedWhileDisabled: b.replacedWhileDisabled,
      autoSwitches: b.autoSwitches,
      switches: b.switches,
    };
  }

  isTerminated(ch: number): boolean {
    return (this.s.inputEnable & (1 << ch)) !== 0;
  }

  channelEnabled(ch: number): boolean {
    return (this.s.inputEnable & (1 << (TDC_INPUT_ENABLE_CH_SHIFT + ch))) !== 0;
  }

  /** EIC ISR: source levels (DMA ch bits 5..9) plus forced spurious bits. */
  get eicIsr(): number {
    let isr = this.s.eicForced;
    this.buffers.forEach((b, ch) => {
      if (b.irqLine) isr |= 1 << (5 + ch);
    });
    return isr >>> 0;
  }

  /** Fault I1: a spurious EIC source bit (stays until written 1 in ISR). */
  forceEicBit(bit: number): void {
    this.s.eicForced = (this.s.eicForced | (1 << bit)) & 0x3ff;
    this.updateIrq();
  }

  /** The one door for host signals: an edge on channel ch now (+subNsPs ps). */
  inputEdge(ch: number, rising: boolean, subNsPs = 0): void {
    if (ch < 0 || ch >= TDC_CHANNELS) return;
    this.sync();
    this.loop.clearRise(ch);
    this.timeTag(ch, rising, this.sched.nowNs, subNsPs);
    this.armWake();
  }

  /**
   * The host door for a periodic pulse train on channel ch (null ends it): its edges are then
   * time-tagged lazily (header). Edges already due are taken first.
   */
  inputTrain(ch: number, train: InputTrain | null): void {
    if (ch < 0 || ch >= TDC_CHANNELS) return;
    this.sync();
    if (train) {
      check(
        Number.isInteger(train.startPs) &&
          Number.isInteger(train.periodPs) &&
          Number.isInteger(train.widthPs) &&
          train.periodPs > 0 &&
          train.widthPs >= 0 &&
          train.widthPs < train.periodPs &&
          Number.isInteger(train.count) &&
          train.count >= 0,
        'fmc-tdc: bad pulse train',
      );
    }
    this.s.trains[ch] = train
      ? trainState(train.startPs, train.periodPs, train.widthPs, train.count, 0)
      : null;
    this.armWake();
  }

  /** Time-tags every train edge at or before the current virtual ns, in time order. */
  sync(): void {
    if (this.syncing) return;
    const trains = this.s.trains;
    const loop = this.loop;
    let live = 0;
    // Board-time rounding (1 ps per edge) and the clock's rate error on the width widen the margin.
    const errorPs = this.acam.maxErrorPs + 2;
    const rate = Math.abs(this.timeBase.ppm) / 1e6;
    for (let ch = 0; ch < TDC_CHANNELS; ch++) {
      const t = trains[ch];
      const known =
        t !== null && this.channels[ch].widthSurelyPasses(t.widthPs, errorPs + t.widthPs * rate + 1);
      loop.setTrain(ch, t, known);
      if (t !== null) live++;
    }
    if (live === 0) return;
    // Edges of a channel that does not take them (mezzanine out, inputs or acquisition off) only
    // move its train on; nothing in the loop changes what is taken.
    const s = this.s;
    const accepting = s.present && (s.inputEnable & TDC_INPUT_ENABLE_GLOBAL) !== 0 && s.acquiring;
    for (let ch = 0; ch < TDC_CHANNELS; ch++) loop.setTaken(ch, accepting && this.channelEnabled(ch));
    this.syncing = true;
    loop.run(this.sched.nowNs * 1000 + 999, this.channels, this.buffers, this.acam, this.timeBase, this.rng);
    this.syncing = false;
    for (let ch = 0; ch < TDC_CHANNELS; ch++) {
      const t = trains[ch];
      if (t === null) continue;
      t.next = loop.nextEdge(ch);
      if (loop.finished(ch)) trains[ch] = null;
    }
    this.armWake();
  }

  /**
   * Whether a record of a pulse train still to be time-tagged may be written into DDR bytes
   * [addr, addr + length): some channel with a train has a buffer controller whose writable area
   * (TdcDmaBuffer.ddrHull()) meets them, or the range or an area wraps at the end of the DDR.
   */
  private trainsMayWrite(addr: number, length: number, ddrSize: number): boolean {
    if (addr < 0 || addr + length > ddrSize) return true;
    const hull = this.hull;
    for (let ch = 0; ch < TDC_CHANNELS; ch++) {
      if (this.s.trains[ch] === null) continue;
      if (!this.buffers[ch].ddrHull(hull, 0)) return true;
      if (hull[0] < addr + length && addr < hull[1]) return true;
    }
    return false;
  }

  /** An edge on channel ch at virtual nowNs + subNsPs ps (one by one: host door, not a train). */
  private timeTag(ch: number, rising: boolean, nowNs: number, subNsPs: number): boolean {
    const s = this.s;
    if (!s.present || !(s.inputEnable & TDC_INPUT_ENABLE_GLOBAL) || !s.acquiring) return false;
    if (!(s.inputEnable & (1 << (TDC_INPUT_ENABLE_CH_SHIFT + ch)))) return false;
    return this.channels[ch].tagEdge(rising, nowNs, subNsPs, false);
  }

  /**
   * Schedules the wake at the earliest falling train edge that could have a timed effect: for a
   * channel that stores (input accepted, CSR.ENABLE, CUR valid, not raw), the first store if no
   * IRQ request is pending, else the store that finds CUR full. Each falling edge emits at most one
   * timestamp, so the n-th store cannot come before the n-th falling edge.
   */
  private armWake(): void {
    const s = this.s;
    let best = Number.POSITIVE_INFINITY;
    const accepting = s.present && (s.inputEnable & TDC_INPUT_ENABLE_GLOBAL) !== 0 && s.acquiring;
    for (let ch = 0; accepting && ch < TDC_CHANNELS; ch++) {
      const t = s.trains[ch];
      if (!t || !this.channelEnabled(ch) || this.channels[ch].rawMode) continue;
      const b = this.buffers[ch];
      if (!b.enabledAndValid) continue;
      const n = b.irqRequested ? b.storesBeforeAutoSwitch + 1 : 1;
      const k = (t.next >>> 1) + n - 1;
      if (!Number.isFinite(k) || (t.count > 0 && k >= t.count)) continue;
      const ns = Math.floor((t.startPs + k * t.periodPs + t.widthPs) / 1000);
      if (ns < best) best = ns;
    }
    const at = Math.max(best, this.sched.nowNs);
    if (s.wakeEvent && s.wakeNs === at) return;
    if (s.wakeEvent) this.sched.cancel(s.wakeEvent);
    s.wakeEvent = 0;
    if (Number.isFinite(at)) {
      s.wakeNs = at;
      s.wakeEvent = this.sched.at(at, this.owner, EV_WAKE);
    }
  }

  private fakeTimestamp(): void {
    const period = this.s.fakeTs & 0x0fffffff;
    const ch = (this.s.fakeTs >>> 28) & 7;
    if (!(this.s.fakeTs & 0x80000000) || period === 0) return;
    if (this.s.acquiring && ch < TDC_CHANNELS && this.channelEnabled(ch)) {
      const now = this.sched.nowNs;
      this.channels[ch].emit(
        this.acam.quantiseInto(this.timeBase.atInto(now, 0, this.edgeTime), this.edgeTs),
        now,
      );
    }
    this.s.fakeEvent = this.sched.after(period * 8, this.owner, EV_FAKE_TS);
  }

  read(offset: number): number {
    this.sync();
    if (offset >= TDC_SDB && offset < TDC_ONEWIRE) return offset === TDC_SDB ? SDB_MAGIC : 0;
    if (offset >= TDC_ONEWIRE && offset < TDC_CORE) return this.onewire.read(offset - TDC_ONEWIRE);
    if (offset >= TDC_CORE && offset < TDC_EIC) return this.readCore(offset - TDC_CORE);
    if (offset >= TDC_EIC && offset < TDC_I2C) return this.readEic(offset - TDC_EIC);
    if (offset >= TDC_TS_BASE && offset < TDC_TS_BASE + TDC_CHANNELS * TDC_TS_STRIDE) {
      const rel = offset - TDC_TS_BASE;
      return this.channels[Math.floor(rel / TDC_TS_STRIDE)].read(rel % TDC_TS_STRIDE);
    }
    if (offset >= TDC_DMABUF_BASE && offset < TDC_DMABUF_BASE + TDC_CHANNELS * TDC_DMABUF_STRIDE) {
      const rel = offset - TDC_DMABUF_BASE;
      return this.buffers[Math.floor(rel / TDC_DMABUF_STRIDE)].read(rel % TDC_DMABUF_STRIDE);
    }
    this.unmodelled(offset, 0, 'read');
    return 0;
  }

  write(offset: number, value: number): void {
    this.sync();
    this.writeReg(offset, value >>> 0);
    this.armWake();
  }

  private writeReg(offset: number, v: number): void {
    if (offset >= TDC_CORE && offset < TDC_EIC) this.writeCore(offset - TDC_CORE, v);
    else if (offset >= TDC_EIC && offset < TDC_I2C) this.writeEic(offset - TDC_EIC, v);
    else if (offset >= TDC_TS_BASE && offset < TDC_TS_BASE + TDC_CHANNELS * TDC_TS_STRIDE) {
      const rel = offset - TDC_TS_BASE;
      this.channels[Math.floor(rel / TDC_TS_STRIDE)].write(rel % TDC_TS_STRIDE, v);
    } else if (offset >= TDC_DMABUF_BASE && offset < TDC_DMABUF_BASE + TDC_CHANNELS * TDC_DMABUF_STRIDE) {
      const rel = offset - TDC_DMABUF_BASE;
      this.buffers[Math.floor(rel / TDC_DMABUF_STRIDE)].write(rel % TDC_DMABUF_STRIDE, v);
      this.updateIrq();
    } else if (offset >= TDC_ONEWIRE && offset < TDC_CORE) {
      // one-wire registers are read-only
    } else this.unmodelled(offset, v, 'write');
  }

  private unmodelled(offset: number, value: number, dir: string): void {
    if ((offset >= TDC_I2C && offset < TDC_TS_BASE) || offset >= TDC_DMA_EIC) {
      this.trace?.record(
        'unimp',
        this.traceName,
        'BAR0',
        0x20000 + offset,
        4,
        value,
        `TDC ${dir} unmodelled block`,
      );
    }
  }

  private readCore(off: number): number {
    const s = this.s;
    if (off < 0x40) return this.acam.readImage(off >> 2);
    if (off < 0x80) return this.acam.readReadback((off - 0x40) >> 2);
    switch (off) {
      case C.START_UTC.offset:
        return s.startUtc;
      case C.INPUT_ENABLE.offset:
        return s.inputEnable;
      case C.TEST_PATTERN.offset:
        return C.TEST_PATTERN.reset ?? 0;
      case C.IRQ_THRESHOLD.offset:
        return s.irqThreshold;
      case C.IRQ_TIMEOUT.offset:
        return s.irqTimeout;
      case C.DAC_TUNE.offset:
        return s.dacTune;
      case C.CURRENT_UTC.offset:
        return this.timeBase.currentUtc;
      case C.CORE_STATUS.offset:
        return C.CORE_STATUS.reset ?? 1;
      case C.WR_STAT.offset:
        return this.timeBase.wrStat;
      case C.WR_CTRL.offset:
        return s.wrCtrl;
      case C.FAKE_TS.offset:
        return s.fakeTs;
      case C.TEST1.offset:
        return s.test1;
      default:
        return 0;
    }
  }

  private writeCore(off: number, v: number): void {
    const s = this.s;
    if (off < 0x40) {
      if ((ACAM_REG_NUMBERS as readonly number[]).includes(off >> 2)) this.acam.writeImage(off >> 2, v);
      return;
    }
    switch (off) {
      case C.START_UTC.offset:
        s.startUtc = v;
        break;
      case C.INPUT_ENABLE.offset:
        this.setInputEnable(v & 0x1f009f);
        break;
      case C.IRQ_THRESHOLD.offset:
        s.irqThreshold = v & 0x3ff;
        break;
      case C.IRQ_TIMEOUT.offset:
        s.irqTimeout = v & 0x3ff;
        break;
      case C.DAC_TUNE.offset:
        s.dacTune = v & 0xffffff;
        break;
      case C.WR_CTRL.offset:
        s.wrCtrl = v & 1;
        this.timeBase.setWrEnabled((v & 1) !== 0);
        break;
      case C.FAKE_TS.offset:
        s.fakeTs = v;
        if (s.fakeEvent) this.sched.cancel(s.fakeEvent);
        s.fakeEvent = 0;
        if (v & 0x80000000 && v & 0x0fffffff) {
          s.fakeEvent = this.sched.after((v & 0x0fffffff) * 8, this.owner, EV_FAKE_TS);
        }
        break;
      case C.TEST1.offset:
        s.test1 = v & 0xffff;
        break;
      case C.CTRL.offset:
        this.runCommand(v);
        break;
    }
  }

  private setInputEnable(v: number): void {
    const old = this.s.inputEnable;
    this.s.inputEnable = v;
    for (let ch = 0; ch < TDC_CHANNELS; ch++) {
      const bit = 1 << (TDC_INPUT_ENABLE_CH_SHIFT + ch);
      if (old & bit && !(v & bit)) {
        this.channels[ch].clear();
        this.buffers[ch].channelDisabled();
      }
    }
  }

  private runCommand(v: number): void {
    const acamCommands =
      TDC_CTRL_LOAD_ACAM_CFG |
      TDC_CTRL_READ_ACAM_CFG |
      TDC_CTRL_READ_ACAM_STAT |
      TDC_CTRL_READ_ACAM_IFIFO1 |
      TDC_CTRL_READ_ACAM_IFIFO2 |
      TDC_CTRL_READ_ACAM_START01 |
      TDC_CTRL_RESET_ACAM;
    if (v & acamCommands && this.s.acquiring) {
      this.trace?.record(
        'guest-error',
        this.traceName,
        'BAR0',
        0x220fc,
        4,
        v,
        'ACAM command while acquiring: ignored',
      );
    } else {
      if (v & TDC_CTRL_RESET_ACAM) this.acam.resetChip();
      if (v & TDC_CTRL_LOAD_ACAM_CFG) this.acam.loadConfig();
      if (v & TDC_CTRL_READ_ACAM_CFG) this.acam.readConfig();
      if (v & TDC_CTRL_READ_ACAM_STAT) this.acam.readStatus();
      if (v & TDC_CTRL_READ_ACAM_IFIFO1) this.acam.readDebug(8);
      if (v & TDC_CTRL_READ_ACAM_IFIFO2) this.acam.readDebug(9);
      if (v & TDC_CTRL_READ_ACAM_START01) this.acam.readDebug(10);
    }
    if (v & TDC_CTRL_LOAD_UTC) this.timeBase.loadUtc(this.s.startUtc);
    if (v & TDC_CTRL_CONFIG_DAC) this.timeBase.setDac(this.s.dacTune);
    if (v & TDC_CTRL_EN_ACQ) this.s.acquiring = true;
    if (v & TDC_CTRL_DIS_ACQ) this.s.acquiring = false;
  }

  private readEic(off: number): number {
    switch (off) {
      case E.IMR.offset:
        return this.s.eicImr;
      case E.ISR.offset:
        return this.eicIsr;
      default:
        return 0;
    }
  }

  private writeEic(off: number, v: number): void {
    switch (off) {
      case E.IDR.offset:
        this.s.eicImr &= ~v & 0x3ff;
        break;
      case E.IER.offset:
        this.s.eicImr = (this.s.eicImr | v) & 0x3ff;
        break;
      case E.ISR.offset:
        this.s.eicForced &= ~v;
        break;
    }
    this.updateIrq();
  }

  /** EIC output = OR of ISR & IMR. */
  private updateIrq(): void {
    const level = (this.eicIsr & this.s.eicImr) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }

  get irqOut(): boolean {
    return this.irqLevel;
  }

  snapshot(): FmcTdcSnapshot {
    this.sync();
    return {
      v: 1,
      core: cloneState(this.s),
      timeBase: this.timeBase.snapshot(),
      acam: this.acam.snapshot(),
      onewire: this.onewire.snapshot(),
      channels: this.channels.map((c) => c.snapshot()),
      buffers: this.buffers.map((b) => b.snapshot()),
      rng: this.rng.snapshot(),
    };
  }

  /** Validates every part first (on scratch copies), then applies. */
  restore(snap: FmcTdcSnapshot): void {
    check(snap?.v === 1 && typeof snap.core === 'object', 'fmc-tdc: bad snapshot');
    check(Array.isArray(snap.channels) && snap.channels.length === TDC_CHANNELS, 'fmc-tdc: bad channels');
    check(Array.isArray(snap.buffers) && snap.buffers.length === TDC_CHANNELS, 'fmc-tdc: bad buffers');
    check(
      Number.isInteger(snap.core.inputEnable) && typeof snap.core.acquiring === 'boolean',
      'fmc-tdc: bad core',
    );
    check(
      snap.core.trains === undefined ||
        (Array.isArray(snap.core.trains) &&
          snap.core.trains.length === TDC_CHANNELS &&
          snap.core.trains.every(
            (t) =>
              t === null ||
              (Number.isInteger(t.next) && t.next >= 0 && t.periodPs > 0 && t.widthPs < t.periodPs),
          )),
      'fmc-tdc: bad trains',
    );
    this.sync();
    const before = this.snapshot();
    try {
      this.applyParts(snap);
    } catch (e) {
      this.applyParts(before);
      throw e;
    }
    this.updateIrq();
  }

  private applyParts(s: FmcTdcSnapshot): void {
    this.loop.clearRise();
    this.timeBase.restore(s.timeBase);
    this.acam.restore(s.acam);
    this.onewire.restore(s.onewire);
    for (let i = 0; i < TDC_CHANNELS; i++) {
      this.channels[i].restore(s.channels[i]);
      this.buffers[i].restore(s.buffers[i]);
    }
    this.rng.restore(s.rng);
    const core = cloneState(s.core);
    this.s = {
      ...core,
      trains: core.trains ?? new Array(TDC_CHANNELS).fill(null),
      wakeEvent: core.wakeEvent ?? 0,
      wakeNs: core.wakeNs ?? 0,
    };
  }
}
