// fio-like guest workload on one drive: `rw` pattern, `rwmixread`, `bs`, `iodepth` (closed loop:
// that many requests outstanding), optional `rate_iops` / `rate` (bytes/s) pacing caps (open
// loop: issues are spaced by at least 1/rate), `none` to stop issuing.
//
// The job only decides what to issue and when; the block layer owns the request path. Direction
// choices for randrw come from the machine's seeded Rng (one stream per drive).
import { DOUBLE_SEED } from '../core/double-fields';
import type { Rng, RngSnapshot } from '../core/rng';
import type { EventId, Scheduler } from '../core/scheduler';
import { type Direction, READ, WRITE } from './throttle';
import { ARRIVAL_PRIORITY } from './throttle-group';

/** How a job picks each request's direction (derived from `rw` once, not per request). */
const ALWAYS_READ = 0;
const ALWAYS_WRITE = 1;
const MIXED = 2;
// Module copies of the imported directions (an imported binding may compile to a getter call).
const RD: Direction = READ;
const WR: Direction = WRITE;

export const RW_MODES = ['read', 'write', 'randread', 'randwrite', 'randrw', 'none'] as const;
export type RwMode = (typeof RW_MODES)[number];

export interface WorkloadSpec {
  rw: RwMode;
  rwmixread?: number;
  bs?: number;
  iodepth?: number;
  rate_iops?: number;
  rate?: number;
}

export const DEFAULT_WORKLOAD: Required<Omit<WorkloadSpec, 'rate_iops' | 'rate'>> = {
  rw: 'randrw',
  rwmixread: 50,
  bs: 4096,
  iodepth: 32,
};

/** The spec with defaults filled in (rate 0 = unpaced). */
export interface ResolvedWorkload {
  rw: RwMode;
  rwmixread: number;
  bs: number;
  iodepth: number;
  rate_iops: number;
  rate: number;
}

export function resolveWorkload(spec: WorkloadSpec | undefined): ResolvedWorkload {
  const s: WorkloadSpec = spec ?? DEFAULT_WORKLOAD;
  return {
    rw: s.rw,
    rwmixread: s.rwmixread ?? DEFAULT_WORKLOAD.rwmixread,
    bs: s.bs ?? DEFAULT_WORKLOAD.bs,
    iodepth: s.iodepth ?? DEFAULT_WORKLOAD.iodepth,
    rate_iops: s.rate_iops ?? 0,
    rate: s.rate ?? 0,
  };
}

/** Checks a workload spec; returns an error message or null. */
export function workloadError(spec: Readonly<Record<string, unknown>>): string | null {
  // QEMU's QAPI wording for a missing member, a wrong type and an unknown enum value.
  if (spec.rw === undefined) return "Parameter 'rw' is missing";
  if (typeof spec.rw !== 'string') return "Invalid parameter type for 'rw', expected: string";
  if (!RW_MODES.includes(spec.rw as RwMode)) return `Parameter 'rw' does not accept value '${spec.rw}'`;
  const ranges: [string, number, number][] = [
    ['rwmixread', 0, 100],
    ['bs', 1, 64 * 1024 * 1024],
    ['iodepth', 1, 1024],
    ['rate_iops', 0, 1e9],
    ['rate', 0, 1e12],
  ];
  for (const [name, lo, hi] of ranges) {
    const v = spec[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v))
      return `Invalid parameter type for '${name}', expected: integer`;
    if (v < lo || v > hi) return `Parameter '${name}' expects a value in [${lo}, ${hi}]`;
  }
  return null;
}

/** Gap between issues imposed by the pacing caps (0 = unpaced). */
export function pacingGapNs(w: ResolvedWorkload): number {
  let gap = 0;
  if (w.rate_iops > 0) gap = Math.max(gap, 1e9 / w.rate_iops);
  if (w.rate > 0) gap = Math.max(gap, (w.bs * 1e9) / w.rate);
  return gap;
}

function directionRule(w: ResolvedWorkload): number {
  switch (w.rw) {
    case 'read':
    case 'randread':
      return ALWAYS_READ;
    case 'write':
    case 'randwrite':
      return ALWAYS_WRITE;
    default:
      return MIXED;
  }
}

/** The direction of the next request; draws from rng only for a mixed workload. */
function directionBy(rule: number, rwmixread: number, rng: Rng): Direction {
  if (rule === MIXED) return rng.percentBelow(rwmixread) ? RD : WR;
  return rule === ALWAYS_READ ? RD : WR;
}

export function pickDirection(w: ResolvedWorkload, rng: Rng): Direction {
  return directionBy(directionRule(w), w.rwmixread, rng);
}

export function isSequential(w: ResolvedWorkload): boolean {
  return w.rw === 'read' || w.rw === 'write';
}

export interface WorkloadJobSnapshot {
  v: 1;
  workload: ResolvedWorkload;
  outstanding: number;
  nextIssueNs: number;
  pacingEventId: number;
  rng: RngSnapshot;
}

/**
 * One drive's running job. `issue` hands a new request (direction, bytes, sequential) to the
 * block layer; the layer calls completed() when one finishes. Pacing wake-ups are scheduler
 * events (owner given by the layer, kind = drive index) at arrival priority.
 */
export class WorkloadJob {
  private current!: ResolvedWorkload;
  /** Derived from the workload: pacing gap, direction rule, sequential access. */
  private gapNs = 0;
  private directionRule = MIXED;
  private sequential = false;
  private idle = false;
  /** Issued and not completed yet (throttle queue + disk). */
  outstanding = 0;
  private nextIssueNs = DOUBLE_SEED;
  private pacingEventId: EventId = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly owner: number,
    private readonly kind: number,
    private readonly rng: Rng,
    spec: WorkloadSpec | undefined,
    private readonly issue: (dir: Direction, bytes: number, sequential: boolean) => void,
  ) {
    this.workload = resolveWorkload(spec);
    // A ns field: a double from the start (double-fields.ts).
    this.nextIssueNs = sched.nowNs;
  }

  get workload(): ResolvedWorkload {
    return this.current;
  }

  set workload(w: ResolvedWorkload) {
    this.current = w;
    this.gapNs = pacingGapNs(w);
    this.sequential = isSequential(w);
    this.directionRule = directionRule(w);
    this.idle = w.rw === 'none';
  }

  /** Replaces the job (x-workload-set) and starts issuing at once. */
  set(workload: ResolvedWorkload): void {
    this.workload = workload;
    this.nextIssueNs = this.sched.nowNs;
    this.kick();
  }

  /** Schedules a wake-up now: issuing starts from an event, as a guest's would. */
  kick(): void {
    if (this.pacingEventId !== 0) this.sched.cancel(this.pacingEventId);
    this.pacingEventId = this.sched.at(this.sched.nowNs, this.owner, this.kind, 0, ARRIVAL_PRIORITY);
  }

  /** The pacing event fired. */
  onTick(): void {
    this.pacingEventId = 0;
    this.pump();
  }

  completed(): void {
    this.outstanding--;
    this.pump();
  }

  /**
   * For a caller that issues the request itself: when a completion frees exactly one issue (no
   * pacing, iodepth outstanding until now), the direction pump() would draw for it, drawn now
   * (outstanding stays: one done, one issued); otherwise −1, nothing changed (call completed()).
   */
  refillDirection(): number {
    if (this.outstanding !== this.current.iodepth || this.gapNs !== 0 || this.idle === true) return -1;
    return directionBy(this.directionRule, this.current.rwmixread, this.rng);
  }

  /** Bytes of each request (the workload's bs). */
  get requestBytes(): number {
    return this.current.bs;
  }

  /** Whether requests are sequential (rw read or write). */
  get sequentialAccess(): boolean {
    return this.sequential;
  }

  /** Issues requests while iodepth allows, respecting the pacing caps. */
  private pump(): void {
    if (this.idle) return;
    const w = this.current;
    while (this.outstanding < w.iodepth) {
      if (this.gapNs > 0 && !this.takePacingSlot()) return;
      this.outstanding++;
      this.issue(directionBy(this.directionRule, w.rwmixread, this.rng), w.bs, this.sequential);
    }
  }

  /**
   * With a pacing cap: whether an issue may happen now (then its grid slot is taken); if not, the
   * wake-up for the next slot is scheduled.
   */
  private takePacingSlot(): boolean {
    const nowNs = this.sched.nowNs;
    const gapNs = this.gapNs;
    if (nowNs < this.nextIssueNs) {
      if (this.pacingEventId === 0) {
        const atNs = Math.ceil(this.nextIssueNs);
        this.pacingEventId = this.sched.at(atNs, this.owner, this.kind, 0, ARRIVAL_PRIORITY);
      }
      return false;
    }
    // On schedule (late by less than one gap): keep the grid, so fractional gaps do not drift.
    // Later than that (iodepth held it back): restart the grid now, never a catch-up burst.
    const baseNs = nowNs - this.nextIssueNs < gapNs ? this.nextIssueNs : nowNs;
    this.nextIssueNs = baseNs + gapNs;
    return true;
  }

  snapshot(): WorkloadJobSnapshot {
    return {
      v: 1,
      workload: { ...this.workload },
      outstanding: this.outstanding,
      nextIssueNs: this.nextIssueNs,
      pacingEventId: this.pacingEventId,
      rng: this.rng.snapshot(),
    };
  }

  static validate(s: WorkloadJobSnapshot): void {
    if (s?.v !== 1 || workloadError((s.workload ?? {}) as unknown as Record<string, unknown>)) {
      throw new Error('workload snapshot: bad workload');
    }
    if (
      !Number.isInteger(s.outstanding) ||
      typeof s.nextIssueNs !== 'number' ||
      !Number.isInteger(s.pacingEventId)
    ) {
      throw new Error('workload snapshot: bad job state');
    }
    if (
      s.rng?.v !== 1 ||
      !Array.isArray(s.rng.s) ||
      s.rng.s.length !== 4 ||
      !s.rng.s.every(Number.isInteger)
    ) {
      throw new Error('workload snapshot: bad rng');
    }
  }

  restore(s: WorkloadJobSnapshot): void {
    WorkloadJob.validate(s);
    this.workload = { ...s.workload };
    this.outstanding = s.outstanding;
    this.nextIssueNs = s.nextIssueNs;
    this.pacingEventId = s.pacingEventId;
    this.rng.restore(s.rng);
  }
}
