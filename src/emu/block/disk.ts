// A virtual disk: a request queue and a deterministic service-time model.
//
// Up to `queueDepth` requests are in service at once; more wait in a FIFO. A request's service
// time is a fixed per-operation latency (lower for sequential access) plus its transfer time at
// `bytesPerSec`; transfers share one channel, so the disk's bandwidth is a hard cap. Jitter
// (± jitterFraction of the latency) comes only from the machine's seeded Rng. Completions are
// scheduler events (owner given by the block layer, kind = drive index, arg = request id).
import { DOUBLE_SEED } from '../core/double-fields';
import type { Rng, RngSnapshot } from '../core/rng';
import type { Scheduler } from '../core/scheduler';
import type { Direction } from './throttle';
import type { ThrottleRequest } from './throttle-group';

export interface BlockRequest extends ThrottleRequest {
  dir: Direction;
  sequential: boolean;
  submitNs: number;
}

export interface DiskParams {
  randomLatencyNs: number;
  sequentialLatencyNs: number;
  bytesPerSec: number;
  queueDepth: number;
  jitterFraction: number;
}

export const DEFAULT_DISK: DiskParams = {
  randomLatencyNs: 80_000,
  sequentialLatencyNs: 20_000,
  bytesPerSec: 1_000_000_000,
  queueDepth: 64,
  jitterFraction: 0.1,
};

export interface DiskSnapshot {
  v: 1;
  inService: BlockRequest[];
  waiting: BlockRequest[];
  channelFreeNs: number;
  rng: RngSnapshot;
}

export class VirtualDisk {
  /** In start order; a handful at most, so a scan beats a Map. */
  private readonly inService: BlockRequest[] = [];
  private readonly waiting: BlockRequest[] = [];
  private channelFreeNs = DOUBLE_SEED;

  constructor(
    private readonly sched: Scheduler,
    private readonly owner: number,
    private readonly kind: number,
    private readonly rng: Rng,
    readonly params: DiskParams = DEFAULT_DISK,
  ) {
    // channelFreeNs started as a double (double-fields.ts); its real initial value:
    this.channelFreeNs = 0;
  }

  /** Requests accepted and not yet completed. */
  get outstanding(): number {
    return this.inService.length + this.waiting.length;
  }

  submit(req: BlockRequest): void {
    if (this.inService.length < this.params.queueDepth) this.start(req);
    else this.waiting.push(req);
  }

  private start(req: BlockRequest): void {
    const p = this.params;
    const nowNs = this.sched.nowNs;
    const transferNs = Math.ceil((req.bytes * 1e9) / p.bytesPerSec);
    const startNs = Math.max(nowNs, this.channelFreeNs);
    this.channelFreeNs = startNs + transferNs;
    const baseNs = req.sequential === true ? p.sequentialLatencyNs : p.randomLatencyNs;
    const jitterNs = Math.round(baseNs * p.jitterFraction * (2 * this.rng.next() - 1));
    this.inService.push(req);
    this.sched.at(this.channelFreeNs + baseNs + jitterNs, this.owner, this.kind, req.id);
  }

  /** The completion event of request id: returns it and starts the next waiting one. */
  complete(id: number): BlockRequest | undefined {
    const inService = this.inService;
    let i = 0;
    while (i < inService.length && inService[i].id !== id) i++;
    if (i === inService.length) return undefined;
    const req = inService[i];
    if (i === 0) inService.shift();
    else inService.splice(i, 1);
    if (this.waiting.length > 0) this.start(this.waiting.shift() as BlockRequest);
    return req;
  }

  snapshot(): DiskSnapshot {
    return {
      v: 1,
      inService: this.inService.map((r) => ({ ...r })),
      waiting: this.waiting.map((r) => ({ ...r })),
      channelFreeNs: this.channelFreeNs,
      rng: this.rng.snapshot(),
    };
  }

  static validate(s: DiskSnapshot): void {
    if (
      s?.v !== 1 ||
      !Array.isArray(s.inService) ||
      !Array.isArray(s.waiting) ||
      typeof s.channelFreeNs !== 'number'
    ) {
      throw new Error('disk snapshot: bad data');
    }
  }

  restore(s: DiskSnapshot): void {
    VirtualDisk.validate(s);
    this.rng.restore(s.rng);
    this.inService.length = 0;
    for (const r of s.inService) {
      // A Map keyed by id kept the first position and the last value of a repeated id.
      const at = this.inService.findIndex((q) => q.id === r.id);
      if (at >= 0) this.inService[at] = { ...r };
      else this.inService.push({ ...r });
    }
    this.waiting.length = 0;
    this.waiting.push(...s.waiting.map((r) => ({ ...r })));
    this.channelFreeNs = s.channelFreeNs;
  }
}
