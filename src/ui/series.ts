// Bounded chart series: a fixed number of samples per group, oldest dropped (DESIGN rule 5).
import type { GroupRates } from './qmp-shapes';

export const SERIES_FIELDS = ['iops', 'rd_iops', 'wr_iops', 'bps', 'rd_bps', 'wr_bps'] as const;
export type SeriesPoint = { t: number } & GroupRates;

export class SeriesRing {
  private readonly points: (SeriesPoint | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.points = new Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  last(): SeriesPoint | undefined {
    return this.count === 0 ? undefined : this.points[(this.head - 1 + this.capacity) % this.capacity];
  }

  push(p: SeriesPoint): void {
    this.points[this.head] = p;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Points with t ≥ fromS, oldest first. */
  since(fromS: number): SeriesPoint[] {
    const out: SeriesPoint[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const p = this.points[(start + i) % this.capacity]!;
      if (p.t >= fromS) out.push(p);
    }
    return out;
  }
}
