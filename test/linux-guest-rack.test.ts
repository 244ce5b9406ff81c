// The serial rack with an external guest (no TypeScript guest): the same TPCI200 / IP-Octal
// models, reached by another guest through rig.pci, with every host-side feature kept.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/emu/core/rng';
import { Scheduler } from '../src/emu/core/scheduler';
import { SerialRack } from '../src/emu/serial/serial-rack';

function externalRack() {
  const sched = new Scheduler();
  return { sched, rack: new SerialRack(sched, new Rng(1), undefined, undefined, 'external') };
}

describe('serial rack with an external guest', () => {
  it('boots no TypeScript guest: nothing touches the carrier until the outside guest does', () => {
    const { sched, rack } = externalRack();
    sched.runFor(10_000_000);
    expect(rack.hw.tpci200.intaAsserted).toBe(false);
    expect(() => rack.guest).toThrow(/external/);
    expect(rack.hostOutput(0)).toBe('');
  });

  it('reports the programs it was given and refuses to change them', () => {
    const { rack } = externalRack();
    expect(rack.programOf(0)).toBe('shell');
    expect(rack.programOf(7)).toBe('echo');
    expect(() => rack.qmpCommands()['x-serial-program']({ port: 1, program: 'closed' })).toThrow(
      /own programs/,
    );
  });

  it('answers x-query-serial from the line side', () => {
    const { rack } = externalRack();
    rack.hostWrite(2, 'abc');
    const ports = rack.ports();
    expect(ports).toHaveLength(8);
    expect(ports[2]).toMatchObject({ port: 2, device: 'ipoctal.0.0.2', tx: 0 });
    expect(ports[2].rx).toBeLessThanOrEqual(3);
  });

  it('snapshots without a guest section and rejects a TypeScript-guest snapshot', () => {
    const { rack } = externalRack();
    const snap = rack.snapshot();
    expect(snap.guest).toBeUndefined();
    rack.restore(JSON.parse(JSON.stringify(snap)));
    const ts = new SerialRack(new Scheduler(), new Rng(1));
    expect(() => rack.restore(ts.snapshot())).toThrow(/bad data/);
    expect(() => ts.restore(snap)).toThrow(/bad data/);
  });
});
