// Carries a running lab into a machine that differs from it in one subsystem (the worker's guest
// switch: the TypeScript guest's serial rack ⇄ the rack the Linux guest drives). Every other
// subsystem, the clock, the RNG and their pending events move over unchanged, so the disks and
// the TDC go on where they were; the swapped subsystem keeps the target's own state, its pending
// events moved forward by the time the source had run.
import { Machine } from './machine';

/**
 * Restores into `to` the state of `from` except subsystem `swapped`. `ownedBySwapped` tells the
 * scheduler owners of that subsystem (their events are taken from `to`, the others' from `from`).
 * Validates through Machine.restore: on error it throws and `to` is unchanged.
 */
export function transplant(
  from: Machine,
  to: Machine,
  swapped: string,
  ownedBySwapped: (owner: string) => boolean,
): void {
  const a = from.snapshot();
  const b = to.snapshot();
  if (!(swapped in b.subsystems)) throw new Error(`transplant: the target has no subsystem "${swapped}"`);
  const shiftNs = a.sched.nowNs - b.sched.nowNs;
  const moved = b.sched.events
    .filter((e) => ownedBySwapped(e.owner))
    .sort((x, y) => x.seq - y.seq)
    .map((e, i) => ({ ...e, atNs: e.atNs + shiftNs, seq: a.sched.nextSeq + i }));
  to.restore({
    ...a,
    subsystems: { ...a.subsystems, [swapped]: b.subsystems[swapped] },
    sched: {
      ...a.sched,
      nextSeq: a.sched.nextSeq + moved.length,
      events: [...a.sched.events.filter((e) => !ownedBySwapped(e.owner)), ...moved],
    },
  });
}

/** The scheduler owners that only the serial rack of `m`'s lab registers. */
export function serialOwners(m: Machine): (owner: string) => boolean {
  const without = Machine.create({ lab: { ...m.lab, serial: false }, seed: m.seed });
  return (owner) => !without.sched.hasOwner(owner);
}

/** transplant() of everything but the serial rack (the guest switch). */
export function transplantAllButSerial(from: Machine, to: Machine): void {
  transplant(from, to, 'serial', serialOwners(from));
}
