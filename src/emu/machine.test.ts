import { describe, expect, it } from 'vitest';
import { parseQemuCmdline } from './control/cmdline';
import type { LabConfig } from './control/lab-config';
import { QmpError } from './control/qmp-types';
import { Machine } from './machine';
import type { Subsystem } from './subsystem';

const BURST_LAB: LabConfig = {
  seed: 7,
  drives: [
    {
      name: 'hd1',
      throttle: { iops: 500, iops_max: 3000, iops_max_length: 4 },
      workload: { rw: 'randrw', bs: 4096, iodepth: 16 },
      stats_intervals: [1],
    },
    {
      name: 'hd2',
      throttle: { bps: 4_000_000 },
      group: 'g',
      workload: { rw: 'randread', bs: 65536, iodepth: 4 },
    },
    {
      name: 'hd3',
      throttle: { bps: 4_000_000 },
      group: 'g',
      workload: { rw: 'write', bs: 4096, iodepth: 8 },
    },
  ],
};

/** A subsystem with one counter, to check the machine's plumbing. */
class Counter implements Subsystem {
  readonly name = 'counter';
  value = 0;
  qmpCommands() {
    return {
      'x-counter-add': (args: Record<string, unknown>) => {
        this.value += Number(args.n ?? 1);
        if (args.fail) throw new QmpError('GenericError', 'told to fail');
        return { value: this.value };
      },
    };
  }
  snapshot() {
    return { v: 1, value: this.value };
  }
  restore(s: unknown) {
    const snap = s as { v?: number; value?: unknown };
    if (snap?.v !== 1 || typeof snap.value !== 'number') throw new Error('counter snapshot: bad data');
    this.value = snap.value;
  }
}

describe('Machine', () => {
  it('restored mid-burst into a fresh machine, runs exactly as the uninterrupted one', () => {
    const a = Machine.create({ lab: BURST_LAB });
    a.run(1_500_000_000); // inside hd1's 4 s burst
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    a.run(3_000_000_000);

    const b = Machine.create({ lab: BURST_LAB });
    b.restore(snap);
    expect(b.nowNs).toBe(1_500_000_000);
    b.run(3_000_000_000);
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.qmp({ execute: 'query-blockstats' })).toEqual(a.qmp({ execute: 'query-blockstats' }));
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number) => {
      const m = Machine.create({ seed });
      m.run(500_000_000);
      return m.stateHash();
    };
    expect(run(3)).toBe(run(3));
    expect(run(3)).not.toBe(run(4));
  });

  it('answers malformed QMP with a clear error and leaves the state unchanged', () => {
    const m = Machine.create();
    m.run(200_000_000);
    const before = m.stateHash();
    const cases: [unknown, string][] = [
      ['block_set_io_throttle', 'QMP input must be a JSON object'],
      [{ arguments: {} }, "QMP input lacks member 'execute'"],
      [{ execute: 'no-such' }, 'The command no-such has not been found'],
      [{ execute: 'block_set_io_throttle', arguments: 3 }, "QMP input member 'arguments' must be an object"],
      [
        {
          execute: 'block_set_io_throttle',
          arguments: { device: 'hd1', bps: 1, bps_rd: 1, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0 },
        },
        'bps/iops/max total values and read/write values cannot be used at the same time',
      ],
      [
        {
          execute: 'block_set_io_throttle',
          arguments: { device: 'nope', bps: 0, bps_rd: 0, bps_wr: 0, iops: 1, iops_rd: 0, iops_wr: 0 },
        },
        "Device 'nope' not found",
      ],
      [
        { execute: 'x-export-config', arguments: { format: 'xml' } },
        "Parameter 'format' does not accept value 'xml'",
      ],
    ];
    for (const [input, desc] of cases) {
      const r = m.qmp(input);
      expect(r).toMatchObject({ error: { desc } });
    }
    expect(m.stateHash()).toBe(before);
  });

  it('plugs in subsystems: QMP commands, query-commands, snapshot section, getSubsystem', () => {
    const m = Machine.create();
    const c = new Counter();
    m.addSubsystem(c);
    expect(m.getSubsystem<Counter>('counter')).toBe(c);
    expect(m.getSubsystem('serial')).toBeDefined();
    expect(m.getSubsystem('no-such')).toBeUndefined();
    const names = (m.qmp({ execute: 'query-commands' }) as { return: { name: string }[] }).return.map(
      (x) => x.name,
    );
    expect(names).toContain('x-counter-add');
    expect(names).toContain('x-export-config');
    expect(m.snapshot().subsystems.counter).toEqual({ v: 1, value: 0 });
    expect(() => m.addSubsystem(new Counter())).toThrow(/added twice/);
  });

  it('refuses a bad snapshot and changes nothing', () => {
    const m = Machine.create();
    const c = new Counter();
    m.addSubsystem(c);
    m.run(100_000_000);
    const good = m.snapshot();
    m.run(100_000_000);
    const before = m.stateHash();
    expect(() => m.restore({ ...good, v: 2 } as never)).toThrow(/version/);
    expect(() => m.restore({ ...good, subsystems: { block: good.subsystems.block } })).toThrow(
      /no section for subsystem/,
    );
    // the block section restores, then the counter's fails: the block must be rolled back
    expect(() =>
      m.restore({ ...good, subsystems: { ...good.subsystems, counter: { v: 1, value: 'x' } } }),
    ).toThrow(/counter snapshot/);
    expect(m.stateHash()).toBe(before);
  });

  it('builds from a QEMU command line and exports it back through QMP', () => {
    const qemu =
      '-object throttle-group,id=g0,x-iops-total=900 -drive file=a.qcow2,if=virtio,throttling.iops-total=900,throttling.group=g0 -drive file=b.raw,id=b,bps=1000000';
    const m = Machine.create({ qemu });
    m.run(1_000_000_000);
    const r = m.qmp({ execute: 'x-export-config', arguments: { format: 'qemu' } }) as { return: string };
    const back = parseQemuCmdline(r.return);
    expect(back.groups).toEqual([{ name: 'g0', limits: { iops: 900 } }]);
    expect(back.drives.map((d) => [d.name, d.throttle, d.group])).toEqual([
      ['a', { iops: 900 }, 'g0'],
      ['b', { bps: 1000000 }, 'b'],
    ]);
    const virsh = m.qmp({ execute: 'x-export-config', arguments: { format: 'virsh' } }) as { return: string };
    expect(virsh.return).toContain('virsh blkdeviotune device-lab vda --total-iops-sec 900 --group-name g0');
    const xml = m.qmp({ execute: 'x-export-config', arguments: { format: 'libvirt' } }) as { return: string };
    expect(xml.return).toContain('<total_bytes_sec>1000000</total_bytes_sec>');
  });

  it('exports a runtime block_set_io_throttle change', () => {
    const m = Machine.create();
    const set = m.qmp({
      execute: 'block_set_io_throttle',
      arguments: { device: 'hd1', iops: 3000, bps: 0, bps_rd: 0, bps_wr: 0, iops_rd: 0, iops_wr: 0 },
    });
    expect(set).toEqual({ return: {} });
    const lab = m.labConfig();
    expect(lab.drives.filter((d) => d.group === 'foo').map((d) => d.throttle)).toEqual([
      { iops: 3000 },
      { iops: 3000 },
      { iops: 3000 },
    ]);
  });

  it('builds again from its own labConfig()', () => {
    const a = Machine.create({ lab: BURST_LAB });
    a.qmp({ execute: 'x-workload-set', arguments: { device: 'hd2', rw: 'none' } });
    const lab = a.labConfig();
    expect(lab.drives[1].workload).toBeNull();
    const b = Machine.create({ lab });
    expect(b.labConfig()).toEqual(lab);
    const file = a.qmp({ execute: 'x-export-config', arguments: { format: 'lab' } }) as { return: string };
    expect(JSON.parse(file.return)).toEqual(lab);
    expect(b.qmp({ execute: 'query-block' })).toEqual(a.qmp({ execute: 'query-block' }));
  });

  it('fails to build with messages naming the bad input', () => {
    expect(() => Machine.create({ lab: { drives: [{ name: 'a', throttle: { iops: -1 } }] } })).toThrow(
      'drives[0].throttle.iops: expected a non-negative integer',
    );
    expect(() =>
      Machine.create({ lab: { drives: [{ name: 'a', throttle: { bps: 1, bps_rd: 1 } }] } }),
    ).toThrow('drives[0]: bps/iops/max total values and read/write values cannot be used at the same time');
    expect(() => Machine.create({ qemu: '-drive file=a,iops=1,throttling.iops-total=1' })).toThrow(
      "'throttling.iops-total' and its alias 'iops' can't be used at the same time",
    );
    expect(() => Machine.create({ lab: 'default', qemu: '' })).toThrow(/not both/);
    expect(() => Machine.create({ seed: -1 })).toThrow('seed: expected an integer');
  });
});
