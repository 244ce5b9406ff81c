// Fuzz: random accesses of every width to every BAR of a TPCI200 carrying an IP-Octal, mixed
// with host input, breaks and the passing of time. No access may throw, and the interrupt
// invariants must hold after every step.
import { describe, expect, it } from 'vitest';
import { IpackBus } from '../bus/ipack';
import type { AccessWidth } from '../bus/types';
import { Rng } from '../core/rng';
import { Scheduler } from '../core/scheduler';
import { TraceRing } from '../core/trace';
import { IpOctal232 } from './ipoctal232';
import { PLX_LCR_REGS, Tpci200 } from './tpci200';

const ACCESSES = 120_000;
const WIDTHS: AccessWidth[] = [1, 2, 4];

describe('TPCI200 + IP-Octal fuzz', () => {
  it(`survives ${ACCESSES} random accesses with FIFO bounds and INTA = OR of its enabled sources`, () => {
    const rng = new Rng(20261122);
    const sched = new Scheduler();
    const trace = new TraceRing(256);
    const ipack = new IpackBus();
    const card = new Tpci200(ipack, trace);
    const ipoctal = new IpOctal232(sched, trace);
    ipack.plug(0, ipoctal);
    let inta = false;
    card.connectIrq({ set: (l) => (inta = l) });
    const chip = ipoctal.chip;
    for (let c = 0; c < 8; c++) {
      ipoctal.channel(c).attach({ onTxByte: () => {} });
      if (c & 1) ipoctal.channel(c).setUnpaced(true);
    }
    // Bias towards the interesting places: the SCC in BAR3 and the carrier registers.
    const pickOffset = (bar: number) => {
      const size = card.bars[bar]!.size;
      if (bar === 3) return rng.int(0x400);
      if (bar === 4 || bar === 5)
        return rng.next() < 0.8 ? rng.int(8) + (rng.int(4) << (bar === 4 ? 23 : 22)) : rng.int(size);
      return rng.int(size);
    };
    const barWeights = [0, 0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 1];
    let reads = 0;
    let intaSteps = 0;
    let fullSteps = 0;
    for (let i = 0; i < ACCESSES; i++) {
      const roll = rng.next();
      if (roll < 0.02) ipoctal.channel(rng.int(8)).receiveFromHost(rng.int(256));
      else if (roll < 0.022) ipoctal.channel(rng.int(8)).sendBreak();
      else if (roll < 0.025)
        ipoctal
          .channel(rng.int(8))
          .receiveFromHost(rng.int(256), undefined, (['parity', 'framing', 'overrun'] as const)[rng.int(3)]);
      else if (roll < 0.03) ipoctal.channel(rng.int(8)).setCts(rng.next() < 0.5);
      else if (roll < 0.05) sched.runFor(rng.int(3_000_000));
      else {
        const bar = barWeights[rng.int(barWeights.length)];
        const width = WIDTHS[rng.int(3)];
        const offset = pickOffset(bar);
        const handler = card.bars[bar]!.handler;
        // Keep the LCR writes mostly meaningful: INTCSR and the BRD bytes.
        const isRead = rng.next() < 0.5;
        const lcrPick = rng.next() < 0.5;
        if (isRead) {
          handler.read(offset, width);
          reads++;
        } else if (bar <= 1 && lcrPick) {
          const reg = [PLX_LCR_REGS.INTCSR, PLX_LCR_REGS.LAS1BRD, PLX_LCR_REGS.LAS2BRD][rng.int(3)];
          handler.write(reg.offset, rng.nextU32() | (reg.offset === 0x4c ? 0x41 : 0), reg.width ?? 4);
        } else handler.write(offset, rng.nextU32(), width);
      }
      // Invariants.
      const st = chip.state;
      for (const ch of st.channels) {
        if (ch.rxFifo.length > 3) throw new Error(`step ${i}: FIFO holds ${ch.rxFifo.length}`);
        if (ch.rxHold !== null && ch.rxFifo.length < 3)
          throw new Error(`step ${i}: hold register used with FIFO room`);
      }
      for (let b = 0; b < 4; b++) {
        const level = (chip.isr(b) & st.blocks[b].imr) !== 0;
        if (level !== chip.irqLevel(b)) throw new Error(`step ${i}: block ${b} request ≠ ISR & IMR`);
      }
      const resetHeld = ipack.inReset(0);
      const ip0 = !resetHeld && (chip.irqLevel(0) || chip.irqLevel(1));
      const ip1 = !resetHeld && (chip.irqLevel(2) || chip.irqLevel(3));
      if (ipack.irqLevel(0, 0) !== ip0 || ipack.irqLevel(0, 1) !== ip1)
        throw new Error(`step ${i}: IP lines`);
      const snap = card.snapshot();
      const status = card.peekStatus();
      let lint = (status & 0xff) !== 0;
      for (let s = 0; s < 4; s++) {
        if (snap.control[s] & 0x04 && (status >> (12 + s)) & 1) lint = true;
        if (snap.control[s] & 0x08 && (status >> (8 + s)) & 1) lint = true;
      }
      const expected =
        ((snap.intcsr & 0x01 && lint) || (snap.intcsr & 0x80) !== 0) && (snap.intcsr & 0x40) !== 0;
      if (inta !== expected || card.intaAsserted !== expected)
        throw new Error(`step ${i}: INTA ${inta} ≠ ${expected}`);
      if (inta) intaSteps++;
      if (st.channels.some((ch) => ch.rxFifo.length === 3)) fullSteps++;
    }
    expect(reads).toBeGreaterThan(ACCESSES / 3);
    // The run reached interesting states, not just an idle chip.
    expect(intaSteps).toBeGreaterThan(ACCESSES / 100);
    expect(intaSteps).toBeLessThan(ACCESSES);
    expect(fullSteps).toBeGreaterThan(ACCESSES / 100);
  }, 60_000);
});
