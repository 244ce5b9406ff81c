import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { Scheduler } from '../../core/scheduler';
import { ACAM_V8_CONFIG, TDC_ACAM_PLL_NOT_LOCKED, tdcRecordPs } from '../../hw/spec-tdc-regs';
import { ACAM_DEFAULT_OPTIONS, AcamGpx, inverseNormalCdf, normalFromU32 } from './acam';

function rig(options = {}) {
  const sched = new Scheduler();
  const acam = new AcamGpx(sched, 'acam', new Rng(7), { ...ACAM_DEFAULT_OPTIONS, ...options });
  return { sched, acam };
}

function loadV8(acam: AcamGpx) {
  for (const [reg, value] of Object.entries(ACAM_V8_CONFIG)) acam.writeImage(Number(reg), value);
  acam.loadConfig();
}

describe('ACAM configuration and PLL lock (§2.4)', () => {
  it('reports the PLL locked 1 ms after loading reg 7 = 0x1FEA, and not before', () => {
    const { sched, acam } = rig();
    loadV8(acam);
    sched.runUntil(999_999);
    acam.readConfig();
    expect(acam.readReadback(12) & TDC_ACAM_PLL_NOT_LOCKED).toBe(TDC_ACAM_PLL_NOT_LOCKED);
    sched.runUntil(1_000_000);
    acam.readConfig();
    expect(acam.readReadback(12) & TDC_ACAM_PLL_NOT_LOCKED).toBe(0);
    expect(acam.readReadback(0)).toBe(0x01f0fc81);
    expect(acam.readReadback(7)).toBe(0x1fea);
  });

  it('never locks with another reg 7 value, or with the B4 fault', () => {
    const { sched, acam } = rig();
    acam.writeImage(7, 0x1fe0);
    acam.loadConfig();
    sched.runFor(10_000_000);
    acam.readConfig();
    expect(acam.pllLocked).toBe(false);
    acam.setNeverLocks(true);
    loadV8(acam);
    sched.runFor(10_000_000);
    acam.readConfig();
    expect(acam.readReadback(12) & TDC_ACAM_PLL_NOT_LOCKED).toBe(TDC_ACAM_PLL_NOT_LOCKED);
  });

  it('keeps images of the writable registers only', () => {
    const { acam } = rig();
    acam.writeImage(9, 0x1234);
    expect(acam.readImage(9)).toBe(0);
    acam.writeImage(14, 0x55);
    expect(acam.readImage(14)).toBe(0x55);
  });
});

describe('ACAM quantisation (§2.10)', () => {
  it('ideal model converts exact ps to coarse and frac', () => {
    const { acam } = rig({ model: 'ideal' });
    expect(acam.quantise({ seconds: 5, ps: 200_002_500 })).toEqual({
      seconds: 5,
      coarse: 25_000,
      frac: 1280,
      bins: 0,
    });
  });

  it('acam model without jitter stays within one 81 ps bin plus the gateware scale error', () => {
    const { acam } = rig({ jitterPs: 0, outlierProbability: 0 });
    for (const ps of [0, 81, 1000, 255_999, 511_999, 123_456_789, 999_999_999_999]) {
      const ts = acam.quantise({ seconds: 3, ps });
      const got = tdcRecordPs(ts.coarse, ts.frac) + (ts.seconds - 3) * 1e12;
      expect(ps - got).toBeGreaterThanOrEqual(-1);
      // bins × 84934/2048 treats a bin as 81.0 ps: at most ~0.25 ns short over a 512 ns start period.
      expect(ps - got).toBeLessThan(82 + 250);
      expect(ts.bins).toBe(Math.floor((ps % 512_000) / 81.0383));
    }
  });

  it('acam model jitter has σ near 115 ps', () => {
    const { acam } = rig({ outlierProbability: 0 });
    const errs: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const ps = 100_000_000 + i * 1_000_003;
      const ts = acam.quantise({ seconds: 0, ps });
      errs.push(tdcRecordPs(ts.coarse, ts.frac) - ps);
    }
    const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
    const sd = Math.sqrt(errs.reduce((a, b) => a + (b - mean) ** 2, 0) / errs.length);
    expect(sd).toBeGreaterThan(100);
    expect(sd).toBeLessThan(140);
  });
});

describe('normal deviates for the ACAM jitter', () => {
  it('inverts the normal CDF at known quantiles', () => {
    expect(inverseNormalCdf(0.5)).toBeCloseTo(0, 9);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959964, 5);
    expect(inverseNormalCdf(0.001)).toBeCloseTo(-3.090232, 5);
    expect(inverseNormalCdf(0.9999)).toBeCloseTo(3.719016, 5);
  });

  it('maps 32-bit words to a zero-mean, unit-variance table bounded by ±4.33', () => {
    let sum = 0;
    let sq = 0;
    let max = 0;
    for (let i = 0; i < 65536; i++) {
      const z = normalFromU32(i << 16);
      sum += z;
      sq += z * z;
      max = Math.max(max, Math.abs(z));
    }
    expect(Math.abs(sum / 65536)).toBeLessThan(1e-9);
    expect(sq / 65536).toBeCloseTo(1, 2);
    expect(max).toBeGreaterThan(4.3);
    expect(max).toBeLessThan(4.33);
  });

  it('produces outliers of ±4 ns at the configured rate', () => {
    const { acam } = rig({ jitterPs: 0, outlierProbability: 0.01 });
    let outliers = 0;
    for (let i = 0; i < 20_000; i++) {
      const ps = 10_000_000 + i * 1_000_000;
      const ts = acam.quantise({ seconds: 0, ps });
      if (Math.abs(tdcRecordPs(ts.coarse, ts.frac) - ps) > 3000) outliers++;
    }
    expect(outliers).toBeGreaterThan(140);
    expect(outliers).toBeLessThan(260);
  });
});

describe('per-edge arithmetic of the acam model', () => {
  it('converts bins as the gateware formula does: floor(bins × 84934 / 2048) past the last 512 ns start', () => {
    const { acam } = rig({ jitterPs: 0, outlierProbability: 0 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), (ps) => {
        const startPs = Math.floor(ps / 512_000) * 512_000;
        const bins = Math.floor((ps - startPs) / 81.0383);
        const fracTotal = Math.floor((bins * 84934) / 2048);
        let coarse = startPs / 8000 + Math.floor(fracTotal / 4096);
        let seconds = 9;
        if (coarse >= 125_000_000) {
          coarse -= 125_000_000;
          seconds = 10;
        }
        expect(acam.quantise({ seconds: 9, ps })).toEqual({ seconds, coarse, frac: fracTotal % 4096, bins });
      }),
      { numRuns: 5_000 },
    );
  });

  it('skip() takes the same rng draws as quantise(), outliers included', () => {
    const a = rig({ outlierProbability: 0.05 }).acam;
    const b = rig({ outlierProbability: 0.05 }).acam;
    for (let i = 0; i < 2000; i++) {
      a.quantise({ seconds: 0, ps: 1000 * i });
      b.skip();
    }
    expect(a.snapshot()).toEqual(b.snapshot());
    expect(a.quantise({ seconds: 0, ps: 5 })).toEqual(b.quantise({ seconds: 0, ps: 5 }));
  });
});
