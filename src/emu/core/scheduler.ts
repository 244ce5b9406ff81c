// Virtual-time scheduler: an integer-nanosecond clock and a binary heap of events.
//
// Events are plain data — (atNs, priority, seq, owner, kind, arg) — so the whole queue can be
// snapshotted and restored. Owners register one handler under a stable name at wiring time;
// an event names its owner, never a closure. Equal times run in priority order, then in the
// order they were scheduled (seq), so a run is reproducible bit for bit.

import { DOUBLE_SEED } from './double-fields';

export type EventHandler = (kind: number, arg: number) => void;

/** A scheduled event's handle: its sequence number (unique for the scheduler's life). */
export type EventId = number;

export interface SchedulerSnapshot {
  v: 1;
  nowNs: number;
  nextSeq: number;
  events: { atNs: number; priority: number; seq: number; owner: string; kind: number; arg: number }[];
}

/** Out of line, so at() stays small enough to inline into its callers. */
function badTime(atNs: number): never {
  throw new RangeError(`scheduler: bad time ${atNs}`);
}

/** Slot arrays start with room for this many events and double when full. */
const INITIAL_CAPACITY = 64;

export class Scheduler {
  // Initialised here, not only in the constructor: a declared field starts as undefined, and a
  // field that has held undefined stores every later double as a new heap number.
  private now = DOUBLE_SEED;
  private nextSeq = 1;
  /**
   * The queue, struct-of-arrays: an event lives in a slot (its priority, seq, owner, kind and arg
   * in typed arrays, so nothing is allocated per event and no time is boxed), and the binary heap
   * holds (time, slot) pairs by position, so most comparisons read one time array. Free slots are
   * a stack.
   */
  private capacity = INITIAL_CAPACITY;
  private heapAtNs = new Float64Array(INITIAL_CAPACITY);
  private priority = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private owners = new Int32Array(INITIAL_CAPACITY);
  private kinds = new Float64Array(INITIAL_CAPACITY);
  private args = new Float64Array(INITIAL_CAPACITY);
  private heap = new Int32Array(INITIAL_CAPACITY);
  private size = 0;
  private freeSlots = new Int32Array(INITIAL_CAPACITY);
  private freeCount = 0;
  /** Slots never used yet start here. */
  private unusedSlot = 0;
  private readonly cancelled = new Set<EventId>();
  /** cancelled.size, as a plain field for the event loop's per-event test. */
  private cancelledCount = 0;
  /**
   * True while the handler of the root event runs and nothing has taken its place yet: that
   * event is over but still sits at the root (see runDue). settle() removes it before anything
   * looks at the queue.
   */
  private running = false;
  private readonly ownerNames: string[] = [];
  private readonly ownerIndex = new Map<string, number>();
  private readonly handlers: EventHandler[] = [];

  constructor() {
    // Time fields start as doubles (double-fields.ts): no re-optimisation once they pass 2^30 ns.
    this.now = 0;
  }

  /** Current virtual time in ns. */
  get nowNs(): number {
    return this.now;
  }

  /** Number of events still pending (cancelled ones not counted once popped). */
  get pending(): number {
    return this.size - (this.running === true ? 1 : 0) - this.cancelled.size;
  }

  /** Whether a handler is registered under this owner name. */
  hasOwner(owner: string): boolean {
    return this.ownerIndex.has(owner);
  }

  /** Registers the handler for an owner name; returns the owner token used by at()/after(). */
  register(owner: string, handler: EventHandler): number {
    const existing = this.ownerIndex.get(owner);
    if (existing !== undefined) {
      this.handlers[existing] = handler;
      return existing;
    }
    const index = this.ownerNames.length;
    this.ownerNames.push(owner);
    this.ownerIndex.set(owner, index);
    this.handlers.push(handler);
    return index;
  }

  /** Schedules an event at absolute time atNs (clamped to now). Lower priority runs first. */
  at(atNs: number, owner: number, kind = 0, arg = 0, priority = 0): EventId {
    if (!Number.isFinite(atNs)) badTime(atNs);
    const t = atNs < this.now ? this.now : Math.trunc(atNs);
    const seq = this.nextSeq++;
    // === true: V8 does not track a field's boolean type, so a bare test is a generic truthiness check.
    if (this.running === true) {
      // Called from the handler of the event at the root: its slot takes this one, which then
      // moves down to its place (one sift instead of a pop now and a push then).
      this.running = false;
      const slot = this.heap[0];
      this.fill(slot, priority, seq, owner, kind, arg);
      this.siftDown(slot, t);
    } else {
      const slot = this.takeSlot();
      this.fill(slot, priority, seq, owner, kind, arg);
      this.siftUp(slot, t);
    }
    return seq;
  }

  /** Schedules an event delayNs from now. */
  after(delayNs: number, owner: number, kind = 0, arg = 0, priority = 0): EventId {
    return this.at(this.now + delayNs, owner, kind, arg, priority);
  }

  /** Cancels a pending event. Only cancel an event that has not run yet: owners clear their handle when it fires. */
  cancel(id: EventId): void {
    if (id > 0 && id < this.nextSeq) {
      this.cancelled.add(id);
      this.cancelledCount = this.cancelled.size;
    }
  }

  /** Time of the next live event, or Infinity. */
  peekNs(): number {
    this.settle();
    this.dropCancelledHead();
    return this.size > 0 ? this.heapAtNs[0] : Number.POSITIVE_INFINITY;
  }

  /** Runs the next event, if any, advancing time to it. Returns false when the queue is empty. */
  step(): boolean {
    this.settle();
    this.dropCancelledHead();
    if (this.size === 0) return false;
    const slot = this.heap[0];
    this.now = this.heapAtNs[0];
    const owner = this.owners[slot];
    const kind = this.kinds[slot];
    const arg = this.args[slot];
    this.releaseSlot(slot);
    this.popHead();
    this.handlers[owner](kind, arg);
    return true;
  }

  /** Runs every event due at or before tNs, then sets the clock to tNs. */
  runUntil(tNs: number): void {
    if (tNs < this.now) return;
    this.settle();
    this.runDue(tNs);
    this.now = tNs;
  }

  /**
   * The event loop of runUntil. Kept apart so the loop's optimised (on-stack-replaced) code ends
   * in a plain return: a property store after the loop, reached once per call, used to throw that
   * code away at every call.
   */
  private runDue(tNs: number): void {
    const handlers = this.handlers;
    for (;;) {
      if (this.cancelledCount !== 0) this.dropCancelledHead();
      if (this.size === 0) break;
      const t = this.heapAtNs[0];
      if (t > tNs) break;
      const slot = this.heap[0];
      this.now = t;
      // The root stays in place while its handler runs (running = true): the first at() inside
      // the handler puts its event there and sifts it down once, instead of a pop now and a push
      // then. If no at() took the slot, the root is popped after the handler.
      this.running = true;
      handlers[this.owners[slot]](this.kinds[slot], this.args[slot]);
      if (this.running === true) {
        this.running = false;
        this.releaseSlot(slot);
        this.popHead();
      }
    }
  }

  /** Advances virtual time by deltaNs, running due events. */
  runFor(deltaNs: number): void {
    this.runUntil(this.now + deltaNs);
  }

  /**
   * Runs until predicate() holds, checking after every event, failing loudly at limitNs.
   * Returns the time at which it held.
   */
  runUntilTrue(predicate: () => boolean, limitNs: number): number {
    while (!predicate()) {
      const next = this.peekNs();
      if (next > limitNs) {
        this.now = Math.max(this.now, limitNs);
        throw new Error(`scheduler: condition not met by ${limitNs} ns`);
      }
      this.step();
    }
    return this.now;
  }

  snapshot(): SchedulerSnapshot {
    this.settle();
    const events: SchedulerSnapshot['events'] = [];
    for (let i = 0; i < this.size; i++) {
      const slot = this.heap[i];
      const seq = this.seqs[slot];
      if (this.cancelled.has(seq)) continue;
      events.push({
        atNs: this.heapAtNs[i],
        priority: this.priority[slot],
        seq,
        owner: this.ownerNames[this.owners[slot]],
        kind: this.kinds[slot],
        arg: this.args[slot],
      });
    }
    events.sort((a, b) => a.seq - b.seq);
    return { v: 1, nowNs: this.now, nextSeq: this.nextSeq, events };
  }

  /** Restores a snapshot; every owner named in it must already be registered. Throws, changing nothing, on bad data. */
  restore(s: SchedulerSnapshot): void {
    if (s?.v !== 1 || !Array.isArray(s.events)) throw new Error('scheduler snapshot: unsupported version');
    const events = s.events.map((e) => {
      const owner = this.ownerIndex.get(e.owner);
      if (owner === undefined) throw new Error(`scheduler snapshot: unknown owner "${e.owner}"`);
      if (!Number.isInteger(e.atNs) || !Number.isInteger(e.seq))
        throw new Error('scheduler snapshot: bad event');
      return { atNs: e.atNs, priority: e.priority, seq: e.seq, owner, kind: e.kind, arg: e.arg };
    });
    this.now = s.nowNs;
    this.nextSeq = s.nextSeq;
    this.cancelled.clear();
    this.cancelledCount = 0;
    this.running = false;
    this.size = 0;
    this.freeCount = 0;
    this.unusedSlot = 0;
    for (const e of events) {
      const slot = this.takeSlot();
      this.fill(slot, e.priority, e.seq, e.owner, e.kind, e.arg);
      this.siftUp(slot, e.atNs);
    }
  }

  private fill(slot: number, priority: number, seq: number, owner: number, kind: number, arg: number) {
    this.priority[slot] = priority;
    this.seqs[slot] = seq;
    this.owners[slot] = owner;
    this.kinds[slot] = kind;
    this.args[slot] = arg;
  }

  private takeSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount];
    if (this.unusedSlot === this.capacity) this.grow();
    return this.unusedSlot++;
  }

  private releaseSlot(slot: number): void {
    this.freeSlots[this.freeCount++] = slot;
  }

  private grow(): void {
    const n = this.capacity * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.heapAtNs = f64(this.heapAtNs);
    this.priority = f64(this.priority);
    this.seqs = f64(this.seqs);
    this.owners = i32(this.owners);
    this.kinds = f64(this.kinds);
    this.args = f64(this.args);
    this.heap = i32(this.heap);
    this.freeSlots = i32(this.freeSlots);
    this.capacity = n;
  }

  /** Removes the root event whose handler ran (running), if no at() took its slot. */
  private settle(): void {
    if (this.running === false) return;
    this.running = false;
    this.releaseSlot(this.heap[0]);
    this.popHead();
  }

  private dropCancelledHead(): void {
    if (this.cancelledCount === 0) return;
    while (this.size > 0) {
      const slot = this.heap[0];
      const seq = this.seqs[slot];
      if (!this.cancelled.has(seq)) break;
      this.cancelled.delete(seq);
      this.cancelledCount = this.cancelled.size;
      this.releaseSlot(slot);
      this.popHead();
    }
  }

  /** Between two events at the same time: whether slot a runs first (priority, then seq). */
  private tieBefore(a: number, b: number): boolean {
    const pr = this.priority;
    if (pr[a] !== pr[b]) return pr[a] < pr[b];
    return this.seqs[a] < this.seqs[b];
  }

  /** Adds (t, slot) at the end of the heap and moves it up to its place. */
  private siftUp(slot: number, t: number): void {
    const h = this.heap;
    const ht = this.heapAtNs;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = ht[parent];
      if (t > pt || (t === pt && !this.tieBefore(slot, h[parent]))) break;
      ht[i] = pt;
      h[i] = h[parent];
      i = parent;
    }
    ht[i] = t;
    h[i] = slot;
  }

  /** Removes the root (the heap is not empty). */
  private popHead(): void {
    const n = --this.size;
    if (n !== 0) this.siftDown(this.heap[n], this.heapAtNs[n]);
  }

  /** Places (t, slot) at the root's position (whose event is gone) and moves it down to its place. */
  private siftDown(slot: number, t: number): void {
    const h = this.heap;
    const ht = this.heapAtNs;
    const n = this.size;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = ht[c];
      const r = c + 1;
      if (r < n) {
        const rt = ht[r];
        if (rt < ct || (rt === ct && this.tieBefore(h[r], h[c]))) {
          c = r;
          ct = rt;
        }
      }
      if (ct > t || (ct === t && !this.tieBefore(h[c], slot))) break;
      ht[i] = ct;
      h[i] = h[c];
      i = c;
    }
    ht[i] = t;
    h[i] = slot;
  }
}
