// MachinePlatform: the guest's only door to hardware (bus/types.ts Platform). Binds a PciBus,
// an IrqController and RAM to the scheduler.
//
// Interrupt delivery is level-triggered and never re-entrant: when an interrupt number becomes
// asserted, an event at the current virtual time (priority IRQ_PRIORITY, so it runs after the
// event that raised it — "after the current instruction") calls every handler registered for
// it. If the level is still asserted after the handlers and it changed during the pass (a
// source was cleared while another is pending), the event runs them again, up to
// MAX_PASSES_PER_EVENT times; otherwise (or then) the next delivery is scheduled retriggerNs
// later (the time the CPU needs to leave and re-enter the ISR). After STORM_PASSES
// consecutive passes without the level dropping, a 'guest-error' "irq storm" goes to the trace
// once per storm and re-delivery slows to stormBackoffNs, so virtual time keeps moving.
//
// Interface:
//   new MachinePlatform(sched, pci, irq, ram, trace?, options?)
//   Platform methods; pendingDeliveries(); snapshot()/restore() (handlers are guest closures and
//   are not part of the snapshot: the guest registers them again before restore).

import type { EventId, Scheduler } from '../core/scheduler';
import { check } from '../core/snapshot';
import type { TraceRing } from '../core/trace';
import { IrqController, type IrqSink } from './irq-controller';
import { IrqTable } from './irq-table';
import { type MmioRegion, PciBus } from './pci';
import { RamMemory } from './phys-memory';
import type { AccessWidth, PhysMemory, Platform } from './types';

export const IRQ_PRIORITY = 10;
const MAX_PASSES_PER_EVENT = 4;
const STORM_PASSES = 100_000;

export interface PlatformOptions {
  /**
   * Scheduler owner name of the interrupt-delivery events (default "platform.irq"). Each
   * platform on one scheduler needs its own (the serial rack and the TDC each have one).
   */
  name?: string;
  /** Delay between ISR passes while a level stays asserted (default 2 µs). */
  retriggerNs?: number;
  /** Delay between passes once a storm is reported (default 100 µs). */
  stormBackoffNs?: number;
}

export interface PlatformSnapshot {
  v: 1;
  /** Scheduled deliveries: irq → event id in the scheduler snapshot. */
  pending: Record<string, number>;
  /** Consecutive passes without the level dropping, per irq. */
  passes: Record<string, number>;
}

/** One interrupt number's delivery state. */
class IrqDelivery {
  /** Registered handlers (replaced, never changed in place: a pass may be running one). */
  handlers: (() => void)[] = [];
  /** The scheduled delivery event, 0 = none. */
  pending: EventId = 0;
  /** Consecutive passes without the level dropping (0 = none counted). */
  passes = 0;
  constructor(readonly irq: number) {}
}

export class MachinePlatform implements Platform, IrqSink {
  /** Delivery state per interrupt number (one lookup, not three). Made on first use, never removed. */
  private readonly deliveries = new IrqTable<IrqDelivery>();
  private readonly owner: number;
  private readonly retriggerNs: number;
  /** Count of level changes on any interrupt number (tells a pass that made progress). */
  private changes = 0;
  private readonly stormBackoffNs: number;

  constructor(
    private readonly sched: Scheduler,
    readonly pci: PciBus,
    readonly irq: IrqController,
    readonly ram: PhysMemory & Partial<Pick<RamMemory, 'snapshot' | 'restore'>>,
    private readonly trace?: TraceRing,
    options: PlatformOptions = {},
  ) {
    this.retriggerNs = options.retriggerNs ?? 2_000;
    this.stormBackoffNs = options.stormBackoffNs ?? 100_000;
    this.owner = sched.register(options.name ?? 'platform.irq', (_kind, irqNumber) =>
      this.deliver(irqNumber),
    );
    irq.addSink(this);
  }

  /** The delivery state of an interrupt number, made on first use. */
  private stateOf(irq: number): IrqDelivery {
    let st = this.deliveries.get(irq);
    if (st === undefined) {
      st = new IrqDelivery(irq);
      this.deliveries.set(irq, st);
    }
    return st;
  }

  /** Every delivery state made so far, by ascending interrupt number. */
  private states(): IrqDelivery[] {
    return this.deliveries.entries().map(([, st]) => st);
  }

  /** An interrupt number's level changed (IrqSink). */
  irqChanged(n: number, level: boolean): void {
    this.changes++;
    const st = this.stateOf(n);
    if (level) this.schedule(st, 0);
    else st.passes = 0;
  }

  nowNs(): number {
    return this.sched.nowNs;
  }

  configRead(bus: number, device: number, fn: number, offset: number, width: AccessWidth): number {
    return this.pci.configRead(bus, device, fn, offset, width);
  }

  configWrite(
    bus: number,
    device: number,
    fn: number,
    offset: number,
    value: number,
    width: AccessWidth,
  ): void {
    this.pci.configWrite(bus, device, fn, offset, value, width);
  }

  mmioRead(addr: number, width: AccessWidth): number {
    return this.pci.mmioRead(addr, width);
  }

  mmioWrite(addr: number, value: number, width: AccessWidth): void {
    this.pci.mmioWrite(addr, value, width);
  }

  ioremap(base: number, size: number): MmioRegion {
    return this.pci.mapMem(base, size);
  }

  ioRead(port: number, width: AccessWidth): number {
    return this.pci.ioRead(port, width);
  }

  ioWrite(port: number, value: number, width: AccessWidth): void {
    this.pci.ioWrite(port, value, width);
  }

  // Handler lists are replaced, never changed in place, so a pass can run one while a handler
  // frees or requests an interrupt.
  requestIrq(irq: number, handler: () => void): void {
    const st = this.stateOf(irq);
    st.handlers = [...st.handlers, handler];
    if (this.irq.isAsserted(irq)) this.schedule(st, 0);
  }

  freeIrq(irq: number, handler: () => void): void {
    // get, not stateOf: freeing a handler that was never requested makes no state.
    const st = this.deliveries.get(irq);
    if (st === undefined) return;
    const i = st.handlers.indexOf(handler);
    if (i >= 0) st.handlers = st.handlers.filter((_, k) => k !== i);
  }

  /** Interrupt numbers with a delivery event scheduled, ascending. */
  pendingDeliveries(): number[] {
    return this.states()
      .filter((st) => st.pending !== 0)
      .map((st) => st.irq);
  }

  private schedule(st: IrqDelivery, delayNs: number): void {
    if (st.pending !== 0 || st.handlers.length === 0) return;
    st.pending = this.sched.after(delayNs, this.owner, 0, st.irq, IRQ_PRIORITY);
  }

  private deliver(irq: number): void {
    const st = this.stateOf(irq);
    st.pending = 0;
    for (let pass = 0; pass < MAX_PASSES_PER_EVENT; pass++) {
      if (!this.irq.isAsserted(irq)) {
        st.passes = 0;
        return;
      }
      const list = st.handlers;
      if (list.length === 0) return; // nobody listens; a later requestIrq delivers
      const changesBefore = this.changes;
      for (let i = 0; i < list.length; i++) list[i]();
      const n = st.passes + 1;
      st.passes = n;
      if (n === STORM_PASSES)
        this.trace?.record(
          'guest-error',
          'platform',
          'irq',
          irq,
          0,
          n,
          `irq storm: irq ${irq} stays asserted`,
        );
      if (this.changes === changesBefore) break; // no progress: the CPU leaves and re-enters later
    }
    if (this.irq.isAsserted(irq)) {
      const storm = st.passes >= STORM_PASSES;
      this.schedule(st, storm ? this.stormBackoffNs : this.retriggerNs);
    } else st.passes = 0;
  }

  snapshot(): PlatformSnapshot {
    const pending: Record<string, number> = {};
    const passes: Record<string, number> = {};
    for (const st of this.states()) {
      if (st.pending !== 0) pending[String(st.irq)] = st.pending;
      if (st.passes !== 0) passes[String(st.irq)] = st.passes;
    }
    return { v: 1, pending, passes };
  }

  /** Restore after the scheduler (event ids refer to its restored queue). */
  restore(s: PlatformSnapshot): void {
    check(s?.v === 1 && typeof s.pending === 'object' && typeof s.passes === 'object', 'platform: version');
    for (const [k, id] of Object.entries(s.pending))
      check(Number.isInteger(Number(k)) && Number.isInteger(id), 'platform: pending');
    for (const st of this.states()) {
      st.pending = 0;
      st.passes = 0;
    }
    for (const [k, id] of Object.entries(s.pending)) this.stateOf(Number(k)).pending = id;
    for (const [k, n] of Object.entries(s.passes)) this.stateOf(Number(k)).passes = n;
  }
}

/** The usual wiring in one call, for the machine and for tests. */
export interface PlatformRig {
  sched: Scheduler;
  irq: IrqController;
  pci: PciBus;
  ram: RamMemory;
  platform: MachinePlatform;
}

/** Scheduler + interrupt controller + PCI bus 0 + RAM + platform, wired. */
export function createPlatformRig(
  sched: Scheduler,
  options: { ramBytes?: number; trace?: TraceRing; platform?: PlatformOptions } = {},
): PlatformRig {
  const irq = new IrqController();
  const pci = new PciBus(irq, options.trace);
  const ram = new RamMemory(options.ramBytes ?? 16 * 1024 * 1024);
  const platform = new MachinePlatform(sched, pci, irq, ram, options.trace, options.platform);
  return { sched, irq, pci, ram, platform };
}
