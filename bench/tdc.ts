// tdc.pipeline (automation.md §1): pulse → FMC TDC (ACAM quantisation, filter, numbering, DDR
// buffer) → GN4124 DMA into guest RAM → guest driver decode, in Node, per CPU-second of this
// process (process.cpuUsage, as bench/throttle.ts: robust when other jobs share the CPUs), in the
// steady state (steadyPipeline()). Five channels each get a 1 MHz train of 200 ns pulses; the
// driver runs with a 1 MiB staging buffer so one DMA moves up to 65,536 records and the decode runs
// over a Uint32Array view of them.
// tdc.decode: the driver's decode loop alone (records already in guest RAM), for comparison:
// the end-to-end figure is bounded by the per-edge device model, not by DMA or decode.
import { createPlatformRig } from '../src/emu/bus/platform';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { SpecCarrier } from '../src/emu/devices/spec/spec';
import { TdcSignalSource } from '../src/emu/devices/tdc-signal';
import { TdcDriver } from '../src/emu/guest/tdc/tdc-driver';
import { decodeRecords, newDecodeState } from '../src/emu/guest/tdc/tdc-record';
import type { Bench } from './bench-types';

const CHANNELS = 5;
const PERIOD_NS = 1000;
const WIDTH_NS = 200;

/** CPU seconds (user + system) of this process since `start`. */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

/** Runs `virtualMs` of the pipeline; returns delivered timestamps and CPU seconds. */
export function runTdcPipeline(virtualMs: number): { timestamps: number; cpuS: number; gaps: number } {
  const sched = new Scheduler();
  const rig = createPlatformRig(sched, { ramBytes: 8 * 1024 * 1024 });
  const spec = new SpecCarrier(sched, rig.ram, new Rng(1));
  rig.pci.plug(4, spec);
  rig.pci.assignResources();
  let delivered = 0;
  const driver = new TdcDriver(rig.platform, sched, {
    stagingBytes: 1024 * 1024,
    onTimestamps: (_ch, _s, _ps, n) => {
      delivered += n;
    },
  });
  for (let ch = 0; ch < CHANNELS; ch++) driver.setChannel(ch, { enabled: true, termination: true });
  driver.start();
  sched.runFor(5_000_000);
  const signals = new TdcSignalSource(sched, 'bench.signals', new Rng(2), spec.tdc);
  for (let ch = 0; ch < CHANNELS; ch++) signals.periodic(ch, { periodNs: PERIOD_NS, widthNs: WIDTH_NS });
  const start = process.cpuUsage();
  sched.runFor(virtualMs * 1_000_000);
  const cpuS = cpuSecondsSince(start);
  let gaps = 0;
  for (let ch = 0; ch < CHANNELS; ch++) gaps += driver.channelStatus(ch).sequenceGaps;
  return { timestamps: delivered, cpuS, gaps };
}

/**
 * The steady state, as bench/serial.ts and bench/lab.ts measure theirs: two full-size warm-up runs,
 * then the median of three. After a 20 ms warm-up the first 200 ms run spent about half its CPU time
 * on V8's compiler threads optimising the path (process.cpuUsage counts every thread), so that
 * figure measured the JIT more than the pipeline.
 */
export function steadyPipeline(): number {
  runTdcPipeline(200);
  runTdcPipeline(200);
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = runTdcPipeline(200);
    rates.push(r.timestamps / r.cpuS / 1e6);
  }
  rates.sort((a, b) => a - b);
  return rates[1];
}

/** Decodes `batches` DMA blocks of 65,536 records each; returns records per CPU second. */
export function runDecode(batches: number): number {
  const n = 65_536;
  const words = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    words[4 * i] = 1234;
    words[4 * i + 1] = (i * 125) % 125_000_000;
    words[4 * i + 2] = (i * 37) & 0xfff;
    words[4 * i + 3] = (i << 4) | 8;
  }
  const st = newDecodeState();
  const s = new Float64Array(n);
  const ps = new Float64Array(n);
  let total = 0;
  const start = process.cpuUsage();
  for (let b = 0; b < batches; b++) {
    st.expectedSeq = 0;
    total += decodeRecords(words, n, 0, st, true, s, ps);
  }
  return total / cpuSecondsSince(start);
}

export const benches: Bench[] = [
  {
    name: 'tdc.pipeline',
    unit: 'M timestamps/s',
    run: () => steadyPipeline(),
  },
  {
    name: 'tdc.decode',
    unit: 'M timestamps/s',
    run: () => {
      runDecode(20);
      return runDecode(500) / 1e6;
    },
  },
];
