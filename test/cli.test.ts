import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The CLI as users run it: a child process, exit codes 0/1/2, stdout lines (automation.md §1).
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const LAST_LINE = /^(\d+) passed, (\d+) failed$/;
/** Child processes on a shared, loaded host can be slow: every test here gets this long. */
const SLOW_MS = 180_000;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [tsxCli, 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  const lines = r.stdout.trimEnd().split('\n');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines, last: lines[lines.length - 1] };
}

const dir = mkdtempSync(join(tmpdir(), 'device-lab-cli-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const passing = file('pass.json', {
  name: 'hd6 alone',
  steps: [
    { run: '2s' },
    {
      expect: { execute: 'x-query-throttle-groups', path: '[name=hd6].iops', approx: 5000, tolerance: 0.02 },
    },
    { qmp: { execute: 'query-version' } },
  ],
});
const failing = file('fail.json', {
  steps: [
    { run: '1s' },
    { expect: { execute: 'query-block', path: '[device=hd1].inserted.iops', equals: 1 } },
  ],
});

describe('device-lab run', () => {
  it(
    'prints one line per check and exits 0 when all pass',
    () => {
      const r = cli('run', passing);
      expect(r.code).toBe(0);
      expect(r.lines).toHaveLength(3);
      expect(r.lines[0]).toMatch(/^PASS .*pass\.json step 2: expect x-query-throttle-groups/);
      expect(r.last).toBe('2 passed, 0 failed');
    },
    SLOW_MS,
  );

  it(
    'exits 1 when a check fails and says what it got',
    () => {
      const r = cli('run', passing, failing);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('(got 6000)');
      expect(r.last).toBe('2 passed, 1 failed');
    },
    SLOW_MS,
  );

  it(
    'exits 2 for an invalid file, naming the file and the JSON path of the bad field',
    () => {
      const bad = file('bad.json', { steps: [{ run: '1s' }, { run: '2 parsecs' }] });
      const r = cli('run', passing, bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(bad);
      expect(r.stderr).toContain('steps[1].run');
      const badLab = file('badlab.json', {
        lab: { drives: [{ name: 'a', throttle: { iops: -5 } }] },
        steps: [],
      });
      const r2 = cli('run', badLab);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toContain(`${badLab}: lab.drives[0].throttle.iops: expected a non-negative integer`);
      const badQemu = file('badqemu.json', {
        lab: { qemu: '-drive file=a.qcow2,iops=1,throttling.iops-total=1' },
        steps: [],
      });
      const r3 = cli('run', badQemu);
      expect(r3.code).toBe(2);
      expect(r3.stderr).toContain(
        "'throttling.iops-total' and its alias 'iops' can't be used at the same time",
      );
      expect(cli('run', join(dir, 'missing.json')).code).toBe(2);
      expect(cli('run', file('broken.json', '{"steps": [')).code).toBe(2);
    },
    SLOW_MS,
  );

  it(
    'reads YAML scenarios and checks expect_error against the QEMU text',
    () => {
      const yaml = file(
        'errors.yaml',
        [
          'name: invalid bps',
          'steps:',
          '  - qmp:',
          '      execute: block_set_io_throttle',
          '      arguments: {device: hd1, bps: 1, bps_rd: 1, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0}',
          '    expect_error: "bps/iops/max total values and read/write values cannot be used at the same time"',
          '  - qmp: {execute: query-block}',
          '    expect_error: "something"',
        ].join('\n'),
      );
      const r = cli('run', yaml);
      expect(r.code).toBe(1);
      expect(r.lines[0]).toMatch(/^PASS /);
      expect(r.lines[1]).toMatch(/^FAIL .*the command succeeded/);
      expect(r.last).toBe('1 passed, 1 failed');
    },
    SLOW_MS,
  );

  // The Linux guest needs public/guest (npm run guest:build); without it these fail and say so.
  it.skipIf(process.env.DEVICE_LAB_SKIP_LINUX === '1')(
    'runs serial steps of a scenario on the linux guest (real drivers, real time)',
    () => {
      const r = cli(
        'run',
        file('linux.json', {
          guest: 'linux',
          steps: [
            { qmp: { execute: 'x-serial-write', arguments: { port: 5, data: 'cli-linux-5' } } },
            { serial_expect: { port: 5, contains: 'cli-linux-5', within: '20s' } },
            { qmp: { execute: 'x-serial-write', arguments: { port: 0, data: 'echo sum-$((20+22))\r' } } },
            { serial_expect: { port: 0, contains: 'sum-42', within: '20s' } },
            { expect: { execute: 'x-query-serial', path: '[port=5].device', equals: 'ipoctal.0.0.5' } },
          ],
        }),
      );
      expect(r.stdout + r.stderr).not.toContain('guest:build');
      expect(r.last).toBe('5 passed, 0 failed');
      expect(r.code).toBe(0);
    },
    SLOW_MS,
  );

  it.skipIf(process.env.DEVICE_LAB_SKIP_LINUX === '1')(
    'simulates the default lab with --guest linux',
    () => {
      const r = cli('simulate', '--guest', 'linux', '--seconds', '1', '--json');
      expect(r.stderr).not.toContain('guest:build');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.last);
      expect(j.serial).toHaveLength(8);
      expect(j.serial[0].device).toBe('ipoctal.0.0.0');
      expect(j.virtual_s).toBeGreaterThanOrEqual(1);
      expect(j['query-blockstats'].length).toBeGreaterThan(0);
    },
    SLOW_MS,
  );

  it(
    'fails serial_expect clearly on a lab without the serial rack',
    () => {
      const noSerial = file('noserial.json', {
        lab: { qemu: '-drive file=a.qcow2,iops=100' },
        steps: [{ serial_expect: { port: 0, contains: '$', within: '10ms' } }],
      });
      const r = cli('run', noSerial);
      expect(r.code).toBe(1);
      expect(r.lines[0]).toMatch(/^FAIL .*no serial subsystem/);
    },
    SLOW_MS,
  );

  it(
    'writes JUnit XML with --junit',
    () => {
      const out = join(dir, 'junit.xml');
      const r = cli('run', '--junit', out, passing, failing);
      expect(r.code).toBe(1);
      const xml = readFileSync(out, 'utf8');
      expect(xml).toContain('<testsuites name="device-lab" tests="3" failures="1">');
      expect(xml).toContain('<failure message=');
    },
    SLOW_MS,
  );
});

describe('device-lab simulate', () => {
  it(
    'runs the default lab 60 virtual seconds and holds each group within 1% of its limit',
    () => {
      const r = cli('simulate', '--seconds', '60', '--json');
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(Object.keys(result).sort()).toEqual(
        ['groups', 'query-blockstats', 'serial', 'tdc', 'virtual_s', 'wall_s'].sort(),
      );
      expect(result.virtual_s).toBe(60);
      expect(result['query-blockstats']).toHaveLength(6);
      const groups = result.groups as { name: string; iops: number; limits: { iops: number } }[];
      expect(groups.map((g) => g.name).sort()).toEqual(['bar', 'foo', 'hd6']);
      for (const g of groups)
        expect(Math.abs(g.iops - g.limits.iops) / g.limits.iops).toBeLessThanOrEqual(0.01);
    },
    SLOW_MS,
  );

  it(
    'is deterministic for a seed and prints a table without --json',
    () => {
      const a = JSON.parse(cli('simulate', '--seconds', '1', '--seed', '5', '--json').stdout);
      const b = JSON.parse(cli('simulate', '--seconds', '1', '--seed', '5', '--json').stdout);
      expect(a['query-blockstats']).toEqual(b['query-blockstats']);
      const t = cli('simulate', '--seconds', '1', '--qemu', '-drive file=x.qcow2,iops=100');
      expect(t.code).toBe(0);
      expect(t.stdout).toMatch(/^x\s+\d+\s+\d+/m);
    },
    SLOW_MS,
  );

  it(
    'exits 2 on bad input',
    () => {
      expect(cli('simulate').code).toBe(2);
      expect(cli('simulate', '--seconds', 'ten').code).toBe(2);
      const q = cli('simulate', '--seconds', '1', '--qemu', '-drive file=a,bogus=1');
      expect(q.code).toBe(2);
      expect(q.stderr).toContain("Invalid parameter 'bogus'");
      const lab = cli(
        'simulate',
        '--seconds',
        '1',
        '--lab',
        file('lab.json', { drives: [{ name: 'a', workload: { rw: 'x' } }] }),
      );
      expect(lab.code).toBe(2);
      expect(lab.stderr).toContain('drives[0].workload.rw');
    },
    SLOW_MS,
  );
});

describe('device-lab conformance, bench and usage', () => {
  // The reference traces live beside the checkout, in shared/specs (as test/conformance.test.ts).
  const traces = fileURLToPath(new URL('../../shared/specs/throttle-traces.json', import.meta.url));
  it.skipIf(!existsSync(traces))(
    'replays the reference traces and ends with the count line',
    () => {
      const r = cli('conformance', traces);
      expect(r.code).toBe(0);
      expect(r.last).toMatch(LAST_LINE);
      expect(r.last).toMatch(/ 0 failed$/);
    },
    SLOW_MS,
  );

  it(
    'exits 2 for an invalid trace file',
    () => {
      expect(cli('conformance', file('trace.json', { schema_version: 2 })).code).toBe(2);
    },
    SLOW_MS,
  );

  it(
    'prints bench figures as `name: value unit`',
    () => {
      const r = cli('bench', 'lab.');
      expect(r.code).toBe(0);
      expect(r.lines).toEqual([expect.stringMatching(/^lab\.default\.speed: [\d.]+ x realtime$/)]);
    },
    SLOW_MS,
  );

  it(
    'exits 2 on an unknown command',
    () => {
      const r = cli('frobnicate');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("unknown command 'frobnicate'");
    },
    SLOW_MS,
  );
});
