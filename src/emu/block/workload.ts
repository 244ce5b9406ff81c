// fio-like guest workload on one drive: `rw` pattern, `rwmixread`, `bs`, `iodepth` (closed loop:
// that many requests outstanding), optional `rate_iops` / `rate` (bytes/s) pacing caps (open
// loop: issues are spaced by at least 1/rate), `none` to stop issuing.
//
// The job only decides what to issue and when; the block layer owns the request path. Direction
// choices for randrw come from the machine's seeded Rng.
import type { Rng } from '../core/rng';
import { type Direction, READ, WRITE } from './throttle';

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
  if (!RW_MODES.includes(spec.rw as RwMode)) {
    return "Parameter 'rw' expects one of: read, write, randread, randwrite, randrw, none";
  }
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

export function pickDirection(w: ResolvedWorkload, rng: Rng): Direction {
  switch (w.rw) {
    case 'read':
    case 'randread':
      return READ;
    case 'write':
    case 'randwrite':
      return WRITE;
    default:
      return rng.next() * 100 < w.rwmixread ? READ : WRITE;
  }
}

export function isSequential(w: ResolvedWorkload): boolean {
  return w.rw === 'read' || w.rw === 'write';
}
