import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exportLibvirt,
  exportQemuCmdline,
  exportVirsh,
  parseQemuCmdline,
  shellQuote,
  shellSplit,
  splitOpts,
  virtioTarget,
} from './cmdline';
import { defaultLab, type LabConfig } from './lab-config';
import { LIMIT_NAMES, normaliseLimits } from './throttle-names';

describe('shellSplit', () => {
  it('handles quotes, escapes and continuations like a shell', () => {
    expect(shellSplit(`-drive 'file=a b.qcow2,if=virtio' "x\\"y" c\\ d \\\n-m 1G`)).toEqual([
      '-drive',
      'file=a b.qcow2,if=virtio',
      'x"y',
      'c d',
      '-m',
      '1G',
    ]);
  });

  it('fails on an unterminated quote', () => {
    expect(() => shellSplit(`-drive 'file=a`)).toThrow(/unterminated/);
  });

  it('quotes what it must so split(quote(w)) is w', () => {
    fc.assert(
      fc.property(fc.string(), (w) => {
        expect(shellSplit(shellQuote(w))).toEqual([w]);
      }),
    );
  });
});

describe('splitOpts', () => {
  it('treats ",," as a literal comma and gives a bare first word the implied key', () => {
    expect(splitOpts('throttle-group,id=a,,b,x-iops-total=5', 'qom-type')).toEqual([
      { key: 'qom-type', value: 'throttle-group' },
      { key: 'id', value: 'a,b' },
      { key: 'x-iops-total', value: '5' },
    ]);
  });
});

describe('parseQemuCmdline', () => {
  it('names a drive after id= or after its file without the extension', () => {
    const lab = parseQemuCmdline(
      'qemu-system-x86_64 -m 1G -enable-kvm -drive file=/img/hd1.qcow2,if=virtio,throttling.iops-total=6000,throttling.group=foo -drive file=x.raw,id=data,iops=100',
    );
    expect(lab.drives.map((d) => d.name)).toEqual(['hd1', 'data']);
    expect(lab.drives[0]).toMatchObject({ file: '/img/hd1.qcow2', throttle: { iops: 6000 }, group: 'foo' });
    expect(lab.drives[1]).toMatchObject({ throttle: { iops: 100 } });
    expect(lab.drives[0].workload).toEqual({ rw: 'randrw', rwmixread: 50, bs: 4096, iodepth: 32 });
  });

  it('reads all 19 numeric throttling options and stats-intervals', () => {
    const opts = LIMIT_NAMES.map((n, i) => `${n.drive}=${i + 1}`).join(',');
    const lab = parseQemuCmdline(`-drive file=a.qcow2,${opts},stats-intervals.0=1,stats-intervals.1=60`);
    for (const [i, n] of LIMIT_NAMES.entries()) expect(lab.drives[0].throttle?.[n.qmp]).toBe(i + 1);
    expect(lab.drives[0].stats_intervals).toEqual([1, 60]);
  });

  it("rejects a legacy alias given with its new name in QEMU's words", () => {
    expect(() => parseQemuCmdline('-drive file=a.qcow2,iops=1,throttling.iops-total=2')).toThrow(
      "'throttling.iops-total' and its alias 'iops' can't be used at the same time",
    );
    expect(() => parseQemuCmdline('-drive file=a.qcow2,group=g,throttling.group=g,iops=1')).toThrow(
      "'throttling.group' and its alias 'group' can't be used at the same time",
    );
  });

  it('reads throttle-group objects, x- properties and limits.*', () => {
    const lab = parseQemuCmdline('-object throttle-group,id=foo,x-iops-total=6000,limits.bps-read=7');
    expect(lab.groups).toEqual([{ name: 'foo', limits: { iops: 6000, bps_rd: 7 } }]);
    expect(() => parseQemuCmdline('-object throttle-group,id=foo,x-iops-total=-1')).toThrow(
      'Property values cannot be negative',
    );
    expect(() => parseQemuCmdline('-object throttle-group,id=foo,x-bogus=1')).toThrow(
      "Property 'throttle-group.x-bogus' not found",
    );
  });

  it('attaches -device ids to drives and rejects unknown drives and properties', () => {
    const lab = parseQemuCmdline(
      '-drive file=a.qcow2,if=none,id=d0 -device virtio-blk-pci,drive=d0,id=vd0 -device tpci200',
    );
    expect(lab.drives[0].device).toBe('vd0');
    expect(() => parseQemuCmdline('-device virtio-blk-pci,drive=nope')).toThrow(
      "Property 'virtio-blk-pci.drive' can't find value 'nope'",
    );
    expect(() =>
      parseQemuCmdline('-drive file=a.qcow2,if=none,id=d0 -device virtio-blk-pci,drive=d0,zap=1'),
    ).toThrow("Property 'virtio-blk-pci.zap' not found");
  });

  it('fails clearly on unknown options, bad numbers and bad -drive keys', () => {
    expect(() => parseQemuCmdline('-frobnicate')).toThrow('-frobnicate: invalid option');
    expect(() => parseQemuCmdline('-blockdev driver=throttle')).toThrow('-blockdev: not modelled by the lab');
    expect(() => parseQemuCmdline('-drive file=a,iops=x')).toThrow("Parameter 'iops' expects a number");
    expect(() => parseQemuCmdline('-drive file=a,zap=1')).toThrow(
      "-drive file=a,zap=1: Invalid parameter 'zap'",
    );
    expect(() => parseQemuCmdline('-drive')).toThrow('-drive: requires an argument');
  });
});

const limitArb = fc
  .record({
    base: fc.constantFrom('bps', 'bps_rd', 'iops', 'iops_wr'),
    avg: fc.integer({ min: 1, max: 1_000_000 }),
    burst: fc.option(
      fc.record({ extra: fc.integer({ min: 0, max: 1000 }), len: fc.integer({ min: 1, max: 60 }) }),
    ),
    size: fc.option(fc.integer({ min: 1, max: 65536 })),
  })
  .map(({ base, avg, burst, size }) => {
    const t: Record<string, number> = { [base]: avg };
    if (burst) {
      t[`${base}_max`] = avg + burst.extra;
      t[`${base}_max_length`] = burst.len;
    }
    if (size && base.startsWith('iops')) t.iops_size = size;
    return t;
  });

const labArb: fc.Arbitrary<LabConfig> = fc
  .array(
    fc.record({
      throttle: fc.option(limitArb),
      group: fc.option(fc.constantFrom('foo', 'bar', 'g-1')),
      intervals: fc.array(fc.integer({ min: 1, max: 3600 }), { maxLength: 3 }),
      device: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((rows) => ({
    drives: rows.map((r, i) => ({
      name: `hd${i + 1}`,
      file: `disk,${i + 1}.qcow2`,
      ...(r.device ? { device: `vd${i}` } : {}),
      ...(r.throttle ? { throttle: r.throttle, group: r.group ?? `hd${i + 1}` } : {}),
      ...(r.intervals.length > 0 ? { stats_intervals: r.intervals } : {}),
    })),
  }));

describe('export', () => {
  it('round-trips: parsing the exported command line gives the same drives and limits', () => {
    fc.assert(
      fc.property(labArb, (lab) => {
        const back = parseQemuCmdline(exportQemuCmdline(lab));
        const shape = (l: LabConfig) =>
          l.drives.map((d) => ({
            name: d.name,
            file: d.file,
            device: d.device,
            throttle: normaliseLimits(d.throttle),
            group: Object.keys(normaliseLimits(d.throttle)).length > 0 ? (d.group ?? d.name) : undefined,
            stats: d.stats_intervals ?? [],
          }));
        expect(shape(back)).toEqual(shape(lab));
      }),
    );
  });

  it('writes the default lab as -drive options with throttling.group', () => {
    const line = exportQemuCmdline(defaultLab());
    expect(line).toContain(
      '-drive file=hd1.qcow2,if=virtio,id=hd1,throttling.iops-total=6000,throttling.group=foo',
    );
    expect(line).toContain('throttling.iops-total=5000,throttling.group=hd6');
  });

  it('round-trips throttle-group objects', () => {
    const lab: LabConfig = {
      drives: [],
      groups: [{ name: 'g', limits: { iops: 10, iops_max: 20, iops_max_length: 3 } }],
    };
    expect(parseQemuCmdline(exportQemuCmdline(lab)).groups).toEqual(lab.groups);
  });

  it('writes libvirt <iotune> elements and virsh blkdeviotune commands', () => {
    const lab: LabConfig = {
      drives: [
        {
          name: 'hd1',
          file: 'hd1.qcow2',
          throttle: { iops: 6000, iops_max: 8000, iops_max_length: 5, iops_size: 4096 },
          group: 'foo',
        },
        { name: 'hd2' },
        { name: 'hd3', throttle: { bps_rd: 1000 } },
      ],
    };
    const xml = exportLibvirt(lab);
    expect(xml).toContain('<total_iops_sec>6000</total_iops_sec>');
    expect(xml).toContain('<total_iops_sec_max>8000</total_iops_sec_max>');
    expect(xml).toContain('<total_iops_sec_max_length>5</total_iops_sec_max_length>');
    expect(xml).toContain('<size_iops_sec>4096</size_iops_sec>');
    expect(xml).toContain('<group_name>foo</group_name>');
    expect(xml).toContain("<target dev='vdb' bus='virtio'/>");
    expect(xml.match(/<iotune>/g)).toHaveLength(2);
    expect(exportVirsh(lab)).toBe(
      'virsh blkdeviotune device-lab vda --total-iops-sec 6000 --total-iops-sec-max 8000 --total-iops-sec-max-length 5 --size-iops-sec 4096 --group-name foo\n' +
        'virsh blkdeviotune device-lab vdc --read-bytes-sec 1000 --group-name hd3\n',
    );
  });

  it('names virtio targets as libvirt does', () => {
    expect([0, 25, 26, 27, 701, 702].map(virtioTarget)).toEqual([
      'vda',
      'vdz',
      'vdaa',
      'vdab',
      'vdzz',
      'vdaaa',
    ]);
  });
});

describe('rack devices', () => {
  it('turns -device tpci200/ipoctal232 and spec/fmc-tdc into the serial and tdc sections, and back', () => {
    const lab = parseQemuCmdline(
      '-drive file=a.qcow2 -device tpci200 -device ipoctal232 -device spec -device fmc-tdc',
    );
    expect(lab.serial).toEqual({});
    expect(lab.tdc).toEqual({});
    expect(parseQemuCmdline('-device tpci200').tdc).toBeUndefined();
    const back = parseQemuCmdline(exportQemuCmdline(lab));
    expect(back.serial).toEqual({});
    expect(back.tdc).toEqual({});
    expect(exportQemuCmdline(defaultLab())).toMatch(
      /-device tpci200 -device ipoctal232 -device spec -device fmc-tdc$/,
    );
  });
});
