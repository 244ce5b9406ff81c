import { describe, expect, it } from 'vitest';
import type { ThrottleGroupInfo } from '../qmp-shapes';
import { SeriesRing } from '../series';
import { bucketRows } from './bucket-levels';
import { chartText } from './group-chart';
import { parseConsoleInput } from './qmp-console';

const foo: ThrottleGroupInfo = {
  name: 'foo',
  members: ['hd1', 'hd2', 'hd4'],
  limits: { iops: 6000, bps: 0, bps_rd: 1_000_000, bps_wr: 0 },
  iops: 6003.4,
  rd_iops: 3001,
  wr_iops: 3002.4,
  bps: 24_600_000,
  rd_bps: 12_300_000,
  wr_bps: 12_300_000,
};

describe('chart text alternatives', () => {
  it('states the measured rates and the total limit', () => {
    expect(chartText(foo, 'iops')).toBe('foo IOPS: 6003 measured (read 3001, write 3002); limit 6000');
  });
  it('states read/write limits when no total is set, in bytes per second', () => {
    expect(chartText(foo, 'bps')).toBe(
      'foo bps: 24600000 B/s measured (read 12300000 B/s, write 12300000 B/s); limits read 1000000 B/s, write none',
    );
    expect(chartText({ ...foo, limits: {} }, 'iops')).toMatch(/; no limit$/);
  });
});

describe('bucket fill', () => {
  it('lists configured buckets with QEMU sizes: avg/10 without a burst, max × length with one', () => {
    const levels = { iops_total: [602, 0], bps_read: [5, 0], iops_read: [1, 0] };
    expect(bucketRows(levels, { iops: 6000, bps_rd: 1000 })).toEqual([
      { param: 'iops', level: 602, size: 600 },
      { param: 'bps_rd', level: 5, size: 100 },
    ]);
    expect(bucketRows(levels, { iops: 6000, iops_max: 9000, iops_max_length: 5 })[0].size).toBe(45_000);
    expect(bucketRows(undefined, { iops: 1 })).toEqual([]);
  });
  it('reads the leaked bucket views with sizes and burst budgets when the machine gives them', () => {
    const levels = {
      buckets: { iops_total: { level: 300, size: 45_000, burst_level: 10, burst_size: 900 } },
      stored: { iops_total: [1, 0] },
    };
    expect(bucketRows(levels, { iops: 6000 })).toEqual([
      { param: 'iops', level: 300, size: 45_000, burstLevel: 10, burstSize: 900 },
    ]);
  });
});

describe('QMP console input', () => {
  it('accepts JSON commands and bare command names, and explains bad input', () => {
    expect(parseConsoleInput('query-block')).toEqual({ execute: 'query-block' });
    expect(parseConsoleInput('{"execute":"x","arguments":{"a":1}}')).toEqual({
      execute: 'x',
      arguments: { a: 1 },
    });
    expect(parseConsoleInput('{"arguments":{}}')).toMatch(/execute/);
    expect(parseConsoleInput('{oops')).toMatch(/^Invalid JSON/);
  });
});

describe('chart series', () => {
  it('keeps only the newest points and returns a window oldest first', () => {
    const ring = new SeriesRing(3);
    for (let t = 0; t < 5; t++)
      ring.push({ t, iops: t, rd_iops: 0, wr_iops: 0, bps: 0, rd_bps: 0, wr_bps: 0 });
    expect(ring.length).toBe(3);
    expect(ring.since(0).map((p) => p.t)).toEqual([2, 3, 4]);
    expect(ring.since(3).map((p) => p.t)).toEqual([3, 4]);
    expect(ring.last()?.t).toBe(4);
  });
});
