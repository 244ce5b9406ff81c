// The lab worker: a thin shell around LabHost (STYLE §7). It decodes messages, hands them to
// the host, and keeps one pump loop going: setTimeout for paced waits, a MessageChannel for
// "come straight back" (setTimeout(0) would be clamped to 4 ms when nested).

import v86WasmUrl from 'v86/build/v86.wasm?url';
import { Machine, type MachineOptions } from '../emu/machine';
import { LabHost } from './lab-host';
import { LinuxHost } from './linux-host';
import type { ToWorker } from './protocol';
import { RackStreams } from './serial-streams';
import { TdcStreams } from './tdc-streams';

declare const self: DedicatedWorkerGlobalScope;

// Serial output, port status, bus trace and registers of the IndustryPack rack (serial-streams.ts).
const rack = new RackStreams((item, transfer) => host.emit(item, transfer));
// Timestamps, rates, histograms, counters and the event log of the TDC panel (tdc-streams.ts).
const tdc = new TdcStreams((item, transfer) => host.emit(item, transfer));

/** The machine the TypeScript guest runs (the lab Linux mode rebuilds with its own rack). */
let current: Machine | undefined;

const host = new LabHost({
  // The lab's shape is Machine.create's to validate (it throws a message naming the bad field).
  createMachine: (lab, seed) => {
    const machine = Machine.create({ lab, seed } as MachineOptions);
    rack.attach(machine);
    tdc.attach(machine);
    current = machine;
    return machine;
  },
  wallMs: () => performance.now(),
  post: (message, transfer) => self.postMessage(message, transfer),
});

// The guest selector: Linux 6.1 in v86 (this thread) driving the same rack, and its console.
const linux = new LinuxHost({
  host,
  emit: (item, transfer) => host.emit(item, transfer),
  current: () => current,
  attachViews: (machine) => {
    rack.attach(machine);
    tdc.attach(machine);
  },
  guestBase: new URL('/guest/', self.location.href).href,
  wasmUrl: new URL(v86WasmUrl, self.location.href).href,
  wallMs: () => performance.now(),
});

const immediate = new MessageChannel();
let timer: ReturnType<typeof setTimeout> | undefined;
let immediatePending = false;

function schedule(waitMs: number): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (waitMs <= 0) {
    if (!immediatePending) {
      immediatePending = true;
      immediate.port2.postMessage(0);
    }
  } else {
    timer = setTimeout(loop, waitMs);
  }
}

function loop(): void {
  timer = undefined;
  rack.collect(performance.now());
  tdc.collect(performance.now());
  linux.collect(performance.now());
  schedule(host.pump());
}

immediate.port1.onmessage = () => {
  immediatePending = false;
  loop();
};

self.onmessage = (e: MessageEvent<ToWorker>) => {
  if (!linux.handle(e.data) && !rack.handle(e.data) && !tdc.handle(e.data)) host.handle(e.data);
  schedule(0);
};

host.start();
schedule(0);
