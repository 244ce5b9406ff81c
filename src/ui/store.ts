// The UI's one store (STYLE §7): the latest tick, the watched query results, bounded chart
// series per throttle group, and lab-level status. Only this module creates zustand state.
import { create } from 'zustand';
import type { SeriesItem, Speed, TickItem } from '../worker/protocol';
import { emptyLinux, type LinuxState } from './linux/linux-state';
import { emptyTdc, type TdcState } from './panels/tdc-state';
import type { BlockInfo, BlockStatsInfo, ThrottleGroupInfo } from './qmp-shapes';
import { asArray } from './qmp-shapes';
import { SeriesRing } from './series';
import { emptyRack, type RackState } from './terminal/rack-state';

/** Virtual seconds of history the charts show. */
export const CHART_WINDOW_S = 30;
/** Points kept per group: 30 s at the worker's 250 ms sampling grid (protocol DEFAULT_SERIES). */
const SERIES_CAPACITY = 121;
/** Charts redraw at most this often (wall ms); the text alternatives follow every tick. */
const CHART_REDRAW_MS = 500;

export interface LabState {
  connected: boolean;
  commands: string[];
  generation: number;
  nowNs: number;
  speed: Speed;
  paused: boolean;
  /** 'realtime': the clock follows the Linux guest's v86 (speed and step do not apply). */
  clock: 'virtual' | 'realtime';
  achievedSpeed: number;
  groups: ThrottleGroupInfo[];
  blocks: BlockInfo[];
  blockstats: BlockStatsInfo[];
  /** Mutable bounded rings; `seriesVersion` changes when charts should redraw. */
  series: Map<string, SeriesRing>;
  seriesVersion: number;
  labError?: string;
  workerError?: string;
  /** The IndustryPack rack's views (terminal/rack-state.ts). */
  rack: RackState;
  /** The TDC panel's views (panels/tdc-state.ts). */
  tdc: TdcState;
  /** The guest selector and the Linux guest's start-up (linux/linux-state.ts). */
  linux: LinuxState;

  applyTick(t: TickItem): void;
  /** Appends sampled points to the chart rings (no re-render; the next tick redraws). */
  pushSeries(item: SeriesItem): void;
  labLoaded(generation: number): void;
  setLabError(message: string | undefined): void;
  setReady(commands: string[]): void;
  setWorkerError(message: string): void;
  setRack(patch: Partial<RackState> | ((rack: RackState) => Partial<RackState>)): void;
  setTdc(patch: Partial<TdcState>): void;
  setLinux(patch: Partial<LinuxState> | ((linux: LinuxState) => LinuxState)): void;
}

/**
 * `next`, with every part that deep-equals the same part of `prev` replaced by `prev`'s object
 * (the whole of `prev` when nothing changed), so an unchanged query result keeps its identity and
 * the components that select it do not re-render.
 */
export function keepEqual<T>(prev: T, next: T): T {
  if (Object.is(prev, next)) return prev;
  if (typeof prev !== 'object' || typeof next !== 'object' || prev === null || next === null) return next;
  if (Array.isArray(prev) !== Array.isArray(next)) return next;
  const p = prev as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  const keys = Object.keys(n);
  let same = keys.length === Object.keys(p).length;
  const values: unknown[] = [];
  for (const key of keys) {
    const v = keepEqual(p[key], n[key]);
    values.push(v);
    if (v !== p[key] || !Object.hasOwn(p, key)) same = false;
  }
  if (same) return prev;
  // Object.fromEntries defines own properties, so a key named "__proto__" stays data, not a prototype.
  return (Array.isArray(next) ? values : Object.fromEntries(keys.map((k, i) => [k, values[i]]))) as T;
}

let lastRedrawMs = Number.NEGATIVE_INFINITY;
/** Samples arrived since the charts were last redrawn. */
let seriesDirty = false;

export const useLab = create<LabState>()((set, get) => ({
  connected: false,
  commands: [],
  generation: 0,
  nowNs: 0,
  speed: 1,
  paused: false,
  clock: 'virtual',
  achievedSpeed: 0,
  groups: [],
  blocks: [],
  blockstats: [],
  series: new Map(),
  seriesVersion: 0,
  rack: emptyRack(),
  tdc: emptyTdc(),
  linux: emptyLinux(),

  applyTick(t) {
    const groups = asArray<ThrottleGroupInfo>(t.queries['x-query-throttle-groups']);
    const wallMs = performance.now();
    const redraw = seriesDirty && wallMs - lastRedrawMs >= CHART_REDRAW_MS;
    if (redraw) {
      lastRedrawMs = wallMs;
      seriesDirty = false;
    }
    set((s) => ({
      connected: true,
      nowNs: t.nowNs,
      speed: t.speed,
      paused: t.paused,
      clock: t.clock ?? 'virtual',
      achievedSpeed: t.achievedSpeed,
      groups: keepEqual(s.groups, groups),
      blocks:
        'query-block' in t.queries
          ? keepEqual(s.blocks, asArray<BlockInfo>(t.queries['query-block']))
          : s.blocks,
      blockstats:
        'query-blockstats' in t.queries
          ? keepEqual(s.blockstats, asArray<BlockStatsInfo>(t.queries['query-blockstats']))
          : s.blockstats,
      seriesVersion: redraw ? s.seriesVersion + 1 : s.seriesVersion,
    }));
  },

  pushSeries(item) {
    if (item.query !== 'x-query-throttle-groups') return;
    const { series } = get();
    for (const point of item.points) {
      const tS = point.nowNs / 1e9;
      for (const g of asArray<ThrottleGroupInfo>(point.value)) {
        let ring = series.get(g.name);
        const last = ring?.last();
        if (!ring || (last && tS <= last.t)) {
          ring = new SeriesRing(SERIES_CAPACITY); // new, or time went back (snapshot restore)
          series.set(g.name, ring);
        }
        const { iops, rd_iops, wr_iops, bps, rd_bps, wr_bps } = g;
        ring.push({ t: tS, iops, rd_iops, wr_iops, bps, rd_bps, wr_bps });
        seriesDirty = true;
      }
    }
  },

  labLoaded(generation) {
    set({ generation, series: new Map(), seriesVersion: 0, labError: undefined, workerError: undefined });
  },

  setLabError(message) {
    set({ labError: message });
  },

  setReady(commands) {
    set({ connected: true, commands });
  },

  setWorkerError(message) {
    set({ workerError: message });
  },

  setRack(patch) {
    set((s) => ({ rack: { ...s.rack, ...(typeof patch === 'function' ? patch(s.rack) : patch) } }));
  },

  setTdc(patch) {
    set((s) => ({ tdc: { ...s.tdc, ...patch } }));
  },

  setLinux(patch) {
    set((s) => ({ linux: typeof patch === 'function' ? patch(s.linux) : { ...s.linux, ...patch } }));
  },
}));
