// Golden run of the whole TDC pipeline (pulse → FMC TDC → DDR → GN4124 DMA → guest driver decode),
// pinned from the code as it was before the session-3 speed work: every delivered timestamp
// (channel, seconds, ps, index in its channel), the driver's counters and log, the bus trace text
// (every access with its virtual time), the interrupt edges, guest RAM, the carrier DDR, the model's
// counters and nowNs at checkpoints. Three runs: the bench's (five 1 MHz trains), a noisy one
// (glitches, reflections, edge loss, pulses the filter or the ACAM drops, outliers, channel
// switched off and on, an offset, DMA errors from the fault injector, small buffers so the
// hardware switches on its own) and the fmc-tdc-v8 driver mode with a DMA error.
// GOLDEN_PRINT=1 prints the digests instead of comparing them.
import { describe, expect, it } from 'vitest';
import { createPlatformRig } from '../src/emu/bus/platform';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { stateHash } from '../src/emu/core/snapshot';
import { TraceRing } from '../src/emu/core/trace';
import { FaultInjector } from '../src/emu/devices/fault-injector';
import { SpecCarrier, type SpecOptions } from '../src/emu/devices/spec/spec';
import { TdcSignalSource } from '../src/emu/devices/tdc-signal';
import { TdcDriver, type TdcDriverOptions } from '../src/emu/guest/tdc/tdc-driver';

const MS = 1_000_000;
const CHANNELS = 5;

/** Two 32-bit FNV-style lanes over numbers and strings. */
class Digest {
  private h1 = 0x811c9dc5;
  private h2 = 0xcbf29ce4;
  count = 0;

  word(w: number): void {
    this.h1 = Math.imul(this.h1 ^ (w >>> 0), 0x01000193) >>> 0;
    this.h2 = Math.imul(this.h2 ^ (w >>> 0), 0x0100019d) >>> 0;
    this.h2 = (this.h2 ^ (this.h2 >>> 15)) >>> 0;
  }

  num(x: number): void {
    this.count++;
    if (Number.isSafeInteger(x)) {
      this.word(x % 0x100000000);
      this.word(Math.floor(x / 0x100000000));
    } else this.str(String(x));
  }

  str(s: string): void {
    this.count++;
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  get hex(): string {
    return this.h1.toString(16).padStart(8, '0') + this.h2.toString(16).padStart(8, '0');
  }
}

interface Setup {
  spec?: SpecOptions;
  driver?: Omit<TdcDriverOptions, 'onTimestamps'>;
  ramBytes?: number;
  traced: boolean;
  /** Signals, faults and driver changes at virtual times (ms after the probe), in order. */
  script: (at: number, x: Parts) => void;
  scriptTimes: number[];
  runMs: number;
  checkpointMs: number;
}

interface Parts {
  driver: TdcDriver;
  signals: TdcSignalSource;
  faults: FaultInjector;
  spec: SpecCarrier;
}

function run(setup: Setup) {
  const sched = new Scheduler();
  const trace = setup.traced ? new TraceRing(1 << 16, () => sched.nowNs) : undefined;
  const rig = createPlatformRig(sched, { ramBytes: setup.ramBytes ?? 8 * 1024 * 1024, trace });
  const spec = new SpecCarrier(sched, rig.ram, new Rng(1), { ...setup.spec, trace });
  rig.pci.plug(4, spec);
  rig.pci.assignResources();
  const stamps = new Digest();
  const perChannel = new Array(CHANNELS).fill(0);
  const driver = new TdcDriver(rig.platform, sched, {
    ...setup.driver,
    onTimestamps: (ch, s, ps, n) => {
      for (let i = 0; i < n; i++) {
        stamps.num(ch);
        stamps.num(s[i]);
        stamps.num(ps[i]);
        stamps.num(perChannel[ch]++);
      }
    },
  });
  const irq = new Digest();
  rig.irq.onChange((line, level) => {
    irq.num(line);
    irq.num(level ? 1 : 0);
    irq.num(sched.nowNs);
  });
  const traceDigest = new Digest();
  let traceSeq = 0;
  const drainTrace = () => {
    if (!trace) return;
    const records = trace.since(traceSeq);
    expect(records.length).toBe(trace.lastSeq - traceSeq); // the ring never overflowed
    for (const r of records) {
      traceDigest.str(
        `${r.atNs} ${r.kind} ${r.device} ${r.space} ${r.offset} ${r.width} ${r.value} ${r.text}`,
      );
    }
    traceSeq = trace.lastSeq;
  };
  for (let ch = 0; ch < CHANNELS; ch++) driver.setChannel(ch, { enabled: true, termination: true });
  driver.start();
  sched.runFor(5 * MS);
  drainTrace();
  const signals = new TdcSignalSource(sched, 'golden.signals', new Rng(2), spec.tdc);
  const faults = new FaultInjector(sched, spec);
  const parts: Parts = { driver, signals, faults, spec };
  const t0 = sched.nowNs;
  const checkpoints = new Digest();
  const times = [...setup.scriptTimes];
  for (let ms = 0; ms <= setup.runMs; ms += setup.checkpointMs) {
    while (times.length > 0 && times[0] <= ms) {
      const at = times.shift() as number;
      sched.runUntil(t0 + at * MS);
      setup.script(at, parts);
    }
    sched.runUntil(t0 + ms * MS);
    drainTrace();
    checkpoints.num(sched.nowNs);
    checkpoints.num(stamps.count);
    checkpoints.str(stateHash(Array.from({ length: CHANNELS }, (_, ch) => spec.tdc.counters(ch))));
  }
  const ram = new Digest();
  const words = new Uint32Array(rig.ram.bytes.buffer, rig.ram.bytes.byteOffset, rig.ram.bytes.length >>> 2);
  for (let i = 0; i < words.length; i++) ram.word(words[i]);
  return {
    nowNs: sched.nowNs,
    delivered: perChannel,
    timestamps: stamps.hex,
    checkpoints: checkpoints.hex,
    trace: `${traceDigest.count} ${traceDigest.hex}`,
    irq: `${irq.count} ${irq.hex}`,
    ram: ram.hex,
    ddr: stateHash(spec.ddr.snapshot()),
    driver: stateHash({
      status: driver.status(),
      channels: Array.from({ length: CHANNELS }, (_, ch) => driver.channelStatus(ch)),
      dmesg: driver.dmesg(),
    }),
    model: stateHash({
      tdc: spec.tdc.snapshot(),
      dma: spec.dma.snapshot(),
      signals: Array.from({ length: CHANNELS }, (_, ch) => signals.counters(ch)),
      faults: faults.report(),
    }),
    scheduler: stateHash(sched.snapshot()),
  };
}

const benchSetup = (traced: boolean): Setup => ({
  traced,
  driver: { stagingBytes: 1024 * 1024 },
  scriptTimes: [0],
  script: (_at, { signals }) => {
    for (let ch = 0; ch < CHANNELS; ch++) signals.periodic(ch, { periodNs: 1000, widthNs: 200 });
  },
  runMs: 30,
  checkpointMs: 1,
});

const noisySetup: Setup = {
  traced: true,
  spec: { tdc: { acam: { outlierProbability: 2e-4 } } },
  driver: { irqTimeoutMs: 1, bufferRecords: 2048, startUtcSeconds: 1234 },
  scriptTimes: [0, 3, 6, 8, 10, 12, 15, 18, 20, 22, 25, 28, 31],
  script: (at, { driver, signals, faults }) => {
    switch (at) {
      case 0:
        driver.setChannel(3, { termination: false });
        signals.periodic(0, { periodNs: 1000, widthNs: 200 });
        signals.periodic(1, { periodNs: 777.7775, widthNs: 150.25 });
        signals.burst(2, { n: 4000, spacingNs: 50, widthNs: 20 });
        signals.periodic(3, { periodNs: 2000, widthNs: 300 });
        signals.noise(3, { rateHz: 50_000, widthNs: 3 });
        signals.reflection(3, { probability: 0.3 });
        signals.periodic(4, { periodNs: 1500, widthNs: 400 });
        signals.noise(4, { rateHz: 20_000, widthNs: 150 });
        break;
      case 3:
        signals.periodic(2, { periodNs: 3000, widthNs: 5.5 });
        for (let i = 0; i < 20; i++) signals.glitch(0, 3_000_100 + i * 7000.25, 2.5);
        break;
      case 6:
        faults.dmaError('next');
        signals.periodic(2, { periodNs: 400, widthNs: 120, count: 3000 });
        break;
      case 8:
        signals.edgeLoss(1, 'falling', 0.2);
        break;
      case 10:
        faults.dmaError({ afterBytes: 10_000 });
        signals.edgeLoss(1, 'falling', 0);
        break;
      case 12:
        driver.setChannel(1, { enabled: false });
        signals.periodic(2, { periodNs: 100, widthNs: 40, count: 20000 });
        break;
      case 15:
        driver.setChannel(1, { enabled: true });
        driver.setChannel(0, { offsetPs: -229_460 });
        break;
      case 18:
        signals.stop(4);
        signals.pulse(4, 18_000_333.125, 250);
        faults.dmaError('next');
        break;
      case 20:
        signals.periodic(4, { periodNs: 250, widthNs: 100 });
        break;
      case 22:
        signals.reflection(3, null);
        driver.setChannel(2, { offsetPs: 123_456_789 });
        break;
      case 25:
        signals.noise(3, null);
        signals.periodic(1, { periodNs: 5000, widthNs: 90 });
        break;
      case 28:
        driver.setChannel(4, { enabled: false });
        break;
      case 31:
        driver.setChannel(4, { enabled: true });
        signals.stop(0);
        break;
    }
  },
  runMs: 36,
  checkpointMs: 1,
};

const v8Setup: Setup = {
  traced: true,
  driver: { mode: 'fmc-tdc-v8', irqTimeoutMs: 2 },
  scriptTimes: [0, 7],
  script: (at, { signals, faults }) => {
    if (at === 0)
      for (let ch = 0; ch < CHANNELS; ch++) signals.periodic(ch, { periodNs: 900 + 100 * ch, widthNs: 200 });
    else faults.dmaError('next');
  },
  runMs: 20,
  checkpointMs: 1,
};

const GOLDEN = {
  bench: {
    nowNs: 35000000,
    delivered: [20002, 20002, 20002, 20002, 20002],
    timestamps: '5cbb010855de6f07',
    checkpoints: '83d2da5e444ed804',
    trace: '798 3d39d2056440bf46',
    irq: '72 9c6b5475cf51cf55',
    ram: '93c96b9cb455182c',
    ddr: '7391c27c70a54fe3',
    driver: '9eef8385a366bf8e',
    model: 'f59b2cd4981e13e1',
    scheduler: 'f8b770c96bbbcd06',
  },
  noisy: {
    nowNs: 41000000,
    delivered: [31001, 29550, 3000, 17479, 30178],
    timestamps: '497b2192944cedf3',
    checkpoints: '9b6e3ca184b820b8',
    trace: '5305 b5cd9dedf918e924',
    irq: '1620 4e0d964d5216bc2c',
    ram: '3754498f2ffcc891',
    ddr: '73afa1bc5915a593',
    driver: 'bdc67cc90442e706',
    model: '5c9f82ecfa964397',
    scheduler: '70ece7899f02ca40',
  },
  v8: {
    nowNs: 25000000,
    delivered: [7107, 6396, 5576, 5001, 4718],
    timestamps: '17cfe1786778e4d9',
    checkpoints: 'c461cea58d50cf95',
    trace: '970 7231720750bd6350',
    irq: '138 f7fcfa2c4a95e89f',
    ram: '897e0dac6c6b8333',
    ddr: 'c3c92f01b87a3b76',
    driver: 'cd136e008a12a92d',
    model: '39ed8306be634857',
    scheduler: 'fd4779a2f0091999',
  },
};

function check(name: keyof typeof GOLDEN, actual: ReturnType<typeof run>): void {
  if (process.env.GOLDEN_PRINT) {
    process.stdout.write(`${name}: ${JSON.stringify(actual, null, 2)}\n`);
    return;
  }
  expect(actual).toEqual(GOLDEN[name]);
}

describe('TDC pipeline golden runs (pinned before the speed work)', () => {
  it('bench run: five 1 MHz trains, 1 MiB staging; the same timestamps with and without a trace', () => {
    const traced = run(benchSetup(true));
    check('bench', traced);
    const plain = run(benchSetup(false));
    const { trace: _t, ...rest } = traced;
    const { trace: _p, ...restPlain } = plain;
    expect(restPlain).toEqual(rest);
  });

  it('noisy run: glitches, reflections, edge loss, drops, outliers, offsets, DMA errors, auto switches', () => {
    check('noisy', run(noisySetup));
  });

  it('fmc-tdc-v8 driver mode with a DMA error', () => {
    check('v8', run(v8Setup));
  });
});
