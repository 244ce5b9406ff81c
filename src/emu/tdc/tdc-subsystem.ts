// The TDC subsystem: a SPEC carrier with an FMC TDC on a PCI bus, its host-side signal sources
// and fault injector, and the guest driver bound to it (DESIGN.md "TDC data path"). It answers the
// lab's TDC commands (automation.md §2) and keeps the host-side views the UI plots.
//
// Interface:
//   createTdcSubsystem(sched, rng, trace, pciBus?, platform?, options?) → TdcSubsystem
//   QMP: x-tdc-pulses, x-tdc-stop, x-tdc-noise, x-tdc-edge-loss, x-tdc-reflection,
//        x-tdc-channel-set, x-tdc-driver-mode,
//        x-inject-fault, x-query-tdc, x-query-tdc-driver, x-query-tdc-faults
//   Host accessors: recentTimestamps(ch, n), rates(), intervalHistogram(ch), eventLog()
//   snapshot()/restore()
// Channels are 1..5 on the QMP surface and 0..4 inside.
import type { IrqController } from '../bus/irq-controller';
import type { PciBus } from '../bus/pci';
import type { RamMemory } from '../bus/phys-memory';
import { createPlatformRig, type MachinePlatform } from '../bus/platform';
import type { Platform } from '../bus/types';
import { type QmpCommandTable, QmpError } from '../control/qmp-types';
import type { Rng } from '../core/rng';
import type { Scheduler } from '../core/scheduler';
import { check, cloneState } from '../core/snapshot';
import type { TraceRing } from '../core/trace';
import { FAULT_KINDS, FaultInjector, type FaultParams, type FaultRecord } from '../devices/fault-injector';
import { SpecCarrier } from '../devices/spec/spec';
import { TdcSignalSource } from '../devices/tdc-signal';
import { CHANNELS, TdcDriver, type TdcDriverMode, type TdcDriverOptions } from '../guest/tdc/tdc-driver';
import type { Subsystem } from '../subsystem';
import { type Args, enumArg, intArg, numberArg, onlyKnown, optionalBool, stringArg } from './tdc-qmp-args';
import { ChannelTelemetry, type ChannelTelemetrySnapshot, type TdcTimestamp } from './tdc-telemetry';

export const TDC_DEVICE = 'spec0';
const MAX_USER_OFFSET_PS = 1_000_000_000;
const EVENT_LOG_LINES = 256;
const INJECT_KEYS = ['device', 'kind', 'count', 'channel', 'bytes', 'records', 'bit', 'on', 'seq', 'what'];
/** carrier-metadata overrides (scenario B8). */
const METADATA_KEYS = ['vendor', 'device_id', 'version', 'bom', 'caps'] as const;
/** The SPEC's preferred device number on a bus of its own or a shared one (first free after it). */
const PREFERRED_SLOT = 4;

export interface TdcSubsystemOptions {
  /** Driver options (mode, buffer size, staging size...). */
  driver?: Omit<TdcDriverOptions, 'onTimestamps' | 'onLog'>;
  /** Channels the guest enables at boot, with termination on. Default: all five (the default lab). */
  enabledChannels?: readonly number[];
  /**
   * RAM of the private platform when no bus is shared. Default 2 MiB: the guest allocates from
   * 1 MiB up and needs only the DMA staging buffer and its descriptors; a small RAM keeps the
   * snapshot cheap.
   */
  ramBytes?: number;
}

export interface TdcDriverEvent {
  atNs: number;
  /** 1..5, or 0 for the whole driver. */
  channel: number;
  text: string;
}

export type TdcLogEntry =
  | { atNs: number; source: 'driver'; channel: number; text: string }
  | { atNs: number; source: 'fault'; kind: string; armedAtNs: number; fired: boolean; effect: string };

export interface TdcSubsystemSnapshot {
  v: 1;
  spec: unknown;
  signals: unknown;
  faults: unknown;
  driver: unknown;
  telemetry: ChannelTelemetrySnapshot[];
  events: TdcDriverEvent[];
  /** Only when the subsystem owns its bus: PCI, platform and RAM. */
  bus: { pci: unknown; platform: unknown; ram: unknown; irq: unknown } | null;
}

interface OwnBus {
  pci: PciBus;
  platform: MachinePlatform;
  ram: RamMemory;
  irq: IrqController;
}

/** Gives a card plugged after firmware ran its BARs and interrupt line, above everything else. */
function assignHotplugged(pci: PciBus, slot: number): void {
  const fn = pci.functionAt(slot);
  if (!fn) return;
  if (fn.bars.every((b, i) => !b || pci.barAddress(slot, i) !== 0)) return;
  let top = 0xe000_0000;
  for (const s of pci.occupiedSlots()) {
    pci.functionAt(s)?.bars.forEach((b, i) => {
      const base = pci.barAddress(s, i);
      if (b && b.kind === 'mem' && base !== 0) top = Math.max(top, base + b.size);
    });
  }
  fn.bars.forEach((b, i) => {
    if (b?.kind !== 'mem' || pci.barAddress(slot, i) !== 0) return;
    const base = Math.ceil(top / b.size) * b.size;
    pci.configWrite(0, slot, 0, 0x10 + 4 * i, base, 4);
    top = base + b.size;
  });
  pci.configWrite(0, slot, 0, 0x3c, pci.irqOf(slot), 1);
}

export class TdcSubsystem implements Subsystem {
  readonly name = 'tdc';
  private readonly telemetry: ChannelTelemetry[];
  private events: TdcDriverEvent[] = [];

  constructor(
    private readonly sched: Scheduler,
    readonly spec: SpecCarrier,
    readonly signals: TdcSignalSource,
    readonly faults: FaultInjector,
    readonly driver: TdcDriver,
    readonly platform: Platform,
    private readonly ownBus: OwnBus | null,
    telemetry: ChannelTelemetry[],
  ) {
    this.telemetry = telemetry;
  }

  /** Called by the driver's onLog (wired by createTdcSubsystem). */
  logDriverEvent(atNs: number, ch: number, text: string): void {
    this.events.push({ atNs, channel: ch + 1, text });
    if (this.events.length > EVENT_LOG_LINES) this.events.splice(0, this.events.length - EVENT_LOG_LINES);
  }

  // ---- host accessors for the UI --------------------------------------------------------------

  /** The newest n timestamps the driver delivered on channel 1..5, oldest first. */
  recentTimestamps(channel: number, n = 100): TdcTimestamp[] {
    return this.telemetry[this.channelIndex(channel)].recent(n);
  }

  /** Delivered timestamps per second over the last second of virtual time, channels 1..5. */
  rates(): number[] {
    return this.telemetry.map((t) => t.ratePerSecond(this.sched.nowNs));
  }

  /** log2 histogram of the intervals between consecutive timestamps of channel 1..5. */
  intervalHistogram(channel: number): { lowerNs: number[]; counts: number[] } {
    return this.telemetry[this.channelIndex(channel)].intervalHistogram();
  }

  /** Injected faults (armed, fired and their register-level effect) and the driver's reactions, by time. */
  eventLog(): TdcLogEntry[] {
    const out: TdcLogEntry[] = this.events.map((e) => ({ ...e, source: 'driver' as const }));
    for (const r of this.faults.report()) out.push(faultEntry(r));
    return out.sort((a, b) => a.atNs - b.atNs);
  }

  private channelIndex(channel: number): number {
    if (!Number.isInteger(channel) || channel < 1 || channel > CHANNELS)
      throw new RangeError(`tdc: channel ${channel} is not 1..5`);
    return channel - 1;
  }

  // ---- QMP ------------------------------------------------------------------------------------

  qmpCommands(): QmpCommandTable {
    return {
      'x-tdc-pulses': (a) => this.qmpPulses(a),
      'x-tdc-stop': (a) => this.qmpStop(a),
      'x-tdc-noise': (a) => this.qmpNoise(a),
      'x-tdc-edge-loss': (a) => this.qmpEdgeLoss(a),
      'x-tdc-reflection': (a) => this.qmpReflection(a),
      'x-tdc-channel-set': (a) => this.qmpChannelSet(a),
      'x-tdc-driver-mode': (a) => this.qmpDriverMode(a),
      'x-inject-fault': (a) => this.qmpInjectFault(a),
      'x-query-tdc': (a) => this.qmpQuery(a),
      'x-query-tdc-driver': (a) => this.qmpQueryDriver(a),
      'x-query-tdc-faults': (a) => this.qmpQueryFaults(a),
    };
  }

  private qmpPulses(a: Args): unknown {
    onlyKnown(a, ['channel', 'period_ns', 'width_ns', 'count']);
    const ch = intArg(a, 'channel', 1, CHANNELS) - 1;
    const periodNs = intArg(a, 'period_ns', 1, 1e12);
    const widthNs = intArg(a, 'width_ns', 1, 1e12);
    const count = intArg(a, 'count', 0, 1e9, 0);
    if (widthNs >= periodNs)
      throw new QmpError('GenericError', "Parameter 'width_ns' must be smaller than 'period_ns'");
    this.signals.periodic(ch, { periodNs, widthNs, count });
    return {};
  }

  private qmpStop(a: Args): unknown {
    onlyKnown(a, ['channel']);
    const ch = intArg(a, 'channel', 1, CHANNELS) - 1;
    this.signals.stop(ch);
    this.signals.noise(ch, null);
    return {};
  }

  private qmpNoise(a: Args): unknown {
    onlyKnown(a, ['channel', 'rate_hz', 'width_ns']);
    const ch = intArg(a, 'channel', 1, CHANNELS) - 1;
    const rateHz = numberArg(a, 'rate_hz', 0, 1e8);
    const widthNs = numberArg(a, 'width_ns', 0.001, 1e9);
    this.signals.noise(ch, rateHz > 0 ? { rateHz, widthNs } : null);
    return {};
  }

  private qmpEdgeLoss(a: Args): unknown {
    onlyKnown(a, ['channel', 'edge', 'probability']);
    const ch = intArg(a, 'channel', 1, CHANNELS) - 1;
    const edge = enumArg(a, 'edge', ['rising', 'falling'] as const);
    const probability = numberArg(a, 'probability', 0, 1);
    this.signals.edgeLoss(ch, edge, probability);
    return {};
  }

  private qmpReflection(a: Args): unknown {
    onlyKnown(a, ['channel', 'probability']);
    const ch = intArg(a, 'channel', 1, CHANNELS) - 1;
    const probability = numberArg(a, 'probability', 0, 1);
    this.signals.reflection(ch, probability > 0 ? { probability } : null);
    return {};
  }

  private qmpChannelSet(a: Args): unknown {
    onlyKnown(a, ['channel', 'enabled', 'termination', 'offset_ps']);
    const ch = intArg(a, 'channel', 1, CHANNELS) - 1;
    const enabled = optionalBool(a, 'enabled');
    const termination = optionalBool(a, 'termination');
    const offsetPs =
      a.offset_ps === undefined ? undefined : intArg(a, 'offset_ps', -MAX_USER_OFFSET_PS, MAX_USER_OFFSET_PS);
    this.driver.setChannel(ch, {
      ...(enabled !== undefined ? { enabled } : {}),
      ...(termination !== undefined ? { termination } : {}),
      ...(offsetPs !== undefined ? { offsetPs } : {}),
    });
    return {};
  }

  private qmpDriverMode(a: Args): unknown {
    onlyKnown(a, ['mode']);
    const mode = enumArg<TdcDriverMode>(a, 'mode', ['correct', 'fmc-tdc-v8']);
    this.driver.setMode(mode);
    return {};
  }

  private qmpInjectFault(a: Args): unknown {
    onlyKnown(a, [...INJECT_KEYS, ...METADATA_KEYS]);
    const device = stringArg(a, 'device');
    if (device !== this.spec.name) throw new QmpError('DeviceNotFound', `Device '${device}' not found`);
    const kind = enumArg(a, 'kind', FAULT_KINDS);
    const count = intArg(a, 'count', 1, 1000, 1);
    const params: FaultParams = {};
    if (a.channel !== undefined) params.channel = intArg(a, 'channel', 1, CHANNELS) - 1;
    if (a.bytes !== undefined) params.bytes = intArg(a, 'bytes', 0, 0x7fffffff);
    if (a.records !== undefined) params.records = intArg(a, 'records', 1, 0x3fffffff);
    if (a.bit !== undefined) params.bit = intArg(a, 'bit', 0, 6);
    if (a.seq !== undefined) params.seq = intArg(a, 'seq', 0, 0x0fffffff);
    const on = optionalBool(a, 'on');
    if (on !== undefined) params.on = on;
    for (const k of METADATA_KEYS)
      if (a[k] !== undefined) params[k === 'device_id' ? 'device' : k] = intArg(a, k, 0, 0xffffffff);
    if (a.what !== undefined)
      params.kind = enumArg(a, 'what', ['fru-corrupt', 'wrong-name', 'calib-nack', 'absent', 'none']);
    const needsChannel = ['switch-stall', 'buffer-capacity', 'spurious-tdc-irq', 'sequence-preset'];
    if (needsChannel.includes(kind) && params.channel === undefined)
      throw new QmpError('GenericError', "Parameter 'channel' is missing");
    if (kind === 'buffer-capacity' && params.records === undefined)
      throw new QmpError('GenericError', "Parameter 'records' is missing");
    try {
      this.faults.inject(kind, params, count);
    } catch (e) {
      if (e instanceof RangeError) throw new QmpError('GenericError', e.message);
      throw e;
    }
    return {};
  }

  private qmpQuery(a: Args): unknown {
    onlyKnown(a, []);
    const out = [];
    for (let ch = 0; ch < CHANNELS; ch++) {
      const s = this.driver.channelStatus(ch);
      out.push({
        channel: s.channel,
        enabled: s.enabled,
        termination: s.termination,
        timestamps: s.timestamps,
        dropped: s.dropped,
        sequence_gaps: s.sequenceGaps,
        dma_errors: s.dmaErrors,
        dma_recoveries: s.dmaRecoveries,
        last_ts: { seconds: s.lastTs.seconds, ps: s.lastTs.ps },
        // Lab extras (what else the driver counts).
        offset_ps: s.offsetPs,
        state: s.phase,
        received: s.received,
        duplicates: s.duplicates,
        dma_retries: s.dmaRetries,
        dma_timeouts: s.dmaTimeouts,
        blocks_lost: s.blocksLost,
        resyncs: s.resyncs,
        sequence_restarts: s.sequenceRestarts,
        switch_stalls: s.switchStalls,
        spurious_irqs: s.spuriousIrqs,
        rate_hz: this.telemetry[ch].ratePerSecond(this.sched.nowNs),
      });
    }
    return out;
  }

  private qmpQueryDriver(a: Args): unknown {
    onlyKnown(a, []);
    const s = this.driver.status();
    return {
      state: s.state,
      mode: s.mode,
      probe_error: s.probeError,
      interrupts: s.interrupts,
      unexpected_irqs: s.unexpectedIrqs,
      spurious_dma_irqs: s.spuriousDmaIrqs,
      local_bus_errors: s.localBusErrors,
      dma_busy: s.dmaBusy,
      queued_transfers: s.queuedTransfers,
      calibration_source: s.calibrationSource,
      zero_offsets_ps: s.calibration.zeroOffsetPs,
      wr_offset_ps: s.calibration.wrOffsetPs,
      dmesg: [...this.driver.dmesg()],
    };
  }

  private qmpQueryFaults(a: Args): unknown {
    onlyKnown(a, []);
    return this.faults.report().map((r) => ({
      id: r.id,
      kind: r.kind,
      armed_ns: r.armedAtNs,
      fired_ns: r.firedAtNs,
      effect: r.effect,
    }));
  }

  // ---- snapshot -------------------------------------------------------------------------------

  snapshot(): TdcSubsystemSnapshot {
    const own = this.ownBus;
    return {
      v: 1,
      spec: this.spec.snapshot(),
      signals: this.signals.snapshot(),
      faults: this.faults.snapshot(),
      driver: this.driver.snapshot(),
      telemetry: this.telemetry.map((t) => t.snapshot()),
      events: cloneState(this.events),
      bus: own
        ? {
            pci: own.pci.snapshot(),
            platform: own.platform.snapshot(),
            ram: own.ram.snapshot(),
            irq: own.irq.snapshot(),
          }
        : null,
    };
  }

  /** Validates, then restores every part; if a part refuses, the previous state is put back. */
  restore(s: unknown): void {
    const snap = s as TdcSubsystemSnapshot;
    check(typeof snap === 'object' && snap !== null && snap.v === 1, 'tdc snapshot: unsupported version');
    check(Array.isArray(snap.telemetry) && snap.telemetry.length === CHANNELS, 'tdc snapshot: telemetry');
    check(Array.isArray(snap.events), 'tdc snapshot: events');
    check((snap.bus === null) === (this.ownBus === null), 'tdc snapshot: bus ownership differs');
    for (const t of snap.telemetry) ChannelTelemetry.validate(t);
    const before = this.snapshot();
    try {
      this.apply(snap);
    } catch (e) {
      this.apply(before);
      throw e;
    }
  }

  private apply(s: TdcSubsystemSnapshot): void {
    const own = this.ownBus;
    if (own && s.bus) {
      own.ram.restore(s.bus.ram as Parameters<RamMemory['restore']>[0]);
      own.irq.restore(s.bus.irq as Parameters<IrqController['restore']>[0]);
      own.pci.restore(s.bus.pci as Parameters<PciBus['restore']>[0]);
      own.platform.restore(s.bus.platform as Parameters<MachinePlatform['restore']>[0]);
    }
    this.spec.restore(s.spec as Parameters<SpecCarrier['restore']>[0]);
    this.signals.restore(s.signals as Parameters<TdcSignalSource['restore']>[0]);
    this.faults.restore(s.faults as Parameters<FaultInjector['restore']>[0]);
    this.driver.restore(s.driver as Parameters<TdcDriver['restore']>[0]);
    s.telemetry.forEach((t, i) => {
      this.telemetry[i].restore(t);
    });
    this.events = cloneState(s.events);
  }
}

function faultEntry(r: FaultRecord): TdcLogEntry {
  return {
    atNs: r.firedAtNs ?? r.armedAtNs,
    source: 'fault',
    kind: r.kind,
    armedAtNs: r.armedAtNs,
    fired: r.firedAtNs !== null,
    effect: r.effect ?? 'armed, not fired yet',
  };
}

/**
 * Builds the TDC subsystem. With a pciBus (and the platform that owns it) the SPEC joins that bus
 * (e.g. the serial rack's); otherwise it gets a bus, RAM and platform of its own. The guest
 * driver probes from a scheduler event at the current time.
 */
export function createTdcSubsystem(
  sched: Scheduler,
  rng: Rng,
  trace: TraceRing,
  pciBus?: PciBus,
  platform?: Platform,
  options: TdcSubsystemOptions = {},
): TdcSubsystem {
  if ((pciBus === undefined) !== (platform === undefined))
    throw new Error('createTdcSubsystem: give both the PCI bus and its platform, or neither');
  let own: OwnBus | null = null;
  let pci: PciBus;
  let plat: Platform;
  if (pciBus && platform) {
    pci = pciBus;
    plat = platform;
  } else {
    const rig = createPlatformRig(sched, {
      ramBytes: options.ramBytes ?? 2 * 1024 * 1024,
      trace,
      platform: { name: `${TDC_DEVICE}.platform.irq` },
    });
    own = { pci: rig.pci, platform: rig.platform, ram: rig.ram, irq: rig.irq };
    pci = rig.pci;
    plat = rig.platform;
  }
  const spec = new SpecCarrier(sched, plat.ram, rng.fork(), { name: TDC_DEVICE, trace });
  const occupied = new Set(pci.occupiedSlots());
  let slot = PREFERRED_SLOT;
  while (occupied.has(slot)) slot = (slot + 1) % 32;
  pci.plug(slot, spec);
  if (own) pci.assignResources();
  else assignHotplugged(pci, slot);
  const signals = new TdcSignalSource(sched, `${TDC_DEVICE}.signals`, rng.fork(), spec.tdc);
  const faults = new FaultInjector(sched, spec);
  const telemetry = Array.from({ length: CHANNELS }, () => new ChannelTelemetry());
  let sub: TdcSubsystem | undefined;
  const driver = new TdcDriver(plat, sched, {
    ...options.driver,
    pciDevice: slot,
    onTimestamps: (ch, s, ps, n) => telemetry[ch].add(sched.nowNs, s, ps, n),
    onLog: (atNs, ch, text) => sub?.logDriverEvent(atNs, ch, text),
  });
  sub = new TdcSubsystem(sched, spec, signals, faults, driver, plat, own, telemetry);
  for (const channel of options.enabledChannels ?? [1, 2, 3, 4, 5])
    driver.setChannel(channel - 1, { enabled: true, termination: true });
  driver.start();
  return sub;
}
