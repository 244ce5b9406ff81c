// A table keyed by interrupt number, for the interrupt controller and the platform: an array for
// 0–255 (every level change and every delivery looks an entry up: one indexed load, not a hash
// lookup; the PCI PIRQs are 16–19), a map for any other number.

/** Whether an interrupt number has its place in the array part. */
function isSmallIrq(irq: number): boolean {
  return irq >>> 0 === irq && irq < 256;
}

export class IrqTable<T> {
  private readonly small: (T | undefined)[] = new Array(256).fill(undefined);
  private readonly other = new Map<number, T>();

  get(irq: number): T | undefined {
    return isSmallIrq(irq) ? this.small[irq] : this.other.get(irq);
  }

  set(irq: number, value: T): void {
    if (isSmallIrq(irq)) this.small[irq] = value;
    else this.other.set(irq, value);
  }

  clear(): void {
    this.small.fill(undefined);
    this.other.clear();
  }

  /** Every (number, value) set, by ascending number. */
  entries(): [number, T][] {
    const out: [number, T][] = [];
    this.small.forEach((value, irq) => {
      if (value !== undefined) out.push([irq, value]);
    });
    for (const entry of this.other) out.push(entry);
    return out.sort((a, b) => a[0] - b[0]);
  }
}
