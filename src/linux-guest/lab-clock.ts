// The lab's virtual clock following v86's (linux-guest.md, "Threading and time"). v86 runs
// against the wall clock (its PIT and RTC read performance.now); in Linux-guest mode the lab's
// scheduler is advanced to v86's time before every device access, at the end of every v86 run
// slice, and by a wake-up timer armed for the lab's next event, so that a UART character time
// (an event on the lab's scheduler) ends when v86's clock says so even while Linux idles in HLT.
// The mode is real-time, not bit-deterministic.

/** What the clock drives: the lab's scheduler (standalone, or a whole Machine). */
export interface LabTime {
  /** The lab's virtual time in ns. */
  nowNs(): number;
  /** Runs every lab event up to tNs (an integer ≥ nowNs()). */
  advanceTo(tNs: number): void;
  /** Time of the lab's next event, Infinity if none. */
  nextEventNs(): number;
  /**
   * Lab events due within this many ns are polled for on every turn of the event loop (default
   * 1.5 ms, for UART character times while the guest idles). A lab with events all the time (a
   * whole Machine: disks, TDC) should give 0: it is then woken by timers only (about 1 ms apart).
   */
  readonly pollWithinNs?: number;
}

/** Host timers (Node and Web Workers both have these; setImmediate is Node's). */
interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** As soon as the event loop comes round (not a microtask). */
  immediate(fn: () => void): void;
}

function hostTimers(): Timers {
  const g = globalThis as unknown as {
    setTimeout(fn: () => void, ms: number): unknown;
    clearTimeout(h: unknown): void;
    setImmediate?: (fn: () => void) => void;
    MessageChannel?: new () => {
      port1: { onmessage: (() => void) | null };
      port2: { postMessage(v: unknown): void };
    };
  };
  let immediate: (fn: () => void) => void;
  if (g.setImmediate) immediate = (fn) => g.setImmediate?.(fn);
  else if (g.MessageChannel) {
    const queue: (() => void)[] = [];
    const ch = new g.MessageChannel();
    ch.port1.onmessage = () => queue.shift()?.();
    immediate = (fn) => {
      queue.push(fn);
      ch.port2.postMessage(0);
    };
  } else immediate = (fn) => g.setTimeout(fn, 0);
  return {
    setTimeout: (fn, ms) => g.setTimeout(fn, ms),
    clearTimeout: (h) => g.clearTimeout(h),
    immediate,
  };
}

const DEFAULT_POLL_WITHIN_NS = 1_500_000;

export class V86Clock {
  /** labNs = v86 ms × 1e6 + offsetNs. */
  private offsetNs: number;
  private wakeHandle: unknown = null;
  private wakeAtNs = Number.POSITIVE_INFINITY;
  private polling = false;
  private stopped = false;
  private readonly timers = hostTimers();
  private readonly pollWithinNs: number;
  /** Times the lab was advanced (for the report). */
  syncs = 0;

  constructor(
    private readonly microtickMs: () => number,
    private readonly lab: LabTime,
  ) {
    this.offsetNs = 0;
    this.pollWithinNs = lab.pollWithinNs ?? DEFAULT_POLL_WITHIN_NS;
    this.rebase();
  }

  /** From now on, v86's present maps to the lab's present (at start, after a restore or pause). */
  rebase(): void {
    this.offsetNs = this.lab.nowNs() - this.microtickMs() * 1e6;
  }

  /** v86's time on the lab's scale, in integer ns. */
  v86Ns(): number {
    return Math.floor(this.microtickMs() * 1e6 + this.offsetNs);
  }

  /** Advances the lab to v86's present (never backwards). */
  sync(): void {
    if (this.stopped) return;
    const t = this.v86Ns();
    if (t > this.lab.nowNs()) {
      this.syncs++;
      this.lab.advanceTo(t);
    }
  }

  /** Syncs, then makes sure something wakes the lab for its next event. */
  tick(): void {
    this.sync();
    this.armWake();
  }

  private armWake(): void {
    if (this.stopped) return;
    const next = this.lab.nextEventNs();
    if (!Number.isFinite(next)) return;
    const dueNs = next - this.v86Ns();
    if (dueNs <= this.pollWithinNs && this.pollWithinNs > 0) {
      if (this.polling) return;
      this.polling = true;
      this.timers.immediate(() => {
        this.polling = false;
        this.tick();
      });
      return;
    }
    if (this.wakeHandle !== null && this.wakeAtNs <= next) return;
    if (this.wakeHandle !== null) this.timers.clearTimeout(this.wakeHandle);
    this.wakeAtNs = next;
    this.wakeHandle = this.timers.setTimeout(
      () => {
        this.wakeHandle = null;
        this.wakeAtNs = Number.POSITIVE_INFINITY;
        this.tick();
      },
      Math.max(0, Math.floor((dueNs - this.pollWithinNs) / 1e6)),
    );
  }

  /** Stops advancing the lab and drops the wake-up timer. */
  stop(): void {
    this.stopped = true;
    if (this.wakeHandle !== null) this.timers.clearTimeout(this.wakeHandle);
    this.wakeHandle = null;
    this.wakeAtNs = Number.POSITIVE_INFINITY;
  }

  /** Resumes after stop(): the time v86 spent stopped is not lab time. */
  resume(): void {
    this.stopped = false;
    this.rebase();
    this.tick();
  }
}
