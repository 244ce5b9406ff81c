import { describe, expect, it } from 'vitest';
import type { TdcExportChannel } from '../../worker/tdc-protocol';
import {
  groupDigits,
  histogramBars,
  histogramText,
  periodNsOfHz,
  pulseArgs,
  timestampsCsv,
  timestampsVcd,
} from './tdc-state';

const ch = (channel: number, times: [number, number][]): TdcExportChannel => ({
  channel,
  firstIndex: 1,
  seconds: Float64Array.from(times, (t) => t[0]),
  ps: Float64Array.from(times, (t) => t[1]),
});

describe('pulse generator arguments', () => {
  it('a 1 kHz periodic train is a 1 ms period until stopped', () => {
    const r = pulseArgs(1, { mode: 'periodic', periodNs: periodNsOfHz(1000), widthNs: 200, burstCount: 10 });
    expect(r).toEqual({ args: { channel: 1, period_ns: 1_000_000, width_ns: 200, count: 0 } });
  });

  it('a burst carries its count and a single pulse is a count of one', () => {
    expect(pulseArgs(2, { mode: 'burst', periodNs: 1000, widthNs: 100, burstCount: 5 })).toEqual({
      args: { channel: 2, period_ns: 1000, width_ns: 100, count: 5 },
    });
    const single = pulseArgs(3, { mode: 'single', periodNs: Number.NaN, widthNs: 700, burstCount: 0 });
    expect(single).toEqual({ args: { channel: 3, period_ns: 1400, width_ns: 700, count: 1 } });
  });

  it('refuses a width that is not shorter than the period', () => {
    expect(pulseArgs(1, { mode: 'periodic', periodNs: 100, widthNs: 100, burstCount: 1 })).toEqual({
      error: 'width must be shorter than the period',
    });
  });
});

describe('histogram views', () => {
  const h = { lowerNs: [1, 2, 4, 8], counts: [[0, 3, 0, 1], [], [], [], []] };

  it('draws the bins from the first to the last non-empty one', () => {
    expect(histogramBars(h, 1).map((b) => b.count)).toEqual([3, 0, 1]);
    expect(histogramBars(h, 2)).toEqual([]);
  });

  it('says in text what the bars show', () => {
    expect(histogramText(h, 1)).toBe('channel 1 intervals: 3 in 2 ns – 4 ns; 1 in 8 ns – 16 ns');
    expect(histogramText(h, 2)).toBe('channel 2 intervals: none yet');
  });
});

describe('exports', () => {
  it('CSV lists every timestamp by time with its channel and delivery number', () => {
    const csv = timestampsCsv([
      ch(1, [
        [1, 500],
        [2, 0],
      ]),
      ch(2, [[1, 900]]),
    ]);
    expect(csv).toBe('channel,index,seconds,ps\n1,1,1,500\n2,1,1,900\n1,2,2,0\n');
  });

  it('VCD has a rising edge at each timestamp and a falling edge one width later', () => {
    const vcd = timestampsVcd(
      [
        ch(1, [
          [0, 1000],
          [0, 1_001_000],
        ]),
      ],
      [200],
    );
    expect(vcd).toContain('$timescale 1 ps $end');
    expect(vcd).toContain('$var wire 1 ! ch1 $end');
    const body = vcd.split('$enddefinitions $end\n')[1];
    expect(body).toBe('#0\n$dumpvars\n0!\n$end\n#0\n1!\n#200000\n0!\n#1000000\n1!\n#1200000\n0!\n');
  });

  it('groups long numbers by three digits', () => {
    expect(groupDigits(123456789)).toBe('123\u2009456\u2009789');
    expect(groupDigits(-1000)).toBe('-1\u2009000');
  });
});
