// The SCC2698's fastBits (the configuration half of the unpaced RHR/THR fast-path conditions) is
// derived state kept by hand: refreshFast(c) must run after every change of a field it tests. This
// property drives the chip with random register writes and reads, host bytes, unpaced and
// host-frame changes, time and snapshot/restore, and after every step compares fastBits with a
// fresh recomputation. A missed refresh would let a fast path run (or not) against the registers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../core/scheduler';
import { Scc2698 } from './scc2698';
import { FRAME_9600_8N1 } from './serial-backend';

/** The private members the property checks (read-only use). */
interface FastBitsView {
  fastBits: number;
  refreshFast(c: number): void;
}

function recomputed(scc: Scc2698): number {
  const view = scc as unknown as FastBitsView;
  const kept = view.fastBits;
  for (let c = 0; c < 8; c++) view.refreshFast(c);
  const fresh = view.fastBits;
  view.fastBits = kept;
  return fresh;
}

/** Register number of channel c's register at `offset` within its half block (MR 0, CSR 1, CR 2, THR 3). */
const reg = (c: number, offset: number) => (c >> 1) * 16 + (c & 1) * 8 + offset;

/** Values that move the fields fastBits tests: MR1[7], MR2[7:4], enables, break, timeout mode. */
const CR_VALUES = [0x01, 0x02, 0x04, 0x08, 0x05, 0x0a, 0x10, 0x20, 0x30, 0x40, 0x60, 0x70, 0xa0, 0xc0];
const MR_VALUES = [0x13, 0x93, 0x03, 0x07, 0x47, 0x87, 0xc7, 0x17, 0x27, 0x0f];

const step = fc.oneof(
  fc.record({ op: fc.constant('cr' as const), c: fc.nat(7), v: fc.constantFrom(...CR_VALUES) }),
  fc.record({ op: fc.constant('mr' as const), c: fc.nat(7), v: fc.constantFrom(...MR_VALUES) }),
  fc.record({ op: fc.constant('thr' as const), c: fc.nat(7), v: fc.nat(255) }),
  fc.record({ op: fc.constant('write' as const), r: fc.nat(63), v: fc.nat(255) }),
  fc.record({ op: fc.constant('read' as const), r: fc.nat(63) }),
  fc.record({ op: fc.constant('host' as const), c: fc.nat(7), n: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('unpaced' as const), c: fc.nat(7), rx: fc.boolean(), tx: fc.boolean() }),
  fc.record({ op: fc.constant('frame' as const), c: fc.nat(7), fixed: fc.boolean() }),
  fc.record({ op: fc.constant('run' as const), ns: fc.nat(2_000_000) }),
  fc.record({ op: fc.constant('restore' as const) }),
);

/** Every channel opened as the driver does (8N1, both enabled) with unpaced host ends: all fast. */
function openAll(scc: Scc2698): void {
  for (let c = 0; c < 8; c++) {
    scc.write(reg(c, 2), 0x10); // MR pointer to MR1
    scc.write(reg(c, 0), 0x13); // MR1: 8 bits, no parity
    scc.write(reg(c, 0), 0x07); // MR2: 1 stop bit
    scc.write(reg(c, 2), 0x05); // receiver and transmitter on
    scc.setUnpaced(c, true, true);
  }
}

describe('SCC2698 fastBits', () => {
  it('equals its recomputation after any sequence of accesses and host-side changes', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 200 }), (steps) => {
        const sched = new Scheduler();
        const scc = new Scc2698(sched, 'ipoctal.A');
        openAll(scc);
        expect((scc as unknown as FastBitsView).fastBits).toBe(0xffff);
        for (const s of steps) {
          if (s.op === 'cr') scc.write(reg(s.c, 2), s.v);
          else if (s.op === 'mr') scc.write(reg(s.c, 0), s.v);
          else if (s.op === 'thr') scc.write(reg(s.c, 3), s.v);
          else if (s.op === 'write') scc.write(s.r, s.v);
          else if (s.op === 'read') scc.read(s.r);
          else if (s.op === 'host') scc.receiveBytesFromHost(s.c, new Uint8Array(s.n).fill(0x41));
          else if (s.op === 'unpaced') scc.setUnpaced(s.c, s.rx, s.tx);
          else if (s.op === 'frame') scc.setHostFrame(s.c, s.fixed ? FRAME_9600_8N1 : null);
          else if (s.op === 'run') sched.runFor(s.ns);
          else scc.restore(scc.snapshot());
          expect((scc as unknown as FastBitsView).fastBits).toBe(recomputed(scc));
        }
      }),
      { numRuns: 300 },
    );
  });
});
