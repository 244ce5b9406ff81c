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

interface SchedEvent {
  atNs: number;
  priority: number;
  seq: number;
  owner: number;
  kind: number;
  arg: number;
}

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

function before(a: SchedEvent, b: SchedEvent): boolean {
  if (a.atNs !== b.atNs) return a.atNs < b.atNs;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
}

export class Scheduler {
  // Initialised here, not only in the constructor: a declared field starts as undefined, and a
  // field that has held undefined stores every later double as a new heap number.
  private now = DOUBLE_SEED;
  private nextSeq = 1;
  private readonly heap: SchedEvent[] = [];
  private readonly cancelled = new Set<EventId>();
  /** cancelled.size, as a plain field for the event loop's per-event test. */
  private cancelledCount = 0;
  /**
   * True while the handler of heap[0] runs and nothing has taken its slot yet: that event is
   * over but still sits at the root (see runDue). settle() removes it before anything looks at
   * the queue.
   */
  private running = false;
  private readonly ownerNames: string[] = [];
  private readonly ownerIndex = new Map<string, number>();
  private readonly handlers: EventHandler[] = [];
  /** Event objects that have run or been dropped, reused by at(): no allocation per event. */
  private readonly pool: SchedEvent[] = [];

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
    return this.heap.length - (this.running ? 1 : 0) - this.cancelled.size;
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
    // Called from the handler of the event at the root (running): its object and its slot take
    // this one. Otherwise a pooled object, or a new one whose atNs starts as a double
    // (double-fields.ts).
    const reuse = this.running;
    const ev = reuse
      ? this.heap[0]
      : (this.pool.pop() ?? { atNs: DOUBLE_SEED, priority, seq, owner, kind, arg });
    ev.atNs = t;
    ev.priority = priority;
    ev.seq = seq;
    ev.owner = owner;
    ev.kind = kind;
    ev.arg = arg;
    if (reuse) {
      this.running = false;
      this.siftDown(ev);
    } else {
      this.push(ev);
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
    return this.heap.length > 0 ? this.heap[0].atNs : Number.POSITIVE_INFINITY;
  }

  /** Runs the next event, if any, advancing time to it. Returns false when the queue is empty. */
  step(): boolean {
    this.settle();
    this.dropCancelledHead();
    const ev = this.pop();
    if (!ev) return false;
    this.now = ev.atNs;
    const { owner, kind, arg } = ev;
    this.pool.push(ev);
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
    const heap = this.heap;
    const handlers = this.handlers;
    for (;;) {
      if (this.cancelledCount !== 0) this.dropCancelledHead();
      const head = heap[0];
      if (head === undefined || head.atNs > tNs) break;
      this.now = head.atNs;
      // The head stays in place while its handler runs (running = true): the first at() inside
      // the handler puts its event there and sifts it down once, instead of a pop now and a push
      // then. If no at() took the slot, the head is popped after the handler.
      this.running = true;
      handlers[head.owner](head.kind, head.arg);
      if (this.running) {
        this.running = false;
        this.pool.push(head);
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
    const events = this.heap
      .filter((e) => !this.cancelled.has(e.seq))
      .map((e) => ({ ...e, owner: this.ownerNames[e.owner] }))
      .sort((a, b) => a.seq - b.seq);
    return { v: 1, nowNs: this.now, nextSeq: this.nextSeq, events };
  }

  /** Restores a snapshot; every owner named in it must already be registered. Throws, changing nothing, on bad data. */
  restore(s: SchedulerSnapshot): void {
    if (s?.v !== 1 || !Array.isArray(s.events)) throw new Error('scheduler snapshot: unsupported version');
    const events: SchedEvent[] = s.events.map((e) => {
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
    this.heap.length = 0;
    for (const ev of events) this.push(ev);
  }

  /** Removes the root event whose handler ran (running), if no at() took its slot. */
  private settle(): void {
    if (!this.running) return;
    this.running = false;
    this.pool.push(this.heap[0]);
    this.popHead();
  }

  private dropCancelledHead(): void {
    if (this.cancelledCount === 0) return;
    while (this.heap.length > 0 && this.cancelled.has(this.heap[0].seq)) {
      this.cancelled.delete(this.heap[0].seq);
      this.cancelledCount = this.cancelled.size;
      const ev = this.pop();
      if (ev) this.pool.push(ev);
    }
  }

  private push(ev: SchedEvent): void {
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(ev, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = ev;
  }

  private pop(): SchedEvent | undefined {
    const top = this.heap[0];
    if (top !== undefined) this.popHead();
    return top;
  }

  /** Removes the root (the heap is not empty). */
  private popHead(): void {
    const last = this.heap.pop() as SchedEvent;
    if (this.heap.length !== 0) this.siftDown(last);
  }

  /** Places ev at the root's slot (whose event is gone) and moves it down to its place. */
  private siftDown(ev: SchedEvent): void {
    const h = this.heap;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r], h[l]) ? r : l;
      if (!before(h[c], ev)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = ev;
  }
}
