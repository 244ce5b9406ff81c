// The UI's end of the TDC panel's protocol: routes TDC items into the store (at most one store
// update per animation frame, however many items arrive) and turns the panel's user commands
// into QMP commands (automation.md §2: x-tdc-*, x-inject-fault) or stream messages.
import type { QmpCommand } from '../../worker/protocol';
import type { TdcExportChannel, TdcItem } from '../../worker/tdc-protocol';
import { qmp, qmpError, send } from '../lab-client';
import { useLab } from '../store';
import type { TdcState } from './tdc-state';

/** The newest data not yet applied to the store. */
let pending: Partial<TdcState> | undefined;
let frameRequested = false;
let nextExportId = 1;
const pendingExports = new Map<number, (channels: TdcExportChannel[]) => void>();

function applyPending(): void {
  frameRequested = false;
  const patch = pending;
  pending = undefined;
  if (patch) useLab.getState().setTdc(patch);
}

export function routeTdcItem(item: TdcItem): void {
  switch (item.kind) {
    case 'tdcData': {
      const patch: Partial<TdcState> = {
        absent: false,
        nowNs: item.nowNs,
        mode: item.mode,
        channels: item.channels,
        recent: item.recent,
      };
      // Histogram and events ride on some items only: keep the previous ones otherwise.
      if (item.histogram) patch.histogram = item.histogram;
      if (item.events) patch.events = item.events;
      pending = { ...pending, ...patch };
      if (!frameRequested) {
        frameRequested = true;
        requestAnimationFrame(applyPending);
      }
      break;
    }
    case 'tdcAbsent':
      useLab.getState().setTdc({ absent: true });
      break;
    case 'tdcExport': {
      const resolve = pendingExports.get(item.id);
      pendingExports.delete(item.id);
      resolve?.(item.channels);
      break;
    }
  }
}

/** Runs a QMP command; resolves with the error text, or undefined on success. */
async function run(cmd: QmpCommand): Promise<string | undefined> {
  return qmpError(await qmp(cmd));
}

export const tdcStream = (on: boolean) => send({ kind: 'tdcStream', on });

/** The newest timestamps of every channel (for the CSV and VCD exports). */
export function requestTdcExport(): Promise<TdcExportChannel[]> {
  const id = nextExportId++;
  return new Promise((resolve) => {
    pendingExports.set(id, resolve);
    send({ kind: 'tdcExportRequest', id });
  });
}

export const tdcChannelSet = (
  channel: number,
  settings: { enabled?: boolean; termination?: boolean; offset_ps?: number },
) => run({ execute: 'x-tdc-channel-set', arguments: { channel, ...settings } });

export async function tdcPulses(args: Record<string, number>): Promise<string | undefined> {
  const err = await run({ execute: 'x-tdc-pulses', arguments: args });
  if (!err) {
    const widthsNs = [...useLab.getState().tdc.widthsNs];
    widthsNs[args.channel - 1] = args.width_ns;
    useLab.getState().setTdc({ widthsNs });
  }
  return err;
}

/** Stops the channel's pulse generator and its noise source. */
export const tdcStop = (channel: number) => run({ execute: 'x-tdc-stop', arguments: { channel } });

export interface NoiseSettings {
  glitchRateHz: number;
  glitchWidthNs: number;
  /** Probability (0..1) that a rising edge is lost. */
  lostEdges: number;
  /** Probability (0..1) of a reflection per pulse (only without termination). */
  reflections: number;
}

/** Applies a channel's noise source: glitches, lost edges and reflections, one command each. */
export async function tdcNoise(channel: number, n: NoiseSettings): Promise<string | undefined> {
  return (
    (await run({
      execute: 'x-tdc-noise',
      arguments: { channel, rate_hz: n.glitchRateHz, width_ns: n.glitchWidthNs },
    })) ??
    (await run({
      execute: 'x-tdc-edge-loss',
      arguments: { channel, edge: 'rising', probability: n.lostEdges },
    })) ??
    (await run({ execute: 'x-tdc-reflection', arguments: { channel, probability: n.reflections } }))
  );
}

export const tdcDriverMode = (mode: string) => run({ execute: 'x-tdc-driver-mode', arguments: { mode } });

export const tdcInjectFault = (kind: string, params: Record<string, unknown> = {}) =>
  run({ execute: 'x-inject-fault', arguments: { device: 'spec0', kind, ...params } });
