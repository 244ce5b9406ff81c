import { describe, expect, it } from 'vitest';
import { IpackBus } from '../bus/ipack';
import { Scheduler } from '../core/scheduler';
import { IpOctal232 } from './ipoctal232';

function rig(model?: 'ipoctal-232' | 'ipoctal-422' | 'ipoctal-485') {
  const sched = new Scheduler();
  const bus = new IpackBus();
  const m = new IpOctal232(sched, undefined, model);
  bus.plug(0, m);
  const lines: string[] = [];
  bus.onIrqChange((_s, line, active) => lines.push(`INT${line}=${active}`));
  return { sched, bus, m, lines };
}

describe('IP-Octal 232 module', () => {
  it('serves the ID PROM at odd ID addresses, with the sibling models’ CRCs', () => {
    const { m } = rig();
    expect(Array.from({ length: 12 }, (_, k) => m.idRead(2 * k + 1, 1))).toEqual([
      0x49, 0x50, 0x41, 0x43, 0xf0, 0x22, 0xa1, 0, 0, 0, 0x0c, 0xcc,
    ]);
    expect(m.idRead(0, 1)).toBe(0);
    expect(m.idRead(0x0a, 2)).toBe(0x22); // word read: PROM byte on D7–D0
    expect(rig('ipoctal-422').m.idRead(0x17, 1)).toBe(0x61);
    expect(rig('ipoctal-485').m.idRead(0x17, 1)).toBe(0x98);
  });

  it('loads the vector from MEM 0/1 (byte or word) or ID ≥ 0x40, and returns it on both acknowledges', () => {
    const { m } = rig();
    m.memWrite(1, 0x01, 1);
    expect([m.intAck(0), m.intAck(1)]).toEqual([1, 1]);
    m.memWrite(0, 0x1234, 2);
    expect(m.intAck(0)).toBe(0x34);
    expect(m.memRead(1, 1)).toBe(0x34);
    m.idWrite(0x41, 0x77, 1);
    expect(m.intAck(1)).toBe(0x77);
    m.reset();
    expect(m.intAck(0)).toBe(0);
  });

  it('puts SCC register r at odd IO address 2r+1; even addresses read 0 and ignore writes', () => {
    const { m } = rig();
    m.ioWrite(0x35, 0x05, 1); // CR channel 3
    expect(m.ioRead(0x33, 1)).toBe(0x0c);
    expect(m.ioRead(0x32, 1)).toBe(0);
    expect(m.ioRead(0x32, 2)).toBe(0x0c);
    m.ioWrite(0x34, 0x0a, 1);
    expect(m.chip.state.channels[3].txEnabled).toBe(true);
    m.ioWrite(0x34, 0x0a, 2); // word write: register byte on D7–D0
    expect(m.chip.state.channels[3].txEnabled).toBe(false);
  });

  it('drives INT0 from blocks A+B and INT1 from blocks C+D', () => {
    const { m, lines } = rig();
    m.ioWrite(0x05, 0x04, 1); // channel 0 TX on → TxRDY a
    m.ioWrite(0x0b, 0x01, 1); // IMR A: TxRDY a
    expect(lines).toEqual(['INT0=true']);
    m.ioWrite(0x65, 0x04, 1); // channel 6 TX on
    m.ioWrite(0x6b, 0x01, 1); // IMR D
    expect(lines).toEqual(['INT0=true', 'INT1=true']);
    m.ioWrite(0x0b, 0x00, 1);
    expect(lines.at(-1)).toBe('INT0=false');
  });

  it('names the host end channels 0–7 and rejects others', () => {
    const { m } = rig();
    expect(m.channel(7).index).toBe(7);
    expect(() => m.channel(8)).toThrow(RangeError);
  });

  it('restores vector and chip state from a snapshot and validates it', () => {
    const a = rig();
    a.m.memWrite(1, 0x5a, 1);
    a.m.ioWrite(0x05, 0x05, 1);
    const snap = JSON.parse(JSON.stringify(a.m.snapshot()));
    const b = rig();
    b.m.restore(snap);
    expect(b.m.intAck(0)).toBe(0x5a);
    expect(b.m.ioRead(0x03, 1)).toBe(0x0c);
    expect(() => b.m.restore({ v: 2 })).toThrow();
  });
});
