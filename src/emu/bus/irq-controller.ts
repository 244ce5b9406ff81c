// Interrupt controller: level-sensitive, shareable interrupt numbers (PCI INTx after PIRQ
// routing). Each number is the wired-OR of its sources; a source is a stable name such as
// "pci.3.INTA". The platform listens for changes and delivers to the guest's handlers.
//
// Interface: setSource(irq, source, level), isAsserted(irq), assertedSources(irq),
// onChange(listener), snapshot()/restore().

import { check } from '../core/snapshot';

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

/** An interrupt number a table index can hold (the PCI PIRQs are 16–19). */
const isSmallIrq = (irq: number) => irq >>> 0 === irq && irq < 256;

export class IrqController {
  /**
   * Per interrupt number, the sources driving it high (a Set's job: no duplicates; it is an
   * array because it holds zero or one names almost always). By number in an array for
   * 0–255 (a level change is one indexed load, not a hash lookup), in a map for any other.
   */
  private readonly small: (string[] | undefined)[] = new Array(256).fill(undefined);
  private readonly other = new Map<number, string[]>();
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

  private sourcesOf(irq: number): string[] | undefined {
    return isSmallIrq(irq) ? this.small[irq] : this.other.get(irq);
  }

  /** Drives one source of an interrupt number high or low. */
  setSource(irq: number, source: string, level: boolean): void {
    let list = this.sourcesOf(irq);
    if (level) {
      if (list === undefined) {
        list = [];
        if (isSmallIrq(irq)) this.small[irq] = list;
        else this.other.set(irq, list);
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
    const list = this.sourcesOf(irq);
    return list !== undefined && list.length > 0;
  }

  /** Sources driving irq high, sorted (for the UI and tests). */
  assertedSources(irq: number): string[] {
    return [...(this.sourcesOf(irq) ?? [])].sort();
  }

  /** Interrupt numbers currently asserted, ascending. */
  assertedIrqs(): number[] {
    const out: number[] = [];
    this.small.forEach((list, irq) => {
      if (list !== undefined && list.length > 0) out.push(irq);
    });
    for (const [irq, list] of this.other) if (list.length > 0) out.push(irq);
    return out.sort((a, b) => a - b);
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
    this.small.fill(undefined);
    this.other.clear();
    for (const [k, v] of Object.entries(s.asserted)) {
      const irq = Number(k);
      const list = [...new Set(v)];
      if (isSmallIrq(irq)) this.small[irq] = list;
      else this.other.set(irq, list);
    }
  }
}
