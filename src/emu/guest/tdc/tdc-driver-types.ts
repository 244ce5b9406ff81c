// State, options and status types of the TDC guest driver (tdc-driver.ts), and its constants:
// plain data, so the driver's snapshot is these objects as they are.
import type { EventId } from '../../core/scheduler';

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

/** The driver's per-channel counters, kept in its state and reported in its status. */
export interface ChannelCounters {
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
}

export interface TdcChannelStatus extends ChannelCounters {
  channel: number;
  enabled: boolean;
  termination: boolean;
  offsetPs: number;
  phase: ChannelPhase;
  lastTs: { seconds: number; ps: number };
}

export type ChannelPhase = 'idle' | 'switching' | 'transfer' | 'stalled' | 'failed';
export type DriverState = 'new' | 'probing' | 'ready' | 'failed';

export interface ChannelState extends ChannelCounters {
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
  /** The "enable termination" hint was logged (scenario P8). */
  terminationHinted: boolean;
}

export interface Transfer {
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

export interface DriverCore {
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

export const K_PROBE = 1;
export const K_SWITCH_POLL = 2;
export const K_WATCHDOG = 3;
export const K_DMA_KICK = 4;

export const US = 1000;
export const MS = 1_000_000;
export const ACAM_WAIT_NS = 100 * US;
export const PLL_LIMIT_NS = 2000 * MS;
export const SWITCH_POLL_NS = 1 * US;
export const SWITCH_POLL_SLOW_NS = 100 * US;
export const ABORT_SETTLE_NS = 10 * US;
export const LOG_LINES = 256;
export const HOST_PAGE_BYTES = 4096;
export const DESC_BYTES = 32;
export const DRIVER = 'fmc-tdc';

export function newChannel(): ChannelState {
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

export class ProbeError extends Error {}

export function newCore(mode: TdcDriverMode): DriverCore {
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

export function structuredCloneLike<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
