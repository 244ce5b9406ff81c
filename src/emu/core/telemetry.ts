// Telemetry: fixed-size numeric rings (bounded memory, oldest dropped) and a sliding-window rate
// meter over virtual time. Used for charts and for "measured over the last second" figures.

import { DOUBLE_SEED } from './double-fields';

export class Ring {
  private readonly data: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    this.data[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** i = 0 is the oldest retained value. */
  at(i: number): number {
    const start = (this.head - this.count + this.capacity) % this.capacity;
    return this.data[(start + i) % this.capacity];
  }

  last(): number | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  snapshot(): { v: 1; values: number[] } {
    return { v: 1, values: this.toArray() };
  }

  restore(s: { v: 1; values: number[] }): void {
    if (s?.v !== 1 || !Array.isArray(s.values)) throw new Error('ring snapshot: bad data');
    this.clear();
    for (const v of s.values.slice(-this.capacity)) this.push(v);
  }
}

/**
 * Counts events in fixed virtual-time slots and reports the rate over the last windowNs.
 * add() must be called with non-decreasing times.
 */
export class RateMeter {
  private readonly slots: Float64Array;
  private slotStart = DOUBLE_SEED; // start time of the current slot (ns)
  private current = 0; // index of the current slot
  /** Derived: slotStart + slotNs, before which add() needs no advance. */
  private slotEndNs = DOUBLE_SEED;

  constructor(
    readonly windowNs = 1_000_000_000,
    readonly slotCount = 10,
  ) {
    // One extra slot holds the slot in progress, so the window is slotCount complete slots.
    this.slots = new Float64Array(slotCount + 1);
    // ns fields start as doubles (double-fields.ts).
    this.slotStart = 0;
    this.slotEndNs = this.slotNs;
  }

  private get slotNs(): number {
    return this.windowNs / this.slotCount;
  }

  private get ringSize(): number {
    return this.slotCount + 1;
  }

  private advance(nowNs: number): void {
    const slotNs = this.slotNs;
    let steps = Math.floor((nowNs - this.slotStart) / slotNs);
    if (steps <= 0) return;
    this.slotStart += steps * slotNs;
    this.slotEndNs = this.slotStart + slotNs;
    if (steps > this.ringSize) steps = this.ringSize;
    for (let i = 0; i < steps; i++) {
      this.current = (this.current + 1) % this.ringSize;
      this.slots[this.current] = 0;
    }
  }

  add(nowNs: number, amount = 1): void {
    // Before slotEndNs, advance() would find no step (floor((now - start) / slotNs) <= 0).
    if (nowNs >= this.slotEndNs) this.advance(nowNs);
    this.slots[this.current] += amount;
  }

  /** Units per second over the last complete window (the slot in progress is excluded). */
  rate(nowNs: number): number {
    this.advance(nowNs);
    let sum = 0;
    for (let i = 0; i < this.ringSize; i++) if (i !== this.current) sum += this.slots[i];
    return (sum * 1e9) / this.windowNs;
  }

  snapshot(): { v: 1; slots: number[]; slotStart: number; current: number } {
    return { v: 1, slots: Array.from(this.slots), slotStart: this.slotStart, current: this.current };
  }

  restore(s: { v: 1; slots: number[]; slotStart: number; current: number }): void {
    if (s?.v !== 1 || s.slots?.length !== this.ringSize) throw new Error('rate meter snapshot: bad data');
    this.slots.set(s.slots);
    this.slotStart = s.slotStart;
    this.current = s.current;
    this.slotEndNs = s.slotStart + this.slotNs;
  }
}
