import { describe, expect, it } from 'vitest';
import { TraceRing } from '../core/trace';
import { IrqController } from './irq-controller';
import { PCI_IO_WINDOW_BASE, PCI_MEM_WINDOW_BASE, PciBus } from './pci';
import type { AccessWidth, IrqLine, PciBarDef, PciFunction } from './types';

class FakeFunction implements PciFunction {
  readonly name = 'fake';
  readonly identity = {
    vendorId: 0x1498,
    deviceId: 0x30c8,
    subsystemVendorId: 0x1498,
    subsystemId: 0x300a,
    classCode: 0x068000,
    revision: 0x02,
    interruptPin: 1,
  };
  readonly log: string[] = [];
  line?: IrqLine;
  commands: number[] = [];
  readonly bars: (PciBarDef | undefined)[];
  constructor() {
    const handler = (bar: number) => ({
      read: (offset: number, width: AccessWidth) => {
        this.log.push(`r${bar}:${offset}:${width}`);
        return 0x1234_5678 & (width === 4 ? 0xffff_ffff : (1 << (8 * width)) - 1);
      },
      write: (offset: number, value: number, width: AccessWidth) => {
        this.log.push(`w${bar}:${offset}:${value}:${width}`);
      },
    });
    this.bars = [
      { kind: 'mem', size: 128, handler: handler(0) },
      { kind: 'io', size: 128, handler: handler(1) },
      { kind: 'mem', size: 0x200_0000, handler: handler(2), prefetchable: true },
      undefined,
      undefined,
      undefined,
    ];
  }
  connectIrq(line: IrqLine): void {
    this.line = line;
  }
  onCommand(command: number): void {
    this.commands.push(command);
  }
  describe(bar: number, offset: number, dir: 'read' | 'write'): string {
    return `fake BAR${bar} ${dir} ${offset}`;
  }
  reset(): void {}
}

function rig() {
  const irq = new IrqController();
  const trace = new TraceRing(256);
  const bus = new PciBus(irq, trace);
  const fn = new FakeFunction();
  bus.plug(3, fn);
  return { irq, trace, bus, fn };
}

describe('PciBus configuration space', () => {
  it('returns the identity, class, revision, subsystem and interrupt pin', () => {
    const { bus } = rig();
    expect(bus.configRead(0, 3, 0, 0x00, 4)).toBe(0x30c8_1498);
    expect(bus.configRead(0, 3, 0, 0x02, 2)).toBe(0x30c8);
    expect(bus.configRead(0, 3, 0, 0x08, 4)).toBe(0x0680_0002);
    expect(bus.configRead(0, 3, 0, 0x0b, 1)).toBe(0x06);
    expect(bus.configRead(0, 3, 0, 0x0e, 1)).toBe(0x00);
    expect(bus.configRead(0, 3, 0, 0x2c, 4)).toBe(0x300a_1498);
    expect(bus.configRead(0, 3, 0, 0x3d, 1)).toBe(1);
  });

  it('answers all ones for an empty slot, another bus or function', () => {
    const { bus } = rig();
    expect(bus.configRead(0, 4, 0, 0, 4)).toBe(0xffff_ffff);
    expect(bus.configRead(1, 3, 0, 0, 2)).toBe(0xffff);
    expect(bus.configRead(0, 3, 1, 0, 1)).toBe(0xff);
  });

  it('sizes BARs by writing all ones and reports type flags', () => {
    const { bus } = rig();
    bus.configWrite(0, 3, 0, 0x10, 0xffff_ffff, 4);
    expect(bus.configRead(0, 3, 0, 0x10, 4)).toBe(0xffff_ff80);
    bus.configWrite(0, 3, 0, 0x14, 0xffff_ffff, 4);
    expect(bus.configRead(0, 3, 0, 0x14, 4)).toBe(0xffff_ff81);
    bus.configWrite(0, 3, 0, 0x18, 0xffff_ffff, 4);
    expect(bus.configRead(0, 3, 0, 0x18, 4)).toBe(0xfe00_0008);
    bus.configWrite(0, 3, 0, 0x1c, 0xffff_ffff, 4);
    expect(bus.configRead(0, 3, 0, 0x1c, 4)).toBe(0);
  });

  it('assigns naturally aligned BARs and the routed interrupt line like firmware', () => {
    const { bus } = rig();
    bus.assignResources();
    const bar0 = bus.configRead(0, 3, 0, 0x10, 4);
    const bar1 = bus.configRead(0, 3, 0, 0x14, 4);
    const bar2 = bus.configRead(0, 3, 0, 0x18, 4);
    expect((bar2 & ~0xf) >>> 0).toBe(PCI_MEM_WINDOW_BASE);
    expect(((bar0 & ~0xf) >>> 0) % 128).toBe(0);
    expect((bar0 & ~0xf) >>> 0).toBeGreaterThanOrEqual(PCI_MEM_WINDOW_BASE + 0x200_0000);
    expect(bar1).toBe(PCI_IO_WINDOW_BASE | 1);
    expect(bus.configRead(0, 3, 0, 0x3c, 1)).toBe(bus.irqOf(3));
    expect(bus.configRead(0, 3, 0, 0x04, 2) & 3).toBe(3);
  });

  it('decodes memory and IO to BAR handlers only while the command register enables them', () => {
    const { bus, fn } = rig();
    bus.assignResources({ enableDecode: false });
    const mem = bus.barAddress(3, 0);
    expect(bus.mmioRead(mem + 4, 4)).toBe(0xffff_ffff);
    expect(fn.log).toEqual([]);
    bus.configWrite(0, 3, 0, 0x04, 0x0002, 2);
    expect(fn.commands).toEqual([2]);
    expect(bus.mmioRead(mem + 4, 2)).toBe(0x5678);
    expect(bus.ioRead(PCI_IO_WINDOW_BASE + 8, 1)).toBe(0xff);
    bus.configWrite(0, 3, 0, 0x04, 0x0003, 2);
    bus.ioWrite(PCI_IO_WINDOW_BASE + 8, 0x1ab, 1);
    expect(fn.log).toEqual(['r0:4:2', 'w1:8:171:1']);
  });

  it('routes INTx to the controller, reflects it in STATUS and honours INTX_DISABLE', () => {
    const { bus, fn, irq } = rig();
    const n = bus.irqOf(3);
    fn.line?.set(true);
    expect(irq.isAsserted(n)).toBe(true);
    expect(bus.configRead(0, 3, 0, 0x06, 2) & 8).toBe(8);
    bus.configWrite(0, 3, 0, 0x04, 0x0400, 2);
    expect(irq.isAsserted(n)).toBe(false);
    bus.configWrite(0, 3, 0, 0x04, 0x0000, 2);
    expect(irq.isAsserted(n)).toBe(true);
    fn.line?.set(false);
    expect(irq.isAsserted(n)).toBe(false);
  });

  it('traces config and BAR accesses with decoded names', () => {
    const { bus, trace } = rig();
    bus.assignResources();
    bus.configRead(0, 3, 0, 0x04, 2);
    bus.mmioWrite(bus.barAddress(3, 2) + 0x10, 7, 2);
    const recs = trace.since(0);
    expect(recs[0]).toMatchObject({ kind: 'cfg-read', device: 'fake', space: 'cfg', offset: 4 });
    expect(recs[0].text).toMatch(/^COMMAND IO MEM/);
    expect(recs[1]).toMatchObject({
      kind: 'write',
      space: 'BAR2',
      offset: 0x10,
      value: 7,
      text: 'fake BAR2 write 16',
    });
  });

  it('snapshot and restore bring back BARs, command and interrupt line', () => {
    const a = rig();
    a.bus.assignResources();
    a.bus.configWrite(0, 3, 0, 0x3c, 0x0b, 1);
    const snap = JSON.parse(JSON.stringify(a.bus.snapshot()));
    const b = rig();
    b.bus.restore(snap);
    for (const off of [0x04, 0x10, 0x14, 0x18, 0x3c]) {
      expect(b.bus.configRead(0, 3, 0, off, 4)).toBe(a.bus.configRead(0, 3, 0, off, 4));
    }
    expect(() => b.bus.restore({ v: 1, slots: { 9: snap.slots[3] } })).toThrow(/no function/);
  });

  it('decodes at the new address of a BAR as soon as the guest moves it, and no longer at the old one', () => {
    const { bus, fn } = rig();
    bus.assignResources();
    const old = bus.barAddress(3, 0);
    expect(bus.mmioRead(old + 4, 4)).toBe(0x1234_5678); // the window is now the last one hit
    const moved = 0xf000_0000;
    bus.configWrite(0, 3, 0, 0x10, moved, 4);
    fn.log.length = 0;
    expect(bus.mmioRead(old + 4, 4)).toBe(0xffff_ffff);
    expect(bus.mmioRead(moved + 4, 4)).toBe(0x1234_5678);
    bus.configWrite(0, 3, 0, 0x04, 0, 2); // decode off
    expect(bus.mmioRead(moved + 4, 4)).toBe(0xffff_ffff);
    expect(fn.log).toEqual(['r0:4:4']);
  });

  it('gives an address inside two overlapping BARs to the first one, whichever was hit last', () => {
    const { bus, fn } = rig();
    bus.assignResources();
    const bar2 = bus.barAddress(3, 2);
    expect(bus.mmioRead(bar2 + 0x40, 4)).toBe(0x1234_5678);
    bus.configWrite(0, 3, 0, 0x10, bar2, 4); // BAR0 now overlaps the start of BAR2
    fn.log.length = 0;
    bus.mmioRead(bar2 + 0x40, 4);
    bus.mmioRead(bar2 + 0x1000, 4);
    bus.mmioRead(bar2 + 0x40, 4);
    expect(fn.log).toEqual(['r0:64:4', 'r2:4096:4', 'r0:64:4']);
  });
});

describe('PciBus mappings (Platform.ioremap)', () => {
  /** The handler calls and trace records of a run of accesses, made through f. */
  function observe(f: (bus: PciBus, mem: number) => void, traceOn: boolean) {
    const { bus, fn, trace } = rig();
    trace.enabled = traceOn;
    bus.assignResources();
    f(bus, bus.barAddress(3, 0));
    const recs = trace
      .since(0)
      .map((r) => `${r.kind} ${r.space} ${r.offset} ${r.width} ${r.value} ${r.text}`);
    return { log: fn.log, recs };
  }

  // Inside BAR0, past its end (unclaimed), after decode is disabled and enabled again, after the
  // BAR moved: a mapping must make exactly the accesses mmioRead/mmioWrite at base + offset make.
  const script =
    (read: (o: number, w: 1 | 2 | 4) => number, write: (o: number, v: number, w: 1 | 2 | 4) => void) =>
    (bus: PciBus, mem: number) => {
      const out: number[] = [];
      out.push(read(4, 4), read(0x7f, 1), read(0x80, 2));
      write(8, 0x1_2345, 2);
      write(0x90, 7, 1);
      bus.configWrite(0, 3, 0, 0x04, 0x0001, 2); // memory decode off
      out.push(read(4, 1));
      bus.configWrite(0, 3, 0, 0x04, 0x0003, 2);
      out.push(read(6, 2));
      bus.configWrite(0, 3, 0, 0x10, mem + 0x1000, 4); // BAR0 moves away from the mapping
      out.push(read(4, 4));
      write(12, 0xff, 1);
      bus.configWrite(0, 3, 0, 0x10, mem, 4);
      out.push(read(4, 4));
      write(-4, 3, 4);
      expect(out.length).toBe(7);
      (bus as unknown as { out: number[] }).out = out;
    };

  for (const traceOn of [false, true]) {
    it(`makes the same accesses as mmioRead/mmioWrite at base + offset (trace ${traceOn ? 'on' : 'off'})`, () => {
      let viaMap: number[] = [];
      let viaBus: number[] = [];
      const a = observe((bus, mem) => {
        const m = bus.mapMem(mem, 0x80); // BAR0, 128 bytes
        script(
          (o, w) => m.read(o, w),
          (o, v, w) => m.write(o, v, w),
        )(bus, mem);
        viaMap = (bus as unknown as { out: number[] }).out;
      }, traceOn);
      const b = observe((bus, mem) => {
        script(
          (o, w) => bus.mmioRead(mem + o, w),
          (o, v, w) => bus.mmioWrite(mem + o, v, w),
        )(bus, mem);
        viaBus = (bus as unknown as { out: number[] }).out;
      }, traceOn);
      expect(viaMap).toEqual(viaBus);
      expect(a.log).toEqual(b.log);
      expect(a.recs).toEqual(b.recs);
      expect(a.log.length).toBeGreaterThan(4);
      if (traceOn) expect(a.recs.length).toBeGreaterThan(4);
    });
  }
});
