// The SPEC on H4's PCI bus: identity and BARs through config space, bus mastering through the
// command register, INTA through the platform's interrupt delivery (tdc.md §1.1, §1.2, §5(a)).
import { describe, expect, it } from 'vitest';
import { createPlatformRig } from '../src/emu/bus/platform';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { SpecCarrier } from '../src/emu/devices/spec/spec';

function plugged() {
  const sched = new Scheduler();
  const rig = createPlatformRig(sched, { ramBytes: 4 * 1024 * 1024 });
  const spec = new SpecCarrier(sched, rig.ram, new Rng(1));
  rig.pci.plug(4, spec);
  rig.pci.assignResources();
  const p = rig.platform;
  const bar = (n: number) => (p.configRead(0, 4, 0, 0x10 + 4 * n, 4) & ~0xf) >>> 0;
  return { sched, rig, spec, p, bar };
}

describe('SPEC on the PCI bus', () => {
  it('shows the CERN IDs and class in config space and decodes BAR0/BAR4 at the assigned addresses', () => {
    const { p, bar } = plugged();
    expect(p.configRead(0, 4, 0, 0x00, 4)).toBe(0x018d10dc);
    expect(p.configRead(0, 4, 0, 0x08, 4) >>> 8).toBe(0x118000);
    expect(bar(0)).not.toBe(0);
    expect(bar(4)).not.toBe(0);
    expect(p.mmioRead(bar(0) + 0x04, 4)).toBe(0x53504543);
    expect(p.mmioRead(bar(4) + 0xb04, 4) & 8).toBe(8);
    expect(p.mmioRead(bar(0) + 0x20000, 4)).toBe(0x5344422d);
  });

  it('errors DMA until the guest sets the bus-master bit, then moves data', () => {
    const { sched, p, bar } = plugged();
    const b0 = bar(0);
    const host = p.ram.alloc(4096);
    const cmd = p.configRead(0, 4, 0, 0x04, 2);
    p.configWrite(0, 4, 0, 0x04, cmd & ~0x4, 2);
    p.mmioWrite(b0 + 0xcc, host, 4);
    p.mmioWrite(b0 + 0xd4, 64, 4);
    p.mmioWrite(b0 + 0xc0, 1, 4);
    sched.runFor(10_000);
    expect(p.mmioRead(b0 + 0xc4, 4)).toBe(0x6);
    p.configWrite(0, 4, 0, 0x04, cmd | 0x6, 2);
    p.mmioWrite(b0 + 0xc4, 4, 4);
    p.mmioWrite(b0 + 0xc0, 1, 4);
    sched.runFor(10_000);
    expect(p.mmioRead(b0 + 0xc4, 4)).toBe(0x4);
  });

  it('delivers INTA to a registered handler from a GN4124 software interrupt', () => {
    const { sched, p, bar } = plugged();
    const line = p.configRead(0, 4, 0, 0x3c, 1);
    let calls = 0;
    const b4 = bar(4);
    p.requestIrq(line, () => {
      calls++;
      p.mmioWrite(b4 + 0x814, 0, 4);
    });
    p.mmioWrite(b4 + 0x820, 0x8, 4);
    p.mmioWrite(b4 + 0x814, 0x8, 4);
    sched.runFor(100_000);
    expect(calls).toBe(1);
  });
});
