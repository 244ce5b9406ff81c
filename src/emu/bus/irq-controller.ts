// Interrupt controller: level-sensitive, shareable interrupt numbers (PCI INTx after PIRQ
// routing). Each number is the wired-OR of its sources; a source is a stable name such as
// "pci.3.INTA". The platform listens for changes and delivers to the guest's handlers.
//
// Interface: setSource(irq, source, level), isAsserted(irq), assertedSources(irq),
// onChange(listener), snapshot()/restore().

import { check } from '../core/snapshot';
import { IrqTable } from './irq-table';

export interface IrqControllerSnapshot {
  v: 1;
  /** irq number → names of the sources currently driving it high. */
  asserted: Record<string, string[]>;
}

export type IrqListener = (irq: number, level: boolean) => void;

/** A listener as an object (the platform): see addSink. */
export interface IrqSink {
  irqChanged(irq: number, level: boolean): void;
}

class FnSink implements IrqSink {
  constructor(private readonly fn: IrqListener) {}
  irqChanged(irq: number, level: boolean): void {
    this.fn(irq, level);
  }
}

export class IrqController {
  /**
   * Per interrupt number, the sources driving it high (a Set's job: no duplicates; an array,
   * because it holds zero or one names almost always).
   */
  private readonly asserted = new IrqTable<string[]>();
  /**
   * Objects, not closures: a closure is a call target that dies with its owner, and optimised
   * code that inlined it is thrown away then.
   */
  private readonly sinks: IrqSink[] = [];

  /** Calls listener(irq, level) whenever an interrupt number's combined level changes. */
  onChange(listener: IrqListener): void {
    this.sinks.push(new FnSink(listener));
  }

  /** onChange with an object (the platform). */
  addSink(sink: IrqSink): void {
    this.sinks.push(sink);
  }

  /** Drives one source of an interrupt number high or low. */
  setSource(irq: number, source: string, level: boolean): void {
    let list = this.asserted.get(irq);
    if (level) {
      if (list === undefined) {
        list = [];
        this.asserted.set(irq, list);
      } else if (list.indexOf(source) >= 0) return;
      list.push(source);
      if (list.length === 1) this.notify(irq, true);
    } else {
      const i = list === undefined ? -1 : list.indexOf(source);
      if (list === undefined || i < 0) return;
      list.splice(i, 1);
      if (list.length === 0) this.notify(irq, false);
    }
  }

  private notify(irq: number, level: boolean): void {
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].irqChanged(irq, level);
  }

  isAsserted(irq: number): boolean {
    const list = this.asserted.get(irq);
    return list !== undefined && list.length > 0;
  }

  /** Sources driving irq high, sorted (for the UI and tests). */
  assertedSources(irq: number): string[] {
    return [...(this.asserted.get(irq) ?? [])].sort();
  }

  /** Interrupt numbers currently asserted, ascending. */
  assertedIrqs(): number[] {
    return this.asserted
      .entries()
      .filter(([, list]) => list.length > 0)
      .map(([irq]) => irq);
  }

  snapshot(): IrqControllerSnapshot {
    const asserted: Record<string, string[]> = {};
    for (const irq of this.assertedIrqs()) asserted[String(irq)] = this.assertedSources(irq);
    return { v: 1, asserted };
  }

  /** Restores the levels without notifying listeners (the platform restores its own state). */
  restore(s: IrqControllerSnapshot): void {
    check(s?.v === 1 && typeof s.asserted === 'object' && s.asserted !== null, 'irq controller: version');
    for (const [k, v] of Object.entries(s.asserted)) {
      check(Number.isInteger(Number(k)) && Array.isArray(v), `irq controller: bad entry ${k}`);
      check(
        v.every((x) => typeof x === 'string'),
        `irq controller: bad source list for ${k}`,
      );
    }
    this.asserted.clear();
    for (const [k, v] of Object.entries(s.asserted)) this.asserted.set(Number(k), [...new Set(v)]);
  }
}
