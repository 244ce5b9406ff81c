import { describe, expect, it } from 'vitest';
import { makeRig } from '../../../../test/tdc-rig';

describe('SPEC carrier as a PCI function (§1.1, §1.2, §5(a))', () => {
  it('has the CERN identity and the BAR layout of the stand-ins', () => {
    const { spec } = makeRig();
    expect(spec.identity).toMatchObject({
      vendorId: 0x10dc,
      deviceId: 0x018d,
      classCode: 0x118000,
      interruptPin: 1,
    });
    expect(spec.bars.map((b) => b?.size)).toEqual([
      0x100000,
      undefined,
      0x100000,
      undefined,
      0x1000,
      undefined,
    ]);
  });

  it('answers the detection conversation of §5(a)', () => {
    const { r0, r4 } = makeRig();
    expect(r4(0xb04) & 8).toBe(8);
    expect([r0(0x00), r0(0x04), r0(0x0c)]).toEqual([0x10dc, 0x53504543, 0xfffe0000]);
    expect(r0(0x08) >>> 16).toBe(0x0300);
    expect(r0(0x20)).toBe(0x39);
    expect(r0(0x50) & 1).toBe(1);
    expect([r0(0x40), r0(0x2000), r0(0x2004)]).toEqual([0x2000, 0x10dc, 0x574e0001]);
    expect(r0(0x48) & 1).toBe(1);
    expect(r0(0x20000)).toBe(0x5344422d);
    expect(r0(0x220ac)).toBe(1);
    expect(r0(0x2208c)).toBe(0xc000ffee);
  });

  it('reads the build-info ROM as NUL-terminated ASCII', () => {
    const { r0 } = makeRig();
    let text = '';
    for (let o = 0x200; o < 0x300; o += 4) {
      const w = r0(o);
      for (let i = 0; i < 4; i++) text += String.fromCharCode((w >>> (8 * i)) & 0xff);
    }
    expect(text.split('\0')[0]).toMatch(/^Built for spec-fmc-tdc/);
  });

  it('reads all-ones from BAR2, unmapped BAR0 and non-32-bit accesses, tracing the last two', () => {
    const { spec, r0, trace } = makeRig();
    expect(spec.bars[2]!.handler.read(0x10, 4)).toBe(0xffffffff);
    expect(r0(0x3000)).toBe(0xffffffff);
    expect(spec.bars[0]!.handler.read(0x20000, 2)).toBe(0xffff);
    spec.bars[4]!.handler.write(0x816, 1, 2);
    const kinds = trace.since(0).map((t) => t.kind);
    expect(kinds).toEqual(['unimp', 'guest-error', 'guest-error']);
  });

  it('resets the TDC on an application reset pulse (CSR 0x44 bit 1)', () => {
    const { r0, w0 } = makeRig();
    w0(0x22080, 99);
    w0(0x44, 2);
    w0(0x44, 0);
    expect(r0(0x22080)).toBe(0);
  });

  it('names registers for the trace', () => {
    const { spec } = makeRig();
    expect(spec.describe(0, 0xc4, 'write', 4)).toBe('DMA STAT STATE=0 IRQ');
    expect(spec.describe(0, 0x26000, 'write', 0x208015)).toContain('TDC BUF1 CSR ENABLE');
    expect(spec.describe(0, 0x2506c, 'read', 0)).toBe('TDC TS1 0x6c');
    expect(spec.describe(4, 0x814, 'read', 0x8000)).toBe('GN4124 INT_STAT ALI=0 GPIO');
    expect(spec.describe(0, 0x184, 'write', 1)).toBe('VIC IVT1');
  });

  it('gates DMA with the bus-master bit of the PCI command register (D6)', () => {
    const { spec, w0, r0, sched } = makeRig({}, 1, false);
    w0(0xcc, 0x2000);
    w0(0xd4, 16);
    w0(0xc0, 1);
    sched.runFor(10_000);
    expect(r0(0xc4)).toBe(0x6);
    spec.onCommand(0x6);
    w0(0xc4, 4);
    w0(0xc0, 1);
    sched.runFor(10_000);
    expect(r0(0xc4)).toBe(0x4);
  });

  it('clears the VIC, DMA, TDC and INTA on a PCI reset', () => {
    const rig = makeRig();
    rig.w4(0x820, 0x000c);
    rig.w4(0x814, 0x8);
    rig.w0(0x100, 0x7d7);
    rig.w0(0x22084, 0x10081);
    rig.w0(0xd4, 64);
    rig.w0(0xc0, 1);
    expect(rig.intx()).toBe(true);
    rig.spec.reset();
    expect([rig.r0(0x100), rig.r0(0xc4), rig.r0(0xd4), rig.r0(0x22084), rig.r4(0x820)]).toEqual([
      0, 0, 0, 0, 0,
    ]);
    expect(rig.intx()).toBe(false);
    rig.sched.runFor(1_000_000);
    expect(rig.r0(0xc4)).toBe(0);
  });
});
