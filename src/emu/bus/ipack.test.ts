import { describe, expect, it } from 'vitest';
import { buildIdProm, IpackBus, type IpackModule, type IpackSlotPort, ipackIdCrc } from './ipack';

describe('IndustryPack ID PROM', () => {
  const prom = (model: number) => [0x49, 0x50, 0x41, 0x43, 0xf0, model, 0xa1, 0x00, 0x00, 0x00, 0x0c, 0x00];

  it('computes the format-1 CRC of the IP-Octal PROMs: 0xCC (232), 0x61 (422), 0x98 (485)', () => {
    expect(ipackIdCrc(prom(0x22))).toBe(0xcc);
    expect(ipackIdCrc(prom(0x2a))).toBe(0x61);
    expect(ipackIdCrc(prom(0x48))).toBe(0x98);
  });

  it('treats byte 11 as zero whatever it holds', () => {
    const p = prom(0x22);
    p[11] = 0x5a;
    expect(ipackIdCrc(p)).toBe(0xcc);
  });

  it('builds a 12-byte "IPAC" PROM with length 0x0C and its CRC in byte 11', () => {
    const p = buildIdProm({ manufacturer: 0xf0, model: 0x22, revision: 0xa1 });
    expect([...p]).toEqual([0x49, 0x50, 0x41, 0x43, 0xf0, 0x22, 0xa1, 0, 0, 0, 0x0c, 0xcc]);
    expect(buildIdProm({ manufacturer: 1, model: 2, revision: 3, clock32: true })[3]).toBe(0x48);
  });
});

describe('IpackBus', () => {
  function fakeModule() {
    let port: IpackSlotPort | undefined;
    let resets = 0;
    const m: IpackModule = {
      kind: 'fake',
      attach: (p) => {
        port = p;
      },
      ioRead: (a) => a,
      ioWrite: () => {},
      idRead: () => 0x49,
      intAck: (line) => 0x10 + line,
      memRead: () => 0,
      memWrite: () => {},
      reset: () => {
        resets++;
      },
      snapshot: () => ({}),
      restore: () => {},
    };
    return { m, port: () => port as IpackSlotPort, resets: () => resets };
  }

  it('gives each module its slot and forwards its two request lines to listeners', () => {
    const bus = new IpackBus();
    const f = fakeModule();
    bus.plug(2, f.m);
    const seen: string[] = [];
    bus.onIrqChange((s, l, a) => seen.push(`${s}.${l}=${a}`));
    expect(f.port().slotName).toBe('C');
    f.port().setIrq(1, true);
    f.port().setIrq(1, true);
    f.port().setIrq(1, false);
    expect(seen).toEqual(['2.1=true', '2.1=false']);
    expect(bus.intAck(2, 1)).toBe(0x11);
  });

  it('answers 0 from an empty slot and from a slot held in reset, and resets the module once', () => {
    const bus = new IpackBus();
    const f = fakeModule();
    bus.plug(0, f.m);
    expect(bus.ioRead(1, 5, 1)).toBe(0);
    expect(bus.ioRead(0, 5, 1)).toBe(5);
    f.port().setIrq(0, true);
    bus.setReset(0, true);
    bus.setReset(0, true);
    expect(f.resets()).toBe(1);
    expect(bus.irqLevel(0, 0)).toBe(false);
    expect(bus.idRead(0, 1, 1)).toBe(0);
    bus.setReset(0, false);
    expect(bus.idRead(0, 1, 1)).toBe(0x49);
    expect(() => bus.plug(0, f.m)).toThrow(/already/);
  });
});
