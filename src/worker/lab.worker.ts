// The lab worker: a thin shell around LabHost (STYLE §7). It decodes messages, hands them to
// the host, and keeps one pump loop going: setTimeout for paced waits, a MessageChannel for
// "come straight back" (setTimeout(0) would be clamped to 4 ms when nested).
import { Machine, type MachineOptions } from '../emu/machine';
import { LabHost } from './lab-host';
import type { ToWorker } from './protocol';
import { RackStreams } from './serial-streams';
import { TdcStreams } from './tdc-streams';

declare const self: DedicatedWorkerGlobalScope;

// Serial output, port status, bus trace and registers of the IndustryPack rack (serial-streams.ts).
const rack = new RackStreams((item, transfer) => host.emit(item, transfer));
// Timestamps, rates, histograms, counters and the event log of the TDC panel (tdc-streams.ts).
const tdc = new TdcStreams((item, transfer) => host.emit(item, transfer));

const host = new LabHost({
  // The lab's shape is Machine.create's to validate (it throws a message naming the bad field).
  createMachine: (lab, seed) => {
    const machine = Machine.create({ lab, seed } as MachineOptions);
    rack.attach(machine);
    tdc.attach(machine);
    return machine;
  },
  wallMs: () => performance.now(),
  post: (message, transfer) => self.postMessage(message, transfer),
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
  schedule(host.pump());
}

immediate.port1.onmessage = () => {
  immediatePending = false;
  loop();
};

self.onmessage = (e: MessageEvent<ToWorker>) => {
  if (!rack.handle(e.data) && !tdc.handle(e.data)) host.handle(e.data);
  schedule(0);
};

host.start();
schedule(0);
