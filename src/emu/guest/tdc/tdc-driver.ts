// Guest driver for the CERN SPEC carrier (GN4124) with an FMC-TDC-1NS-5CHA mezzanine, v8 gateware
// (tdc.md §1, §2.7–§2.11, §3, §5). It reaches the hardware only through the Platform: PCI config
// cycles, BAR0/BAR4 accesses, one INTx handler, and guest RAM for the DMA target.
//
// Interface:
//   new TdcDriver(platform, sched, options)      scheduler owner "<ownerName>" (default "tdc-driver")
//   start()                                       probes (asynchronous: ACAM waits are scheduler events)
//   setChannel(ch 0..4, {enabled, termination, offsetPs})   what a user of the driver can change
//   setMode('correct' | 'fmc-tdc-v8'); channelStatus(ch); status(); dmesg(); snapshot()/restore()
//   options.onTimestamps(ch, seconds[], ps[], n)  every delivered batch (decoded, offsets applied by hw)
//
// Error handling follows tdc.md §3 "correct driver" (DMA retry, watchdog + abort, bounded switch
// poll, buffer resynchronisation, duplicate and gap detection, spurious IRQ masking). Mode
// 'fmc-tdc-v8' reproduces the "real v8 driver" column for D1, D3, D8 and I1: no completion on a DMA
// error (the EIC stays masked and acquisition stops), no DMA watchdog, an unbounded switch poll, and
// "not mine" for an interrupt of a disabled channel. The probe checks the FRU and reads the
// calibration over the FMC I2C master (fmc-eeprom-reader.ts); DMA transfers are scatter-gather
// lists with one segment per host page. Not done: White Rabbit (B6), the thermometer (B5),
// FIFO builds (D10), raw mode, MSI, and the v8 driver's D9 misbehaviour (v8 mode resyncs nothing
// but does not deliberately DMA the wrong buffer either).
import type { AccessWidth, Platform } from '../../bus/types';
import type { EventId, Scheduler } from '../../core/scheduler';
import { DEFAULT_CALIBRATION, EepromError, FmcEepromReader } from './fmc-eeprom-reader';
import * as M from './spec-tdc-map';
import { decodeRecords, offsetToWords, RECORD_BYTES } from './tdc-record';

export type TdcDriverMode = 'correct' | 'fmc-tdc-v8';
export const CHANNELS = 5;

export interface TdcCalibration {
  /** Zero offsets of channels 1..5 in ps (channel 1 is the reference, 0). */
  zeroOffsetPs: readonly number[];
  wrOffsetPs: number;
}

export interface TdcDriverOptions {
  mode?: TdcDriverMode;
  ownerName?: string;
  /** Per-channel IRQ coalescing (CSR.IRQ_TIMEOUT, ms). Default 10. */
  irqTimeoutMs?: number;
  /** DDR burst in timestamps. Default 16. */
  burstSize?: number;
  /** Capacity of each DDR buffer in timestamps. Default 0x100000 (16 MiB). */
  bufferRecords?: number;
  /** Host staging buffer (one DMA transfer at most), bytes. Default 64 KiB. */
  stagingBytes?: number;
  /** DMA retries before a block is given up (correct mode). Default 2. */
  dmaRetries?: number;
  /** Bound on the SWITCH → DONE poll (correct mode, scenario D8). Default 1 ms. */
  switchPollLimitNs?: number;
  /** Seconds loaded into the time base at probe. Default 0. */
  startUtcSeconds?: number;
  /** Calibration to use instead of the EEPROM's block at 0x100 (the FRU is still checked). */
  calibration?: TdcCalibration;
  /** PCI device number to bind; default: the first SPEC found on bus 0. */
  pciDevice?: number;
  onTimestamps?: (ch: number, seconds: Float64Array, ps: Float64Array, n: number) => void;
  onLog?: (atNs: number, ch: number, message: string) => void;
}

export interface TdcChannelStatus {
  channel: number;
  enabled: boolean;
  termination: boolean;
  offsetPs: number;
  phase: ChannelPhase;
  timestamps: number;
  received: number;
  duplicates: number;
  /** Missing sequence numbers, summed over all gaps. */
  sequenceGaps: number;
  gapEvents: number;
  sequenceRestarts: number;
  dropped: number;
  dmaErrors: number;
  dmaRetries: number;
  dmaRecoveries: number;
  dmaTimeouts: number;
  blocksLost: number;
  resyncs: number;
  switchStalls: number;
  spuriousIrqs: number;
  lastTs: { seconds: number; ps: number };
}

export type ChannelPhase = 'idle' | 'switching' | 'transfer' | 'stalled' | 'failed';
export type DriverState = 'new' | 'probing' | 'ready' | 'failed';

interface ChannelState {
  enabled: boolean;
  termination: boolean;
  offsetPs: number;
  /** Buffer (0 = A, 1 = B) the driver believes the hardware is filling. */
  active: 0 | 1;
  autoSwitched: boolean;
  /** CUR_COUNT latched by the hardware's own switch (read before ours, scenario D9). */
  autoCount: number;
  phase: ChannelPhase;
  switchStartNs: number;
  transfersLeft: number;
  expectedSeq: number;
  hasLast: boolean;
  lastW0: number;
  lastW1: number;
  lastW2: number;
  lastSeconds: number;
  lastPs: number;
  timestamps: number;
  received: number;
  duplicates: number;
  sequenceGaps: number;
  gapEvents: number;
  sequenceRestarts: number;
  dropped: number;
  dmaErrors: number;
  dmaRetries: number;
  dmaRecoveries: number;
  dmaTimeouts: number;
  blocksLost: number;
  resyncs: number;
  switchStalls: number;
  spuriousIrqs: number;
  /** The "enable termination" hint was logged (scenario P8). */
  terminationHinted: boolean;
}

interface Transfer {
  ch: number;
  ddrAddr: number;
  records: number;
  doneRecords: number;
  attempts: number;
  hadError: boolean;
  /** Buffer to re-arm when the transfer ends (-1: none, the v8 driver re-armed already). */
  rearm: number;
  rearmAsCur: boolean;
}

interface DriverCore {
  state: DriverState;
  probeError: string;
  mode: TdcDriverMode;
  probePhase: number;
  pllDeadlineNs: number;
  device: number;
  bar0: number;
  bar4: number;
  irqLine: number;
  stagingAddr: number;
  /** Descriptor table for the chained segments 2..n of a transfer. */
  descAddr: number;
  queue: Transfer[];
  inFlight: boolean;
  chunkRecords: number;
  dmaSerial: number;
  watchdogAtNs: number;
  watchdogId: EventId;
  v8Outstanding: number;
  v8SavedImr: number;
  localBusErrors: number;
  spuriousDmaIrqs: number;
  unexpectedIrqs: number;
  interrupts: number;
  calibration: TdcCalibration;
  /** Where the calibration came from: the EEPROM, the driver options, defaults or zeros (B3). */
  calibrationSource: 'eeprom' | 'options' | 'defaults' | 'zeros';
}

export interface TdcDriverSnapshot {
  v: 1;
  core: DriverCore;
  channels: ChannelState[];
  log: string[];
}

const K_PROBE = 1;
const K_SWITCH_POLL = 2;
const K_WATCHDOG = 3;
const K_DMA_KICK = 4;

const US = 1000;
const MS = 1_000_000;
const ACAM_WAIT_NS = 100 * US;
const PLL_LIMIT_NS = 2000 * MS;
const SWITCH_POLL_NS = 1 * US;
const SWITCH_POLL_SLOW_NS = 100 * US;
const ABORT_SETTLE_NS = 10 * US;
const LOG_LINES = 256;
const HOST_PAGE_BYTES = 4096;
const DESC_BYTES = 32;
const DRIVER = 'fmc-tdc';

function newChannel(): ChannelState {
  return {
    enabled: false,
    termination: false,
    offsetPs: 0,
    active: 0,
    autoSwitched: false,
    autoCount: 0,
    phase: 'idle',
    switchStartNs: 0,
    transfersLeft: 0,
    expectedSeq: -1,
    hasLast: false,
    lastW0: 0,
    lastW1: 0,
    lastW2: 0,
    lastSeconds: 0,
    lastPs: 0,
    timestamps: 0,
    received: 0,
    duplicates: 0,
    sequenceGaps: 0,
    gapEvents: 0,
    sequenceRestarts: 0,
    dropped: 0,
    dmaErrors: 0,
    dmaRetries: 0,
    dmaRecoveries: 0,
    dmaTimeouts: 0,
    blocksLost: 0,
    resyncs: 0,
    switchStalls: 0,
    spuriousIrqs: 0,
    terminationHinted: false,
  };
}

class ProbeError extends Error {}

export class TdcDriver {
  private core: DriverCore;
  private channels: ChannelState[];
  private log: string[] = [];
  private readonly owner: number;
  private readonly opts: Required<
    Omit<TdcDriverOptions, 'onTimestamps' | 'onLog' | 'pciDevice' | 'mode' | 'calibration'>
  >;
  private readonly stagingRecords: number;
  private outSeconds: Float64Array;
  private outPs: Float64Array;
  private inIrq = false;
  private unmaskAfterEoi = 0;
  private irqRegistered = -1;
  private readonly irqHandler = (): void => this.onIrq();

  constructor(
    private readonly platform: Platform,
    private readonly sched: Scheduler,
    private readonly options: TdcDriverOptions = {},
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
    this.core = this.freshCore(options.mode ?? 'correct');
    this.channels = Array.from({ length: CHANNELS }, newChannel);
    this.owner = sched.register(this.opts.ownerName, (kind, arg) => this.onEvent(kind, arg));
  }

  private freshCore(mode: TdcDriverMode): DriverCore {
    return {
      state: 'new',
      probeError: '',
      mode,
      probePhase: 0,
      pllDeadlineNs: 0,
      device: -1,
      bar0: 0,
      bar4: 0,
      irqLine: -1,
      stagingAddr: 0,
      descAddr: 0,
      queue: [],
      inFlight: false,
      chunkRecords: 0,
      dmaSerial: 0,
      watchdogAtNs: 0,
      watchdogId: 0,
      v8Outstanding: 0,
      v8SavedImr: 0,
      localBusErrors: 0,
      spuriousDmaIrqs: 0,
      unexpectedIrqs: 0,
      interrupts: 0,
      calibration: { zeroOffsetPs: [0, 0, 0, 0, 0], wrOffsetPs: 0 },
      calibrationSource: 'zeros',
    };
  }

  // ---- public API -------------------------------------------------------------------------

  get state(): DriverState {
    return this.core.state;
  }

  get probeError(): string {
    return this.core.probeError;
  }

  get mode(): TdcDriverMode {
    return this.core.mode;
  }

  setMode(mode: TdcDriverMode): void {
    this.core.mode = mode;
  }

  /** Begins the probe; it completes after the ACAM PLL locks (a few ms of virtual time). */
  start(): void {
    if (this.core.state !== 'new') return;
    this.core.state = 'probing';
    this.core.probePhase = 0;
    this.sched.after(0, this.owner, K_PROBE);
  }

  /** Changes a channel as a user of the driver would (ZIO enable, termination, user-offset). */
  setChannel(ch: number, change: { enabled?: boolean; termination?: boolean; offsetPs?: number }): void {
    if (!Number.isInteger(ch) || ch < 0 || ch >= CHANNELS) throw new RangeError(`tdc: bad channel ${ch}`);
    const c = this.channels[ch];
    const was = { enabled: c.enabled, termination: c.termination, offsetPs: c.offsetPs };
    if (change.enabled !== undefined) c.enabled = change.enabled;
    if (change.termination !== undefined) c.termination = change.termination;
    if (change.offsetPs !== undefined) c.offsetPs = Math.trunc(change.offsetPs);
    if (this.core.state !== 'ready') return; // applied at the end of the probe
    if (c.offsetPs !== was.offsetPs) this.writeOffset(ch);
    if (c.termination !== was.termination || c.enabled !== was.enabled) {
      let ie = this.r0(M.CORE.INPUT_ENABLE);
      if (c.termination !== was.termination) {
        ie = c.termination ? ie | M.inputTermination(ch) : ie & ~M.inputTermination(ch);
        this.w0(M.CORE.INPUT_ENABLE, ie);
      }
      if (c.enabled !== was.enabled) {
        ie = c.enabled ? ie | M.inputEnableChannel(ch) : ie & ~M.inputEnableChannel(ch);
        this.w0(M.CORE.INPUT_ENABLE, ie);
        if (c.enabled) {
          // The hardware restarts the channel's numbering (tdc.md §2.10); records stored before
          // the disable may still come first, so the first record sets the baseline.
          c.expectedSeq = -1;
          c.hasLast = false;
          if (c.phase === 'failed') c.phase = 'idle';
          if (this.core.mode === 'correct') this.w0(M.EIC.IER, M.eicDmaBit(ch));
        }
      }
    }
  }

  channelStatus(ch: number): TdcChannelStatus {
    const c = this.channels[ch];
    return {
      channel: ch + 1,
      enabled: c.enabled,
      termination: c.termination,
      offsetPs: c.offsetPs,
      phase: c.phase,
      timestamps: c.timestamps,
      received: c.received,
      duplicates: c.duplicates,
      sequenceGaps: c.sequenceGaps,
      gapEvents: c.gapEvents,
      sequenceRestarts: c.sequenceRestarts,
      dropped: c.dropped,
      dmaErrors: c.dmaErrors,
      dmaRetries: c.dmaRetries,
      dmaRecoveries: c.dmaRecoveries,
      dmaTimeouts: c.dmaTimeouts,
      blocksLost: c.blocksLost,
      resyncs: c.resyncs,
      switchStalls: c.switchStalls,
      spuriousIrqs: c.spuriousIrqs,
      lastTs: { seconds: c.lastSeconds, ps: c.lastPs },
    };
  }

  /** Driver-wide counters. */
  status(): {
    state: DriverState;
    mode: TdcDriverMode;
    probeError: string;
    interrupts: number;
    localBusErrors: number;
    spuriousDmaIrqs: number;
    unexpectedIrqs: number;
    dmaBusy: boolean;
    queuedTransfers: number;
    calibrationSource: DriverCore['calibrationSource'];
    calibration: TdcCalibration;
  } {
    const c = this.core;
    return {
      state: c.state,
      mode: c.mode,
      probeError: c.probeError,
      interrupts: c.interrupts,
      localBusErrors: c.localBusErrors,
      spuriousDmaIrqs: c.spuriousDmaIrqs,
      unexpectedIrqs: c.unexpectedIrqs,
      dmaBusy: c.inFlight,
      queuedTransfers: c.queue.length,
      calibrationSource: c.calibrationSource,
      calibration: { zeroOffsetPs: [...c.calibration.zeroOffsetPs], wrOffsetPs: c.calibration.wrOffsetPs },
    };
  }

  dmesg(): readonly string[] {
    return this.log;
  }

  // ---- bus helpers --------------------------------------------------------------------------

  private r0(off: number): number {
    return this.platform.mmioRead(this.core.bar0 + off, 4) >>> 0;
  }
  private w0(off: number, v: number): void {
    this.platform.mmioWrite(this.core.bar0 + off, v >>> 0, 4);
  }
  private r4(off: number): number {
    return this.platform.mmioRead(this.core.bar4 + off, 4) >>> 0;
  }
  private w4(off: number, v: number): void {
    this.platform.mmioWrite(this.core.bar4 + off, v >>> 0, 4);
  }
  private cfgR(off: number, width: AccessWidth): number {
    return this.platform.configRead(0, this.core.device, 0, off, width) >>> 0;
  }

  private printk(ch: number, message: string): void {
    const line = `${DRIVER}: ${ch >= 0 ? `ch${ch + 1}: ` : ''}${message}`;
    this.log.push(`[${(this.platform.nowNs() / 1e9).toFixed(6)}] ${line}`);
    if (this.log.length > LOG_LINES) this.log.splice(0, this.log.length - LOG_LINES);
    this.options.onLog?.(this.platform.nowNs(), ch, message);
  }

  private onEvent(kind: number, arg: number): void {
    if (kind === K_PROBE) this.runProbe();
    else if (kind === K_SWITCH_POLL) this.pollSwitch(arg);
    else if (kind === K_WATCHDOG) this.onWatchdog(arg);
    else if (kind === K_DMA_KICK) this.kickDma();
  }

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

  private requestIrq(): void {
    if (this.irqRegistered === this.core.irqLine) return;
    this.platform.requestIrq(this.core.irqLine, this.irqHandler);
    this.irqRegistered = this.core.irqLine;
  }

  private csrValue(): number {
    return M.bufCsrValue(this.opts.irqTimeoutMs, this.opts.burstSize);
  }

  private writeOffset(ch: number): void {
    const cal = this.core.calibration;
    const total = (cal.zeroOffsetPs[ch] ?? 0) - cal.wrOffsetPs + this.channels[ch].offsetPs;
    const w = offsetToWords(total);
    this.w0(M.tsOffset1(ch), w.seconds);
    this.w0(M.tsOffset2(ch), w.coarse);
    this.w0(M.tsOffset3(ch), w.frac);
  }

  // ---- interrupts (tdc.md §1.5, §2.8) ---------------------------------------------------------

  private onIrq(): void {
    if (this.core.state !== 'ready') return;
    this.core.interrupts++;
    const st = this.r4(M.GN.INT_STAT);
    if (st & M.INT_STAT_ALI) {
      this.w4(M.GN.INT_STAT, st & M.INT_STAT_ALI);
      this.core.localBusErrors++;
      this.printk(-1, `Local bus error 0x${(st & M.INT_STAT_ALI).toString(16)}`);
    }
    if (!(st & M.INT_STAT_GPIO)) return;
    if (!(this.r4(M.GN.GPIO_INT_STATUS) & M.GPIO_VIC)) return;
    if (this.r0(M.VIC.RISR) === 0) return;
    const vector = this.r0(M.VIC.VAR);
    this.inIrq = true;
    try {
      if (vector === M.VIC_LINE_TDC) this.tdcIrq();
      else if (vector === M.VIC_LINE_DMA) this.dmaIrq();
      else this.printk(-1, `unexpected VIC vector ${vector}`);
    } finally {
      this.inIrq = false;
    }
    this.w0(M.VIC.EOIR, 1);
    if (this.unmaskAfterEoi) {
      const bits = this.unmaskAfterEoi;
      this.unmaskAfterEoi = 0;
      this.w0(M.EIC.IER, bits);
    }
    // §1.5 step 2: re-read GPIO_INT_STATUS so a level that has dropped leaves no stale status.
    this.r4(M.GN.GPIO_INT_STATUS);
  }

  private tdcIrq(): void {
    const core = this.core;
    const isr = this.r0(M.EIC.ISR);
    const imr = this.r0(M.EIC.IMR);
    const pending = isr & imr & M.EIC_DMA_ALL;
    let foreign = 0;
    for (let ch = 0; ch < CHANNELS; ch++)
      if (pending & M.eicDmaBit(ch) && !this.channels[ch].enabled) foreign |= M.eicDmaBit(ch);
    if (core.mode === 'fmc-tdc-v8') {
      if (foreign) {
        // "not mine": the level stays, the VIC fires again (scenario I1).
        core.unexpectedIrqs++;
        for (let ch = 0; ch < CHANNELS; ch++) if (foreign & M.eicDmaBit(ch)) this.channels[ch].spuriousIrqs++;
        if (core.unexpectedIrqs <= 3) this.printk(-1, 'WARN: Received an unexpected interrupt');
        return;
      }
      if (pending === 0) return;
      if (core.v8Outstanding > 0) this.printk(-1, 'Possible data loss: IRQ arrived while pending DMA');
      core.v8SavedImr = imr;
      this.w0(M.EIC.IDR, imr);
      for (let ch = 0; ch < CHANNELS; ch++) if (pending & M.eicDmaBit(ch)) core.v8Outstanding++;
      for (let ch = 0; ch < CHANNELS; ch++) if (pending & M.eicDmaBit(ch)) this.startReadout(ch);
      return;
    }
    if (pending === 0) return;
    this.w0(M.EIC.IDR, pending);
    for (let ch = 0; ch < CHANNELS; ch++) {
      if (!(pending & M.eicDmaBit(ch))) continue;
      const c = this.channels[ch];
      if (foreign & M.eicDmaBit(ch)) {
        // Scenario I1: leave the source masked and count it.
        c.spuriousIrqs++;
        core.unexpectedIrqs++;
        this.printk(ch, 'interrupt for a disabled channel, masked');
        continue;
      }
      if (c.phase !== 'idle') continue;
      this.startReadout(ch);
    }
  }

  // ---- buffer switch (tdc.md §2.7) ------------------------------------------------------------

  private startReadout(ch: number): void {
    const c = this.channels[ch];
    c.phase = 'switching';
    c.autoSwitched = false;
    if (this.core.mode === 'correct') {
      // Scenario D9: read back which buffer the hardware is filling before switching.
      const curBase = this.r0(M.bufCurBase(ch));
      c.autoSwitched = curBase !== M.ddrBufferBase(ch, c.active);
      // The hardware's own switch latched the full buffer's count; ours will overwrite it.
      if (c.autoSwitched) c.autoCount = this.r0(M.bufCurCount(ch));
    }
    this.w0(M.bufCsr(ch), this.csrValue() | M.BUF_CSR_SWITCH);
    c.switchStartNs = this.platform.nowNs();
    this.pollSwitch(ch);
  }

  private pollSwitch(ch: number): void {
    const c = this.channels[ch];
    if (c.phase !== 'switching') return;
    const csr = this.r0(M.bufCsr(ch));
    if (csr & M.BUF_CSR_DONE) {
      this.w0(M.bufCsr(ch), csr & ~M.BUF_CSR_SWITCH); // writing DONE = 1 clears it
      this.afterSwitch(ch);
      return;
    }
    const waitedNs = this.platform.nowNs() - c.switchStartNs;
    if (this.core.mode === 'correct' && waitedNs >= this.opts.switchPollLimitNs) {
      // Scenario D8: report and disable the channel.
      c.switchStalls++;
      c.phase = 'failed';
      c.enabled = false;
      this.w0(M.CORE.INPUT_ENABLE, this.r0(M.CORE.INPUT_ENABLE) & ~M.inputEnableChannel(ch));
      this.printk(ch, 'buffer switch never completed, channel disabled');
      return;
    }
    const delay = waitedNs < this.opts.switchPollLimitNs ? SWITCH_POLL_NS : SWITCH_POLL_SLOW_NS;
    this.sched.after(delay, this.owner, K_SWITCH_POLL, ch);
  }

  private afterSwitch(ch: number): void {
    const c = this.channels[ch];
    const count = this.r0(M.bufCurCount(ch));
    c.received += count;
    // Scenario D5: nothing was stored. Acknowledge the source so a stuck (forced) EIC level does
    // not come straight back; a real one is cleared by the switch anyway.
    if (count === 0 && !c.autoSwitched && this.core.mode === 'correct') this.w0(M.EIC.ISR, M.eicDmaBit(ch));
    const done = c.active;
    const other: 0 | 1 = done === 0 ? 1 : 0;
    const size = (this.opts.bufferRecords | M.BUF_SIZE_VALID) >>> 0;
    const transfers: Transfer[] = [];
    const t = (addr: number, records: number, rearm: number, rearmAsCur: boolean): Transfer => ({
      ch,
      ddrAddr: addr,
      records,
      doneRecords: 0,
      attempts: 0,
      hadError: false,
      rearm,
      rearmAsCur,
    });
    if (this.core.mode === 'fmc-tdc-v8') {
      this.w0(M.bufNextBase(ch), M.ddrBufferBase(ch, done));
      this.w0(M.bufNextSize(ch), size);
      c.active = other;
      transfers.push(t(M.ddrBufferBase(ch, done), count, -1, false));
    } else if (c.autoSwitched) {
      // The hardware filled `done`, switched to `other` on its own, and our SWITCH left CUR
      // invalid: move both, re-arm `done` as CUR and `other` as NEXT.
      c.resyncs++;
      c.received += c.autoCount;
      this.printk(ch, 'buffer switched by hardware while the host was late: resynchronised');
      transfers.push(t(M.ddrBufferBase(ch, done), c.autoCount, done, true));
      transfers.push(t(M.ddrBufferBase(ch, other), count, other, false));
    } else {
      c.active = other;
      transfers.push(t(M.ddrBufferBase(ch, done), count, done, false));
    }
    c.phase = 'transfer';
    c.transfersLeft = transfers.length;
    this.core.queue.push(...transfers);
    this.kickDma();
  }

  // ---- DMA (tdc.md §1.8, §1.9) ------------------------------------------------------------------

  private kickDma(): void {
    const core = this.core;
    while (!core.inFlight && core.queue.length > 0) {
      const t = core.queue[0];
      if (t.records - t.doneRecords <= 0) {
        core.queue.shift();
        this.finishTransfer(t); // scenario D5: nothing to move, just re-arm
        continue;
      }
      this.startChunk(t);
    }
  }

  /**
   * One DMA transfer of up to the staging size, as a scatter-gather list with one segment per
   * host page (as the v8 driver maps a ZIO block): the first segment goes into the registers, the
   * others into 32-byte descriptors in guest RAM chained through NEXT with ATTR.MORE (§1.8).
   */
  private startChunk(t: Transfer): void {
    const core = this.core;
    const n = Math.min(t.records - t.doneRecords, this.stagingRecords);
    const len = n * RECORD_BYTES;
    const card = t.ddrAddr + t.doneRecords * RECORD_BYTES;
    const segments = Math.ceil(len / HOST_PAGE_BYTES);
    const ram = this.platform.ram;
    for (let i = 1; i < segments; i++) {
      const d = core.descAddr + DESC_BYTES * (i - 1);
      const more = i < segments - 1;
      ram.write32(d + 0x00, card + i * HOST_PAGE_BYTES);
      ram.write32(d + 0x04, core.stagingAddr + i * HOST_PAGE_BYTES);
      ram.write32(d + 0x08, 0);
      ram.write32(d + 0x0c, Math.min(HOST_PAGE_BYTES, len - i * HOST_PAGE_BYTES));
      ram.write32(d + 0x10, more ? d + DESC_BYTES : 0);
      ram.write32(d + 0x14, 0);
      ram.write32(d + 0x18, more ? M.DMA_ATTR_MORE : 0);
    }
    this.w0(M.DMA.CSTART, card);
    this.w0(M.DMA.HSTARTL, core.stagingAddr);
    this.w0(M.DMA.HSTARTH, 0);
    this.w0(M.DMA.LEN, Math.min(HOST_PAGE_BYTES, len));
    this.w0(M.DMA.NEXTL, segments > 1 ? core.descAddr : 0);
    this.w0(M.DMA.NEXTH, 0);
    this.w0(M.DMA.ATTR, segments > 1 ? M.DMA_ATTR_MORE : 0);
    this.w0(M.DMA.CTRL, 0);
    this.w0(M.DMA.CTRL, M.DMA_CTRL_START);
    core.inFlight = true;
    core.chunkRecords = n;
    core.dmaSerial++;
    if (core.mode === 'correct') {
      // Scenario D3 watchdog: 10 ms + length at 50 MB/s + 10 µs per descriptor.
      core.watchdogAtNs = this.platform.nowNs() + 10 * MS + len * 20 + segments * 10 * US;
      core.watchdogId = this.sched.at(core.watchdogAtNs, this.owner, K_WATCHDOG, core.dmaSerial);
    }
  }

  private cancelWatchdog(): void {
    if (this.core.watchdogId) this.sched.cancel(this.core.watchdogId);
    this.core.watchdogId = 0;
    this.core.watchdogAtNs = 0;
  }

  private dmaIrq(): void {
    const core = this.core;
    this.w0(M.DMA.STAT, M.DMA_STAT_IRQ);
    const state = this.r0(M.DMA.STAT) & 3;
    if (!core.inFlight) {
      core.spuriousDmaIrqs++;
      if (core.mode === 'fmc-tdc-v8') this.printk(-1, 'WARN: Invalid transfer descriptor');
      return;
    }
    if (state === M.DMA_STATE_BUSY) {
      core.spuriousDmaIrqs++;
      return;
    }
    this.cancelWatchdog();
    core.inFlight = false;
    const t = core.queue[0];
    if (state === M.DMA_STATE_IDLE) this.chunkDone(t);
    else this.chunkFailed(t, state === M.DMA_STATE_ERROR ? 'error' : 'aborted');
    this.kickDma();
  }

  private onWatchdog(serial: number): void {
    const core = this.core;
    core.watchdogId = 0;
    if (!core.inFlight || serial !== core.dmaSerial) return;
    core.watchdogAtNs = 0;
    const t = core.queue[0];
    this.channels[t.ch].dmaTimeouts++;
    this.printk(t.ch, 'DMA transfer timed out, aborting');
    this.w0(M.DMA.CTRL, M.DMA_CTRL_ABORT);
    const stat = this.r0(M.DMA.STAT);
    if (stat & M.DMA_STAT_IRQ) this.w0(M.DMA.STAT, M.DMA_STAT_IRQ);
    core.inFlight = false;
    this.chunkFailed(t, 'timeout');
    // Let the engine settle after the abort before the retry.
    this.sched.after(ABORT_SETTLE_NS, this.owner, K_DMA_KICK);
  }

  private chunkDone(t: Transfer): void {
    const c = this.channels[t.ch];
    this.deliver(t.ch, this.core.chunkRecords);
    t.doneRecords += this.core.chunkRecords;
    if (t.hadError) {
      c.dmaRecoveries++;
      t.hadError = false;
      this.printk(t.ch, 'DMA retry succeeded');
    }
    t.attempts = 0;
    if (t.doneRecords >= t.records) {
      this.core.queue.shift();
      this.finishTransfer(t);
    }
  }

  private chunkFailed(t: Transfer, why: string): void {
    const c = this.channels[t.ch];
    c.dmaErrors++;
    if (this.core.mode === 'fmc-tdc-v8') {
      // The DMA driver frees the descriptor; the TDC completion is never called (§1.9).
      this.printk(-1, `DMA transfer failed: ${why}`);
      this.core.queue.shift();
      c.phase = 'stalled';
      return;
    }
    if (t.attempts < this.opts.dmaRetries) {
      t.attempts++;
      t.hadError = true;
      c.dmaRetries++;
      this.printk(t.ch, `DMA transfer failed (${why}), retry ${t.attempts}`);
      return;
    }
    const lost = t.records - t.doneRecords;
    c.dropped += lost;
    c.blocksLost++;
    this.printk(t.ch, `DMA transfer failed (${why}), ${lost} timestamps lost (LOST_BLOCK)`);
    this.core.queue.shift();
    this.finishTransfer(t);
  }

  private finishTransfer(t: Transfer): void {
    const c = this.channels[t.ch];
    const ch = t.ch;
    if (t.rearm >= 0) {
      const size = (this.opts.bufferRecords | M.BUF_SIZE_VALID) >>> 0;
      const base = M.ddrBufferBase(ch, t.rearm as 0 | 1);
      if (t.rearmAsCur) {
        this.w0(M.bufCurBase(ch), base);
        this.w0(M.bufCurSize(ch), size);
        c.active = t.rearm as 0 | 1;
      } else {
        this.w0(M.bufNextBase(ch), base);
        this.w0(M.bufNextSize(ch), size);
      }
    }
    c.transfersLeft--;
    if (c.transfersLeft > 0) return;
    c.phase = 'idle';
    let unmask = 0;
    if (this.core.mode === 'fmc-tdc-v8') {
      this.core.v8Outstanding--;
      if (this.core.v8Outstanding <= 0) {
        this.core.v8Outstanding = 0;
        unmask = this.core.v8SavedImr;
      }
    } else if (c.enabled) unmask = M.eicDmaBit(ch);
    if (!unmask) return;
    if (this.inIrq) this.unmaskAfterEoi |= unmask;
    else this.w0(M.EIC.IER, unmask);
  }

  // ---- decoding (tdc.md §2.10) ------------------------------------------------------------------

  private deliver(ch: number, n: number): void {
    const c = this.channels[ch];
    const bytes = this.platform.ram.readBytes(this.core.stagingAddr, n * RECORD_BYTES);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, n * 4);
    const duplicatesBefore = c.duplicates;
    const out = decodeRecords(words, n, ch, c, this.core.mode === 'correct', this.outSeconds, this.outPs);
    if (
      c.duplicates > duplicatesBefore &&
      !c.termination &&
      !c.terminationHinted &&
      this.core.mode === 'correct'
    ) {
      c.terminationHinted = true;
      this.printk(ch, 'duplicate timestamps on an unterminated input: enable 50 Ohm termination?');
    }
    c.timestamps += out;
    if (out > 0) {
      c.lastSeconds = this.outSeconds[out - 1];
      c.lastPs = this.outPs[out - 1];
      this.options.onTimestamps?.(ch, this.outSeconds, this.outPs, out);
    }
  }

  // ---- snapshot -----------------------------------------------------------------------------

  snapshot(): TdcDriverSnapshot {
    return structuredCloneLike({ v: 1, core: this.core, channels: this.channels, log: this.log });
  }

  restore(s: TdcDriverSnapshot): void {
    if (
      s?.v !== 1 ||
      typeof s.core !== 'object' ||
      s.core === null ||
      !Array.isArray(s.channels) ||
      s.channels.length !== CHANNELS ||
      !Array.isArray(s.log) ||
      !Array.isArray(s.core.queue)
    )
      throw new Error('tdc driver snapshot: bad data');
    const core = structuredCloneLike(s.core);
    this.core = core;
    this.channels = structuredCloneLike(s.channels);
    this.log = [...s.log];
    if (core.state === 'ready' && core.irqLine >= 0) this.requestIrq();
  }
}

function structuredCloneLike<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
