// Smallest rig for the SPEC + FMC TDC models: scheduler, seeded rng, 1 MiB of guest RAM
// (RamMemory), the carrier as a PciFunction with its INTx level recorded (no PCI bus: BARs are
// called directly), signal sources, fault injector, and register helpers by BAR offset.

import { RamMemory } from '../src/emu/bus/phys-memory';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { TraceRing } from '../src/emu/core/trace';
import { FaultInjector } from '../src/emu/devices/fault-injector';
import { SpecCarrier, type SpecOptions } from '../src/emu/devices/spec/spec';
import { TdcSignalSource } from '../src/emu/devices/tdc-signal';

export interface Rig {
  sched: Scheduler;
  ram: RamMemory;
  spec: SpecCarrier;
  signals: TdcSignalSource;
  faults: FaultInjector;
  trace: TraceRing;
  intx: () => boolean;
  r0: (off: number) => number;
  w0: (off: number, v: number) => void;
  r4: (off: number) => number;
  w4: (off: number, v: number) => void;
}

export function makeRig(options: SpecOptions = {}, seed = 1, busMaster = true): Rig {
  const sched = new Scheduler();
  const rng = new Rng(seed);
  const ram = new RamMemory(1 << 20);
  const trace = new TraceRing(1024, () => sched.nowNs);
  const spec = new SpecCarrier(sched, ram, rng.fork(), { trace, ...options });
  let level = false;
  spec.connectIrq({ set: (l) => (level = l) });
  spec.onCommand(busMaster ? 0x6 : 0x2);
  const signals = new TdcSignalSource(sched, 'spec0.signals', rng.fork(), spec.tdc);
  const faults = new FaultInjector(sched, spec);
  const bar0 = spec.bars[0]!.handler;
  const bar4 = spec.bars[4]!.handler;
  return {
    sched,
    ram,
    spec,
    signals,
    faults,
    trace,
    intx: () => level,
    r0: (o) => bar0.read(o, 4),
    w0: (o, v) => bar0.write(o, v, 4),
    r4: (o) => bar4.read(o, 4),
    w4: (o, v) => bar4.write(o, v, 4),
  };
}

/** §5(c) one-time setup: GPIO 8 → INTA, VIC with lines 2 and 6, DMA no swap. */
export function setupInterrupts(rig: Rig): void {
  const { w4, r4, w0 } = rig;
  w4(0xa00, r4(0xa00) & ~0x100);
  w4(0xa04, r4(0xa04) | 0x100);
  w4(0xa08, r4(0xa08) & ~0x100);
  w4(0xa24, r4(0xa24) | 0x100);
  w4(0xa28, r4(0xa28) | 0x100);
  w4(0xa18, 0x100);
  w4(0x820, 0xff00);
  w0(0x100, 0);
  w0(0x10c, 0xffffffff);
  for (let n = 0; n < 32; n++) w0(0x180 + 4 * n, n);
  w0(0x100, 0x7d7);
  w0(0x108, 0x44);
  w0(0x0c0, 0);
}

/** §5(b)/(c): time 1234 s, channel ch enabled with buffers A/B as the driver lays them out. */
export function setupChannel(rig: Rig, ch = 0, sizeRecords = 0x100000, timeoutMs = 10, burst = 16): void {
  const { w0, r0 } = rig;
  const buf = 0x26000 + 0x40 * ch;
  w0(0x22084, r0(0x22084) | 0x80 | (1 << ch) | (1 << (16 + ch)));
  w0(0x22084, r0(0x22084) & ~0x80);
  w0(0x22080, 1234);
  w0(0x220fc, 0x200);
  w0(0x22084, r0(0x22084) | 0x80);
  w0(0x2500c + 0x100 * ch, 0);
  w0(0x25010 + 0x100 * ch, 0);
  w0(0x25014 + 0x100 * ch, 0);
  w0(buf, 0);
  w0(buf + 0x04, ch * 0x2000000);
  w0(buf + 0x0c, 0x40000000 | sizeRecords);
  w0(buf + 0x10, ch * 0x2000000 + 0x1000000);
  w0(buf + 0x14, 0x40000000 | sizeRecords);
  w0(buf, 1 | (timeoutMs << 1) | (burst << 11));
  w0(0x23004, 1 << (5 + ch));
  w0(0x220fc, 0x1);
}
