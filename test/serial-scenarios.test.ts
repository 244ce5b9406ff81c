// The scenario files in scenarios/serial/ run through the scenario runner on a default-lab
// Machine with the serial rack plugged in (as the default lab wiring does).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../src/cli/scenario';
import { ScenarioRun } from '../src/cli/scenario-runner';
import { Machine } from '../src/emu/machine';
import { createSerialRack, type SerialRack } from '../src/emu/serial/serial-rack';

const DIR = 'scenarios/serial';
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

function runFile(file: string) {
  const scenario = validateScenario(JSON.parse(readFileSync(join(DIR, file), 'utf8')), file);
  const machine = Machine.create({
    lab: scenario.lab,
    ...(scenario.seed !== undefined ? { seed: scenario.seed } : {}),
  });
  if (!machine.getSubsystem('serial'))
    machine.addSubsystem(createSerialRack(machine.sched, machine.rng, machine.trace));
  return new ScenarioRun(scenario, machine).run();
}

describe('serial scenarios', () => {
  it('has the five scenario files', () => {
    expect(files.sort()).toEqual([
      'echo-all-ports.json',
      'error-kinds.json',
      'null-modem.json',
      'shell-help.json',
      'stty-timing.json',
    ]);
  });

  it.each(files)('%s passes every check', (file) => {
    const results = runFile(file);
    const failed = results
      .filter((r) => !r.passed)
      .map((r) => `step ${r.step + 1}: ${r.title} (${r.detail})`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(3);
  });
});

describe('serial rack in the default-lab Machine', () => {
  it('a Machine restored in the middle of a shell answer continues bit for bit', () => {
    const a = Machine.create({ lab: 'default', seed: 1 });
    a.run(20e6);
    a.qmp({ execute: 'x-serial-write', arguments: { port: 0, data: 'help\r' } });
    a.run(15e6);
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    a.run(300e6);
    const b = Machine.create({ lab: 'default', seed: 1 });
    b.restore(snap);
    b.run(300e6);
    const serial = (m: Machine) => m.getSubsystem<SerialRack>('serial');
    expect(serial(a)?.hostOutput(0)).toContain('stty [-F dev]');
    expect(serial(b)?.hostOutput(0)).toBe(serial(a)?.hostOutput(0));
    expect(b.stateHash()).toBe(a.stateHash());
  });
});
