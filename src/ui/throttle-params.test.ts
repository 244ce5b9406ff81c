import { describe, expect, it } from 'vitest';
import {
  configFromInserted,
  paramValue,
  parseLimit,
  sliderRange,
  throttleCommand,
  unthrottleCommand,
} from './throttle-params';

/** foo's limits in the tests below: 6000 IOPS with a 9000 IOPS burst for 5 s. */
const burstyFoo = () => ({
  bps: 0,
  bps_rd: 0,
  bps_wr: 0,
  iops: 6000,
  iops_rd: 0,
  iops_wr: 0,
  iops_max: 9000,
  iops_max_length: 5,
});

describe('throttle parameters', () => {
  it('reads the full configuration from query-block, with burst lengths only beside a burst', () => {
    const inserted = {
      file: 'a.qcow2',
      bps: 0,
      bps_rd: 0,
      bps_wr: 0,
      iops: 100,
      iops_rd: 0,
      iops_wr: 0,
      iops_max: 2000,
      iops_max_length: 60,
      iops_size: 4096,
      group: 'g0',
    };
    expect(configFromInserted(inserted)).toEqual({
      bps: 0,
      bps_rd: 0,
      bps_wr: 0,
      iops: 100,
      iops_rd: 0,
      iops_wr: 0,
      iops_max: 2000,
      iops_max_length: 60,
      iops_size: 4096,
    });
    expect(configFromInserted(undefined)).toEqual({
      bps: 0,
      bps_rd: 0,
      bps_wr: 0,
      iops: 0,
      iops_rd: 0,
      iops_wr: 0,
    });
  });

  it('sends the whole configuration with one field changed, through a member, naming the group', () => {
    const config = burstyFoo();
    expect(throttleCommand('hd1', 'foo', config, 'iops', 3000)).toEqual({
      execute: 'block_set_io_throttle',
      arguments: {
        device: 'hd1',
        bps: 0,
        bps_rd: 0,
        bps_wr: 0,
        iops: 3000,
        iops_rd: 0,
        iops_wr: 0,
        iops_max: 9000,
        iops_max_length: 5,
        group: 'foo',
      },
    });
    expect(config.iops).toBe(6000);
  });

  it('drops the burst length when the burst is cleared, and keeps it when only the length changes', () => {
    const config = burstyFoo();
    expect(throttleCommand('hd1', 'foo', config, 'iops_max', 0).arguments).not.toHaveProperty(
      'iops_max_length',
    );
    expect(throttleCommand('hd1', 'foo', config, 'iops_max_length', 7).arguments).toMatchObject({
      iops_max: 9000,
      iops_max_length: 7,
    });
    expect(throttleCommand('hd1', 'foo', { iops: 1 }, 'bps_max_length', 3).arguments).toMatchObject({
      bps_max_length: 3,
    });
  });

  it('unthrottles with all six base limits at zero', () => {
    expect(unthrottleCommand('hd6').arguments).toEqual({
      device: 'hd6',
      bps: 0,
      bps_rd: 0,
      bps_wr: 0,
      iops: 0,
      iops_rd: 0,
      iops_wr: 0,
    });
  });

  it('takes whole numbers, negative ones included (QEMU judges them), and rejects anything else', () => {
    expect(parseLimit(' 3000 ')).toBe(3000);
    expect(parseLimit('-1')).toBe(-1);
    expect(parseLimit('1.5')).toBe('Enter a whole number');
    expect(parseLimit('')).toBe('Enter a whole number');
  });

  it('shows burst lengths as 1 when unset and widens a slider to fit a large value', () => {
    expect(paramValue({}, 'iops_max_length')).toBe(1);
    expect(paramValue({}, 'iops_max')).toBe(0);
    expect(sliderRange('iops', 6000)).toEqual({ min: 0, max: 20_000, step: 100 });
    expect(sliderRange('iops', 50_000).max).toBe(100_000);
    expect(sliderRange('bps_wr_max_length', 1).min).toBe(1);
  });
});
