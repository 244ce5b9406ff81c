// The UI's end of the worker protocol: starts the lab worker, routes each batch's items into the
// store, and turns commands into messages. Panels call these functions; they never post directly.

import { isLinuxItem } from '../worker/linux-protocol';
import type {
  FromWorker,
  ItemOf,
  LabSpec,
  QmpCommand,
  QmpResponse,
  Speed,
  TickItem,
  ToWorker,
  WorkerItem,
} from '../worker/protocol';
import { isRackItem } from '../worker/serial-protocol';
import { isTdcItem } from '../worker/tdc-protocol';
import { routeLinuxItem } from './linux/linux-client';
import { routeTdcItem } from './panels/tdc-client';
import { useLab } from './store';
import { routeRackItem } from './terminal/rack-client';

let worker: Worker | undefined;
/** The newest tick not yet applied: ticks are coalesced to one store update per frame. */
let pendingTick: TickItem | undefined;
let frameRequested = false;
let lastApplyMs = Number.NEGATIVE_INFINITY;
/** Store updates from ticks are at most this often (wall ms): the page stays light. */
const APPLY_EVERY_MS = 100;
let nextId = 1;
const pendingQmp = new Map<number, (r: QmpResponse) => void>();
const pendingLoads: ((error: string | undefined) => void)[] = [];
const pendingSnapshots = new Map<number, (item: ItemOf<'snapshot'> | ItemOf<'restored'>) => void>();

function route(item: WorkerItem): void {
  const store = useLab.getState();
  switch (item.kind) {
    case 'ready':
      store.setReady(item.commands);
      break;
    case 'tick':
      pendingTick = item;
      break;
    case 'qmpResult': {
      const resolve = pendingQmp.get(item.id);
      pendingQmp.delete(item.id);
      resolve?.(item.response);
      break;
    }
    case 'labLoaded':
      store.labLoaded(item.generation);
      pendingLoads.shift()?.(undefined);
      break;
    case 'labError':
      store.setLabError(item.message);
      pendingLoads.shift()?.(item.message);
      break;
    case 'fault':
      store.setWorkerError(`The machine stopped: ${item.message}`);
      break;
    case 'series':
      store.pushSeries(item);
      break;
    case 'snapshot':
    case 'restored': {
      const resolve = pendingSnapshots.get(item.id);
      pendingSnapshots.delete(item.id);
      resolve?.(item);
      break;
    }
  }
}

function applyPendingTick(): void {
  frameRequested = false;
  lastApplyMs = performance.now();
  const tick = pendingTick;
  pendingTick = undefined;
  if (tick) useLab.getState().applyTick(tick);
}

/**
 * Routes one batch. Ticks only replace the pending tick, applied at an animation frame at most
 * every APPLY_EVERY_MS, so a slow render never builds a backlog of stale ticks (the clock shown
 * stays current). A batch carrying replies applies its tick first, so a reply's handler sees
 * the state after it.
 */
function receive(batch: FromWorker): void {
  let replies = false;
  for (const item of batch.items) {
    if (item.kind === 'tick') pendingTick = item;
    else if (item.kind === 'series')
      useLab.getState().pushSeries(item); // a stream: no re-render
    else if (isRackItem(item))
      routeRackItem(item); // streams: not replies, no tick flush
    else if (isTdcItem(item)) routeTdcItem(item);
    else if (isLinuxItem(item)) routeLinuxItem(item);
    else replies = true;
  }
  if (replies) {
    applyPendingTick();
    for (const item of batch.items)
      if (
        item.kind !== 'tick' &&
        item.kind !== 'series' &&
        !isRackItem(item) &&
        !isTdcItem(item) &&
        !isLinuxItem(item)
      )
        route(item);
  }
  if (pendingTick && !frameRequested) {
    frameRequested = true;
    const waitMs = lastApplyMs + APPLY_EVERY_MS - performance.now();
    if (waitMs > 0) setTimeout(() => requestAnimationFrame(applyPendingTick), waitMs);
    else requestAnimationFrame(applyPendingTick);
  }
}

/** Starts the worker (once); returns a function that stops it. */
export function connectLab(): () => void {
  if (worker) return () => {};
  const w = new Worker(new URL('../worker/lab.worker.ts', import.meta.url), { type: 'module' });
  worker = w;
  w.onmessage = (e: MessageEvent<FromWorker>) => receive(e.data);
  w.onerror = (e) => useLab.getState().setWorkerError(e.message || 'the lab worker failed to start');
  return () => {
    w.terminate();
    if (worker === w) worker = undefined;
  };
}

export function send(msg: ToWorker): void {
  worker?.postMessage(msg);
}

/** Sends one QMP command; resolves with QEMU's `{return}` or `{error}`. */
export function qmp(cmd: QmpCommand): Promise<QmpResponse> {
  const id = nextId++;
  return new Promise((resolve) => {
    pendingQmp.set(id, resolve);
    send({ kind: 'qmp', id, cmd });
  });
}

/** The error description of a response, or undefined when it succeeded. */
export function qmpError(r: QmpResponse): string | undefined {
  return 'error' in r ? r.error.desc : undefined;
}

/** Rebuilds the machine; resolves with the error message, or undefined when it loaded. */
export function loadLab(lab: LabSpec): Promise<string | undefined> {
  return new Promise((resolve) => {
    pendingLoads.push(resolve);
    send({ kind: 'loadLab', lab });
  });
}

export const setSpeed = (speed: Speed) => send({ kind: 'setSpeed', speed });
export const pause = () => send({ kind: 'pause' });
export const resume = () => send({ kind: 'resume' });
export const step = (ns: number) => send({ kind: 'step', ns });

/** The machine's whole state (DESIGN rule 7), to restore later in this lab. */
export function requestSnapshot(): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve) => {
    pendingSnapshots.set(id, (item) => resolve(item.kind === 'snapshot' ? item.snapshot : undefined));
    send({ kind: 'requestSnapshot', id });
  });
}

/** Restores a snapshot; resolves with the error message, or undefined when restored. */
export function restoreSnapshot(snapshot: unknown): Promise<string | undefined> {
  const id = nextId++;
  return new Promise((resolve) => {
    pendingSnapshots.set(id, (item) => resolve(item.kind === 'restored' ? item.error : 'unexpected reply'));
    send({ kind: 'restoreSnapshot', id, snapshot });
  });
}
