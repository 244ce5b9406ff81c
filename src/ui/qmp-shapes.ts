// The shapes of the query results the panels read (automation.md §2, throttle.md §14), as the
// UI sees them. Only the fields the panels use are typed; everything else passes through.
import type { TimedStats } from '../emu/block/blockstats';

export interface GroupRates {
  iops: number;
  bps: number;
  rd_iops: number;
  wr_iops: number;
  rd_bps: number;
  wr_bps: number;
}

/** One element of `x-query-throttle-groups`. */
export interface ThrottleGroupInfo extends GroupRates {
  name: string;
  members: string[];
  /** QMP names, as block_set_io_throttle takes them. */
  limits: Record<string, number>;
  /** Bucket fill, when the machine reports it (shape left open). */
  levels?: unknown;
}

/** One element of `query-block`. */
export interface BlockInfo {
  device: string;
  inserted?: Record<string, unknown> & { file?: string; group?: string };
}

export type { TimedStats };

/** One element of `query-blockstats`. */
export interface BlockStatsInfo {
  device: string;
  stats: {
    rd_bytes: number;
    wr_bytes: number;
    rd_operations: number;
    wr_operations: number;
    rd_total_time_ns: number;
    wr_total_time_ns: number;
    timed_stats?: TimedStats[];
  };
}

export const asArray = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
