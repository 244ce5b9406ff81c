// The conversation normaliser and diff of the fidelity test, on the TypeScript guest alone (no
// Linux image needed): register names from the device maps, masking, poll collapsing, the
// probe boundary and the diff the allow-list is checked against.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/emu/core/rng';
import { Scheduler } from '../../src/emu/core/scheduler';
import { type TraceRecord, TraceRing } from '../../src/emu/core/trace';
import type { ProgramName } from '../../src/emu/guest/programs/program';
import { SerialRack } from '../../src/emu/serial/serial-rack';
import { conversation, diffConversations, dropIdlePasses, probeEnd } from './conversation';

function tsRack(programs: ProgramName[] = new Array<ProgramName>(8).fill('closed')) {
  const sched = new Scheduler();
  const trace = new TraceRing(1 << 16, () => sched.nowNs);
  const rack = new SerialRack(sched, new Rng(1), trace, programs);
  return { sched, trace, rack };
}

const rec = (over: Partial<TraceRecord>): TraceRecord => ({
  seq: 1,
  atNs: 0,
  kind: 'read',
  device: 'tpci200',
  space: 'BAR3',
  offset: 0,
  width: 1,
  value: 0,
  text: '',
  ...over,
});

describe('fidelity conversation', () => {
  it('names the TS probe by register, without config space or model messages', () => {
    const { trace } = tsRack();
    const all = trace.since(0);
    const end = probeEnd(all);
    expect(end).toBe(all.length);
    const probe = conversation(all.slice(0, end));
    expect(probe.slice(0, 4)).toEqual([
      'LCR LAS1BRD R4 0x144120a2',
      'LCR LAS1BRD W4 0x154120a2',
      'LCR LAS2BRD R4 0x144120a2',
      'LCR LAS2BRD W4 0x154120a2',
    ]);
    expect(probe).toContain('ID PROM[11] R1 0xcc');
    expect(probe).toContain('IO MR1C W1 0x03');
    expect(probe).toContain('IO MR2C W1 0x00');
    expect(probe).toContain('IO CSRH W1 0xbb');
    expect(probe).toContain('IO IMR[D] W1 0x77');
    expect(probe).toContain('MEM8 VECTOR W1 0x01');
    expect(probe).toContain('CARRIER STATUS W2 0x8000');
    expect(probe.at(-2)).toBe('ID.D PROM[0] R1 0x00');
    expect(probe.at(-1)).toBe('ID.D EVEN_0x00 R1 0x00');
    expect(probe.some((l) => /cfg|BAR/.test(l))).toBe(false);
    // cfg accesses and 'unimp' messages were in the trace, and were left out.
    expect(all.some((r) => r.kind === 'cfg-read')).toBe(true);
    expect(all.some((r) => r.kind === 'unimp')).toBe(true);
    expect(probe.length).toBe(all.filter((r) => r.kind === 'read' || r.kind === 'write').length);
  });

  it('masks volatile reads and collapses polls, never writes', () => {
    const lines = conversation([
      rec({ offset: 0x23, value: 0x0c, text: 'ipoctal.A SRC TXRDY TXEMT' }),
      rec({ offset: 0x23, value: 0x04, text: 'ipoctal.A SRC TXRDY' }),
      rec({ offset: 0x23, value: 0x00, text: 'ipoctal.A SRC' }),
      rec({ kind: 'write', offset: 0x25, value: 0x04 }),
      rec({ kind: 'write', offset: 0x25, value: 0x04 }),
      rec({ offset: 0x2b, value: 0x10 }),
      rec({ space: 'BAR2', offset: 0x0c, width: 2, value: 0xe001 }),
      rec({ space: 'BAR2', offset: 0x02, width: 2, value: 0xc0 }),
      rec({ space: 'BAR2', offset: 0x02, width: 2, value: 0xc0 }),
      rec({ offset: 0x31, kind: 'write', value: 0x13, text: 'ipoctal.A MR1D BITS=3 PMODE=2' }),
      rec({ offset: 0x31, kind: 'write', value: 0x07, text: 'ipoctal.A MR2D STOP=7 CHMODE=0' }),
      rec({ offset: 0x1c0, width: 2, value: 0x0100 }),
      rec({ kind: 'cfg-read', space: 'cfg', offset: 0, width: 4, value: 0x30c81498 }),
      rec({ device: 'spec0', space: 'BAR0', offset: 0x10, width: 4 }),
    ]);
    expect(lines).toEqual([
      'IO SRC R1 * ×+',
      'IO CRC W1 0x04',
      'IO CRC W1 0x04',
      'IO ISR[B] R1 *',
      'CARRIER STATUS R2 *',
      'CARRIER IP_A_CONTROL R2 0x00c0',
      'CARRIER IP_A_CONTROL R2 0x00c0',
      'IO MR1D W1 0x13',
      'IO MR2D W1 0x07',
      'INT.B INT0_ACK R2 0x0100',
    ]);
  });

  it('drops interrupt-handler passes that neither wrote nor received', () => {
    const pass = (...body: string[]) => [
      'CARRIER STATUS R2 *',
      'INT INT0_ACK R2 0x0100',
      'IO SRC R1 *',
      ...body,
    ];
    expect(
      dropIdlePasses([
        'IO CRC W1 0x04',
        ...pass('IO THRC W1 0x79'),
        ...pass(),
        ...pass(),
        ...pass('IO CRC W1 0x08'),
        ...pass('IO RHRC R1 *'),
        ...pass(),
      ]),
    ).toEqual([
      'IO CRC W1 0x04',
      ...pass('IO THRC W1 0x79'),
      ...pass('IO CRC W1 0x08'),
      ...pass('IO RHRC R1 *'),
    ]);
  });

  it('diffs two conversations into the places they differ', () => {
    expect(diffConversations(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual([]);
    expect(diffConversations(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'])).toEqual([
      { linux: ['b'], ts: ['x'], after: 'a' },
      { linux: [], ts: ['e'], after: 'd' },
    ]);
    expect(diffConversations(['z', 'a'], ['a'])).toEqual([{ linux: ['z'], ts: [], after: '(start)' }]);
  });

  it('records the TS open, set_termios and close of a port (what the Linux comparison uses)', () => {
    const { trace, rack } = tsRack();
    const tty = rack.guest.ttys[2];
    let from = trace.lastSeq;
    tty.open();
    expect(conversation(trace.since(from))).toEqual(['IO CRC W1 0x01']);
    from = trace.lastSeq;
    tty.close();
    expect(conversation(trace.since(from))).toEqual([
      'IO CRC W1 0x0a',
      'IO CRC W1 0x20',
      'IO CRC W1 0x30',
      'IO CRC W1 0x40',
      'IO CRC W1 0x10',
    ]);
  });
});
