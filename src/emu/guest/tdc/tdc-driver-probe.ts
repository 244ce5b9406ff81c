// The probe half of the TDC guest driver (tdc.md §5(a), §2.4, §5(c) one-time setup): finding the
// SPEC on PCI bus 0, the carrier and application metadata, the FRU and calibration over I2C, the
// ACAM configuration with its PLL-lock poll, then GPIO, VIC, DMA, time base, offsets and the
// per-channel double buffers. Each wait is a scheduler event; the phase index is in the snapshot.
// Also the bus helpers and the driver log shared with the running half (tdc-driver.ts).
import type { AccessWidth, Platform } from '../../bus/types';
import type { Scheduler } from '../../core/scheduler';
import { DEFAULT_CALIBRATION, EepromError, FmcEepromReader } from './fmc-eeprom-reader';
import * as M from './spec-tdc-map';
import {
  ACAM_WAIT_NS,
  CHANNELS,
  type ChannelState,
  DESC_BYTES,
  DRIVER,
  type DriverCore,
  HOST_PAGE_BYTES,
  K_PROBE,
  LOG_LINES,
  MS,
  newChannel,
  newCore,
  PLL_LIMIT_NS,
  ProbeError,
  type TdcDriverOptions,
  US,
} from './tdc-driver-types';
import { offsetToWords, RECORD_BYTES } from './tdc-record';

export abstract class TdcDriverProbe {
  protected core: DriverCore;
  protected channels: ChannelState[];
  protected log: string[] = [];
  protected readonly owner: number;
  protected readonly opts: Required<
    Omit<TdcDriverOptions, 'onTimestamps' | 'onLog' | 'pciDevice' | 'mode' | 'calibration'>
  >;
  protected readonly stagingRecords: number;
  protected outSeconds: Float64Array;
  protected outPs: Float64Array;
  protected inIrq = false;
  protected unmaskAfterEoi = 0;
  protected irqRegistered = -1;
  protected readonly irqHandler = (): void => this.onIrq();

  constructor(
    protected readonly platform: Platform,
    protected readonly sched: Scheduler,
    protected readonly options: TdcDriverOptions = {},
  ) {
    this.opts = {
      ownerName: options.ownerName ?? 'tdc-driver',
      irqTimeoutMs: options.irqTimeoutMs ?? 10,
      burstSize: options.burstSize ?? 16,
      bufferRecords: options.bufferRecords ?? 0x100000,
      stagingBytes: options.stagingBytes ?? 64 * 1024,
      dmaRetries: options.dmaRetries ?? 2,
      switchPollLimitNs: options.switchPollLimitNs ?? 1 * MS,
      startUtcSeconds: options.startUtcSeconds ?? 0,
    };
    this.stagingRecords = Math.max(1, Math.floor(this.opts.stagingBytes / RECORD_BYTES));
    this.outSeconds = new Float64Array(this.stagingRecords);
    this.outPs = new Float64Array(this.stagingRecords);
    this.core = newCore(options.mode ?? 'correct');
    this.channels = Array.from({ length: CHANNELS }, newChannel);
    this.owner = sched.register(this.opts.ownerName, (kind, arg) => this.onEvent(kind, arg));
  }

  /** Begins the probe; it completes after the ACAM PLL locks (a few ms of virtual time). */
  start(): void {
    if (this.core.state !== 'new') return;
    this.core.state = 'probing';
    this.core.probePhase = 0;
    this.sched.after(0, this.owner, K_PROBE);
  }

  // ---- bus helpers --------------------------------------------------------------------------

  protected r0(off: number): number {
    return this.platform.mmioRead(this.core.bar0 + off, 4) >>> 0;
  }
  protected w0(off: number, v: number): void {
    this.platform.mmioWrite(this.core.bar0 + off, v >>> 0, 4);
  }
  protected r4(off: number): number {
    return this.platform.mmioRead(this.core.bar4 + off, 4) >>> 0;
  }
  protected w4(off: number, v: number): void {
    this.platform.mmioWrite(this.core.bar4 + off, v >>> 0, 4);
  }
  protected cfgR(off: number, width: AccessWidth): number {
    return this.platform.configRead(0, this.core.device, 0, off, width) >>> 0;
  }

  protected printk(ch: number, message: string): void {
    const line = `${DRIVER}: ${ch >= 0 ? `ch${ch + 1}: ` : ''}${message}`;
    this.log.push(`[${(this.platform.nowNs() / 1e9).toFixed(6)}] ${line}`);
    if (this.log.length > LOG_LINES) this.log.splice(0, this.log.length - LOG_LINES);
    this.options.onLog?.(this.platform.nowNs(), ch, message);
  }

  private onEvent(kind: number, arg: number): void {
    if (kind === K_PROBE) this.runProbe();
    else this.onRuntimeEvent(kind, arg);
  }

  /** Scheduler events of the running driver (switch polls, DMA watchdog, DMA kick). */
  protected abstract onRuntimeEvent(kind: number, arg: number): void;
  /** The INTx handler. */
  protected abstract onIrq(): void;
  /** Channel settings, as a user of the driver changes them (applied at the end of the probe). */
  abstract setChannel(
    ch: number,
    change: { enabled?: boolean; termination?: boolean; offsetPs?: number },
  ): void;

  // ---- probe (tdc.md §5(a), §2.4, §5(c) one-time setup) ---------------------------------------

  private readonly probePhases: (() => { next: number } | { goto: number; delay: number })[] = [
    () => this.probeIdentify(),
    () => this.probeRelease(),
    () => this.acamLoad(),
    () => this.acamReset(),
    () => this.acamRead(),
    () => this.acamCheck(),
    () => this.probeSetup(),
  ];

  private runProbe(): void {
    if (this.core.state !== 'probing') return;
    let step: { next: number } | { goto: number; delay: number };
    try {
      step = this.probePhases[this.core.probePhase]();
    } catch (e) {
      if (!(e instanceof ProbeError)) throw e;
      this.core.state = 'failed';
      this.core.probeError = e.message;
      this.printk(-1, `probe failed: ${e.message}`);
      return;
    }
    if ('goto' in step) {
      this.core.probePhase = step.goto;
      this.sched.after(step.delay, this.owner, K_PROBE);
      return;
    }
    this.core.probePhase++;
    if (this.core.probePhase < this.probePhases.length) this.sched.after(step.next, this.owner, K_PROBE);
  }

  private findSpec(): number {
    const wanted = this.options.pciDevice;
    for (let dev = 0; dev < 32; dev++) {
      if (wanted !== undefined && dev !== wanted) continue;
      const id = this.platform.configRead(0, dev, 0, 0x00, 4) >>> 0;
      const vendor = id & 0xffff;
      const device = id >>> 16;
      if (vendor === M.SPEC_VENDOR_ID && M.SPEC_DEVICE_IDS.includes(device)) return dev;
    }
    throw new ProbeError('no SPEC (10dc:018d) on PCI bus 0');
  }

  private probeIdentify(): { next: number } {
    const core = this.core;
    core.device = this.findSpec();
    const cmd = this.cfgR(0x04, 2);
    this.platform.configWrite(0, core.device, 0, 0x04, cmd | 0x6, 2); // memory space + bus master
    core.bar0 = (this.cfgR(0x10, 4) & ~0xf) >>> 0;
    core.bar4 = (this.cfgR(0x20, 4) & ~0xf) >>> 0;
    if (core.bar0 === 0 || core.bar4 === 0) throw new ProbeError('BAR0/BAR4 not assigned');
    core.irqLine = this.cfgR(0x3c, 1);
    if (!(this.r4(M.GN.FCL_STATUS) & M.FCL_STATUS_SPRI_DONE)) throw new ProbeError('FPGA not programmed');
    if (this.r0(M.CARRIER.VENDOR) !== M.SPEC_VENDOR_ID) throw new ProbeError('carrier metadata: bad vendor');
    if (this.r0(M.CARRIER.DEVICE) !== M.CARRIER_DEVICE_SPEC)
      throw new ProbeError('carrier metadata: bad device');
    if (this.r0(M.CARRIER.BOM) !== M.CARRIER_BOM_LE)
      throw new ProbeError('carrier metadata: bad byte-order mark');
    const version = this.r0(M.CARRIER.VERSION);
    if (version >>> 16 !== M.CARRIER_VERSION_MAJOR_MINOR)
      throw new ProbeError(`Unknown carrier version 0x${version.toString(16)}`);
    const caps = this.r0(M.CARRIER.CAPABILITIES);
    if (!(caps & M.CAP_VIC)) throw new ProbeError('carrier has no VIC');
    if (!(caps & M.CAP_DMA)) throw new ProbeError('Missing DMA engine');
    if (!(this.r0(M.CARRIER.DDR_STATUS) & 1)) throw new ProbeError('DDR controller not calibrated');
    const app = this.r0(M.CARRIER.APP_OFFSET);
    if (this.r0(app) !== M.SPEC_VENDOR_ID || this.r0(app + 4) !== M.APP_DEVICE_TDC)
      throw new ProbeError('application is not the SPEC TDC');
    if (!(this.r0(M.CARRIER.FMC_PRESENCE) & 1)) throw new ProbeError('missing card');
    const resets = this.r0(M.CARRIER.RESETS);
    this.w0(M.CARRIER.RESETS, resets | M.RESETS_APP);
    return { next: 1 * US };
  }

  private probeRelease(): { next: number } {
    this.w0(M.CARRIER.RESETS, this.r0(M.CARRIER.RESETS) & ~M.RESETS_APP);
    if (this.r0(M.TDC_BASE) !== M.SDB_MAGIC) throw new ProbeError('no SDB table at the TDC base');
    if (!(this.r0(M.CORE.CORE_STATUS) & M.CORE_STATUS_DMA))
      throw new ProbeError('TDC core without DMA readout');
    if (this.r0(M.CORE.TEST_PATTERN) !== M.TEST_PATTERN_VALUE)
      throw new ProbeError('TDC test pattern mismatch');
    this.readEeprom();
    this.w0(M.CORE.CTRL, M.CTRL_CMD.RESET_ACAM);
    return { next: ACAM_WAIT_NS };
  }

  /** §5(a) 14: FRU product name (B2), then the calibration block (B3). */
  private readEeprom(): void {
    const eeprom = new FmcEepromReader(
      (off) => this.r0(off),
      (off, v) => this.w0(off, v),
    );
    eeprom.enable();
    try {
      eeprom.checkFru();
    } catch (e) {
      if (e instanceof EepromError) throw new ProbeError(e.message);
      throw e;
    }
    const core = this.core;
    if (this.options.calibration) {
      core.calibration = {
        zeroOffsetPs: [...this.options.calibration.zeroOffsetPs],
        wrOffsetPs: this.options.calibration.wrOffsetPs,
      };
      core.calibrationSource = 'options';
      return;
    }
    try {
      const cal = eeprom.readCalibration();
      core.calibration = { zeroOffsetPs: cal.zeroOffsetPs, wrOffsetPs: cal.wrOffsetPs };
      core.calibrationSource = 'eeprom';
    } catch (e) {
      if (!(e instanceof EepromError)) throw e;
      if (core.mode === 'fmc-tdc-v8') {
        // The v8 driver copies the defaults into a buffer it never applies (§2.11).
        this.printk(-1, `calibration unreadable (${e.message}), using default calibration`);
        core.calibration = { zeroOffsetPs: [0, 0, 0, 0, 0], wrOffsetPs: 0 };
        core.calibrationSource = 'zeros';
      } else {
        this.printk(-1, `calibration unreadable (${e.message}): using the default calibration`);
        core.calibration = {
          zeroOffsetPs: [...DEFAULT_CALIBRATION.zeroOffsetPs],
          wrOffsetPs: DEFAULT_CALIBRATION.wrOffsetPs,
        };
        core.calibrationSource = 'defaults';
      }
    }
  }

  private acamLoad(): { next: number } {
    for (const [off, value] of M.ACAM_IMAGE) this.w0(M.CORE.ACAM_CONFIG + off, value);
    this.w0(M.CORE.CTRL, M.CTRL_CMD.LOAD_ACAM_CFG);
    return { next: ACAM_WAIT_NS };
  }

  private acamReset(): { next: number } {
    this.w0(M.CORE.CTRL, M.CTRL_CMD.RESET_ACAM);
    this.core.pllDeadlineNs = this.platform.nowNs() + PLL_LIMIT_NS;
    return { next: ACAM_WAIT_NS };
  }

  private acamRead(): { next: number } {
    this.w0(M.CORE.CTRL, M.CTRL_CMD.READ_ACAM_CFG);
    return { next: ACAM_WAIT_NS };
  }

  private acamCheck(): { next: number } | { goto: number; delay: number } {
    if (!(this.r0(M.CORE.READBACK12) & M.READBACK12_PLL_UNLOCKED)) return { next: 0 };
    if (this.platform.nowNs() >= this.core.pllDeadlineNs) throw new ProbeError("ACAM PLL doesn't lock");
    return { goto: 4, delay: 0 };
  }

  private rmw4(off: number, set: number, clear: number): void {
    this.w4(off, (this.r4(off) & ~clear) | set);
  }

  private probeSetup(): { next: number } {
    const core = this.core;
    // GN4124 GPIO 8 = level-high interrupt from the VIC, routed to INTA with the local-bus errors.
    this.w4(M.GN.GPIO_INT_MASK_SET, 0xffff);
    this.rmw4(M.GN.GPIO_BYPASS_MODE, 0, M.GPIO_VIC);
    this.rmw4(M.GN.GPIO_DIRECTION_MODE, M.GPIO_VIC, 0);
    this.rmw4(M.GN.GPIO_OUTPUT_ENABLE, 0, M.GPIO_VIC);
    this.rmw4(M.GN.GPIO_INT_TYPE, M.GPIO_VIC, 0);
    this.rmw4(M.GN.GPIO_INT_VALUE, M.GPIO_VIC, 0);
    this.r4(M.GN.GPIO_INT_STATUS); // discards a status latched while the type was being changed
    this.w4(M.GN.GPIO_INT_MASK_CLR, M.GPIO_VIC);
    this.w4(M.GN.INT_CFG0, M.INT_STAT_GPIO | M.INT_STAT_ALI);
    // VIC: disabled, all lines off, vector N for line N, then on; lines 2 (DMA) and 6 (TDC).
    this.w0(M.VIC.CTL, 0);
    this.w0(M.VIC.IDR, 0xffffffff);
    for (let guard = 0; guard < 32 && this.r0(M.VIC.RISR) !== 0; guard++) this.w0(M.VIC.EOIR, 1);
    for (let n = 0; n < 32; n++) this.w0(M.VIC.IVT + 4 * n, n);
    this.w0(M.VIC.CTL, M.VIC_CTL_SPEC);
    this.w0(M.VIC.IER, (1 << M.VIC_LINE_DMA) | (1 << M.VIC_LINE_TDC));
    this.w0(M.DMA.CTRL, 0);
    // Time base: global input enable off around LOAD_UTC (§2.12).
    const ie = this.r0(M.CORE.INPUT_ENABLE);
    this.w0(M.CORE.INPUT_ENABLE, ie & ~M.INPUT_ENABLE_GLOBAL);
    this.w0(M.CORE.START_UTC, this.opts.startUtcSeconds);
    this.w0(M.CORE.CTRL, M.CTRL_CMD.LOAD_UTC);
    this.w0(M.CORE.INPUT_ENABLE, (ie & ~0x1f001f) | M.INPUT_ENABLE_GLOBAL);
    for (let ch = 0; ch < CHANNELS; ch++) this.writeOffset(ch);
    const size = (this.opts.bufferRecords | M.BUF_SIZE_VALID) >>> 0;
    for (let ch = 0; ch < CHANNELS; ch++) {
      this.w0(M.bufCsr(ch), this.r0(M.bufCsr(ch)) & ~M.BUF_CSR_ENABLE);
      this.w0(M.bufCurBase(ch), M.ddrBufferBase(ch, 0));
      this.w0(M.bufCurSize(ch), size);
      this.w0(M.bufNextBase(ch), M.ddrBufferBase(ch, 1));
      this.w0(M.bufNextSize(ch), size);
      this.w0(M.bufCsr(ch), this.csrValue());
      this.channels[ch].active = 0;
    }
    if (core.stagingAddr === 0)
      core.stagingAddr = this.platform.ram.alloc(this.stagingRecords * RECORD_BYTES, HOST_PAGE_BYTES);
    if (core.descAddr === 0) {
      const pages = Math.ceil((this.stagingRecords * RECORD_BYTES) / HOST_PAGE_BYTES);
      core.descAddr = this.platform.ram.alloc(Math.max(1, pages - 1) * DESC_BYTES, DESC_BYTES);
    }
    this.requestIrq();
    // Correct driver: only the DMA sources of enabled channels; the v8 driver enables all five.
    const eic = core.mode === 'fmc-tdc-v8' ? M.EIC_DMA_ALL : 0;
    if (eic) this.w0(M.EIC.IER, eic);
    this.w0(M.CORE.CTRL, M.CTRL_CMD.EN_ACQ);
    core.state = 'ready';
    this.printk(
      -1,
      `SPEC at 00:${core.device.toString(16).padStart(2, '0')}.0, TDC ready (irq ${core.irqLine})`,
    );
    // Channel settings requested before the probe ended.
    for (let ch = 0; ch < CHANNELS; ch++) {
      const c = this.channels[ch];
      const want = { enabled: c.enabled, termination: c.termination };
      c.enabled = false;
      c.termination = false;
      if (want.enabled || want.termination) this.setChannel(ch, want);
    }
    return { next: 0 };
  }

  protected requestIrq(): void {
    if (this.irqRegistered === this.core.irqLine) return;
    this.platform.requestIrq(this.core.irqLine, this.irqHandler);
    this.irqRegistered = this.core.irqLine;
  }

  protected csrValue(): number {
    return M.bufCsrValue(this.opts.irqTimeoutMs, this.opts.burstSize);
  }

  protected writeOffset(ch: number): void {
    const cal = this.core.calibration;
    const total = (cal.zeroOffsetPs[ch] ?? 0) - cal.wrOffsetPs + this.channels[ch].offsetPs;
    const w = offsetToWords(total);
    this.w0(M.tsOffset1(ch), w.seconds);
    this.w0(M.tsOffset2(ch), w.coarse);
    this.w0(M.tsOffset3(ch), w.frac);
  }
}
