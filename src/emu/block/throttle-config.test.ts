import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  configFromQmp,
  DRIVE_AVG_NAMES,
  DRIVE_GROUP,
  DRIVE_IOPS_SIZE,
  DRIVE_LEGACY_ALIASES,
  DRIVE_LENGTH_NAMES,
  DRIVE_MAX_NAMES,
  DRIVE_TO_QMP,
  defaultConfig,
  effectiveBuckets,
  MSG_CONFLICT,
  MSG_IOPS_SIZE,
  MSG_LENGTH_NO_MAX,
  MSG_LENGTH_TOO_HIGH,
  MSG_LENGTH_ZERO,
  MSG_MAX_BELOW_AVG,
  MSG_MAX_NO_AVG,
  MSG_RANGE,
  mergeLimits,
  QMP_NUMERIC_NAMES,
  queryBlockThrottleFields,
  validateConfig,
} from './throttle-config';

const qmp = (args: Record<string, number>) => validateConfig(configFromQmp(args));

describe('throttle name tables', () => {
  it('lists the 20 -drive names of §13.1', () => {
    const names = [
      ...DRIVE_AVG_NAMES,
      ...DRIVE_MAX_NAMES,
      ...DRIVE_LENGTH_NAMES,
      DRIVE_IOPS_SIZE,
      DRIVE_GROUP,
    ];
    expect(new Set(names).size).toBe(20);
    expect(names).toContain('throttling.iops-total-max-length');
    expect(names).toContain('throttling.bps-write');
  });

  it('gives legacy aliases to every -drive name except the -max-length ones', () => {
    expect(DRIVE_LEGACY_ALIASES['throttling.iops-total']).toBe('iops');
    expect(DRIVE_LEGACY_ALIASES['throttling.bps-read-max']).toBe('bps_rd_max');
    expect(DRIVE_LEGACY_ALIASES['throttling.group']).toBe('group');
    expect(Object.keys(DRIVE_LEGACY_ALIASES)).toHaveLength(14);
    for (const n of DRIVE_LENGTH_NAMES) expect(DRIVE_LEGACY_ALIASES[n]).toBeUndefined();
  });

  it('maps every -drive numeric name onto a QMP name', () => {
    expect(Object.values(DRIVE_TO_QMP).sort()).toEqual([...QMP_NUMERIC_NAMES].sort());
    expect(DRIVE_TO_QMP['throttling.bps-write-max-length']).toBe('bps_wr_max_length');
  });
});

describe('throttle_is_valid (§9.1)', () => {
  it('rejects total with read/write of the same unit, on avg and on max', () => {
    expect(qmp({ bps: 1000, bps_rd: 10 })).toBe(MSG_CONFLICT);
    expect(qmp({ iops: 100, iops_wr: 10 })).toBe(MSG_CONFLICT);
    expect(qmp({ iops: 10, iops_max: 100, iops_rd_max: 50 })).toBe(MSG_CONFLICT);
    expect(qmp({ iops: 100, bps_rd: 10, bps_wr: 5 })).toBeNull();
  });

  it('requires an iops limit for iops_size, checked after the conflict rule', () => {
    expect(qmp({ bps: 1000, iops_size: 4096 })).toBe(MSG_IOPS_SIZE);
    expect(qmp({ bps: 5, bps_wr: 5, iops_size: 4096 })).toBe(MSG_CONFLICT);
    expect(qmp({ bps: -5, iops_size: 4096 })).toBe(MSG_IOPS_SIZE);
  });

  it('reports negative QMP numbers with the range message (uint64 wrap)', () => {
    expect(qmp({ iops: -1 })).toBe(MSG_RANGE);
    expect(qmp({ bps: 1e15 + 1 })).toBe(MSG_RANGE);
    expect(qmp({ bps: 1e15 })).toBeNull();
  });

  it('checks burst lengths: zero, without max, too high, negative wraps', () => {
    expect(qmp({ iops: 10, iops_max: 100, iops_max_length: 0 })).toBe(MSG_LENGTH_ZERO);
    expect(qmp({ iops: 10, iops_max_length: 5 })).toBe(MSG_LENGTH_NO_MAX);
    expect(qmp({ iops: 10, iops_max: 1e6, iops_max_length: 1000000001 })).toBe(MSG_LENGTH_TOO_HIGH);
    expect(qmp({ iops: 5, iops_max: 10, iops_max_length: 1e14 })).toBeNull();
    expect(qmp({ iops: 1, iops_max: 2, iops_max_length: -1 })).toBe(MSG_LENGTH_TOO_HIGH);
    expect(qmp({ iops: 1, iops_max_length: -1 })).toBe(MSG_LENGTH_NO_MAX);
  });

  it('requires the base limit for a max, and max at least avg', () => {
    expect(qmp({ iops_max: 100 })).toBe(MSG_MAX_NO_AVG);
    expect(qmp({ bps: 50, bps_rd_max: 100 })).toBe(MSG_MAX_NO_AVG);
    expect(qmp({ iops: 100, iops_max: 50 })).toBe(MSG_MAX_BELOW_AVG);
    expect(qmp({ iops: 100, iops_max: 100 })).toBeNull();
  });

  it('walks buckets in order, all rules of one bucket before the next', () => {
    // bps_total fails rule f, iops_total fails rule a: bps_total comes first.
    expect(qmp({ bps: 100, bps_max: 50, iops: 2e15 })).toBe(MSG_MAX_BELOW_AVG);
  });

  it('accepts every config whose values are in range and consistent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 1e6 }), (avg, extra) => {
        expect(qmp({ iops: avg, iops_max: avg + extra, bps_rd: avg })).toBeNull();
      }),
    );
  });
});

describe('ThrottleLimits path (§9.2)', () => {
  it('rejects a length above UINT_MAX before throttle_is_valid and accepts UINT_MAX', () => {
    const bad = mergeLimits(defaultConfig(), {
      'iops-total': 1,
      'iops-total-max': 2,
      'iops-total-max-length': 4294967296,
    });
    expect(bad).toEqual({ error: 'iops-total-max-length value must be in the range [0, 4294967295]' });
    const ok = mergeLimits(defaultConfig(), {
      'iops-total': 1,
      'iops-total-max': 2,
      'iops-total-max-length': 4294967295,
    });
    expect('config' in ok && validateConfig(ok.config)).toBeNull();
  });

  it('merges only the fields it is given', () => {
    const base = configFromQmp({ bps: 100, iops: 7 });
    const r = mergeLimits(base, { 'iops-total': 9 });
    expect('config' in r && r.config.avg).toEqual([100, 0, 0, 9, 0, 0]);
  });
});

describe('effective buckets and query-block rendering (§14)', () => {
  it('stores omitted optional fields as their defaults (replace, not merge)', () => {
    const e = effectiveBuckets(configFromQmp({ iops: 100, iops_max: 2000, iops_max_length: 60 }));
    expect(e.iops_total).toEqual({ avg: 100, max: 2000, burst_length: 60 });
    expect(e.bps_total).toEqual({ avg: 0, max: 0, burst_length: 1 });
    expect(e.iops_size).toBe(0);
  });

  it('shows *_max and its length only when non-zero, iops_size when set, group when enabled', () => {
    const f = queryBlockThrottleFields(
      configFromQmp({ iops: 100, iops_max: 2000, iops_max_length: 60 }),
      'g0',
    );
    expect(f).toEqual({
      bps: 0,
      bps_rd: 0,
      bps_wr: 0,
      iops: 100,
      iops_rd: 0,
      iops_wr: 0,
      iops_max: 2000,
      iops_max_length: 60,
      group: 'g0',
    });
    expect(queryBlockThrottleFields(configFromQmp({ iops: 1, iops_size: 512 }), 'x').iops_size).toBe(512);
    expect(queryBlockThrottleFields(null, null)).toEqual({
      bps: 0,
      bps_rd: 0,
      bps_wr: 0,
      iops: 0,
      iops_rd: 0,
      iops_wr: 0,
    });
  });
});
