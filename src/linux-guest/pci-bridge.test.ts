// The PCI bridge without v86: a stand-in for V86Internals records what v86 would be told, and
// the rack's own bus trace shows what the device model saw.
import { describe, expect, it } from 'vitest';
import { standaloneLab } from './lab-host';
import { LINUX_PCI_ID, LINUX_TPCI200_IRQ, TPCI200_BAR_ADDRESSES, Tpci200Bridge } from './pci-bridge';
import type { MmioBlockHandlers, V86Internals, V86PciDevice } from './v86-internals';

function rig() {
  const lab = standaloneLab();
  const calls: string[] = [];
  const devices: V86PciDevice[] = [];
  const blocks: { base: number; size: number; h: MmioBlockHandlers }[] = [];
  const fake = {
    registerPciDevice: (d: V86PciDevice) => {
      devices.push(d);
      return new Int32Array(64);
    },
    raiseIrq: (id: number) => calls.push(`raise ${id}`),
    lowerIrq: (id: number) => calls.push(`lower ${id}`),
    mmapRegister: (base: number, size: number, h: MmioBlockHandlers) => blocks.push({ base, size, h }),
  } as unknown as V86Internals;
  let syncs = 0;
  const bridge = new Tpci200Bridge(fake, lab.rack, { sync: () => syncs++ });
  // v86 hands handlers the address as a signed int32.
  const block = (addr: number) => {
    const b = blocks.find((x) => addr >= x.base && addr < x.base + x.size);
    if (!b) throw new Error(`no block at ${addr.toString(16)}`);
    return b.h;
  };
  const s32 = (addr: number) => addr | 0;
  const cpu = {
    read8: (a: number) => block(a).read8(s32(a)),
    write8: (a: number, v: number) => block(a).write8(s32(a), v),
    read32: (a: number) => block(a).read32(s32(a)) >>> 0,
    write32: (a: number, v: number) => block(a).write32(s32(a), v | 0),
    /** A 16-bit access as v86 makes it: two 8-bit calls, low byte first. */
    read16: (a: number) => block(a).read8(s32(a)) | (block(a).read8(s32(a + 1)) << 8),
    write16: (a: number, v: number) => {
      block(a).write8(s32(a), v & 0xff);
      block(a).write8(s32(a + 1), v >> 8);
    },
  };
  const traced = () => lab.trace.since(0).filter((r) => r.kind === 'read' || r.kind === 'write');
  return { lab, bridge, calls, devices, blocks, cpu, traced, syncs: () => syncs };
}

const [BAR0, , BAR2, BAR3] = TPCI200_BAR_ADDRESSES;

describe('TPCI200 bridge onto v86', () => {
  it('registers device 0x10 with the model identity, fixed BARs, COMMAND 3 and IRQ 11', () => {
    const { devices } = rig();
    expect(devices).toHaveLength(1);
    const d = devices[0];
    expect(d.pci_id).toBe(LINUX_PCI_ID);
    const word = (o: number) => d.pci_space[o] | (d.pci_space[o + 1] << 8);
    const dword = (o: number) => (word(o) | (word(o + 2) << 16)) >>> 0;
    expect([word(0), word(2), word(0x2c), word(0x2e)]).toEqual([0x1498, 0x30c8, 0x1498, 0x300a]);
    expect(word(4)).toBe(0x0003);
    expect(dword(0x10)).toBe(0xfb00_0000);
    expect(dword(0x14)).toBe(0); // BAR1 (I/O mirror) not implemented
    expect(dword(0x20)).toBe(0xf800_0000);
    expect([d.pci_space[0x3c], d.pci_space[0x3d]]).toEqual([LINUX_TPCI200_IRQ, 1]);
    expect(d.pci_bars.map((b) => b?.size)).toEqual([128, undefined, 256, 1024, 0x200_0000, 0x100_0000]);
  });

  it('maps the memory BARs in 128 KiB blocks (BAR4, BAR5 and the block of BAR0/2/3 are contiguous)', () => {
    const { blocks } = rig();
    expect(blocks.map((b) => [b.base >>> 0, b.size])).toEqual([
      [0xf800_0000, 0x200_0000 + 0x100_0000 + 0x2_0000],
    ]);
  });

  it('puts a 16-bit carrier register access back together (one 16-bit bus cycle each way)', () => {
    const { cpu, traced } = rig();
    cpu.write16(BAR2 + 0x02, 0x00c0); // IP A CONTROL: INT0_EN | INT1_EN
    expect(cpu.read16(BAR2 + 0x02)).toBe(0x00c0);
    expect(traced().map((r) => [r.kind, r.space, r.offset, r.width, r.value])).toEqual([
      ['write', 'BAR2', 2, 2, 0xc0],
      ['read', 'BAR2', 2, 2, 0xc0],
    ]);
  });

  it('makes one interrupt-acknowledge cycle of a 16-bit INT space read', () => {
    const { cpu, traced } = rig();
    cpu.write32(BAR0 + 0x2c, 0x1541_20a2); // LAS1 big-endian, as Linux sets it
    cpu.write8(0xfa00_0001, 0x42); // IP-Octal vector register through MEM8
    expect(cpu.read16(BAR3 + 0xc0)).toBe(0x4200); // vector on D7–D0, swapped by the big-endian LAS
    const acks = traced().filter((r) => r.space === 'BAR3');
    expect(acks.map((r) => [r.offset, r.width])).toEqual([[0xc0, 2]]);
  });

  it('passes SCC register accesses byte by byte and syncs the clock before each', () => {
    const { cpu, traced, syncs } = rig();
    cpu.write32(BAR0 + 0x2c, 0x1541_20a2);
    const before = syncs();
    cpu.read8(BAR3 + 0x03); // SRA
    expect(syncs()).toBe(before + 1);
    expect(traced().at(-1)).toMatchObject({ kind: 'read', space: 'BAR3', offset: 3, width: 1 });
  });

  it('defers a rising INTA# caused inside a guest access to a microtask; falling edges go at once', async () => {
    const { cpu, calls } = rig();
    cpu.write32(BAR0 + 0x4c, 0x41 | 0x80); // INTCSR software interrupt: INTA# rises in the access
    expect(calls).toEqual([]);
    await Promise.resolve();
    expect(calls).toEqual([`raise ${LINUX_PCI_ID}`]);
    cpu.write32(BAR0 + 0x4c, 0x41);
    expect(calls).toEqual([`raise ${LINUX_PCI_ID}`, `lower ${LINUX_PCI_ID}`]);
  });

  it('drops a deferred rising edge whose level fell before the microtask ran', async () => {
    const { cpu, calls } = rig();
    cpu.write32(BAR0 + 0x4c, 0x41 | 0x80);
    cpu.write32(BAR0 + 0x4c, 0x41);
    await Promise.resolve();
    expect(calls).toEqual([]);
  });
});
