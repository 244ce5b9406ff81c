import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../core/scheduler';
import { stateHash } from '../core/snapshot';
import { READ, WRITE } from './throttle';
import { configFromQmp } from './throttle-config';
import { ARRIVAL_PRIORITY, ThrottleGroups, type ThrottleMember } from './throttle-group';

/** Smallest rig: scheduler, engine, members A, B, C registered in that order in group g. */
function rig(args: Record<string, number>, names = ['A', 'B', 'C']) {
  const sched = new Scheduler();
  const released: { name: string; atNs: number; id: number }[] = [];
  const engine = new ThrottleGroups(sched, {
    onDispatch: (m, _dir, req) => released.push({ name: m.name, atNs: sched.nowNs, id: req.id }),
  });
  const members = names.map((n, i) => engine.addMember(i, n));
  for (const m of members) engine.join(m, 'g');
  engine.setGroupConfig(members[0].group!, configFromQmp(args));
  let nextId = 0;
  const submit = (m: ThrottleMember, dir: 0 | 1 = READ) =>
    engine.submit(m, dir, { id: nextId++, bytes: 4096 });
  return { sched, engine, members, released, submit };
}

describe('throttle group round-robin (§10, §11)', () => {
  it('releases A1 A2, A3, C1, B1, A4, C2, B2, C3, B3, C4, B4 every 100 ms (g_three_disks_iops10)', () => {
    const { sched, members, released, submit } = rig({ iops: 10 });
    for (const m of members) for (let i = 0; i < 4; i++) submit(m);
    sched.runUntil(2e9);
    const order = released.map((r) => `${r.name}@${r.atNs / 1e6}`);
    expect(order).toEqual([
      'A@0',
      'A@0',
      'A@100',
      'C@200',
      'B@300',
      'A@400',
      'C@500',
      'B@600',
      'C@700',
      'B@800',
      'C@900',
      'B@1000',
    ]);
  });

  it('inserts members at the head and gives a new group its tokens to the first member', () => {
    const { engine, members } = rig({ iops: 10 });
    const g = engine.group('g')!;
    expect(g.members.map((m) => m.name)).toEqual(['C', 'B', 'A']);
    expect(g.tokens).toEqual([members[0], members[0]]);
  });

  it('keeps one armed timer per direction for the whole group', () => {
    const { engine, members, submit } = rig({ iops: 1 });
    for (const m of members) for (let i = 0; i < 3; i++) submit(m);
    const pending = members.filter((m) => m.timerIds[READ] !== 0);
    expect(pending).toHaveLength(1);
    expect(engine.group('g')!.armed).toEqual([true, false]);
  });

  it('moves a leaving member token to its successor and drains its queue without checks', () => {
    const { sched, engine, members, released, submit } = rig({ iops: 10 });
    const [a] = members;
    for (let i = 0; i < 5; i++) submit(a);
    expect(released).toHaveLength(2);
    engine.leave(a);
    expect(released.map((r) => r.atNs)).toEqual([0, 0, 0, 0, 0]);
    const g = engine.group('g')!;
    expect(g.members.map((m) => m.name)).toEqual(['C', 'B']);
    expect(g.tokens[READ]?.name).toBe('C');
    expect(a.group).toBeNull();
    sched.runUntil(1e9);
    expect(released).toHaveLength(5);
  });

  it('deletes an implicit group with its last member but keeps an explicit one', () => {
    const sched = new Scheduler();
    const engine = new ThrottleGroups(sched, { onDispatch: () => {} });
    const a = engine.addMember(0, 'a');
    engine.join(a, 'implicit');
    engine.leave(a);
    expect(engine.group('implicit')).toBeUndefined();
    engine.createGroup('obj', configFromQmp({ iops: 5 }), true);
    engine.join(a, 'obj');
    engine.leave(a);
    expect(engine.group('obj')).toBeDefined();
  });

  it('restarts only the reconfigured member and hands spare capacity to the running member', () => {
    const { sched, engine, members, released, submit } = rig({ iops: 10 });
    const [a, b] = members;
    for (let i = 0; i < 4; i++) submit(a);
    for (let i = 0; i < 4; i++) submit(b);
    sched.runUntil(150_000_000);
    const before = released.length;
    engine.configure(a, configFromQmp({ iops: 1000 }));
    // A's timer fired now and released one of A's requests; the rest follow without waiting.
    expect(released.length).toBeGreaterThan(before);
    expect(released[before].name).toBe('A');
    sched.runUntil(1e9);
    expect(released).toHaveLength(8);
  });

  it('keeps reads and writes on separate timers sharing the total bucket', () => {
    const { sched, members, released, submit } = rig({ iops: 10 });
    const [a] = members;
    submit(a, READ);
    submit(a, READ);
    submit(a, READ);
    submit(a, WRITE);
    sched.runUntil(1e9);
    expect(released.map((r) => r.atNs / 1e6)).toEqual([0, 0, 100, 100]);
  });
});

describe('throttle group properties', () => {
  it('never dispatches more than limit × time + bucket allowance, whatever the members offer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 400 }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 5_000_000 }), fc.boolean()),
          {
            minLength: 1,
            maxLength: 400,
          },
        ),
        (iops, arrivals) => {
          const { sched, engine, members, released } = rig({ iops });
          const owner = sched.register('prop.arrival', (kind, arg) =>
            engine.submit(members[arg], kind as 0 | 1, { id: 0, bytes: 4096 }),
          );
          let t = 0;
          for (const [m, gap, write] of arrivals) {
            t += gap;
            sched.at(t, owner, write ? WRITE : READ, m, ARRIVAL_PRIORITY);
          }
          sched.runUntil(t + 10e9);
          // Per window [0, x]: at most iops·x + bucket (iops/10) + one overflow request per direction.
          // Timers fire at whole ns, truncated from the exact drain instant, so x gets 1 ns of slack:
          // with iops 6, reads and a write both due at 66.666…ms fire at 66_666_666 ns.
          for (let i = 0; i < released.length; i++) {
            const x = (released[i].atNs + 1) / 1e9;
            expect(i + 1).toBeLessThanOrEqual(iops * x + iops / 10 + 2 + 1e-9);
          }
          expect(released).toHaveLength(arrivals.length);
        },
      ),
      // The example is a CI counterexample: two reads and a write at t=0 with iops 6 (see the slack above).
      {
        numRuns: 60,
        examples: [
          [
            6,
            [
              [0, 0, false],
              [0, 0, false],
              [0, 0, true],
            ],
          ],
        ],
      },
    );
  });
});

describe('throttle group snapshot', () => {
  /** Arrival handler: request id from the arrival time, so a restored run names requests alike. */
  const arrival =
    (sched: Scheduler, engine: ThrottleGroups, members: ThrottleMember[]) => (kind: number, arg: number) =>
      engine.submit(members[arg], kind as 0 | 1, {
        id: sched.nowNs / 7_000_000,
        bytes: 4096 * (1 + (arg % 3)),
      });

  function workload(sched: Scheduler, engine: ThrottleGroups, members: ThrottleMember[]) {
    const owner = sched.register('test.arrival', arrival(sched, engine, members));
    for (let i = 0; i < 300; i++) sched.at(i * 7_000_000, owner, i % 2, i % 3, ARRIVAL_PRIORITY);
  }

  it('continues identically after a snapshot taken at any instant (mid-burst included) is restored', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_500_000_000 }), (snapNs) => {
        const a = rig({ iops: 40, iops_max: 80, iops_max_length: 2, bps: 400_000 });
        workload(a.sched, a.engine, a.members);
        a.sched.runUntil(snapNs);
        const snap = structuredClone({ sched: a.sched.snapshot(), engine: a.engine.snapshot() });
        a.sched.runUntil(3e9);
        const straight = stateHash({ sched: a.sched.snapshot(), engine: a.engine.snapshot() });

        const b = rig({ iops: 1 });
        b.sched.register('test.arrival', arrival(b.sched, b.engine, b.members));
        b.engine.restore(snap.engine);
        b.sched.restore(snap.sched);
        b.sched.runUntil(3e9);
        expect(stateHash({ sched: b.sched.snapshot(), engine: b.engine.snapshot() })).toBe(straight);
        const releasedBefore = a.released.filter((r) => r.atNs <= snapNs).length;
        expect(releasedBefore + b.released.length).toBe(a.released.length);
      }),
      { numRuns: 25 },
    );
  });

  it('rejects a snapshot naming an unknown member without changing state', () => {
    const { engine, members, submit } = rig({ iops: 10 });
    for (let i = 0; i < 5; i++) submit(members[0]);
    const before = engine.snapshot();
    const bad = structuredClone(before);
    bad.groups[0].members.push(99);
    expect(() => engine.restore(bad)).toThrow(/unknown member/);
    expect(engine.snapshot()).toEqual(before);
  });
});

describe('timer release without a timer log', () => {
  // With no onTimerLog hook a firing timer hands its owner's head request straight to dispatch;
  // with one it goes through timerCallback. Both must release the same requests at the same times.
  it('releases exactly as the logged path does, for any arrival pattern', () => {
    const arrival = fc.record({
      gapNs: fc.integer({ min: 0, max: 40_000_000 }),
      member: fc.integer({ min: 0, max: 2 }),
      dir: fc.constantFrom(READ, WRITE),
      bytes: fc.integer({ min: 0, max: 1 << 17 }),
    });
    fc.assert(
      fc.property(
        fc.array(arrival, { maxLength: 80 }),
        fc.constantFrom({ iops: 50 }, { iops_rd: 20, iops_wr: 30 }, { bps: 1_000_000, iops: 40 }),
        (arrivals, limits) => {
          const run = (logged: boolean) => {
            const sched = new Scheduler();
            const out: string[] = [];
            const engine = new ThrottleGroups(sched, {
              onDispatch: (m, dir, req) => out.push(`${sched.nowNs}:${m.name}:${dir}:${req.id}`),
              ...(logged ? { onTimerLog: () => {} } : {}),
            });
            const members = ['A', 'B', 'C'].map((n, i) => engine.addMember(i, n));
            for (const m of members) engine.join(m, 'g');
            engine.setGroupConfig(members[0].group!, configFromQmp(limits));
            const owner = sched.register('arrive', (_k, i) => {
              const a = arrivals[i];
              engine.submit(members[a.member], a.dir, { id: i, bytes: a.bytes });
            });
            let t = 0;
            arrivals.forEach((a, i) => {
              t += a.gapNs;
              sched.at(t, owner, 0, i, ARRIVAL_PRIORITY);
            });
            sched.runUntil(t + 60e9);
            return out;
          };
          expect(run(false)).toEqual(run(true));
        },
      ),
    );
  });
});
