import { describe, expect, it } from 'vitest';
import { defaultLab, resolveLab, validateLabConfig } from './lab-config';

describe('validateLabConfig', () => {
  it('accepts the default lab and keeps serial/tdc sections as given', () => {
    const lab = { ...defaultLab(), serial: { ports: 8 }, tdc: { channels: 5 } };
    expect(validateLabConfig(JSON.parse(JSON.stringify(lab)))).toEqual(lab);
  });

  it.each([
    [
      { drives: [{ name: 'a' }, { name: 'b' }, { name: 'c', throttle: { iops: -1 } }] },
      'drives[2].throttle.iops: expected a non-negative integer',
    ],
    [{ drives: [{ name: 'a', throttle: { iopz: 1 } }] }, 'drives[0].throttle.iopz: unknown limit'],
    [{ drives: [{ name: 'a', workload: { rw: 'rand' } }] }, 'drives[0].workload.rw: expected one of'],
    [{ drives: [{ name: 'a', workload: { rw: 'read', rwmixread: 101 } }] }, 'drives[0].workload.rwmixread'],
    [{ drives: [{ name: 'a', stats_intervals: [1, 0] }] }, 'drives[0].stats_intervals[1]'],
    [{ drives: [{ name: 'a' }, { name: 'a' }] }, 'drives[1].name: duplicate drive "a"'],
    [{ drives: [{ name: '' }] }, 'drives[0].name: expected a name'],
    [{ drives: {} }, 'drives: expected an array'],
    [{ drives: [], seed: 1.5 }, 'seed: expected an integer'],
    [{ drives: [], colour: 1 }, 'colour: unknown field'],
    [
      { drives: [], groups: [{ name: 'g', limits: { bps: 'x' } }] },
      'groups[0].limits.bps: expected a non-negative integer',
    ],
  ])('names the JSON path of the bad field (%#)', (input, message) => {
    expect(() => validateLabConfig(input)).toThrow(message);
  });
});

describe('defaultLab', () => {
  it('has the six disks of the QEMU 2.4 announcement in foo, bar and hd6', () => {
    const lab = defaultLab();
    const byGroup = (g: string) =>
      lab.drives.filter((d) => d.group === g).map((d) => [d.name, d.throttle?.iops]);
    expect(byGroup('foo')).toEqual([
      ['hd1', 6000],
      ['hd2', 6000],
      ['hd4', 6000],
    ]);
    expect(byGroup('bar')).toEqual([
      ['hd3', 3000],
      ['hd5', 3000],
    ]);
    expect(byGroup('hd6')).toEqual([['hd6', 5000]]);
    expect(lab.drives.every((d) => d.workload?.iodepth === 32)).toBe(true);
  });
});

describe('resolveLab', () => {
  it('accepts "default", {"qemu": ARGS} and lab contents, prefixing errors with the path', () => {
    expect(resolveLab('default').drives).toHaveLength(6);
    expect(resolveLab({ qemu: '-drive file=hd9.qcow2,iops=10', seed: 4 })).toMatchObject({
      seed: 4,
      drives: [{ name: 'hd9' }],
    });
    expect(() => resolveLab({ qemu: '-drive file=a,iops=1,throttling.iops-total=1' })).toThrow(
      /^lab\.qemu: -drive .*'throttling.iops-total' and its alias 'iops' can't be used at the same time$/,
    );
    expect(() => resolveLab({ drives: [{ name: 'a', throttle: { iops: 'x' } }] })).toThrow(
      'lab.drives[0].throttle.iops',
    );
    expect(() => resolveLab('fancy')).toThrow('lab: expected "default"');
  });
});
