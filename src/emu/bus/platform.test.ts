import { describe, expect, it } from 'vitest';
import { Scheduler } from '../core/scheduler';
import { TraceRing } from '../core/trace';
import { createPlatformRig } from './platform';
import type { IrqLine, PciFunction } from './types';

function deviceWithLine(): { fn: PciFunction; line: () => IrqLine } {
  let line: IrqLine | undefined;
  const fn: PciFunction = {
    name: 'dev',
    identity: {
      vendorId: 1,
      deviceId: 2,
      subsystemVendorId: 0,
      subsystemId: 0,
      classCode: 0,
      revision: 0,
      interruptPin: 1,
    },
    bars: [undefined, undefined, undefined, undefined, undefined, undefined],
    connectIrq: (l) => {
      line = l;
    },
    reset: () => {},
  };
  return { fn, line: () => line as IrqLine };
}

describe('MachinePlatform interrupts', () => {
  it('runs handlers from an event after the raising access, not inside it', () => {
    const sched = new Scheduler();
    const rig = createPlatformRig(sched);
    const dev = deviceWithLine();
    rig.pci.plug(2, dev.fn);
    const irq = rig.pci.irqOf(2);
    const seen: number[] = [];
    rig.platform.requestIrq(irq, () => {
      seen.push(sched.nowNs);
      dev.line().set(false);
    });
    sched.after(
      500,
      sched.register('t', () => dev.line().set(true)),
    );
    sched.runUntil(400);
    expect(seen).toEqual([]);
    dev.line().set(true);
    expect(seen).toEqual([]);
    sched.runUntil(450);
    expect(seen).toEqual([400]);
    sched.runUntil(1000);
    expect(seen).toEqual([400, 500]);
  });

  it('re-delivers while the level stays asserted and stops when it drops', () => {
    const sched = new Scheduler();
    const rig = createPlatformRig(sched, { platform: { retriggerNs: 1000 } });
    const dev = deviceWithLine();
    rig.pci.plug(0, dev.fn);
    let calls = 0;
    rig.platform.requestIrq(rig.pci.irqOf(0), () => {
      calls++;
      if (calls === 10) dev.line().set(false);
    });
    dev.line().set(true);
    sched.runUntil(1_000_000);
    expect(calls).toBe(10);
    expect(rig.platform.pendingDeliveries()).toEqual([]);
  });

  it('reports an irq storm once and keeps virtual time moving', () => {
    const sched = new Scheduler();
    const trace = new TraceRing(64);
    const rig = createPlatformRig(sched, { trace, platform: { retriggerNs: 1, stormBackoffNs: 1_000_000 } });
    const dev = deviceWithLine();
    rig.pci.plug(0, dev.fn);
    let calls = 0;
    rig.platform.requestIrq(rig.pci.irqOf(0), () => {
      calls++;
    });
    dev.line().set(true);
    sched.runUntil(100_000_000);
    const storms = trace.since(0).filter((r) => r.kind === 'guest-error' && /irq storm/.test(r.text));
    expect(storms).toHaveLength(1);
    expect(calls).toBeGreaterThanOrEqual(100_000);
    expect(calls).toBeLessThan(100_000 + 500);
  });

  it('calls every handler on a shared line and delivers to a late requester', () => {
    const sched = new Scheduler();
    const rig = createPlatformRig(sched);
    const a = deviceWithLine();
    const b = deviceWithLine();
    rig.pci.plug(1, a.fn);
    rig.pci.plug(5, { ...b.fn, name: 'dev5' });
    expect(rig.pci.irqOf(1)).toBe(rig.pci.irqOf(5));
    const log: string[] = [];
    b.line().set(true);
    sched.runUntil(10);
    const h1 = () => log.push('h1');
    rig.platform.requestIrq(rig.pci.irqOf(1), h1);
    rig.platform.requestIrq(rig.pci.irqOf(1), () => {
      log.push('h2');
      b.line().set(false);
    });
    sched.runUntil(20);
    expect(log).toEqual(['h1', 'h2']);
    rig.platform.freeIrq(rig.pci.irqOf(1), h1);
    b.line().set(true);
    sched.runUntil(30);
    expect(log).toEqual(['h1', 'h2', 'h2']);
  });
});

describe('RamMemory', () => {
  it('reads back little-endian words and allocates aligned zeroed buffers', () => {
    const rig = createPlatformRig(new Scheduler(), { ramBytes: 1 << 21 });
    rig.ram.write32(0x100, 0x1122_3344);
    expect(rig.ram.read8(0x100)).toBe(0x44);
    expect(rig.ram.read16(0x102)).toBe(0x1122);
    const a = rig.ram.alloc(100, 4096);
    const b = rig.ram.alloc(10, 256);
    expect(a % 4096).toBe(0);
    expect(b % 256).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 100);
    expect(() => rig.ram.read32(rig.ram.size - 2)).toThrow(RangeError);
    expect(() => rig.ram.alloc(1 << 22)).toThrow(/out of memory/);
  });

  it('snapshot round-trips contents and the allocator, and rejects bad data unchanged', () => {
    const rig = createPlatformRig(new Scheduler(), { ramBytes: 1 << 21 });
    rig.ram.writeBytes(0x2000, new Uint8Array([1, 2, 3]));
    const p = rig.ram.alloc(64);
    const snap = JSON.parse(JSON.stringify(rig.ram.snapshot()));
    rig.ram.write8(0x2000, 9);
    expect(() => rig.ram.restore({ ...snap, size: 5 })).toThrow();
    expect(rig.ram.read8(0x2000)).toBe(9);
    rig.ram.restore(snap);
    expect([...rig.ram.readBytes(0x2000, 3)]).toEqual([1, 2, 3]);
    expect(rig.ram.alloc(64)).toBe(p + 64);
  });
});
