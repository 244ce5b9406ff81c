// The worker's logic, free of worker globals so it runs in Node tests with an injected clock
// (DESIGN rule 4): pace one Machine against the wall clock, handle UI commands between slices,
// and batch everything the UI needs into at most ~60 messages a second.
//
// Pacing: at speed N the machine is run up to `virtualStartNs + wallElapsed × N`; when it cannot
// keep up for more than `maxLagMs` the start point is moved (the debt is dropped, and the
// achieved speed says so). At "max" it runs in chunks until `sliceMs` of wall time is used, then
// yields so messages are handled. Chunk size adapts so one `run()` takes about a millisecond.
import {
  DEFAULT_SERIES,
  DEFAULT_WATCH,
  type FromWorker,
  isValidSpeed,
  type LabSpec,
  type QmpCommand,
  type QmpResponse,
  type Speed,
  type ToWorker,
  type WorkerItem,
} from './protocol';

/**
 * Who moves the machine's clock instead of the pacing loop: in Linux-guest mode, v86 (the lab's
 * scheduler follows v86's real-time clock; linux-guest.md "Threading and time"). Speed and step
 * are then ignored; pause and resume stop and start it.
 */
export interface ExternalClock {
  pause(): void;
  resume(): void;
}

/** What the host needs of a Machine (the real one is src/emu/machine.ts). */
export interface HostedMachine {
  readonly nowNs: number;
  run(deltaNs: number): void;
  qmp(cmd: QmpCommand): QmpResponse;
  snapshot?(): unknown;
  restore?(snapshot: unknown): void;
}

export interface LabHostOptions {
  /** Builds a machine; throws an Error with a user-facing message on bad input. */
  createMachine(lab: LabSpec | undefined, seed: number | undefined): HostedMachine;
  /** Wall clock in milliseconds (performance.now in the worker, a fake in tests). */
  wallMs(): number;
  post(message: FromWorker, transfer: ArrayBuffer[]): void;
  /** Minimum wall time between two batches (default 1000/60 ms). */
  flushIntervalMs?: number;
  /** Minimum wall time between two ticks while running (default 50 ms: 20 ticks a second). */
  tickIntervalMs?: number;
  /** Wall time one pump may spend running the machine (default 8 ms). */
  sliceMs?: number;
  /** Behind-schedule allowance before the pacing start point is moved (default 250 ms). */
  maxLagMs?: number;
}

const NS_PER_MS = 1_000_000;
const MIN_CHUNK_NS = 10_000;
const MAX_CHUNK_NS = 1_000_000_000;
const TARGET_CHUNK_MS = 1;
/** Wait between pumps when running at a paced speed and on schedule. */
const PACED_IDLE_MS = 4;
/** Wait between pumps when the clock is external (v86 needs the thread more than the ticks do). */
const FOLLOW_IDLE_MS = 10;
/** Wait between pumps when paused and nothing is pending. */
const PAUSED_IDLE_MS = 100;
/** Window over which the achieved speed is measured. */
const ACHIEVED_WINDOW_MS = 1000;

export class LabHost {
  private machine: HostedMachine | undefined;
  private external: ExternalClock | null = null;
  private generation = 0;
  private speed: Speed = 1;
  private paused = false;
  private watch: string[] = [...DEFAULT_WATCH];
  private seriesQueries: string[] = [...DEFAULT_SERIES.queries];
  private seriesPeriodNs: number = DEFAULT_SERIES.periodNs;
  private nextSampleNs = 0;
  private seriesPoints = new Map<string, { nowNs: number; value: unknown }[]>();

  private wallStartMs = 0;
  private virtualStartNs = 0;
  private chunkNs = 1_000_000;

  private outbox: WorkerItem[] = [];
  private transfer: ArrayBuffer[] = [];
  private seq = 0;
  private lastFlushMs = Number.NEGATIVE_INFINITY;
  private lastTickMs = Number.NEGATIVE_INFINITY;
  private dirty = false;
  private readonly speedSamples: { wallMs: number; virtualNs: number }[] = [];

  private readonly flushIntervalMs: number;
  private readonly tickIntervalMs: number;
  private readonly sliceMs: number;
  private readonly maxLagMs: number;

  constructor(private readonly opts: LabHostOptions) {
    this.flushIntervalMs = opts.flushIntervalMs ?? 1000 / 60;
    this.tickIntervalMs = opts.tickIntervalMs ?? 50;
    this.sliceMs = opts.sliceMs ?? 8;
    this.maxLagMs = opts.maxLagMs ?? 250;
  }

  /** Loads the default lab and announces readiness (with the command list). */
  start(lab: LabSpec = 'default', seed?: number): void {
    this.load(lab, seed);
    const commands = this.machine?.qmp({ execute: 'query-commands' });
    const names =
      commands && 'return' in commands && Array.isArray(commands.return)
        ? (commands.return as { name: string }[]).map((c) => c.name)
        : [];
    this.emit({ kind: 'ready', commands: names });
  }

  get nowNs(): number {
    return this.machine?.nowNs ?? 0;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Queues an item for the next batch; typed-array buffers listed in `transfer` are moved. */
  emit(item: WorkerItem, transfer: ArrayBuffer[] = []): void {
    this.outbox.push(item);
    this.transfer.push(...transfer);
  }

  handle(msg: ToWorker): void {
    switch (msg.kind) {
      case 'qmp':
        this.emit({ kind: 'qmpResult', id: msg.id, response: this.qmp(msg.cmd) });
        break;
      case 'setSpeed':
        // The UI validates; a bad value from elsewhere leaves the pacing as it was.
        if (!isValidSpeed(msg.speed) || this.external) break;
        this.speed = msg.speed;
        this.rebase();
        break;
      case 'pause':
        if (!this.paused) this.external?.pause();
        this.paused = true;
        break;
      case 'resume':
        if (this.paused) this.external?.resume();
        this.paused = false;
        this.rebase();
        break;
      case 'step':
        if (this.external) break; // real time cannot be stepped
        this.paused = true;
        try {
          if (this.machine && msg.ns > 0) this.runSampled(this.machine, Math.floor(msg.ns));
        } catch (e) {
          this.fault(e);
        }
        break;
      case 'loadLab':
        this.load(msg.lab ?? 'default', msg.seed);
        break;
      case 'watch':
        this.watch = [...msg.queries];
        break;
      case 'sampleSeries':
        if (Number.isInteger(msg.periodNs) && msg.periodNs > 0) {
          this.seriesQueries = [...msg.queries];
          this.seriesPeriodNs = msg.periodNs;
          this.resetSampling();
        }
        break;
      case 'requestSnapshot':
        this.emit({ kind: 'snapshot', id: msg.id, snapshot: this.machine?.snapshot?.() });
        break;
      case 'restoreSnapshot':
        this.emit({ kind: 'restored', id: msg.id, error: this.restore(msg.snapshot) });
        break;
    }
    this.dirty = true;
  }

  /**
   * One slice: advance the machine as pacing allows, tick, flush. Returns the wall time in ms
   * the caller should wait before the next pump (0 = yield and come straight back).
   */
  pump(): number {
    let behind = false;
    if (this.external && this.machine) this.sampleFollowed(this.machine);
    else if (!this.paused && this.machine) {
      try {
        behind = this.advance(this.machine);
      } catch (e) {
        this.fault(e);
      }
    }
    const nowMs = this.opts.wallMs();
    if (this.dirty || nowMs - this.lastTickMs >= this.tickIntervalMs) this.tick(nowMs);
    const flushWaitMs = this.flushIfDue(nowMs);
    if (!this.paused && !this.external && (this.speed === 'max' || behind)) return 0;
    const idle = this.paused ? PAUSED_IDLE_MS : this.external ? FOLLOW_IDLE_MS : PACED_IDLE_MS;
    return Math.min(idle, flushWaitMs);
  }

  /** A machine that throws is a bug: stop pacing it and tell the UI, rather than die silently. */
  private fault(e: unknown): void {
    this.paused = true;
    this.emit({ kind: 'fault', message: e instanceof Error ? e.message : String(e) });
  }

  private qmp(cmd: QmpCommand): QmpResponse {
    if (!this.machine) return { error: { class: 'GenericError', desc: 'No lab is loaded' } };
    return this.machine.qmp(cmd);
  }

  private load(lab: LabSpec, seed: number | undefined): void {
    let next: HostedMachine;
    try {
      next = this.opts.createMachine(lab, seed);
    } catch (e) {
      this.emit({ kind: 'labError', message: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.adopt(next, null);
  }

  /**
   * Hosts a machine built elsewhere (the Linux guest's), announced as a new lab. With `external`
   * its clock is moved by someone else (v86) and this host only samples, ticks and flushes; with
   * null it is paced again (the deterministic mode).
   */
  adopt(next: HostedMachine, external: ExternalClock | null): void {
    this.external = external;
    if (external) this.paused = false;
    this.machine = next;
    this.generation++;
    this.speedSamples.length = 0;
    this.rebase();
    this.resetSampling();
    this.emit({ kind: 'labLoaded', generation: this.generation });
  }

  private restore(snapshot: unknown): string | undefined {
    if (!this.machine?.restore) return 'this machine cannot restore snapshots';
    try {
      this.machine.restore(snapshot);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    this.rebase();
    this.resetSampling();
    return undefined;
  }

  private rebase(): void {
    this.wallStartMs = this.opts.wallMs();
    this.virtualStartNs = this.nowNs;
  }

  /**
   * The clock is external: one sample once it has passed a grid point (taken at the present, as
   * the external clock may have jumped several points), the next one on the point after it.
   */
  private sampleFollowed(m: HostedMachine): void {
    if (m.nowNs < this.nextSampleNs) return;
    this.sample(m);
    this.nextSampleNs = m.nowNs - (m.nowNs % this.seriesPeriodNs) + this.seriesPeriodNs;
  }

  /** Runs the machine for one slice; returns true when it is still behind its paced target. */
  private advance(m: HostedMachine): boolean {
    const sliceStartMs = this.opts.wallMs();
    const paced = this.speed !== 'max';
    // Paced, a slice runs up to where the clock stood when it began. A target that followed the
    // clock during the slice would never be reached: every run takes some wall time, which moves
    // it on, so the worker spun for the whole slice in runs of a few µs (a full core at ×3 with
    // eight streaming ports) instead of resting until the next pump.
    const sliceTargetNs = paced ? this.targetNs(sliceStartMs) : 0;
    let wallMs = sliceStartMs;
    for (;;) {
      let deltaNs = this.chunkNs;
      if (paced) {
        const remainingNs = sliceTargetNs - m.nowNs;
        if (remainingNs <= 0) return false;
        deltaNs = Math.min(deltaNs, remainingNs);
      }
      const before = wallMs;
      this.runSampled(m, deltaNs);
      wallMs = this.opts.wallMs();
      if (deltaNs === this.chunkNs) this.adaptChunk(wallMs - before);
      if (wallMs - sliceStartMs >= this.sliceMs) break;
    }
    if (!paced) return false;
    const lagNs = this.targetNs(wallMs) - m.nowNs;
    if (lagNs > this.maxLagMs * NS_PER_MS * (this.speed as number)) this.rebase();
    return lagNs > 0;
  }

  /** Drops pending samples and puts the next one on the grid point after now. */
  private resetSampling(): void {
    this.seriesPoints.clear();
    const nowNs = this.nowNs;
    this.nextSampleNs = nowNs - (nowNs % this.seriesPeriodNs) + this.seriesPeriodNs;
  }

  /** Runs deltaNs, stopping on each multiple of the sampling period to sample the series. */
  private runSampled(m: HostedMachine, deltaNs: number): void {
    const endNs = m.nowNs + deltaNs;
    while (m.nowNs < endNs) {
      const startNs = m.nowNs;
      m.run(Math.min(endNs, this.nextSampleNs) - startNs);
      if (m.nowNs >= this.nextSampleNs) {
        this.sample(m);
        this.nextSampleNs += this.seriesPeriodNs;
      }
      if (m.nowNs === startNs) break; // a machine that does not advance must not hang the worker
    }
  }

  private sample(m: HostedMachine): void {
    for (const execute of this.seriesQueries) {
      const r = m.qmp({ execute });
      if (!('return' in r)) continue;
      let points = this.seriesPoints.get(execute);
      if (!points) {
        points = [];
        this.seriesPoints.set(execute, points);
      }
      points.push({ nowNs: m.nowNs, value: r.return });
    }
  }

  private targetNs(wallMs: number): number {
    const speed = this.speed === 'max' ? 0 : this.speed;
    return this.virtualStartNs + Math.floor((wallMs - this.wallStartMs) * NS_PER_MS * speed);
  }

  private adaptChunk(tookMs: number): void {
    if (tookMs < TARGET_CHUNK_MS / 2) this.chunkNs = Math.min(MAX_CHUNK_NS, this.chunkNs * 2);
    else if (tookMs > TARGET_CHUNK_MS * 2)
      this.chunkNs = Math.max(MIN_CHUNK_NS, Math.floor(this.chunkNs / 2));
  }

  private achievedSpeed(nowMs: number): number {
    const samples = this.speedSamples;
    samples.push({ wallMs: nowMs, virtualNs: this.nowNs });
    while (samples.length > 2 && nowMs - samples[1].wallMs >= ACHIEVED_WINDOW_MS) samples.shift();
    if (this.paused) return 0;
    const first = samples[0];
    const dtMs = nowMs - first.wallMs;
    return dtMs > 0 ? (this.nowNs - first.virtualNs) / (dtMs * NS_PER_MS) : 0;
  }

  private tick(nowMs: number): void {
    this.lastTickMs = nowMs;
    this.dirty = false;
    for (const [query, points] of this.seriesPoints) this.emit({ kind: 'series', query, points });
    this.seriesPoints.clear();
    const queries: Record<string, unknown> = {};
    if (this.machine) {
      for (const execute of this.watch) {
        const r = this.machine.qmp({ execute });
        if ('return' in r) queries[execute] = r.return;
      }
    }
    this.emit({
      kind: 'tick',
      nowNs: this.nowNs,
      speed: this.speed,
      paused: this.paused,
      clock: this.external ? 'realtime' : 'virtual',
      achievedSpeed: this.achievedSpeed(nowMs),
      queries,
    });
  }

  /** Posts the outbox if the rate limit allows; returns ms until a pending flush is allowed. */
  private flushIfDue(nowMs: number): number {
    if (this.outbox.length === 0) return Number.POSITIVE_INFINITY;
    const waitMs = this.lastFlushMs + this.flushIntervalMs - nowMs;
    if (waitMs > 0) return waitMs;
    const items = this.outbox;
    const transfer = this.transfer;
    this.outbox = [];
    this.transfer = [];
    this.lastFlushMs = nowMs;
    this.opts.post({ kind: 'batch', seq: this.seq++, items }, transfer);
    return Number.POSITIVE_INFINITY;
  }
}
