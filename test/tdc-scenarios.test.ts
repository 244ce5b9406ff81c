// Every §3 scenario of tdc.md forced through the fault injector or the signal sources, observed
// at the register level (BAR0/BAR4) as a driver would see it.
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../src/emu/devices/fmc-tdc/record';
import { ACAM_V8_CONFIG } from '../src/emu/hw/spec-tdc-regs';
import { makeRig, type Rig, setupChannel, setupInterrupts } from './tdc-rig';

const ideal = { tdc: { acam: { model: 'ideal' as const } } };

function ready(ch = 0, size = 0x100, timeoutMs = 1, burst = 1): Rig {
  const rig = makeRig(ideal);
  setupInterrupts(rig);
  setupChannel(rig, ch, size, timeoutMs, burst);
  return rig;
}

/** SWITCH, wait DONE, return the records of the buffer that was current. */
function drain(rig: Rig, ch = 0) {
  const buf = 0x26000 + 0x40 * ch;
  const base = rig.r0(buf + 4);
  rig.w0(buf, rig.r0(buf) | (1 << 21));
  rig.sched.runFor(1_000);
  rig.w0(buf, rig.r0(buf));
  const n = rig.r0(buf + 8);
  return Array.from({ length: n }, (_, i) =>
    decodeRecord([0, 4, 8, 12].map((o) => rig.spec.ddr.read32(base + 16 * i + o))),
  );
}

describe('§3.1 inputs and noise', () => {
  it('P2b: timestamps numbered while CSR.ENABLE = 0; only the last waits and is stored → a sequence gap', () => {
    const rig = ready();
    rig.w0(0x26000, rig.r0(0x26000) & ~1);
    for (let i = 0; i < 3; i++) rig.signals.pulse(0, rig.sched.nowNs + 1000 + 1000 * i, 200);
    rig.sched.runFor(10_000);
    rig.w0(0x26000, rig.r0(0x26000) | 1);
    expect(drain(rig).map((r) => r.seq)).toEqual([2]);
  });

  it('P3/P5: glitches and pulses of 1 s or more leave the sequence unchanged', () => {
    const rig = ready();
    rig.signals.glitch(0, 1000, 40);
    rig.signals.pulse(0, 10_000, 1.2e9);
    rig.sched.runFor(1.5e9);
    expect(drain(rig)).toEqual([]);
    expect(rig.spec.tdc.channels[0].counters.filtered).toBe(2);
  });

  it('P6a: a lost rising edge yields a duplicate record with the next sequence number', () => {
    const rig = ready();
    rig.signals.pulse(0, 1000, 200);
    rig.sched.runFor(2000);
    rig.signals.edgeLoss(0, 'rising', 1);
    rig.signals.pulse(0, 5000, 200);
    rig.sched.runFor(10_000);
    const [a, b] = drain(rig);
    expect([b.seconds, b.coarse, b.frac]).toEqual([a.seconds, a.coarse, a.frac]);
    expect([a.seq, b.seq]).toEqual([0, 1]);
  });

  it('P6b: a lost falling edge silently loses that pulse without a sequence gap', () => {
    const rig = ready();
    rig.signals.edgeLoss(0, 'falling', 1);
    rig.signals.pulse(0, 1000, 200);
    rig.sched.runFor(2000);
    rig.signals.edgeLoss(0, 'falling', 0);
    rig.signals.pulse(0, 5000, 200);
    rig.sched.runFor(10_000);
    const recs = drain(rig);
    expect(recs.map((r) => r.seq)).toEqual([0]);
    expect(recs[0].coarse).toBe(5000 / 8); // the second pulse; the first is gone
  });

  it('P7: a burst with 4 ns spacing loses edges in the ACAM', () => {
    const rig = ready();
    rig.signals.burst(0, { n: 10, spacingNs: 4, widthNs: 2 });
    rig.sched.runFor(10_000);
    expect(rig.spec.tdc.channels[0].counters.lostInAcam).toBeGreaterThan(0);
  });

  it('P8: reflections appear only while the channel is unterminated', () => {
    const rig = ready();
    rig.w0(0x22084, rig.r0(0x22084) & ~1);
    rig.signals.reflection(0, { probability: 1 });
    rig.signals.pulse(0, 1000, 200);
    rig.sched.runFor(5_000);
    expect(rig.signals.counters(0).reflections).toBe(2);
    rig.w0(0x22084, rig.r0(0x22084) | 1);
    rig.signals.pulse(0, 10_000, 200);
    rig.sched.runFor(5_000);
    expect(rig.signals.counters(0).reflections).toBe(2);
  });
});

describe('§3.2 buffers and DMA', () => {
  it('D2: an error after 16 bytes of a chained transfer leaves a partial host buffer and STAT error', () => {
    const rig = ready();
    for (let i = 0; i < 3; i++) rig.signals.pulse(0, 1000 + 1000 * i, 200);
    rig.sched.runFor(10_000);
    drain(rig);
    const desc = 0x9000;
    const words = [16, 0x21000, 0, 32, 0, 0, 0];
    for (let i = 0; i < words.length; i++) rig.ram.write32(desc + 4 * i, words[i]);
    rig.faults.dmaError({ afterBytes: 16 });
    rig.w0(0xc8, 0);
    rig.w0(0xcc, 0x20000);
    rig.w0(0xd4, 16);
    rig.w0(0xd8, desc);
    rig.w0(0xe0, 2);
    rig.w0(0xc0, 1);
    rig.sched.runFor(20_000);
    expect(rig.r0(0xc4)).toBe(0x6);
    expect(rig.ram.read32(0x20000)).not.toBe(0);
    expect(rig.ram.read32(0x21000)).toBe(0);
  });

  it('D3: a hung transfer stays busy with no interrupt until ABORT gives STAT 3', () => {
    const rig = ready();
    rig.faults.dmaHang();
    rig.w0(0xcc, 0x20000);
    rig.w0(0xd4, 64);
    rig.w0(0xc0, 1);
    rig.sched.runFor(100_000_000);
    expect(rig.r0(0xc4)).toBe(1);
    expect(rig.spec.vic.risr & 4).toBe(0);
    rig.w0(0xc0, 2);
    expect(rig.r0(0xc4)).toBe(3);
  });

  it('D4: a spurious DMA interrupt shows on VIC line 2 with STAT idle + flag', () => {
    const rig = ready();
    rig.faults.dmaSpuriousIrq();
    rig.sched.runFor(10);
    expect(rig.intx()).toBe(true);
    expect(rig.r0(0x114)).toBe(2);
    expect(rig.r0(0xc4)).toBe(4);
  });

  it('D7: DDR not calibrated reads ddr_status 0', () => {
    const rig = ready();
    rig.faults.ddrNotCalibrated();
    expect(rig.r0(0x50)).toBe(0);
  });

  it('D9: the hardware switches on its own when CUR fills; a driver unaware of it then drops records', () => {
    const rig = ready(0, 0x100, 1);
    rig.faults.bufferCapacity(0, 4);
    rig.signals.periodic(0, { periodNs: 1000, widthNs: 200, count: 10 });
    rig.sched.runFor(20_000);
    expect(rig.r0(0x26004)).toBe(0x1000000); // CUR is B now
    // The driver believes A is current, switches (B → invalid NEXT) and re-arms A too late.
    rig.w0(0x26000, rig.r0(0x26000) | (1 << 21));
    rig.signals.periodic(0, { periodNs: 1000, widthNs: 200, count: 3 });
    rig.sched.runFor(2_000_000);
    const buf = rig.spec.tdc.buffers[0].state.counters;
    expect(buf.autoSwitches).toBeGreaterThanOrEqual(1);
    expect(buf.droppedNoBuffer).toBeGreaterThan(0);
    expect(rig.r0(0x2300c) & 0x20).toBe(0x20);
  });
});

describe('§3.3 interrupt plumbing', () => {
  it('I1: an EIC bit for a disabled channel raises the TDC line until it is masked', () => {
    const rig = ready();
    rig.w0(0x23004, 0x3e0);
    rig.faults.spuriousTdcIrq(3);
    expect(rig.r0(0x2300c) & (1 << 8)).toBe(1 << 8);
    expect(rig.r0(0x22084) & (1 << 19)).toBe(0);
    expect(rig.r0(0x114)).toBe(6);
    rig.w0(0x23000, 1 << 8);
    expect(rig.spec.tdc.irqOut).toBe(false);
  });

  it('I3: a local-bus error raises INTA through INT_CFG0 and clears by writing the bit', () => {
    const rig = ready();
    rig.faults.localBusError(0);
    expect(rig.r4(0x814)).toBe(0x100);
    expect(rig.intx()).toBe(true);
    rig.w4(0x814, 0x100);
    expect(rig.intx()).toBe(false);
  });
});

describe('§3.4 board and time base', () => {
  it('B1: no mezzanine reads FMC_PRESENCE 0 and no pulse is time-tagged', () => {
    const rig = ready();
    rig.faults.noMezzanine();
    rig.signals.pulse(0, 1000, 200);
    rig.sched.runFor(5_000);
    expect(rig.r0(0x48)).toBe(0);
    expect(rig.spec.tdc.channels[0].counters.edges).toBe(0);
  });

  it('B2: a corrupted FRU fails the header checksum; a wrong name lacks "FmcTdc1ns5cha"', () => {
    const rig = ready();
    rig.faults.eeprom('fru-corrupt');
    expect(rig.spec.eeprom.image.slice(0, 8).reduce((a, b) => a + b, 0) & 0xff).not.toBe(0);
    rig.faults.eeprom('wrong-name');
    expect(String.fromCharCode(...rig.spec.eeprom.image.slice(0, 64))).not.toContain('FmcTdc1ns5cha');
  });

  it('B4: the ACAM PLL never locks after the driver init sequence', () => {
    const rig = ready();
    rig.w0(0x220fc, 2); // DIS_ACQ so ACAM commands are served
    rig.faults.acamUnlocked();
    for (const [reg, v] of Object.entries(ACAM_V8_CONFIG)) rig.w0(0x22000 + 4 * Number(reg), v);
    rig.w0(0x220fc, 1 << 2);
    rig.sched.runFor(2_000_000_000);
    rig.w0(0x220fc, 1 << 3);
    expect(rig.r0(0x22070) & (1 << 10)).toBe(1 << 10);
  });

  it('B5/B6: thermometer invalid and White Rabbit link loss show in their status registers', () => {
    const rig = ready();
    rig.sched.runFor(1_000_000_000);
    expect(rig.r0(0x21000)).toBe(1);
    rig.faults.thermometerInvalid();
    expect(rig.r0(0x21000)).toBe(0);
    rig.faults.wrLinkUp();
    rig.w0(0x220b4, 1);
    rig.sched.runFor(200_000_000);
    expect(rig.r0(0x220b0) & 0x34).toBe(0x34);
    rig.faults.wrLinkDown();
    expect(rig.r0(0x220b0) & 0x134).toBe(0);
  });

  it('B7: the record sequence wraps from 2^28 − 1 to 0', () => {
    const rig = ready();
    rig.faults.sequencePreset(0, 0x0fffffff);
    rig.signals.pulse(0, 1000, 200);
    rig.signals.pulse(0, 3000, 200);
    rig.sched.runFor(10_000);
    expect(drain(rig).map((r) => r.seq)).toEqual([0x0fffffff, 0]);
  });

  it('B8: wrong carrier metadata is visible at BAR0 0x00–0x0C', () => {
    const rig = ready();
    rig.faults.carrierMetadata({ version: 0x02000000, bom: 0x0000fffe });
    expect([rig.r0(0x08), rig.r0(0x0c)]).toEqual([0x02000000, 0x0000fffe]);
  });
});
