// The TDC guest driver against the SPEC + FMC-TDC model on a PCI bus: probe, timestamps, faults.
import { describe, expect, it } from 'vitest';
import { createPlatformRig } from '../src/emu/bus/platform';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { SpecCarrier } from '../src/emu/devices/spec/spec';
import { TdcDriver, type TdcDriverOptions } from '../src/emu/guest/tdc/tdc-driver';

const MS = 1_000_000;

function rig(options: TdcDriverOptions = {}) {
  const sched = new Scheduler();
  const r = createPlatformRig(sched, { ramBytes: 16 * 1024 * 1024 });
  const spec = new SpecCarrier(sched, r.ram, new Rng(7));
  r.pci.plug(3, spec);
  r.pci.assignResources();
  const driver = new TdcDriver(r.platform, sched, options);
  driver.start();
  sched.runFor(10 * MS);
  return { ...r, spec, driver };
}

/** Schedules `count` pulses of widthNs on channel ch (0..4), first at startNs. */
function pulses(
  sched: Scheduler,
  spec: SpecCarrier,
  ch: number,
  startNs: number,
  periodNs: number,
  widthNs: number,
  count: number,
) {
  const owner = sched.register(`test.pulses.${ch}`, (kind) => spec.tdc.inputEdge(ch, kind === 1));
  for (let i = 0; i < count; i++) {
    sched.at(startNs + i * periodNs, owner, 1);
    sched.at(startNs + i * periodNs + widthNs, owner, 0);
  }
}

describe('TDC driver on the SPEC model', () => {
  it('probes the carrier and the mezzanine', () => {
    const { driver } = rig();
    expect(driver.probeError).toBe('');
    expect(driver.state).toBe('ready');
  });

  it('delivers one timestamp per 1 kHz pulse on channel 1', () => {
    const { sched, spec, driver } = rig();
    driver.setChannel(0, { enabled: true, termination: true });
    pulses(sched, spec, 0, sched.nowNs + 1000, 1_000_000, 200, 1000);
    sched.runFor(1020 * MS);
    const st = driver.channelStatus(0);
    expect(st.timestamps).toBe(1000);
    expect(st.sequenceGaps).toBe(0);
    expect(st.duplicates).toBe(0);
  });
});

describe('TDC driver scatter-gather DMA', () => {
  it('moves a block larger than a page through chained descriptors, in order and complete', () => {
    const { sched, spec, driver } = rig();
    driver.setChannel(0, { enabled: true });
    pulses(sched, spec, 0, sched.nowNs + 1000, 10_000, 200, 5000); // 100 kHz: ~1000 records per IRQ
    sched.runFor(80 * MS);
    expect(driver.channelStatus(0)).toMatchObject({ timestamps: 5000, sequenceGaps: 0, duplicates: 0 });
  });

  it('D2: an error after the first segment discards the block and retries it whole', () => {
    const { sched, spec, driver } = rig();
    driver.setChannel(0, { enabled: true });
    spec.dma.armFault({ id: 1, kind: 'error-after', bytes: 5000 });
    pulses(sched, spec, 0, sched.nowNs + 1000, 10_000, 200, 5000);
    sched.runFor(80 * MS);
    expect(driver.channelStatus(0)).toMatchObject({
      timestamps: 5000,
      dmaErrors: 1,
      dmaRecoveries: 1,
      sequenceGaps: 0,
      duplicates: 0,
    });
  });
});
